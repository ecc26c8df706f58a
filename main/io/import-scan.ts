// Import scanning: walks the files and folders a user picked and turns each into what the library
// stores about an image (hash, size, frames, modality, spacing, geometry, window, thumbnail), or a
// reason it could not be read. One bad file never stops the scan. Pixels are not kept: each item
// has a loader that re-reads its file, so scanning thousands of images holds only thumbnails.

import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { FrameSource, SliceSource } from '../common/image-source.ts';
import { decodeDicom, dicomDisplayFrame, type DicomImage } from './dicom.ts';
import { isDicomSeg } from './dicom-seg.ts';
import { detectFileKind } from './file-kind.ts';
import { rasterGeometry, type Geometry } from './geometry.ts';
import { decodeImage } from './image-decode.ts';
import { isMedVlsmDatasetFolder, readMedVlsmDataset, type MedVlsmDataset } from './medvlsm-dataset.ts';
import { decodeNifti, decodeNiftiHeader, niftiSlice, type NiftiVolume } from './nifti.ts';
import type { Raster } from './raster.ts';
import { makeThumbnail } from './thumbnail.ts';
import { SeriesCollector } from './series/series-import.ts';
import { stackContentHash } from './series/stacks.ts';
import { applyWindow, checkWindow, defaultWindow, windowForRange, type Window } from './window.ts';

export { makeThumbnail } from './thumbnail.ts';

export interface ImportItem {
  kind: 'raster' | 'dicom' | 'nifti';
  /** file format as recognised from its first bytes */
  format: 'png' | 'jpeg' | 'dicom' | 'nifti';
  /** absolute path */
  sourcePath: string;
  fileName: string;
  /** sha256 of the file's bytes, hex */
  contentHash: string;
  byteLength: number;
  width: number;
  height: number;
  /** DICOM frames or NIfTI slices (third axis); 1 for PNG/JPEG */
  frames: number;
  /** the frame the thumbnail shows: the middle slice of a volume, else 0 */
  defaultFrame: number;
  /** DICOM Modality ('CT', 'CR', 'US', ...); null when the file does not say */
  modality: string | null;
  /** [row spacing, column spacing(, slice spacing)] in mm (DICOM order); null when the file gives none (1 mm is used) */
  pixelSpacing: [number, number] | [number, number, number] | null;
  geometry: Geometry;
  /** the window that makes the display (and model input) grey; null for 8-bit and colour images */
  window: Window | null;
  /** channels of the display raster: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA */
  channels: 1 | 2 | 3 | 4;
  /** PNG, longer side at most 128 */
  thumbnail: Uint8Array;
  /** what the reader left out or split (a gap in a series, a localizer imported apart, …) */
  note?: string;
  /** the DICOM series the image belongs to (absent for other formats) */
  series?: SeriesIdentity;
  /**
   * For an image assembled from several files or frames (a DICOM stack; one volume of a 4-D
   * NIfTI): where slice k comes from, at index k (the store's image_slices). Absent for an image
   * read from its own file, whose `contentHash` is then the file's sha256; a stack's is
   * stackContentHash over its slices.
   */
  slices?: SliceSource[];
  /** sourcePath of an earlier item in this scan with the same bytes */
  duplicateOf?: string;
  /**
   * Re-reads the file and returns one frame as an 8-bit display raster, through `window` or the
   * one given (see {@link loadSourceFrame}); fails if the file changed.
   */
  loadFrame(frame?: number, window?: Window): Promise<Raster>;
}

export interface SeriesIdentity {
  studyUid: string;
  seriesUid: string;
  frameOfReferenceUid: string | null;
  /** SeriesDescription; null when absent */
  description: string | null;
}


export interface ImportDataset {
  kind: 'medvlsm-dataset';
  sourcePath: string;
  fileName: string;
  dataset: MedVlsmDataset;
}

export interface ImportFailure {
  kind: 'failure';
  path: string;
  reason: string;
}

/** A DICOM Segmentation: not an image, but masks of images (the import runner resolves it after the scan). */
export interface ImportSeg {
  kind: 'dicom-seg';
  sourcePath: string;
  fileName: string;
  contentHash: string;
}

export type ImportEntry = ImportItem | ImportDataset | ImportFailure | ImportSeg;

export interface ImportProgress {
  filesSeen: number;
  /** known once the walk is done, which happens before the first file is read */
  filesTotal?: number;
  /** new items and datasets (duplicates not counted) */
  imported: number;
  duplicates: number;
  failed: number;
}

export interface ScanOptions {
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
  /** thumbnail size (longer side); default 128 */
  thumbnailSize?: number;
}

/** Thrown by a loader when its file's bytes no longer match the hash taken at import. */
export class SourceChangedError extends Error {
  constructor(readonly path: string) {
    super(`${path}: the file changed since it was imported (content hash differs)`);
    this.name = 'SourceChangedError';
  }
}

type Found = { type: 'file'; path: string } | { type: 'dataset'; path: string } | { type: 'failure'; path: string; reason: string };

/**
 * Scans files and folders (recursively; entries sorted by name; hidden names starting with '.'
 * skipped; a folder with anns/, images/ and masks/ is one MedVLSM dataset, not walked further).
 * Yields one entry per file or dataset, in walk order, except that DICOM slices of volumes (files
 * with a patient position and orientation, and enhanced multi-frame files) are held back and
 * yielded after the walk as one item per stack (series/series-import.ts), and a 4-D NIfTI yields
 * one item per volume. Aborting the signal rejects the iteration.
 */
export async function* scanImport(paths: readonly string[], options: ScanOptions = {}): AsyncIterable<ImportEntry> {
  const { signal, onProgress } = options;
  const found = await walk(paths, signal);
  const progress: ImportProgress = { filesSeen: 0, filesTotal: found.length, imported: 0, duplicates: 0, failed: 0 };
  onProgress?.({ ...progress });
  const byHash = new Map<string, ImportItem>();
  const thumbnailSize = options.thumbnailSize ?? 128;
  const series = new SeriesCollector({ thumbnailSize, describe: (b, p, h) => describe(b, p, h, thumbnailSize), loadFrame: loadImageFrame, readFile: (p) => readFile(p), reasonOf });
  const count = (result: ImportEntry) => {
    if (result.kind === 'failure') progress.failed++;
    else if (result.kind !== 'medvlsm-dataset' && result.kind !== 'dicom-seg' && result.duplicateOf) progress.duplicates++;
    else progress.imported++;
  };
  for (const entry of found) {
    signal?.throwIfAborted();
    const results = await scanEntry(entry, byHash, thumbnailSize, series, signal);
    progress.filesSeen++;
    results.forEach(count);
    onProgress?.({ ...progress });
    yield* results;
  }
  for await (const result of series.finish(signal)) {
    count(result);
    onProgress?.({ ...progress });
    yield result;
  }
}

/** What one walked entry yields now: nothing for a DICOM slice (it waits for its series), several items for a 4-D NIfTI. */
async function scanEntry(entry: Found, byHash: Map<string, ImportItem>, thumbnailSize: number, series: SeriesCollector, signal?: AbortSignal): Promise<ImportEntry[]> {
  if (entry.type === 'failure') return [{ kind: 'failure', path: entry.path, reason: entry.reason }];
  try {
    if (entry.type === 'dataset') {
      return [{ kind: 'medvlsm-dataset', sourcePath: entry.path, fileName: basename(entry.path), dataset: await readMedVlsmDataset(entry.path, { signal }) }];
    }
    const bytes = await readFile(entry.path);
    const contentHash = sha256(bytes);
    const first = byHash.get(contentHash);
    if (first) return [{ ...first, sourcePath: entry.path, fileName: basename(entry.path), duplicateOf: first.sourcePath, loadFrame: loader(entry.path, contentHash, first) }];
    const kind = detectFileKind(bytes);
    if (kind === 'dicom') {
      if (isDicomSeg(bytes, entry.path)) return [{ kind: 'dicom-seg', sourcePath: entry.path, fileName: basename(entry.path), contentHash }];
      const now = series.add(bytes, entry.path, contentHash);
      if (now && now.kind !== 'failure') byHash.set(contentHash, now);
      return now ? [now] : [];
    }
    if (kind === 'nifti') {
      const volumes = niftiVolumeItems(bytes, entry.path, contentHash, thumbnailSize);
      if (volumes) return volumes;
    }
    const item = describe(bytes, entry.path, contentHash, thumbnailSize);
    byHash.set(contentHash, item);
    return [item];
  } catch (e) {
    if (signal?.aborted) throw e;
    return [{ kind: 'failure', path: entry.path, reason: reasonOf(e, entry.path) }];
  }
}

/**
 * A 4-D (or higher) NIfTI as one item per volume, named "<file> (t = k)", each a stack whose slice
 * z is frame z of volume t of the file; null for a file of one volume. The file is inflated once
 * and one volume is decoded at a time.
 */
function niftiVolumeItems(bytes: Uint8Array, path: string, contentHash: string, thumbnailSize: number): ImportItem[] | null {
  const raw = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  const header = decodeNiftiHeader(raw, path);
  const volumes = header.dim.slice(4, header.dim[0] + 1).reduce((a, b) => a * (b >= 1 ? b : 1), 1);
  if (!(header.dim[0] > 3 && volumes > 1)) return null;
  const items: ImportItem[] = [];
  for (let t = 0; t < volumes; t++) {
    const decoded = decodeFile(raw, path, { niftiVolume: t });
    const { meta } = decoded;
    const slices: SliceSource[] = Array.from({ length: meta.frames }, (_, z) => ({ sourcePath: path, sourceHash: contentHash, sourceFrame: z, sourceVolume: t }));
    const window = meta.window;
    const item: ImportItem = {
      ...meta,
      note: undefined,
      sourcePath: path,
      fileName: `${basename(path)} (t = ${t})`,
      contentHash: stackContentHash(slices.map((s) => ({ hash: contentHash, frame: s.sourceFrame, volume: t }))),
      byteLength: bytes.length,
      thumbnail: makeThumbnail(decoded.display(meta.defaultFrame), thumbnailSize),
      slices,
      loadFrame: (frame = meta.defaultFrame, w) => loadImageFrame({ path, contentHash, frame, volume: t, window }, w),
    };
    delete item.note;
    items.push(item);
  }
  return items;
}

/** The message without the path prefix the decoders put in front (the failure carries the path). */
function reasonOf(e: unknown, path: string): string {
  const message = e instanceof Error ? e.message : String(e);
  for (const prefix of [`${path}: cannot decode image: `, `${path}: `]) if (message.startsWith(prefix)) return message.slice(prefix.length);
  return message;
}

// ---- the walk -----------------------------------------------------------------------------

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0); // code units: the same order on every machine and locale

async function walk(paths: readonly string[], signal?: AbortSignal): Promise<Found[]> {
  const out: Found[] = [];
  const seenFiles = new Set<string>();
  const seenDirs = new Set<string>(); // real paths, so a symlink loop is walked once
  const visit = async (path: string, top: boolean): Promise<void> => {
    signal?.throwIfAborted();
    let info;
    try {
      info = await stat(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // a dangling link inside a folder is not worth a failure; a path the user named is
      if (top || code !== 'ENOENT') out.push({ type: 'failure', path, reason: code === 'ENOENT' ? 'no such file or folder' : (e as Error).message });
      return;
    }
    if (info.isFile()) {
      if (!seenFiles.has(path)) out.push({ type: 'file', path });
      seenFiles.add(path);
      return;
    }
    if (!info.isDirectory()) {
      if (top) out.push({ type: 'failure', path, reason: 'not a regular file or folder' });
      return;
    }
    const real = await realpath(path);
    if (seenDirs.has(real)) return;
    seenDirs.add(real);
    if (isMedVlsmDatasetFolder(path)) {
      out.push({ type: 'dataset', path });
      return;
    }
    let names: string[];
    try {
      names = await readdir(path);
    } catch (e) {
      out.push({ type: 'failure', path, reason: `cannot list folder: ${(e as Error).message}` });
      return;
    }
    for (const name of names.filter((n) => !n.startsWith('.')).sort(byName)) await visit(join(path, name), false);
  };
  for (const p of paths) await visit(resolve(p), true);
  return out;
}

// ---- one file -------------------------------------------------------------------------------

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export type Described = Omit<ImportItem, 'sourcePath' | 'fileName' | 'contentHash' | 'byteLength' | 'thumbnail' | 'loadFrame' | 'duplicateOf'>;

/** Decodes a file in full (which is what proves it readable) and describes it. */
function describe(bytes: Uint8Array, path: string, contentHash: string, thumbnailSize: number): ImportItem {
  if (bytes.length === 0) throw new Error('the file is empty');
  const decoded = decodeFile(bytes, path);
  const item: ImportItem = {
    ...decoded.meta,
    sourcePath: path,
    fileName: basename(path),
    contentHash,
    byteLength: bytes.length,
    thumbnail: makeThumbnail(decoded.display(decoded.meta.defaultFrame), thumbnailSize),
    loadFrame: () => Promise.reject(new Error('unreachable')),
  };
  item.loadFrame = loader(path, contentHash, item);
  return item;
}

/**
 * A decoded file: its description, and any frame as a display raster through the stored window
 * (`meta.window`) or, when one is given, through that window instead (in the units of
 * `meta.window`: modality values after rescale; for files without one, the 8-bit levels).
 */
export interface DecodedFile {
  meta: Described;
  display(frame: number, window?: Window): Raster;
}

/**
 * The file's description and a function giving any frame as a display raster, exactly as import
 * and the viewer see it. `niftiVolume` picks the volume of a 4-D NIfTI (default the first).
 */
export function decodeFile(bytes: Uint8Array, path: string, opts: { niftiVolume?: number } = {}): DecodedFile {
  const kind = detectFileKind(bytes);
  if (kind === 'png' || kind === 'jpeg') {
    const raster = decodeImage(bytes, path);
    const { window, display } = rasterDisplay(raster);
    const meta: Described = { kind: 'raster', format: kind, width: raster.width, height: raster.height, frames: 1, defaultFrame: 0, modality: null, pixelSpacing: null, geometry: rasterGeometry(raster.width, raster.height), window, channels: raster.channels };
    return { meta, display: (frame, w) => (checkFrame(frame, 1, path), display(w)) };
  }
  if (kind === 'dicom') return dicomFile(decodeDicom(bytes, path), path);
  if (kind === 'nifti') return niftiFile(decodeNifti(bytes, path, opts.niftiVolume), path);
  throw new Error('not a PNG, JPEG, DICOM or NIfTI file');
}

/**
 * 8-bit images show as they are; 16-bit grey is windowed over its full range, 16-bit colour scaled.
 * Another window applies to the raw 16-bit grey values, or, for images without a stored window
 * (8-bit, colour), to the 8-bit levels shown.
 */
function rasterDisplay(raster: Raster): { window: Window | null; display(window?: Window): Raster } {
  if (raster.bitDepth === 8) return { window: null, display: (w) => (w ? windowLevels(raster, w) : raster) };
  const { width, height, channels, data } = raster;
  const n = width * height;
  const base = new Uint8Array(n * channels);
  for (let i = 0; i < base.length; i++) {
    // colour samples, and the alpha of grey+alpha
    if (channels > 2 || i % channels === 1) base[i] = Math.round(data[i] / 257);
  }
  if (channels > 2) {
    const scaled: Raster = { width, height, channels, bitDepth: 8, data: base };
    return { window: null, display: (w) => (w ? windowLevels(scaled, w) : scaled) };
  }
  const grey = new Float32Array(n);
  for (let i = 0; i < n; i++) grey[i] = data[i * channels];
  const window = defaultWindow(grey);
  const greyThrough = (w: Window): Raster => {
    const out = base.slice();
    const shown = applyWindow(grey, w);
    for (let i = 0; i < n; i++) out[i * channels] = shown[i];
    return { width, height, channels, bitDepth: 8, data: out };
  };
  const stored = greyThrough(window);
  return { window, display: (w) => (w ? greyThrough(w) : stored) };
}

/** An 8-bit raster with `window` applied to its grey or colour samples (alpha kept): the identity window {128, 256} leaves it as it is. */
function windowLevels(raster: Raster, window: Window): Raster {
  const { channels, data } = raster;
  const out = applyWindow(data, window);
  if (channels === 2 || channels === 4) for (let i = channels - 1; i < out.length; i += channels) out[i] = data[i];
  return { ...raster, bitDepth: 8, data: out };
}

function dicomFile(image: DicomImage, path: string): DecodedFile {
  const frames = image.frames.length;
  const colour = image.samplesPerPixel === 3;
  // one window for every frame, so a multi-frame series does not flicker from frame to frame
  const window = colour ? null : (image.window ?? defaultWindow(image.frames, { modality: image.modality }));
  const meta: Described = {
    kind: 'dicom',
    format: 'dicom',
    width: image.width,
    height: image.height,
    frames,
    defaultFrame: Math.floor(frames / 2),
    modality: image.modality || null,
    pixelSpacing: image.pixelSpacing,
    geometry: image.geometry,
    window,
    channels: colour ? 3 : 1,
  };
  const display = (frame: number, w?: Window): Raster => {
    checkFrame(frame, frames, path);
    const raster: Raster = { width: image.width, height: image.height, channels: colour ? 3 : 1, bitDepth: 8, data: dicomDisplayFrame(image, frame, w ?? window ?? undefined) };
    // colour frames come out unwindowed: a window applies to their 8-bit samples
    return colour && w ? windowLevels(raster, w) : raster;
  };
  return { meta, display };
}

function niftiFile(volume: NiftiVolume, path: string): DecodedFile {
  const [width, height] = volume.geometry.dims;
  const frames = volume.geometry.dims[2];
  const { calMin, calMax } = volume.header;
  // cal_min/cal_max is the writer's intended display range; else a robust range of the volume (NIfTI
  // has no modality: taken as non-CT, window.ts)
  const window = calMax > calMin ? windowForRange(calMin, calMax) : defaultWindow([volume.data]);
  const meta: Described = {
    kind: 'nifti',
    format: 'nifti',
    width,
    height,
    frames,
    defaultFrame: Math.floor(frames / 2),
    modality: null,
    pixelSpacing: [volume.geometry.spacing[1], volume.geometry.spacing[0]],
    geometry: volume.geometry,
    window,
    channels: 1,
  };
  if (volume.note) meta.note = volume.note;
  const display = (frame: number, w?: Window): Raster => {
    checkFrame(frame, frames, path);
    return { width, height, channels: 1, bitDepth: 8, data: applyWindow(niftiSlice(volume, frame).values, w ?? window) };
  };
  return { meta, display };
}

function checkFrame(frame: number, frames: number, path: string): void {
  if (!(Number.isInteger(frame) && frame >= 0 && frame < frames)) throw new RangeError(`${path}: frame ${frame} is outside 0..${frames - 1}`);
}

/** Re-reads the file when a frame is needed; the same bytes give the same window, so frames match the thumbnail. */
function loader(path: string, contentHash: string, item: Pick<ImportItem, 'defaultFrame'>): (frame?: number, window?: Window) => Promise<Raster> {
  return (frame = item.defaultFrame, window) => loadSourceFrame(path, contentHash, frame, window);
}

/**
 * One frame of an imported file as an 8-bit raster, after checking the file still has the content
 * hash taken at import. Without `window` it is what the model and the viewer see by default (the
 * import's window). With one, that window replaces the import's for this call and is applied to
 * the raw values with the same linear VOI function (PS3.3 C.11.2.1.2.1): modality units after
 * rescale slope/intercept for DICOM and NIfTI, raw values for 16-bit grey PNG, and the 8-bit
 * levels for images imported without a window (8-bit and colour; the identity window {128, 256}
 * returns them unchanged). MONOCHROME1 is inverted after windowing either way. A window that is
 * not {finite center, width ≥ 1} is a WindowError (a RangeError) before the file is read.
 */
export async function loadSourceFrame(path: string, contentHash: string, frame: number, window?: Window): Promise<Raster> {
  return loadImageFrame({ path, contentHash, frame, volume: 0, window: null }, window);
}

/**
 * {@link loadSourceFrame} for any stored frame, a stack's slices included: frame k of a DICOM
 * series reads only its own slice file (and checks that file's hash), so scrolling costs one small
 * file per slice, never the whole series.
 */
export async function loadImageFrame(source: FrameSource, window?: Window): Promise<Raster> {
  const { path, contentHash, frame } = source;
  const volume = source.volume ?? 0;
  const w = window === undefined ? undefined : checkWindow(window, `${path}: display window`);
  const file = await decodedSource(path, contentHash, volume);
  return file.display(frame, w ?? source.window ?? undefined);
}

// Browsing a volume or segmenting all its frames asks for the same files again and again, and the
// viewer asks again for each window it settles on: keep the last few decoded files (re-checked by
// size and mtime) instead of reading and hashing them each time. A stack's slices are separate
// files, so a handful lets the viewer step back and forth without a re-read; the decoded pixels of
// one slice are small, and one large volume file evicts the rest (by count, bounded below).
const DECODED_CACHE_FILES = 8;
const decodedCache: Array<{ path: string; hash: string; volume: number; size: number; mtimeMs: number; file: DecodedFile }> = [];

async function decodedSource(path: string, contentHash: string, volume: number): Promise<DecodedFile> {
  const info = await stat(path);
  const at = decodedCache.findIndex((c) => c.path === path && c.hash === contentHash && c.volume === volume);
  if (at >= 0) {
    const [hit] = decodedCache.splice(at, 1);
    if (hit.size === info.size && hit.mtimeMs === info.mtimeMs) {
      decodedCache.unshift(hit);
      return hit.file;
    }
  }
  const bytes = await readFile(path);
  if (sha256(bytes) !== contentHash) throw new SourceChangedError(path);
  const file = decodeFile(bytes, path, volume ? { niftiVolume: volume } : {});
  // a file of many frames (a volume) holds as much as many slices: keep it alone
  if (file.meta.frames > 1) decodedCache.length = 0;
  decodedCache.unshift({ path, hash: contentHash, volume, size: info.size, mtimeMs: info.mtimeMs, file });
  if (decodedCache.length > DECODED_CACHE_FILES) decodedCache.length = DECODED_CACHE_FILES;
  return file;
}
