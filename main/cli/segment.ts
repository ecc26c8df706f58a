// `delineate segment`: one image, one or more prompts, against one cached image encoding. Writes
// the mask (PNG 0/255, or NIfTI with the source's geometry) and optionally the raw logits (.npy).
// A volume (several slices, a 4-D NIfTI's chosen volume) goes to segment-volume.ts unless --frame
// asks for one slice.

import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Engine } from '../engine/runtime/engine.ts';
import { readAdapterFile } from '../engine/model/adapter-file.ts';
import { logitsToMask } from '../engine/model/postprocess.ts';
import { preprocess } from '../engine/model/preprocess.ts';
import { writeNpy } from '../engine/model/npy.ts';
import { binaryMaskToPng } from '../io/png-mask.ts';
import { sliceGeometry } from '../io/geometry.ts';
import { writeGreyImage, writeLabelMask } from '../io/nifti.ts';
import { writeFileAtomic } from '../fs/atomic.ts';
import { dataFolder, dataPaths } from '../fs/data-folder.ts';
import { resolveModel } from '../models/registry.ts';
import type { Raster } from '../io/raster.ts';
import { openVolumeFile, VolumeChoiceError, type VolumeInput } from '../inference/volume-source.ts';
import { openVolumeFolder } from '../inference/volume-series.ts';
import { intOption, parse, providerOption, UsageError } from './args.ts';
import { segmentProject } from './segment-project.ts';
import { openCliModel, precisionOption } from './model-precision.ts';
import { segmentVolumeCommand, volumeHelp } from './segment-volume.ts';

const help = `usage: delineate segment --image FILE --prompt TEXT [--prompt TEXT ...] [--adapter FILE] [options]
       delineate segment --image VOLUME|SERIES_DIR --prompt TEXT [--slices A:B] [--volume t] --out mask.nii.gz|mask.nii|mask.dcm|DIR
       delineate segment --project NAME --prompt TEXT [--label NAME] [--all-frames] [--threshold T]

  --project NAME     segment every image of a project (middle frame, or --all-frames) as a
                     persisted job; masks are saved as model masks with the project's active
                     adapter (review them in the app, or: delineate export --kind model)

  --model DIR|NAME   model folder or installed model name (default: the installed one)
  --image FILE       PNG, JPEG, DICOM or NIfTI (.nii/.nii.gz); a volume is segmented whole (below);
                     a folder of DICOM files is a series (below)
  --frame N          only this slice/frame of a volume or multi-frame DICOM (0-based), written as a
                     one-slice image with that slice's geometry
  --prompt TEXT      what to segment; repeat for several prompts (one image encoding serves all)
  --prompts FILE     more prompts, one per line (blank lines and lines starting with # skipped)
  --adapter FILE     VLSM-Adapter modules (safetensors, reference module names) to apply
  --threshold T      probability threshold in [0, 1] (default 0.5)
  --out PATH         mask file: .png (0/255), .nii or .nii.gz (uint8 label, source geometry);
                     with several prompts a folder, masks named NN-<prompt>.<--format>
  --format F         png | nii | nii.gz for --out folders (default png)
  --logits PATH      raw float32 logits at model resolution as .npy [H, W] (a folder for several prompts)
  --data DIR         data folder holding installed models (and this computer's compiled models)
  --precision P      fp32 | int8: the vision tower's precision (default: the model's recorded one —
                     int8 once its self-check agreed with fp32, see \`delineate model check-precision\`)
  --provider P       auto | cuda | webgpu | cpu      --threads N   CPU threads
  --json             one JSON line per prompt
${volumeHelp}`;

const maskFormats = ['png', 'nii', 'nii.gz'] as const;
type MaskFormat = (typeof maskFormats)[number];

function formatOf(path: string): MaskFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.nii.gz')) return 'nii.gz';
  if (lower.endsWith('.nii')) return 'nii';
  if (lower.endsWith('.png')) return 'png';
  throw new UsageError(`--out ${path}: the mask format comes from the extension: .png, .nii or .nii.gz`);
}

const slug = (prompt: string): string => prompt.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'empty';

function readPrompts(lists: Record<string, string[]>, file: string | undefined): string[] {
  const prompts = [...(lists.prompt ?? [])];
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`--prompts ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    prompts.push(...text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')));
  }
  if (prompts.length === 0) throw new UsageError(`give at least one --prompt (or --prompts FILE)\n\n${help}`);
  return prompts;
}

/** The image or volume named by --image; a 4-D NIfTI without --volume is a usage error saying how to pick. */
async function openInput(path: string, volume: number | undefined, series: string | undefined): Promise<VolumeInput> {
  const folder = existsAsFolder(path);
  if (series !== undefined && !folder) throw new UsageError(`--series ${series} picks a series of a folder; ${path} is a file`);
  if (volume !== undefined && folder) throw new UsageError(`--volume ${volume} picks a volume of a 4-D NIfTI; ${path} is a folder`);
  try {
    return folder ? await openVolumeFolder(path, { series }) : await openVolumeFile(path, { volume });
  } catch (e) {
    if (e instanceof VolumeChoiceError) throw new UsageError(e.message);
    throw e;
  }
}

export async function segmentCommand(argv: string[]): Promise<void> {
  const { values, lists, flags } = parse(argv, {
    model: { type: 'string' }, adapter: { type: 'string' }, image: { type: 'string' }, frame: { type: 'string' }, prompt: { type: 'string', multiple: true }, prompts: { type: 'string' },
    threshold: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' }, logits: { type: 'string' }, data: { type: 'string' },
    provider: { type: 'string' }, threads: { type: 'string' }, json: { type: 'boolean' },
    project: { type: 'string' }, label: { type: 'string' }, 'all-frames': { type: 'boolean' },
    slices: { type: 'string' }, volume: { type: 'string' }, series: { type: 'string' }, batch: { type: 'string' }, precision: { type: 'string' },
  }, help);
  const precision = precisionOption(values.precision);
  const prompts = readPrompts(lists, values.prompts);
  const threshold = values.threshold === undefined ? 0.5 : Number(values.threshold);
  if (!(threshold >= 0 && threshold <= 1)) throw new UsageError(`--threshold must be a number in [0, 1], got '${values.threshold}'`);
  if (values.project) {
    if (values.image || values.out || values.logits || values.adapter) throw new UsageError('--project segments stored images into the project: --image, --out, --logits and --adapter do not apply (the project\'s active adapter is used)');
    await segmentProject({ project: values.project, prompts, threshold, label: values.label, allFrames: flags['all-frames'] ?? false, model: values.model, data: values.data, provider: values.provider, threads: values.threads, json: flags.json ?? false });
    return;
  }
  if (!values.image) throw new UsageError(`--image (or --project) is required\n\n${help}`);
  if (values.frame !== undefined && values.slices !== undefined) throw new UsageError('--frame segments one slice, --slices a range of the volume: give one of them');
  const volume = values.volume === undefined ? undefined : intOption(values.volume, 'volume', 0, 0);
  const input = await openInput(values.image, volume, values.series);
  if (values.frame === undefined && (input.source.slices > 1 || values.slices !== undefined || /\.dcm$/i.test(values.out ?? ''))) {
    await segmentVolumeCommand({
      input, prompts, threshold, out: values.out, format: values.format, slices: values.slices, batch: values.batch, logits: values.logits,
      model: values.model, adapter: values.adapter, data: values.data, provider: values.provider, threads: values.threads, json: flags.json ?? false, precision,
    });
    return;
  }
  if (values.batch !== undefined) throw new UsageError(`--batch applies to volumes; ${values.image} is one image`);
  const format = (values.format ?? 'png') as MaskFormat;
  if (!maskFormats.includes(format)) throw new UsageError(`--format must be png, nii or nii.gz, got '${values.format}'`);
  const several = prompts.length > 1;
  if (values.out && !several) formatOf(values.out);
  if (several && values.out && /\.(png|nii|nii\.gz)$/i.test(values.out)) throw new UsageError(`--out ${values.out}: with several prompts --out is a folder (masks named per prompt)`);
  if (values.frame !== undefined) intOption(values.frame, 'frame', 0, 0);
  if (values.logits && !several && extname(values.logits).toLowerCase() !== '.npy') throw new UsageError(`--logits ${values.logits}: the file name must end in .npy`);

  const info = resolveModel(values.model, dataPaths.models(dataFolder(values.data)));
  const modelDir = info.dir;
  const frame = values.frame === undefined ? Math.floor(input.source.slices / 2) : Number(values.frame);
  if (frame >= input.source.slices) throw new UsageError(`--frame ${frame}: ${values.image} has frames 0..${input.source.slices - 1}`);
  const raster = await input.source.read(frame);
  const item = { width: input.source.width, height: input.source.height };
  const engine = new Engine({ provider: providerOption(values.provider), threads: values.threads ? intOption(values.threads, 'threads', 2) : undefined });
  try {
    const t0 = performance.now();
    const model = await openCliModel(modelDir, engine, { data: values.data, precision });
    if (values.adapter) {
      const adapter = readAdapterFile(values.adapter, model.config, info.sha256);
      await model.segmenter.setAdapter(adapter);
      if (!flags.json) console.error(`adapter ${values.adapter}: ${adapter.set.variant}`);
    }
    const loadMs = performance.now() - t0;
    const size = model.preprocess.height;
    const t1 = performance.now();
    const key = `cli:${frame}`;
    await model.segmenter.encodeImage(key, preprocess(raster, model.preprocess));
    const encodeMs = performance.now() - t1;
    if (!flags.json) console.error(`model ${modelDir} loaded in ${(loadMs / 1000).toFixed(1)} s (${model.segmenter.precision}: ${model.precisionWhy}); image ${item.width}×${item.height} encoded in ${encodeMs.toFixed(0)} ms`);
    for (const [n, prompt] of prompts.entries()) {
      const t = performance.now();
      const logits = await model.segmenter.logits(key, prompt);
      const mask = logitsToMask(logits, size, size, item.height, item.width, threshold);
      const ms = performance.now() - t;
      const area = mask.reduce((a, b) => a + b, 0);
      const written: string[] = [];
      const name = `${String(n + 1).padStart(2, '0')}-${slug(prompt)}`;
      if (values.out) {
        const path = several ? (mkdirSync(values.out, { recursive: true }), join(values.out, `${name}.${format}`)) : values.out;
        written.push(...writeMask(path, mask, input, frame, raster));
      }
      if (values.logits) {
        const path = several ? (mkdirSync(values.logits, { recursive: true }), join(values.logits, `${name}.npy`)) : values.logits;
        writeNpy(path, { dtype: '<f4', shape: [size, size], data: logits });
        written.push(path);
      }
      const result = { prompt, pixels: area, fraction: area / mask.length, width: item.width, height: item.height, frame, precision: model.segmenter.precision, precisionReason: model.precisionWhy, ms: Math.round(ms * 10) / 10, written };
      if (flags.json) console.log(JSON.stringify(result));
      else console.log(`"${prompt}": ${area} px (${((100 * area) / mask.length).toFixed(1)}%) in ${ms.toFixed(0)} ms${written.length ? ` → ${written.join(', ')}` : ''}`);
    }
  } finally {
    await engine.close();
  }
}

/**
 * PNG: 0/255 at the source size. NIfTI: uint8 label mask with the source's geometry (the slice's,
 * for volumes); for PNG/JPEG sources the image itself is written beside it with the same header,
 * so the two overlay in any viewer.
 */
function writeMask(path: string, mask: Uint8Array, input: VolumeInput, frame: number, raster: Raster): string[] {
  const item = { kind: input.kind, width: input.source.width, height: input.source.height, frames: input.source.slices, geometry: input.geometry };
  if (existsAsFolder(path)) throw new UsageError(`--out ${path} is a folder; give a file name ending in .png, .nii or .nii.gz`);
  const format = formatOf(path);
  if (format === 'png') {
    writeFileAtomic(path, binaryMaskToPng(mask, { width: item.width, height: item.height }));
    return [path];
  }
  const geometry = item.frames > 1 || item.geometry.dims[2] > 1 ? sliceGeometry(item.geometry, frame) : item.geometry;
  writeLabelMask(path, mask, geometry);
  if (item.kind !== 'raster') return [path];
  const imagePath = path.replace(/(\.nii(\.gz)?)$/i, '_image$1');
  const grey = new Uint8Array(item.width * item.height);
  for (let i = 0; i < grey.length; i++) grey[i] = raster.channels >= 3 ? Math.round(0.299 * raster.data[i * raster.channels] + 0.587 * raster.data[i * raster.channels + 1] + 0.114 * raster.data[i * raster.channels + 2]) : raster.data[i * raster.channels];
  writeGreyImage(imagePath, grey, 'uint8', geometry);
  return [path, imagePath];
}

function existsAsFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
