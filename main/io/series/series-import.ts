// Import of DICOM series: while import walks the files, each DICOM slice is read once (header,
// then every frame decoded to prove it readable and to gather window statistics) and only its
// header facts are kept; the pixels are dropped. When the walk is done the slices are grouped into
// stacks (stacks.ts) and each stack becomes one ImportItem whose frames read their own slice files.
// Peak memory is one decoded file plus a few kilobytes per slice, whatever the series' length.

import { basename, dirname, sep } from 'node:path';
import { openDicom, readDicomHeader, type DicomHeader } from '../dicom.ts';
import type { Raster } from '../raster.ts';
import { makeThumbnail } from '../thumbnail.ts';
import { defaultWindow, windowForRange, type Window } from '../window.ts';
import type { FrameSource, SliceSource } from '../../common/image-source.ts';
import type { ImportFailure, ImportItem } from '../import-scan.ts';
import { planSeries, stackContentHash, type SliceInfo, type Stack } from './stacks.ts';

/** Values kept per slice for a stack's percentile window (strided over the slice). */
const SAMPLE_PER_SLICE = 4096;

/** What import-scan lends the collector (passed in, so this module does not import it at run time). */
export interface SeriesScanContext {
  thumbnailSize: number;
  /** today's one-file item (a series of one slice stays what it always was) */
  describe(bytes: Uint8Array, path: string, contentHash: string): ImportItem;
  loadFrame(source: FrameSource, window?: Window): Promise<Raster>;
  readFile(path: string): Promise<Uint8Array>;
  reasonOf(e: unknown, path: string): string;
}

interface Candidate {
  info: SliceInfo;
  byteLength: number;
  window: Window | null;
  min: number;
  max: number;
  sample: Float32Array;
  monochrome1: boolean;
}

/**
 * Whether a DICOM header is a slice of a volume: a patient position and orientation, PixelSpacing,
 * one grey sample, and either one frame or per-frame geometry (enhanced multi-frame). Radiographs,
 * ultrasound, colour and classic multi-frame files stay one image per file, as before.
 */
export function isVolumeSlice(h: DicomHeader): boolean {
  const grey = h.samplesPerPixel === 1;
  const planar = h.pixelSpacingSource === 'PixelSpacing';
  if (h.frames) return grey && h.frames.every((f) => f.imagePositionPatient && f.imageOrientationPatient && (f.pixelSpacing ?? h.pixelSpacing));
  return grey && planar && h.numberOfFrames === 1 && h.imagePositionPatient !== null && h.imageOrientationPatient !== null;
}

export class SeriesCollector {
  private candidates: Candidate[] = [];
  /** hash → path of the first file with those bytes, and the later copies */
  private copies = new Map<string, { first: string; later: string[] }>();

  constructor(private readonly ctx: SeriesScanContext) {}

  /**
   * Takes a DICOM file's bytes. Returns null when the file joins the series pool (reported at
   * finish), else what to yield now: a one-file item, or the file's failure.
   */
  add(bytes: Uint8Array, path: string, hash: string): ImportItem | ImportFailure | null {
    let header: DicomHeader;
    try {
      header = readDicomHeader(bytes, path);
    } catch (e) {
      return { kind: 'failure', path, reason: this.ctx.reasonOf(e, path) };
    }
    if (!isVolumeSlice(header)) return this.ctx.describe(bytes, path, hash);
    const copy = this.copies.get(hash);
    if (copy) {
      copy.later.push(path);
      return null;
    }
    try {
      const { decodeFrame } = openDicom(bytes, path);
      for (let f = 0; f < header.numberOfFrames; f++) this.candidates.push(candidate(header, path, hash, bytes.length, f, decodeFrame(f)));
    } catch (e) {
      return { kind: 'failure', path, reason: `${this.ctx.reasonOf(e, path)} (a slice of series ${header.seriesInstanceUID || '?'}: the series is imported without it)` };
    }
    this.copies.set(hash, { first: path, later: [] });
    return null;
  }

  /** The series' stacks (and what was reported), once every file has been added. */
  async *finish(signal?: AbortSignal): AsyncIterable<ImportItem | ImportFailure> {
    const byKey = new Map(this.candidates.map((c) => [`${c.info.path}\n${c.info.frame}`, c]));
    const plan = planSeries(this.candidates.map((c) => c.info));
    this.candidates = [];
    for (const p of plan.problems) yield { kind: 'failure', path: p.path, reason: `${p.frame ? `frame ${p.frame}: ` : ''}${p.reason}` };
    for (const stack of plan.stacks) {
      signal?.throwIfAborted();
      const members = stack.slices.map((s) => byKey.get(`${s.path}\n${s.frame}`)!);
      try {
        yield await this.item(stack, members);
      } catch (e) {
        if (signal?.aborted) throw e;
        yield { kind: 'failure', path: commonFolder(stack.slices.map((s) => s.path)), reason: `series ${stack.seriesUid}${stack.part ? ` (${stack.part})` : ''}: ${e instanceof Error ? e.message : String(e)}` };
      }
    }
  }

  private async item(stack: Stack, members: Candidate[]): Promise<ImportItem> {
    const copiesOf = (path: string) => [...this.copies.values()].find((c) => c.first === path)?.later ?? [];
    const copies = stack.slices.flatMap((s) => (s.frame === 0 ? copiesOf(s.path) : []));
    const only = stack.slices[0];
    const series = { studyUid: stack.studyUid, seriesUid: stack.seriesUid, frameOfReferenceUid: stack.frameOfReferenceUid, description: stack.seriesDescription || null };
    if (stack.slices.length === 1 && stack.notes.length === 0 && members[0].info.frame === 0 && !stack.part) {
      // a series of one single-frame file: the one-file image it always was, with its series named
      const bytes = await this.ctx.readFile(only.path);
      return { ...this.ctx.describe(bytes, only.path, only.hash), series };
    }
    const middle = Math.floor(stack.slices.length / 2);
    const window = stackWindow(members, stack.modality, middle);
    const slices: SliceSource[] = stack.slices.map((s) => ({ sourcePath: s.path, sourceHash: s.hash, sourceFrame: s.frame, sopInstanceUid: s.sopInstanceUid || null, sopClassUid: s.sopClassUid || null, position: [...s.ipp] }));
    const source = (k: number): FrameSource => ({ path: stack.slices[k].path, contentHash: stack.slices[k].hash, frame: stack.slices[k].frame, window });
    const thumbnail = makeThumbnail(await this.ctx.loadFrame(source(middle)), this.ctx.thumbnailSize);
    const notes = [...stack.notes];
    if (copies.length) notes.push(`${copies.length} identical cop${copies.length > 1 ? 'ies' : 'y'} of slices skipped (${copies.slice(0, 3).join(', ')}${copies.length > 3 ? ', …' : ''})`);
    const folder = commonFolder(stack.slices.map((s) => s.path));
    const name = stack.seriesDescription || (stack.seriesNumber !== null ? `Series ${stack.seriesNumber}` : basename(folder));
    const item: ImportItem = {
      kind: 'dicom',
      format: 'dicom',
      sourcePath: folder,
      fileName: stack.part ? `${name} (${stack.part})` : name,
      contentHash: stackContentHash(stack.slices),
      byteLength: members.reduce((n, m) => n + (m.info.frame === 0 ? m.byteLength : 0), 0),
      width: stack.width,
      height: stack.height,
      frames: stack.slices.length,
      defaultFrame: middle,
      modality: stack.modality || null,
      pixelSpacing: stack.pixelSpacing,
      geometry: stack.geometry,
      window,
      channels: 1,
      thumbnail,
      series,
      slices,
      loadFrame: (frame = middle, w) => {
        if (!(Number.isInteger(frame) && frame >= 0 && frame < slices.length)) return Promise.reject(new RangeError(`${folder}: slice ${frame} is outside 0..${slices.length - 1}`));
        return this.ctx.loadFrame(source(frame), w);
      },
    };
    if (notes.length) item.note = notes.join('; ');
    return item;
  }
}

function candidate(h: DicomHeader, path: string, hash: string, byteLength: number, frame: number, values: ArrayLike<number>): Candidate {
  const f = h.frames?.[frame];
  const ipp = (f?.imagePositionPatient ?? h.imagePositionPatient)!;
  const iop = (f?.imageOrientationPatient ?? h.imageOrientationPatient)!;
  const pixelSpacing = (f?.pixelSpacing ?? h.pixelSpacing)!;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const stride = Math.max(1, Math.floor(values.length / SAMPLE_PER_SLICE));
  const sample = new Float32Array(Math.ceil(values.length / stride));
  for (let i = 0, j = 0; i < values.length; i += stride) sample[j++] = values[i];
  const temporal = f?.temporalPositionIndex ?? h.temporalPositionIdentifier;
  return {
    info: {
      path,
      hash,
      frame,
      studyUid: h.studyInstanceUID,
      seriesUid: h.seriesInstanceUID,
      frameOfReferenceUid: h.frameOfReferenceUID,
      sopInstanceUid: h.sopInstanceUID,
      sopClassUid: h.sopClassUID,
      modality: h.modality,
      seriesDescription: h.seriesDescription,
      seriesNumber: h.seriesNumber,
      rows: h.rows,
      columns: h.columns,
      ipp,
      iop,
      pixelSpacing,
      echo: h.echoNumbers ? h.echoNumbers.join('\\') : null,
      temporal: temporal === null || temporal === undefined ? null : String(temporal),
      stackId: f?.stackId ?? null,
    },
    byteLength,
    window: f?.window ?? h.window,
    min,
    max,
    sample,
    monochrome1: h.photometricInterpretation === 'MONOCHROME1',
  };
}

/**
 * One window for every slice (so scrolling does not flicker): the middle slice's header window,
 * else for CT the stack's full range, else robust percentiles of a sample of every slice.
 */
function stackWindow(members: Candidate[], modality: string, middle: number): Window {
  const header = members[middle].window ?? members.find((m) => m.window)?.window;
  if (header) return header;
  if (modality === 'CT') return windowForRange(Math.min(...members.map((m) => m.min)), Math.max(...members.map((m) => m.max)));
  return defaultWindow(members.map((m) => m.sample), { modality });
}

/** The deepest folder holding every path. */
export function commonFolder(paths: readonly string[]): string {
  const parts = paths.map((p) => dirname(p).split(sep));
  const out: string[] = [];
  for (let i = 0; parts.every((p) => i < p.length && p[i] === parts[0][i]); i++) out.push(parts[0][i]);
  return out.join(sep) || sep;
}
