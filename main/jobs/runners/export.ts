// The 'export' job: a project's current masks of one kind as files other tools read.
//   png        0/255 grey PNG per mask, the source's size       png-index  the same with 0/1
//   nii/nii.gz uint8 label mask (intent label) with the image's geometry; a volume (a series stack,
//              a NIfTI volume, a multi-frame file) gets ONE full-grid mask per label with the
//              volume's geometry, its slices without a mask left 0; for a PNG/JPEG source also the
//              image itself as NIfTI (`img-<id>_image.nii` or `.nii.gz`, as the masks) with the same
//              header, so the two overlay in any viewer
//   dicom-seg  one binary DICOM SEG per DICOM image (a series stack, a multi-frame file or one
//              slice), one segment per label, referencing the source instances; per slice and
//              label the corrected mask, else the model's (with kind 'model': the model's only);
//              other images are left out with the reason (see DicomSegWriter below)
//   dataset    a MedVLSM dataset folder (images as the model sees them, masks 0/255, anns with
//              prompts p0 "", p1 the label's name, p2… its other prompts; the split recorded at
//              import, else a seeded 80/10/10 one)
// File names come from internal ids only, never source names: `img-<id>[-f<frame>][-l<labelId>]`
// (frame only for PNG masks of multi-frame images, label only for labelled masks). Where several labels have a
// mask on one frame, a combined label mask `img-<id>[-f<frame>]-labels.png|.nii[.gz]` (palette PNG
// or NIfTI label values; where masks overlap the label listed later wins) is written as well, with
// `labels.json` (index → label) at the top of the export.
//
// Atomicity: everything is written into a temporary sibling of outDir that is renamed into place
// at the end (exportMedVlsmDataset does the same for datasets), so a cancelled, failed or crashed
// export never leaves a partial folder under the final name. outDir must not exist or be empty.
// `manifest.json` lists every file with its image, frame, label, mask and the source's content
// hash (not for datasets, whose layout is fixed).

import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { sweepStaleTemporaries, syncFolder, temporaryPath, writeFileAtomic } from '../../fs/atomic.ts';
import { encodeDicomSeg, type SegAlgorithmType, type SegSegment, type SegSourceSlice } from '../../io/dicom-seg.ts';
import { isDicom, isJpeg, isPng } from '../../io/file-kind.ts';
import { defaultRasterAffine, makeGeometry, rasterGeometry, sliceGeometry, XFORM_ALIGNED, type Geometry } from '../../io/geometry.ts';
import { encodePng } from '../../io/image-decode.ts';
import { loadImageFrame } from '../../io/import-scan.ts';
import { assignSplits, exportMedVlsmDataset, SPLITS, type MedVlsmExportItem, type Prompts, type Split } from '../../io/medvlsm-dataset.ts';
import { writeGreyImage, writeLabelMask } from '../../io/nifti.ts';
import { binaryMaskToPng, labelMaskToPng, type Rgb } from '../../io/png-mask.ts';
import type { Raster } from '../../io/raster.ts';
import { InvalidValueError, MaskSizeError, NotFoundError } from '../../store/errors.ts';
import type { Image } from '../../store/images.ts';
import type { Job } from '../../store/jobs.ts';
import type { Label } from '../../store/labels.ts';
import type { MaskInfo, MaskKind } from '../../store/masks.ts';
import type { Store } from '../../store/store.ts';
import type { JobContext, JobRunner } from '../runner.ts';
import { IMAGE_SPLITS_SETTING } from '../../store/projects.ts';

export const exportFormats = ['png', 'png-index', 'nii', 'nii.gz', 'dicom-seg', 'dataset'] as const;
export type ExportFormat = (typeof exportFormats)[number];

export interface ExportJobConfig {
  projectId: number;
  outDir: string;
  format: ExportFormat;
  /** which masks: 'corrected' (default) or 'model'; images without one are left out */
  kind?: MaskKind;
  /** only this label's masks */
  labelId?: number;
}

export interface ExportResult {
  dir: string;
  /** files written (manifest.json not counted) */
  files: number;
  /** masks exported */
  masks: number;
  /** masks left out; each is in the job log with its reason */
  skipped: number;
}

export function exportConfig(config: Record<string, unknown>): ExportJobConfig & { kind: MaskKind } {
  const { projectId, outDir, format, kind, labelId } = config;
  if (!Number.isInteger(projectId)) throw new InvalidValueError('export config projectId', `must be a project id, got ${JSON.stringify(projectId)}`);
  if (typeof outDir !== 'string' || outDir === '') throw new InvalidValueError('export config outDir', `must be a folder path, got ${JSON.stringify(outDir)}`);
  if (!exportFormats.includes(format as ExportFormat)) throw new InvalidValueError('export config format', `must be one of ${exportFormats.join(', ')}, got ${JSON.stringify(format)}`);
  if (kind !== undefined && kind !== 'corrected' && kind !== 'model') throw new InvalidValueError('export config kind', `must be 'corrected' or 'model', got ${JSON.stringify(kind)}`);
  if (labelId !== undefined && labelId !== null && !Number.isInteger(labelId)) throw new InvalidValueError('export config labelId', `must be a label id, got ${JSON.stringify(labelId)}`);
  return { projectId: projectId as number, outDir, format: format as ExportFormat, kind: (kind as MaskKind | undefined) ?? 'corrected', labelId: (labelId ?? undefined) as number | undefined };
}

/** One file of the export, as manifest.json lists it. */
interface ManifestFile {
  file: string;
  role: 'mask' | 'labels' | 'image' | 'label-map' | 'seg';
  imageId?: number;
  frame?: number;
  labelId?: number | null;
  maskId?: number;
  /** a volume's NIfTI mask: the slices that hold a mask and the masks, in slice order */
  frames?: number[];
  maskIds?: number[];
  /** sha256 of the source file the image was imported from */
  sourceHash?: string;
  /** a SEG's segments: number, label, algorithm type and the masks in it */
  segments?: { number: number; label: string; labelId: number | null; algorithm: string; maskIds: number[] }[];
}

/** Leaves a mask out of the export, logging why. */
type Skip = (mask: MaskInfo, reason: string) => void;

/** The masks of one frame of one image. */
interface FrameGroup {
  image: Image;
  frame: number;
  masks: MaskInfo[];
}

/** The export runner. Not resumable: an interrupted export leaves nothing behind but its temporary folder. */
export const exportRunner: JobRunner = async (job: Job, ctx: JobContext): Promise<ExportResult> => {
  const config = exportConfig(job.config);
  const { store } = ctx;
  const project = store.projects.get(config.projectId);
  if (!project) throw new NotFoundError('project', config.projectId);
  const labels = new Map(store.labels.list(config.projectId).map((l) => [l.id, l]));
  if (config.labelId !== undefined && !labels.has(config.labelId)) throw new InvalidValueError('export config labelId', `label ${config.labelId} is not a label of project ${config.projectId}`);
  const outDir = resolve(config.outDir);
  await checkTarget(outDir);

  let skipped = 0;
  const skip: Skip = (m, reason) => {
    skipped++;
    ctx.log(`skipped mask ${m.id} (image ${m.imageId}, slice ${m.frame}${m.labelId === null ? '' : `, label ${m.labelId}`}): ${reason}`);
  };
  // a SEG takes, per slice and label, the corrected mask else the model's: it needs both kinds
  const listKind = config.format === 'dicom-seg' && config.kind === 'corrected' ? undefined : config.kind;
  const masks = store.masks.listCurrent({ projectId: config.projectId, kind: listKind }).filter((m) => config.labelId === undefined || m.labelId === config.labelId);
  const groups = groupByFrame(store, masks, skip);
  const total = groups.reduce((n, g) => n + g.masks.length, 0);
  ctx.log(`exporting ${total} ${config.kind} masks of ${groups.length} slices as ${config.format} to ${outDir}`);
  const progress = { done: 0, total };
  const step = (message: string) => {
    progress.done++;
    ctx.progress({ ...progress, message });
  };

  if (config.format === 'dataset') {
    const items = await datasetItems(store, groups, labels, project.settings[IMAGE_SPLITS_SETTING], skip, ctx.signal, step);
    if (items.length === 0) throw new Error(`nothing to export: project ${config.projectId} has no ${config.kind} masks that can be exported as a dataset`);
    const { counts } = await exportMedVlsmDataset(outDir, items, { signal: ctx.signal });
    ctx.log(`dataset written: train ${counts.train}, val ${counts.val}, test ${counts.test}`);
    return { dir: outDir, files: 2 * items.length + SPLITS.length, masks: items.length, skipped };
  }

  if (total === 0) throw new Error(`nothing to export: project ${config.projectId} has no ${config.kind} masks${config.labelId === undefined ? '' : ` for label ${config.labelId}`}`);
  for (const stale of sweepStaleTemporaries(outDir)) ctx.log(`removed ${stale}, left by an export that was killed`);
  const tmp = temporaryPath(outDir);
  await mkdir(tmp, { recursive: true, mode: 0o755 });
  try {
    const format = config.format;
    const writer = format === 'dicom-seg' ? new DicomSegWriter(store, tmp, labels, skip, (line) => ctx.log(line)) : new FileWriter(store, tmp, format, exportLabels(groups, labels), skip, (line) => ctx.log(line));
    for (const group of groups) {
      ctx.signal.throwIfAborted();
      await writer.group(group, step);
    }
    const files = await writer.finish({ projectId: config.projectId, kind: config.kind, skipped });
    ctx.signal.throwIfAborted();
    syncFolder(tmp);
    await checkTarget(outDir);
    await rmdir(outDir).catch(() => undefined); // an empty folder: rename cannot replace it
    await rename(tmp, outDir);
    syncFolder(dirname(outDir));
    return { dir: outDir, files, masks: writer.masks, skipped };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
};

async function checkTarget(dir: string): Promise<void> {
  const s = await stat(dir).catch(() => null);
  if (s && (!s.isDirectory() || (await readdir(dir)).length > 0)) throw new InvalidValueError('export outDir', `${dir} already exists and is not an empty folder; export into a new or empty folder`);
  if (!s) await mkdir(dirname(dir), { recursive: true });
}

/**
 * Groups masks by image and frame, in image id order, leaving out (with the reason) masks whose
 * size differs from their image's: the database refuses such a save, so one means a damaged row.
 */
function groupByFrame(store: Store, masks: MaskInfo[], skip: Skip): FrameGroup[] {
  const groups = new Map<string, FrameGroup>();
  const images = new Map<number, Image>();
  for (const m of masks) {
    let image = images.get(m.imageId);
    if (!image) images.set(m.imageId, (image = store.images.get(m.imageId)!));
    if (m.width !== image.width || m.height !== image.height) {
      skip(m, new MaskSizeError(`mask is ${m.width}×${m.height} but image ${image.id} is ${image.width}×${image.height}`).message);
      continue;
    }
    const key = `${m.imageId}:${m.frame}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { image, frame: m.frame, masks: [] }));
    g.masks.push(m);
  }
  return [...groups.values()].sort((a, b) => a.image.id - b.image.id || a.frame - b.frame);
}

/** The labels that have masks in the export, by id; their index in combined label masks is position + 1. */
function exportLabels(groups: FrameGroup[], labels: Map<number, Label>): Label[] {
  const ids = new Set(groups.flatMap((g) => g.masks.map((m) => m.labelId)).filter((id): id is number => id !== null));
  return [...ids].sort((a, b) => a - b).map((id) => labels.get(id)!);
}

/** `img-<id>[-f<frame>]`: the frame only when the image has several. */
const stemOf = (image: Image, frame: number) => `img-${image.id}${image.frames > 1 ? `-f${frame}` : ''}`;
const maskStem = (image: Image, m: MaskInfo) => `${stemOf(image, m.frame)}${m.labelId === null ? '' : `-l${m.labelId}`}`;

const rgb = (color: string): Rgb => [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16)) as Rgb;

/** Writes masks as PNG or NIfTI files into the temporary folder and keeps the manifest. */
class FileWriter {
  private readonly files: ManifestFile[] = [];
  private readonly labelIndex: Map<number, number>;
  /** images already written beside their masks (PNG/JPEG sources, NIfTI formats) */
  private readonly imagesWritten = new Set<number>();
  /** the volume whose slices are being gathered into full-grid NIfTI masks (groups come in image order) */
  private volume: PendingVolume | null = null;
  masks = 0;

  constructor(
    private readonly store: Store,
    private readonly dir: string,
    private readonly format: Exclude<ExportFormat, 'dataset' | 'dicom-seg'>,
    private readonly labels: Label[],
    private readonly skip: Skip,
    private readonly log: (line: string) => void,
  ) {
    this.labelIndex = new Map(labels.map((l, i) => [l.id, i + 1]));
  }

  private get nifti(): boolean {
    return this.format === 'nii' || this.format === 'nii.gz';
  }

  private write(file: string, data: Uint8Array | string, entry: Omit<ManifestFile, 'file'>): void {
    writeFileAtomic(join(this.dir, file), data);
    this.files.push({ file, ...entry });
  }

  async group(g: FrameGroup, step: (message: string) => void): Promise<void> {
    const { image, frame } = g;
    if (this.volume && this.volume.image.id !== image.id) this.writeVolume();
    if (this.nifti && image.frames > 1) return this.volumeSlice(g, step);
    const geometry = this.nifti ? frameGeometry(image, frame) : null;
    const written: { mask: MaskInfo; pixels: Uint8Array }[] = [];
    for (const info of g.masks) {
      const mask = readMask(this.store, info, this.skip);
      if (mask) {
        const stem = maskStem(image, info);
        const entry = { role: 'mask' as const, imageId: image.id, frame, labelId: info.labelId, maskId: info.id, sourceHash: image.contentHash };
        if (geometry) {
          const file = `${stem}.${this.format}`;
          writeLabelMask(join(this.dir, file), mask, geometry);
          this.files.push({ file, ...entry });
        } else {
          this.write(`${stem}.png`, binaryMaskToPng(mask, image, { values: this.format === 'png-index' ? 'index01' : 'grey255', name: `mask ${info.id}` }), entry);
        }
        written.push({ mask: info, pixels: mask });
        this.masks++;
      }
      step(`image ${image.id}${image.frames > 1 ? ` slice ${frame}` : ''}`);
    }
    const labelled = written.filter((w) => w.mask.labelId !== null);
    // uint8 label values hold 255 labels; past that the per-label files are all there is
    if (labelled.length >= 2 && this.labels.length <= 255) this.combined(image, frame, labelled, geometry);
    if (geometry && written.length > 0 && image.frames === 1 && !this.imagesWritten.has(image.id)) {
      this.imagesWritten.add(image.id);
      await this.sourceImage(image, geometry);
    }
  }

  /** One label mask with every label's index, for tools that want a single segmentation per frame. */
  private combined(image: Image, frame: number, masks: { mask: MaskInfo; pixels: Uint8Array }[], geometry: Geometry | null): void {
    const values = new Uint8Array(image.width * image.height);
    for (const { mask, pixels } of masks.sort((a, b) => this.labelIndex.get(a.mask.labelId!)! - this.labelIndex.get(b.mask.labelId!)!)) {
      const index = this.labelIndex.get(mask.labelId!)!;
      for (let i = 0; i < values.length; i++) if (pixels[i]) values[i] = index;
    }
    const stem = `${stemOf(image, frame)}-labels`;
    const entry = { role: 'labels' as const, imageId: image.id, frame, sourceHash: image.contentHash };
    if (geometry) {
      const file = `${stem}.${this.format}`;
      writeLabelMask(join(this.dir, file), values, geometry);
      this.files.push({ file, ...entry });
    } else {
      const { png } = labelMaskToPng(values, image, this.labels.map((l) => ({ name: l.name, color: rgb(l.color) })), `labels of image ${image.id}`);
      this.write(`${stem}.png`, png, entry);
    }
  }

  /** Adds one slice's masks to its volume's full-grid masks (one per label). */
  private volumeSlice(g: FrameGroup, step: (message: string) => void): void {
    const { image, frame } = g;
    this.volume ??= { image, geometry: volumeGeometry(image), labels: new Map() };
    const plane = image.width * image.height;
    for (const info of g.masks) {
      const mask = readMask(this.store, info, this.skip);
      if (mask) {
        let v = this.volume.labels.get(info.labelId);
        if (!v) this.volume.labels.set(info.labelId, (v = { voxels: new Uint8Array(plane * image.frames), frames: [], maskIds: [] }));
        const at = frame * plane;
        for (let i = 0; i < plane; i++) if (mask[i]) v.voxels[at + i] = 1;
        v.frames.push(frame);
        v.maskIds.push(info.id);
        this.masks++;
      }
      step(`image ${image.id} slice ${frame}`);
    }
  }

  /** Writes the gathered volume: a full-grid mask per label and, with two labels or more, the combined label volume. */
  private writeVolume(): void {
    const pending = this.volume;
    this.volume = null;
    if (!pending || pending.labels.size === 0) return;
    const { image, geometry } = pending;
    const labelled: { labelId: number; voxels: Uint8Array }[] = [];
    for (const [labelId, v] of pending.labels) {
      const file = `img-${image.id}${labelId === null ? '' : `-l${labelId}`}.${this.format}`;
      writeLabelMask(join(this.dir, file), v.voxels, geometry);
      this.files.push({ file, role: 'mask', imageId: image.id, labelId, frames: v.frames, maskIds: v.maskIds, sourceHash: image.contentHash });
      if (labelId !== null) labelled.push({ labelId, voxels: v.voxels });
    }
    this.log(`image ${image.id}: ${pending.labels.size} full-grid NIfTI mask${pending.labels.size > 1 ? 's' : ''} of ${image.width}×${image.height}×${image.frames}`);
    if (labelled.length < 2 || this.labels.length > 255) return;
    const values = new Uint8Array(labelled[0].voxels.length);
    for (const { labelId, voxels } of labelled.sort((a, b) => this.labelIndex.get(a.labelId)! - this.labelIndex.get(b.labelId)!)) {
      const index = this.labelIndex.get(labelId)!;
      for (let i = 0; i < values.length; i++) if (voxels[i]) values[i] = index;
    }
    const file = `img-${image.id}-labels.${this.format}`;
    writeLabelMask(join(this.dir, file), values, geometry);
    this.files.push({ file, role: 'labels', imageId: image.id, sourceHash: image.contentHash });
  }

  /** A PNG/JPEG source as NIfTI (8-bit grey as shown, colour as luminance) with the masks' header. */
  private async sourceImage(image: Image, geometry: Geometry): Promise<void> {
    let raster: Raster;
    try {
      if (!(await isRasterFile(image.sourcePath))) return;
      raster = await loadImageFrame(this.store.images.frameSource(image.id, 0));
    } catch (e) {
      // the masks are still worth having; say why the image is missing beside them
      return this.log(`image ${image.id}: masks written without the image as NIfTI: ${e instanceof Error ? e.message : String(e)}`);
    }
    const file = `img-${image.id}_image.${this.format}`;
    writeGreyImage(join(this.dir, file), greyOf(raster), 'uint8', geometry);
    this.files.push({ file, role: 'image', imageId: image.id, frame: 0, sourceHash: image.contentHash });
  }

  /** Writes labels.json (when any mask has a label) and manifest.json; returns the number of files besides the manifest. */
  finish(about: { projectId: number; kind: MaskKind; skipped: number }): number {
    this.writeVolume();
    if (this.labels.length > 0) {
      const map: Record<string, unknown> = { '0': 'background' };
      this.labels.forEach((l, i) => (map[String(i + 1)] = { name: l.name, color: rgb(l.color), labelId: l.id, prompts: l.prompts }));
      this.write('labels.json', JSON.stringify(map, null, 1) + '\n', { role: 'label-map' });
    }
    const manifest = { format: this.format, kind: about.kind, projectId: about.projectId, exportedAt: new Date().toISOString(), masks: this.masks, skipped: about.skipped, files: this.files };
    writeFileAtomic(join(this.dir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
    return this.files.length;
  }
}

/** The mask's pixels, or null (skipped with the reason) when its data is damaged. */
function readMask(store: Store, info: MaskInfo, skip: Skip): Uint8Array | null {
  try {
    const mask = store.masks.get(info.id);
    if (!mask) throw new NotFoundError('mask', info.id);
    return mask.pixels;
  } catch (e) {
    skip(info, e instanceof Error ? e.message : String(e));
    return null;
  }
}

interface PendingVolume {
  image: Image;
  geometry: Geometry;
  labels: Map<number | null, { voxels: Uint8Array; frames: number[]; maskIds: number[] }>;
}

/**
 * The full grid of a volume: its stored geometry (a NIfTI source's header copied, a DICOM stack's
 * affine), or, for a multi-frame image without a patient position, the raster convention with
 * frames 1 mm apart.
 */
export function volumeGeometry(image: Image): Geometry {
  const g = image.geometry as unknown as Geometry | null;
  if (g && Array.isArray(g.dims) && Array.isArray(g.affine) && g.dims[0] === image.width && g.dims[1] === image.height && g.dims[2] === image.frames) return g;
  return makeGeometry([image.width, image.height, image.frames], defaultRasterAffine(image.width, image.height), XFORM_ALIGNED);
}

/** The image's geometry for one frame: the slice's for a volume, else the image's own (a NIfTI source's header copied). */
export function frameGeometry(image: Image, frame: number): Geometry {
  const g = image.geometry as unknown as Geometry | null;
  if (!g || !Array.isArray(g.dims) || !Array.isArray(g.affine)) return rasterGeometry(image.width, image.height);
  return image.frames > 1 || g.dims[2] > 1 ? sliceGeometry(g, frame) : g;
}

async function isRasterFile(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = new Uint8Array(8);
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    const bytes = head.subarray(0, bytesRead);
    return isPng(bytes) || isJpeg(bytes);
  } finally {
    await fh.close();
  }
}

function greyOf(raster: Raster): Uint8Array {
  const { width, height, channels, data } = raster;
  const grey = new Uint8Array(width * height);
  for (let i = 0; i < grey.length; i++) {
    const o = i * channels;
    grey[i] = channels >= 3 ? Math.round(0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2]) : data[o];
  }
  return grey;
}

/** Dataset items: each mask with its frame as the model sees it (PNG bytes, to keep memory small) and its prompts. */
async function datasetItems(
  store: Store,
  groups: FrameGroup[],
  labels: Map<number, Label>,
  splitSetting: unknown,
  skip: Skip,
  signal: AbortSignal,
  step: (message: string) => void,
): Promise<MedVlsmExportItem[]> {
  const splits = typeof splitSetting === 'object' && splitSetting !== null ? (splitSetting as Record<string, unknown>) : {};
  const items: MedVlsmExportItem[] = [];
  const imageOf: string[] = []; // the image each item comes from
  for (const { image, frame, masks } of groups) {
    signal.throwIfAborted();
    let png: Uint8Array | null = null;
    for (const info of masks) {
      step(`image ${image.id}`);
      const prompts = datasetPrompts(info, labels);
      if (!prompts) {
        skip(info, 'the mask has no label and no prompt, and a dataset record needs a prompt');
        continue;
      }
      const mask = store.masks.get(info.id);
      if (!mask) continue;
      if (!png) {
        try {
          png = encodePng(await loadImageFrame(store.images.frameSource(image.id, frame)));
        } catch (e) {
          skip(info, `cannot read the source image: ${e instanceof Error ? e.message : String(e)}`);
          continue;
        }
      }
      const split = splits[image.contentHash];
      items.push({
        name: maskStem(image, info),
        image: png,
        mask: mask.pixels,
        width: image.width,
        height: image.height,
        prompts,
        ...(SPLITS.includes(split as Split) ? { split: split as Split } : {}),
      });
      imageOf.push(`img-${image.id}`);
    }
  }
  // Images without a recorded split are split as images, not per mask: two labels or two frames of
  // one image must never land in train and test at once.
  const unsplit = [...new Set(imageOf.filter((_, i) => items[i].split === undefined))];
  const drawn = assignSplits(unsplit.map((name) => ({ name })), { train: 0.8, val: 0.1, test: 0.1 }, 0);
  const splitOf = new Map(unsplit.map((name, i) => [name, drawn[i]]));
  items.forEach((item, i) => { item.split ??= splitOf.get(imageOf[i]); });
  return items;
}

/** p0 "", p1 the label's name, p2… its other prompts; a free-prompt mask gets its prompt as p1. */
export function datasetPrompts(mask: MaskInfo, labels: Map<number, Label>): Prompts | null {
  const label = mask.labelId === null ? undefined : labels.get(mask.labelId);
  const first = label?.name ?? mask.prompt?.trim();
  if (!first) return null;
  const prompts: Prompts = { p0: '', p1: first };
  const rest = (label?.prompts ?? []).filter((p) => p.toLowerCase() !== first.toLowerCase());
  rest.forEach((p, i) => (prompts[`p${i + 2}`] = p));
  return prompts;
}

/** The colour of free-prompt segments (masks without a label). */
const PROMPT_COLOUR = '#ffd400';

/** One segment of a SEG being assembled: a label (or a free prompt) and its chosen mask per slice. */
interface SegPart {
  label: string;
  color: string;
  labelId: number | null;
  slices: Map<number, { info: MaskInfo; pixels: Uint8Array }>;
}

/**
 * Writes one DICOM SEG per DICOM image, `img-<id>.dcm`, with a segment per label (free-prompt masks:
 * a segment per prompt). Frame groups arrive in image order; an image's SEG is written when the
 * next image starts and at the end. Per slice and label the corrected mask is taken, else the
 * model's (with kind 'model' only model masks are listed). A segment whose masks are all corrected
 * is MANUAL, all model masks AUTOMATIC (named by the base model and the adapters that made them),
 * both SEMIAUTOMATIC. Images that are not DICOM, or whose source files changed since import, are
 * left out with the reason.
 */
class DicomSegWriter {
  private readonly files: ManifestFile[] = [];
  private current: { image: Image; parts: Map<string, SegPart> } | null = null;
  masks = 0;

  constructor(
    private readonly store: Store,
    private readonly dir: string,
    private readonly labels: Map<number, Label>,
    private readonly skip: Skip,
    private readonly log: (line: string) => void,
  ) {}

  async group(g: FrameGroup, step: (message: string) => void): Promise<void> {
    if (this.current && this.current.image.id !== g.image.id) await this.flush();
    this.current ??= { image: g.image, parts: new Map() };
    const chosen = new Map<string, MaskInfo>();
    for (const info of g.masks) {
      const key = info.labelId === null ? `p:${info.prompt?.trim() || ''}` : `l:${info.labelId}`;
      const had = chosen.get(key);
      if (!had || (had.kind === 'model' && info.kind === 'corrected')) chosen.set(key, info);
      step(`image ${g.image.id}${g.image.frames > 1 ? ` slice ${g.frame}` : ''}`);
    }
    for (const [key, info] of chosen) {
      const pixels = readMask(this.store, info, this.skip);
      if (!pixels) continue;
      let part = this.current.parts.get(key);
      if (!part) {
        const label = info.labelId === null ? null : this.labels.get(info.labelId);
        part = { label: label?.name ?? (info.prompt?.trim() || 'unlabelled'), color: label?.color ?? PROMPT_COLOUR, labelId: info.labelId, slices: new Map() };
        this.current.parts.set(key, part);
      }
      part.slices.set(g.frame, { info, pixels });
    }
  }

  private async flush(): Promise<void> {
    const done = this.current;
    this.current = null;
    if (!done || done.parts.size === 0) return;
    const { image } = done;
    const parts = [...done.parts.values()].sort((a, b) => (a.labelId ?? Infinity) - (b.labelId ?? Infinity) || a.label.localeCompare(b.label));
    const skipAll = (reason: string) => parts.forEach((p) => p.slices.forEach(({ info }) => this.skip(info, reason)));
    let sources: SegSourceSlice[];
    try {
      sources = await segSources(this.store, image);
    } catch (e) {
      return skipAll(e instanceof Error ? e.message : String(e));
    }
    const segments: SegSegment[] = parts.map((p) => ({
      label: p.label,
      color: p.color,
      algorithm: this.algorithm([...p.slices.values()].map((s) => s.info)),
      masks: Array.from({ length: image.frames }, (_, k) => p.slices.get(k)?.pixels ?? null),
    }));
    let bytes: Uint8Array;
    try {
      bytes = encodeDicomSeg(sources, segments, { seriesDescription: 'Delineate segmentation' });
    } catch (e) {
      return skipAll(`cannot write a DICOM SEG: ${e instanceof Error ? e.message : String(e)}`);
    }
    const file = `img-${image.id}.dcm`;
    writeFileAtomic(join(this.dir, file), bytes);
    const maskIds = parts.flatMap((p) => [...p.slices.values()].map((s) => s.info.id));
    this.files.push({ file, role: 'seg', imageId: image.id, sourceHash: image.contentHash, segments: parts.map((p, i) => ({ number: i + 1, label: p.label, labelId: p.labelId, algorithm: segments[i].algorithm.type, maskIds: [...p.slices.values()].map((s) => s.info.id) })) });
    this.masks += maskIds.length;
    this.log(`image ${image.id}: DICOM SEG ${file} with ${parts.length} segment${parts.length > 1 ? 's' : ''} over ${image.frames} slice${image.frames > 1 ? 's' : ''}`);
  }

  /** MANUAL, AUTOMATIC or SEMIAUTOMATIC by the kinds of a segment's masks; the model and adapters named. */
  private algorithm(masks: MaskInfo[]): SegSegment['algorithm'] {
    const model = masks.filter((m) => m.kind === 'model');
    const type: SegAlgorithmType = model.length === 0 ? 'MANUAL' : model.length === masks.length ? 'AUTOMATIC' : 'SEMIAUTOMATIC';
    if (type === 'MANUAL') return { type };
    const adapters = [...new Set(model.map((m) => m.adapterId).filter((id): id is number => id !== null))].map((id) => this.store.adapters.get(id)).filter((a) => a !== undefined);
    const bases = [...new Set(adapters.map((a) => a.baseModelHash.slice(0, 12)))];
    return {
      type,
      name: adapters.length === 0 ? 'CLIPSeg' : `CLIPSeg + adapter ${adapters.map((a) => `${a.name} (${a.variant})`).join(', ')}`,
      // masks do not record the base model; an adapter does, by its weights' sha256
      ...(bases.length > 0 ? { version: `base model sha256 ${bases.join(', ')}` } : {}),
    };
  }

  async finish(about: { projectId: number; kind: MaskKind; skipped: number }): Promise<number> {
    await this.flush();
    const manifest = { format: 'dicom-seg', kind: about.kind, projectId: about.projectId, exportedAt: new Date().toISOString(), masks: this.masks, skipped: about.skipped, files: this.files };
    writeFileAtomic(join(this.dir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
    if (this.files.length === 0) throw new Error(`nothing to export: no masks of project ${about.projectId} are on DICOM images that a SEG can reference (see the job log for each reason)`);
    return this.files.length;
  }
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * The source slices of a stored DICOM image, in its slice order: a stack's files (each checked
 * against the hash stored at import), else the frames of its own file. Throws, saying why, for an
 * image that is not DICOM or whose files changed.
 */
async function segSources(store: Store, image: Image): Promise<SegSourceSlice[]> {
  const slices = image.stacked ? store.images.slices(image.id) : [];
  if (slices.length > 0) {
    if (slices.some((s) => !s.sopInstanceUid)) throw new Error(`image ${image.id} (${image.fileName}) is not a DICOM series; a DICOM SEG needs DICOM sources (export it as nii or png)`);
    const checked = new Map<string, string>();
    for (const s of slices) {
      if (checked.get(s.sourcePath) === s.sourceHash) continue;
      const bytes = await readFile(s.sourcePath).catch((e: Error) => {
        throw new Error(`slice ${s.index} of image ${image.id}: cannot read ${s.sourcePath}: ${e.message}`);
      });
      if (sha256(bytes) !== s.sourceHash) throw new Error(`slice ${s.index} of image ${image.id}: ${s.sourcePath} changed since it was imported`);
      checked.set(s.sourcePath, s.sourceHash);
    }
    return slices.map((s) => ({ path: s.sourcePath, frame: s.sourceFrame }));
  }
  const bytes = await readFile(image.sourcePath).catch((e: Error) => {
    throw new Error(`image ${image.id}: cannot read ${image.sourcePath}: ${e.message}`);
  });
  if (!isDicom(bytes)) throw new Error(`image ${image.id} (${image.fileName}) is not DICOM; a DICOM SEG needs DICOM sources (export it as nii or png)`);
  if (sha256(bytes) !== image.contentHash) throw new Error(`image ${image.id}: ${image.sourcePath} changed since it was imported`);
  return Array.from({ length: image.frames }, (_, k) => ({ path: image.sourcePath, ...(image.frames > 1 ? { frame: k } : {}) }));
}
