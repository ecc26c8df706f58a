// Whole-volume segmentation: every chosen slice of a volume through the model with the prompts
// embedded once, slices batched through the vision graph. Streams: a slice is read, preprocessed,
// encoded, decoded, thresholded and handed to `onSlice`, then dropped, so memory holds the batch in
// flight (and the next one being prepared), never the volume. The CLI, the app's segment-batch job
// and `bench volume` all run this one loop.

import type { PreprocessConfig } from '../engine/model/preprocess.ts';
import { preprocess } from '../engine/model/preprocess.ts';
import { logitsToMask } from '../engine/model/postprocess.ts';
import type { Segmenter } from '../engine/model/segmenter.ts';
import type { Raster } from '../common/raster.ts';

/**
 * Slices per vision-graph run when none is asked for, by precision, as measured with `bench volume`
 * on the 2-core build machine (docs/benchmarks.md): fp32 gains nothing from batching (the GEMMs are
 * already large; batch 2 measured 15 % slower). int8 ran 2 slices at a time 15–25 % faster, but its
 * activations are quantised with one scale per run, so a slice's mask would depend on the slice it
 * shares a run with: int8 stays at 1 too, and a slice's mask is the same in a volume as alone.
 */
export const defaultVolumeBatch = 1;

/** Slices of one volume in stored order, read one at a time. */
export interface SliceSource {
  /** names the input in errors */
  name: string;
  width: number;
  height: number;
  slices: number;
  /** Slice k (0-based, stored order) as the 8-bit raster the model sees: the viewer's default window. */
  read(k: number): Promise<Raster>;
}

export interface VolumeSegmentOptions {
  /** text prompts, or conditional embeddings; each is embedded once for the whole volume */
  prompts: (string | Float32Array)[];
  /** probability threshold in [0, 1] */
  threshold: number;
  /** the slices to segment, 0-based in stored order (default all) */
  slices?: number[];
  /** images per vision-graph run; the last partial batch is zero-padded (default 1) */
  batch?: number;
  signal?: AbortSignal;
  /** One slice's masks (0/1 bytes, width × height), one per prompt, in prompt order; slices come in the order given. */
  onSlice(k: number, masks: Uint8Array[]): void | Promise<void>;
  onProgress?(done: number, total: number): void;
}

export interface VolumeModel {
  segmenter: Segmenter;
  preprocess: PreprocessConfig;
}

/** Parses `A:B` (A inclusive, B exclusive, either may be left out; negative counts from the end) or `A` (one slice) against `n` slices. */
export function parseSliceRange(text: string, n: number): { start: number; end: number } {
  const m = /^\s*(-?\d+)?\s*(:)?\s*(-?\d+)?\s*$/.exec(text);
  if (!m || (m[1] === undefined && m[2] === undefined)) throw new RangeError(`slice range '${text}': expected A:B (A inclusive, B exclusive, 0-based) or A`);
  const at = (s: string | undefined, dflt: number) => (s === undefined ? dflt : Number(s) < 0 ? n + Number(s) : Number(s));
  const start = at(m[1], 0);
  const end = m[2] ? at(m[3], n) : start + 1;
  if (!(start >= 0 && start < end && end <= n)) throw new RangeError(`slice range '${text}' selects no slices of 0..${n - 1} (${n} slices; A:B takes A..B−1)`);
  return { start, end };
}

export async function segmentVolume(model: VolumeModel, source: SliceSource, o: VolumeSegmentOptions): Promise<void> {
  const { segmenter } = model;
  const batch = o.batch ?? 1;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new RangeError(`batch must be an integer ≥ 1, got ${batch}`);
  if (!(o.threshold >= 0 && o.threshold <= 1)) throw new RangeError(`threshold must be in [0, 1], got ${o.threshold}`);
  const slices = o.slices ?? Array.from({ length: source.slices }, (_, k) => k);
  for (const k of slices) if (!(Number.isInteger(k) && k >= 0 && k < source.slices)) throw new RangeError(`${source.name}: slice ${k} is outside 0..${source.slices - 1}`);
  const conds = await Promise.all(o.prompts.map((p) => (typeof p === 'string' ? segmenter.embedText(p) : p)));
  const size = model.preprocess.height;
  const groups: number[][] = [];
  for (let i = 0; i < slices.length; i += batch) groups.push(slices.slice(i, i + batch));

  const prepare = async (ks: number[]): Promise<Float32Array[]> => {
    const out: Float32Array[] = [];
    for (const k of ks) {
      const raster = await source.read(k);
      if (raster.width !== source.width || raster.height !== source.height) throw new Error(`${source.name}: slice ${k} is ${raster.width}×${raster.height}, the volume ${source.width}×${source.height}`);
      out.push(preprocess(raster, model.preprocess));
    }
    return out;
  };

  // Pipelined: the worker encodes batch i+1 while this thread thresholds batch i's logits, and
  // batch i+2 is read and preprocessed while the worker runs. At most two batches are in flight.
  let done = 0;
  let nextPixels = groups.length ? prepare(groups[0]) : null;
  let encoding = nextPixels ? nextPixels.then((p) => segmenter.encodeBatch(p, batch)) : null;
  for (let g = 0; g < groups.length; g++) {
    o.signal?.throwIfAborted();
    const acts = await encoding!;
    // queue this batch's decodes, then the next batch's encode, before any of them is awaited
    const logits = acts.map((a) => conds.map((c) => segmenter.decode(a, c)));
    for (const l of logits.flat()) l.catch(() => undefined); // each is awaited below, in order
    if (g + 1 < groups.length) {
      nextPixels = prepare(groups[g + 1]);
      encoding = nextPixels.then((p) => segmenter.encodeBatch(p, batch));
      encoding.catch(() => undefined); // awaited next round; an abort must not leave it unhandled
    }
    for (const [b, k] of groups[g].entries()) {
      const masks: Uint8Array[] = [];
      for (const l of logits[b]) masks.push(logitsToMask(await l, size, size, source.height, source.width, o.threshold));
      await o.onSlice(k, masks);
      o.onProgress?.(++done, slices.length);
    }
  }
}
