// `delineate segment` on a volume: every slice (or --slices A:B) through the model, the prompt
// embedded once and slices batched through the vision graph, into ONE full-grid mask with the
// source's geometry (NIfTI: the source's qform/sform copied; DICOM: the stack's affine), slices
// outside the range zero. Only the 0/1 mask volume (slices × width × height bytes per prompt) and
// the batch in flight are held.

import { mkdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Engine } from '../engine/runtime/engine.ts';
import { readAdapterFile } from '../engine/model/adapter-file.ts';
import type { Precision } from '../contract/precision.ts';
import { dataFolder, dataPaths } from '../fs/data-folder.ts';
import { openCliModel } from './model-precision.ts';
import { writeLabelMask } from '../io/nifti.ts';
import { writeDicomSeg, type SegSegment } from '../io/dicom-seg.ts';
import { resolveModel } from '../models/registry.ts';
import type { VolumeInput } from '../inference/volume-source.ts';
import { defaultVolumeBatch, parseSliceRange, segmentVolume } from '../inference/volume-segment.ts';
import { intOption, providerOption, UsageError } from './args.ts';
import { sliceProgress } from './slice-progress.ts';

export const volumeHelp = `
Volumes (a NIfTI volume, a multi-frame DICOM, a DICOM series folder; without --frame):
  every slice is segmented and ONE mask of the full grid is written with the source's geometry
  (NIfTI: its qform/sform copied exactly; DICOM: the stack's affine); slices not segmented are 0.
  SERIES_DIR         a folder (searched recursively) of DICOM files: grouped into series and
                     stacks sorted along the slice normal, as import does; the largest stack is
                     segmented and the others are listed on stderr
  --series UID       segment this SeriesInstanceUID of the folder instead (its largest stack)
  --slices A:B       only slices A..B-1: A inclusive, B exclusive, 0-based in stored order (the
                     file's third axis; for a DICOM series the sorted stack). A: or :B leave the
                     other end open, negative counts from the end, a single A is one slice
  --volume t         the volume of a 4-D NIfTI (0-based); required there, the error says how many
  --batch N          slices per vision-graph run (default ${defaultVolumeBatch}; docs/benchmarks.md, bench volume)
  --out PATH         .nii.gz or .nii (uint8 label volume); with several prompts a folder, masks
                     named NN-<prompt>.<--format> (nii.gz by default). .dcm (DICOM sources only):
                     one binary DICOM SEG of the source series, a segment per prompt (AUTOMATIC,
                     the model's name), empty slices and slices outside --slices omitted
  Progress (slices/s) goes to stderr: a bar on a terminal, a line per tenth otherwise.`;

export interface VolumeSegmentCliOptions {
  input: VolumeInput;
  precision?: Precision;
  prompts: string[];
  threshold: number;
  out?: string;
  format?: string;
  slices?: string;
  batch?: string;
  logits?: string;
  model?: string;
  adapter?: string;
  data?: string;
  provider?: string;
  threads?: string;
  json: boolean;
}

type VolumeFormat = 'nii' | 'nii.gz' | 'dcm';

function volumeFormatOf(path: string): VolumeFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.nii.gz')) return 'nii.gz';
  if (lower.endsWith('.nii')) return 'nii';
  if (lower.endsWith('.dcm')) return 'dcm';
  throw new UsageError(`--out ${path}: a volume's mask is one 3-D file: .nii.gz, .nii or .dcm (or a folder)`);
}

/** Segment colours of a SEG, one per prompt in order (the app's label palette starts the same way). */
const SEG_COLOURS = ['#ff3b30', '#34c759', '#4dabf7', '#ffcc00', '#af52de', '#ff9500', '#5ac8fa', '#ff2d55'];

const slug = (prompt: string): string => prompt.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'empty';

const isFolder = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** Where each prompt's mask goes: one file, or NN-<prompt>.<format> in a folder. Checked before any work. */
function outputPaths(o: VolumeSegmentCliOptions): string[] | null {
  if (!o.out) return null;
  if (/\.dcm$/i.test(o.out)) {
    if (!o.input.dicomSlices) throw new UsageError(`--out ${o.out}: a DICOM SEG refers to DICOM source images, and ${o.input.source.name} is ${o.input.kind === 'nifti' ? 'NIfTI' : 'not DICOM'}; write .nii.gz or .nii`);
    return [o.out]; // one SEG, a segment per prompt
  }
  const folder = o.prompts.length > 1 || isFolder(o.out) || /[/\\]$/.test(o.out);
  if (!folder) {
    volumeFormatOf(o.out);
    return [o.out];
  }
  if (/\.(nii|nii\.gz|dcm|png)$/i.test(o.out) && !isFolder(o.out)) throw new UsageError(`--out ${o.out}: with several prompts --out is a folder (masks named per prompt)`);
  const format = o.format ?? 'nii.gz';
  if (format !== 'nii' && format !== 'nii.gz') throw new UsageError(`--format ${format}: a volume's masks are nii or nii.gz`);
  return o.prompts.map((p, n) => join(o.out!, `${String(n + 1).padStart(2, '0')}-${slug(p)}.${format}`));
}

export async function segmentVolumeCommand(o: VolumeSegmentCliOptions): Promise<void> {
  const { input } = o;
  const { source } = input;
  if (o.logits) throw new UsageError('--logits writes one slice\'s logits: use it with --frame N on a volume');
  const paths = outputPaths(o);
  let range = { start: 0, end: source.slices };
  if (o.slices !== undefined) {
    try {
      range = parseSliceRange(o.slices, source.slices);
    } catch (e) {
      throw new UsageError(`--slices: ${(e as Error).message} of ${source.name}`);
    }
  }
  const batch = intOption(o.batch, 'batch', defaultVolumeBatch);
  const info = resolveModel(o.model, dataPaths.models(dataFolder(o.data)));
  const engine = new Engine({ provider: providerOption(o.provider), threads: o.threads ? intOption(o.threads, 'threads', 2) : undefined });
  try {
    const t0 = performance.now();
    const model = await openCliModel(info.dir, engine, { imageCacheBytes: 0, data: o.data, precision: o.precision });
    if (o.adapter) {
      const adapter = readAdapterFile(o.adapter, model.config, info.sha256);
      await model.segmenter.setAdapter(adapter);
      if (!o.json) console.error(`adapter ${o.adapter}: ${adapter.set.variant}`);
    }
    const count = range.end - range.start;
    const plane = source.width * source.height;
    const notes = input.notes.length ? ` (${input.notes.join('; ')})` : '';
    if (!o.json) console.error(`model ${info.dir} loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s (${model.segmenter.precision}: ${model.precisionWhy}); ${source.name}${notes}: ${source.width}×${source.height}×${source.slices}, segmenting slices ${range.start}..${range.end - 1} (${count}) in batches of ${batch}`);
    // one full-grid 0/1 volume per prompt: the only thing that grows with the slice count
    const volumes = o.prompts.map(() => new Uint8Array(source.slices * plane));
    const areas = o.prompts.map(() => 0);
    const progress = sliceProgress(process.stderr);
    const t1 = performance.now();
    await segmentVolume(model, source, {
      prompts: o.prompts, threshold: o.threshold, batch,
      slices: Array.from({ length: count }, (_, i) => range.start + i),
      onSlice: (k, masks) => masks.forEach((m, p) => {
        volumes[p].set(m, k * plane);
        for (let i = 0; i < m.length; i++) areas[p] += m[i];
      }),
      onProgress: (done, total) => progress.update(done, total),
    });
    progress.finish();
    const seconds = (performance.now() - t1) / 1000;
    if (paths && paths.length > 1) mkdirSync(o.out!, { recursive: true });
    const seg = paths && paths.length === 1 && volumeFormatOf(paths[0]) === 'dcm';
    if (seg) {
      const algorithm = { type: 'AUTOMATIC' as const, name: `CLIPSeg ${info.name}${o.adapter ? ` + adapter ${basename(o.adapter)}` : ''}`, version: `${info.name}@${info.sha256.slice(0, 12)}` };
      const segments: SegSegment[] = o.prompts.map((prompt, p) => ({
        label: prompt, color: SEG_COLOURS[p % SEG_COLOURS.length], algorithm,
        masks: Array.from({ length: source.slices }, (_, k) => (k >= range.start && k < range.end ? volumes[p].subarray(k * plane, (k + 1) * plane) : null)),
      }));
      await writeDicomSeg(paths[0], input.dicomSlices!, segments, { seriesDescription: `Delineate: ${o.prompts.join(', ')}`.slice(0, 64) });
    }
    for (const [p, prompt] of o.prompts.entries()) {
      const written: string[] = [];
      if (paths && !seg) {
        writeLabelMask(paths[p], volumes[p], input.geometry);
        written.push(paths[p]);
      } else if (seg) {
        written.push(paths![0]);
      }
      const voxels = plane * count;
      const result = {
        prompt, voxels: areas[p], fraction: areas[p] / voxels, width: source.width, height: source.height, slices: source.slices,
        range: [range.start, range.end], batch, seconds: Math.round(seconds * 100) / 100, slices_per_s: Math.round((count / seconds) * 100) / 100, written,
      };
      if (o.json) console.log(JSON.stringify(result));
      else console.log(`"${prompt}": ${areas[p]} voxels (${((100 * areas[p]) / voxels).toFixed(1)}% of slices ${range.start}..${range.end - 1}) in ${seconds.toFixed(1)} s, ${(count / seconds).toFixed(2)} slices/s${written.length ? ` → ${written.join(', ')}` : ''}`);
    }
  } finally {
    await engine.close();
  }
}
