// CLIPSeg's image preprocessing, as HuggingFace's ViTImageProcessor does it: the uint8 RGB image
// goes through PIL's Image.resize(BILINEAR), comes back as uint8, is rescaled (×1/255) and
// normalised with the checkpoint's mean/std, and is laid out channel-first. The resize is PIL's
// own fixed-point algorithm reproduced exactly (see resizeU8Bilinear), so the model sees the same
// pixels it was trained and evaluated on.

import type { Raster } from '../../common/raster.ts';

export interface PreprocessConfig {
  /** Model input size (352×352 for the released CLIPSeg checkpoints). */
  height: number;
  width: number;
  mean: [number, number, number];
  std: [number, number, number];
  /** Multiplier applied to the uint8 values before normalising (1/255; 1 when do_rescale is false). */
  rescale: number;
  /** PIL resampling filter id; only 2 (BILINEAR) is implemented. */
  resample: number;
}

/** Thrown for a preprocessor_config.json that cannot be used; names the file and the field. */
export class PreprocessConfigError extends Error {
  constructor(readonly source: string, reason: string) {
    super(`${source}: ${reason}`);
    this.name = 'PreprocessConfigError';
  }
}

/** Intensity range mapped linearly onto 0..255 (values outside it are clamped). */
export interface IntensityWindow {
  lo: number;
  hi: number;
}

const PIL_BILINEAR = 2;
const PIL_FILTER_NAMES: Record<number, string> = { 0: 'NEAREST', 1: 'LANCZOS', 2: 'BILINEAR', 3: 'BICUBIC', 4: 'BOX', 5: 'HAMMING' };
// What ViTImageProcessor uses for a field the file leaves out (transformers' class defaults).
const VIT_DEFAULTS = { size: 224, mean: 0.5, std: 0.5, rescale: 1 / 255 };
const VIT_PROCESSORS = new Set(['ViTImageProcessor', 'ViTImageProcessorFast', 'ViTFeatureExtractor']);

/**
 * Reads a HuggingFace preprocessor_config.json (its text or the parsed object). Missing fields take
 * ViTImageProcessor's defaults; settings this pipeline cannot reproduce are rejected, not ignored.
 */
export function parsePreprocessConfig(json: unknown, source = 'preprocessor_config.json'): PreprocessConfig {
  const fail = (reason: string): never => {
    throw new PreprocessConfigError(source, reason);
  };
  let obj = json;
  if (typeof json === 'string') {
    try {
      obj = JSON.parse(json);
    } catch (e) {
      fail(`not valid JSON (${(e as Error).message})`);
    }
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return fail('expected a JSON object');
  const c = obj as Record<string, unknown>;

  const type = c.image_processor_type ?? c.feature_extractor_type;
  if (type !== undefined && !VIT_PROCESSORS.has(String(type))) {
    fail(`image processor ${JSON.stringify(type)} is not supported (CLIPSeg uses ViTImageProcessor)`);
  }
  if (c.do_resize === false) fail('do_resize false is not supported: the model needs a fixed input size');
  if (c.do_center_crop === true) fail('do_center_crop is not supported (ViTImageProcessor does not crop)');

  const flag = (name: string): boolean => {
    const v = c[name];
    if (v === undefined) return true;
    if (typeof v !== 'boolean') fail(`${name} must be true or false, got ${JSON.stringify(v)}`);
    return v as boolean;
  };
  const positiveInt = (name: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) fail(`${name} must be a positive integer, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const triple = (name: string, fallback: number, positive: boolean): [number, number, number] => {
    const v = c[name] ?? fallback;
    const values = typeof v === 'number' ? [v, v, v] : v;
    if (!Array.isArray(values) || values.length !== 3 || !values.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      return fail(`${name} must be a number or a list of 3 numbers (one per RGB channel), got ${JSON.stringify(v)}`);
    }
    if (positive && !values.every((x) => x > 0)) fail(`${name} must be positive, got ${JSON.stringify(v)}`);
    return [values[0], values[1], values[2]];
  };

  let height = VIT_DEFAULTS.size;
  let width = VIT_DEFAULTS.size;
  const size = c.size;
  if (typeof size === 'number') {
    height = width = positiveInt('size', size); // old configs: one number means a square
  } else if (size !== undefined) {
    if (typeof size !== 'object' || size === null) fail(`size must be {"height", "width"}, got ${JSON.stringify(size)}`);
    const s = size as Record<string, unknown>;
    if (s.height === undefined || s.width === undefined) {
      fail(`size must give height and width (ViTImageProcessor resizes to a fixed size), got ${JSON.stringify(size)}`);
    }
    height = positiveInt('size.height', s.height);
    width = positiveInt('size.width', s.width);
  }

  const resample = c.resample ?? PIL_BILINEAR;
  if (resample !== PIL_BILINEAR) {
    const name = typeof resample === 'number' ? PIL_FILTER_NAMES[resample] : undefined;
    fail(`resample ${JSON.stringify(resample)}${name ? ` (${name})` : ''} is not supported; only 2 (BILINEAR) is implemented`);
  }

  let rescale = 1;
  if (flag('do_rescale')) {
    const r = c.rescale_factor ?? VIT_DEFAULTS.rescale;
    if (typeof r !== 'number' || !Number.isFinite(r) || r <= 0) fail(`rescale_factor must be a positive number, got ${JSON.stringify(r)}`);
    rescale = r as number;
  }
  const normalize = flag('do_normalize');
  const mean = normalize ? triple('image_mean', VIT_DEFAULTS.mean, false) : ([0, 0, 0] as [number, number, number]);
  const std = normalize ? triple('image_std', VIT_DEFAULTS.std, true) : ([1, 1, 1] as [number, number, number]);
  return { height, width, mean, std, rescale, resample: PIL_BILINEAR };
}

/**
 * Any Raster as 8-bit RGB, interleaved, as HF's convert-to-RGB sees it: grey is repeated into
 * R, G and B and alpha is dropped. 16-bit images are mapped to 8 bits through a linear window,
 * by default the image's own min..max (over the colour channels) — the model is shown a
 * contrast-stretched image, because medical 16-bit data rarely spans the full range and a plain
 * >>8 would leave it nearly black. A flat 16-bit image falls back to the full 0..65535 range.
 * An 8-bit image passes unchanged unless a window is given.
 */
export function toRgb8(raster: Raster, window?: IntensityWindow): Uint8Array {
  const { width, height, channels, data } = raster;
  const n = width * height;
  if (data.length !== n * channels) throw new RangeError(`toRgb8: raster data has ${data.length} values, expected ${width}×${height}×${channels}`);
  const colour = channels >= 3 ? 3 : 1;
  let map: ((v: number) => number) | undefined;
  if (window) {
    checkWindow(window);
    map = windowMap(window);
  } else if (raster.bitDepth === 16) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < colour; c++) {
        const v = data[i * channels + c];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    map = windowMap(hi > lo ? { lo, hi } : { lo: 0, hi: 65535 });
  }
  // 8-bit RGB as it is: the resize reads it without a copy
  if (!map && channels === 3 && data instanceof Uint8Array) return data;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = data[i * channels + (colour === 3 ? c : 0)];
      out[i * 3 + c] = map ? map(v) : v;
    }
  }
  return out;
}

function checkWindow(w: IntensityWindow): void {
  if (!Number.isFinite(w.lo) || !Number.isFinite(w.hi) || w.hi <= w.lo) {
    throw new RangeError(`intensity window must have finite lo < hi, got lo ${w.lo}, hi ${w.hi}`);
  }
}

function windowMap({ lo, hi }: IntensityWindow): (v: number) => number {
  const scale = 255 / (hi - lo);
  return (v) => (v <= lo ? 0 : v >= hi ? 255 : Math.round((v - lo) * scale));
}

/** PIL's Image.resize((outW, outH), BILINEAR) of an interleaved 8-bit RGB image. */
export function resizeRgb8Bilinear(rgb: Uint8Array, w: number, h: number, outW: number, outH: number): Uint8Array {
  return resizeU8Bilinear(rgb, w, h, 3, outW, outH);
}

// Pillow's src/libImaging/Resample.c, 8 bits per channel: a separable convolution with the
// triangle filter widened by the downscale factor (so downscaling averages, i.e. antialiases),
// coefficients normalised in double and then rounded to fixed point with PRECISION_BITS fraction
// bits, a horizontal pass (only over the rows the vertical pass will read) rounded back to uint8,
// then a vertical pass. A pass whose size does not change is skipped. Every arithmetic step below
// is in the same order as the C code so the doubles, and hence the fixed-point weights, match bit
// for bit.
const PRECISION_BITS = 32 - 8 - 2;
const HALF = 1 << (PRECISION_BITS - 1);

interface Coefficients {
  ksize: number;
  /** Per output index: first input index and tap count. */
  bounds: Int32Array;
  /** Per output index: ksize fixed-point weights. */
  weights: Int32Array;
}

function bilinearFilter(x: number): number {
  if (x < 0) x = -x;
  return x < 1 ? 1 - x : 0;
}

function precomputeCoefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = 1.0 * filterscale; // BILINEAR's support is 1
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1.0 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = bilinearFilter((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? k[x] / ww : k[x];
      // normalize_coeffs_8bpc: round half away from zero, then truncate to int
      weights[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS)) : Math.trunc(0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

/** The fixed-point sum back to uint8 (PIL's clip8). */
function clip8(sum: number): number {
  const v = sum >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** PIL's uint8 BILINEAR resize of an interleaved image with any number of channels. */
export function resizeU8Bilinear(data: Uint8Array, w: number, h: number, channels: number, outW: number, outH: number): Uint8Array {
  for (const [name, v] of [['width', w], ['height', h], ['output width', outW], ['output height', outH], ['channels', channels]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`resize: ${name} must be a positive integer, got ${v}`);
  }
  if (data.length !== w * h * channels) throw new RangeError(`resize: data has ${data.length} values, expected ${w}×${h}×${channels}`);
  if (outW === w && outH === h) return data.slice();
  const vert = outH !== h ? fixedTaps(h, outH) : null;
  const { src, rowOffset } = horizontalPass(data, w, h, channels, outW, vert);
  if (!vert) return src;
  const { taps, first, weights } = vert;
  const rowLen = outW * channels;
  const out = new Uint8Array(outH * rowLen);
  for (let y = 0; y < outH; y++) {
    const base = (first[y] - rowOffset) * rowLen;
    for (let i = 0, o = y * rowLen; i < rowLen; i++, o++) {
      let sum = HALF;
      for (let t = 0, r = base + i, k = y * taps; t < taps; t++, r += rowLen, k++) sum += src[r] * weights[k];
      out[o] = clip8(sum);
    }
  }
  return out;
}

/**
 * One resize pass with every output reading the same number of consecutive inputs (`taps`, the
 * widest output's count), zero weights padding the narrower ones, so the inner loops have no
 * per-output bounds: a zero weight adds an exact 0 to PIL's integer sum.
 */
interface FixedTaps {
  taps: number;
  /** Per output index: the first input index it reads. */
  first: Int32Array;
  /** Per output index: `taps` fixed-point weights. */
  weights: Int32Array;
}

function fixedTaps(inSize: number, outSize: number): FixedTaps {
  const c = precomputeCoefficients(inSize, outSize);
  let taps = 1;
  for (let i = 0; i < outSize; i++) taps = Math.max(taps, c.bounds[2 * i + 1]);
  const first = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  for (let i = 0; i < outSize; i++) {
    const own = c.bounds[2 * i];
    const start = Math.min(own, inSize - taps); // near the end, read from earlier on (counts never exceed inSize)
    first[i] = start;
    for (let t = 0; t < c.bounds[2 * i + 1]; t++) weights[i * taps + own - start + t] = c.weights[i * c.ksize + t];
  }
  return { taps, first, weights };
}

/**
 * PIL's horizontal pass (rounded back to uint8) over the rows the vertical pass `vert` will read
 * (all rows without one); returns them numbered from `rowOffset`. Without a width change it only
 * narrows the view.
 */
function horizontalPass(data: Uint8Array, w: number, h: number, channels: number, outW: number, vert: FixedTaps | null): { src: Uint8Array; rowOffset: number } {
  const rowOffset = vert ? vert.first[0] : 0;
  const rows = vert ? vert.first[vert.first.length - 1] + vert.taps - rowOffset : h;
  if (outW === w) return { src: data.subarray(rowOffset * w * channels), rowOffset };
  const { taps, first, weights } = fixedTaps(w, outW);
  const src = new Uint8Array(outW * rows * channels);
  for (let y = 0; y < rows; y++) {
    const inRow = (y + rowOffset) * w * channels;
    for (let x = 0, o = y * outW * channels; x < outW; x++, o += channels) {
      const at0 = inRow + first[x] * channels;
      const k0 = x * taps;
      if (channels === 3 && taps === 3) {
        // RGB downscaled up to 1.5× (512² → 352²), unrolled
        const w0 = weights[k0], w1 = weights[k0 + 1], w2 = weights[k0 + 2];
        src[o] = clip8(HALF + data[at0] * w0 + data[at0 + 3] * w1 + data[at0 + 6] * w2);
        src[o + 1] = clip8(HALF + data[at0 + 1] * w0 + data[at0 + 4] * w1 + data[at0 + 7] * w2);
        src[o + 2] = clip8(HALF + data[at0 + 2] * w0 + data[at0 + 5] * w1 + data[at0 + 8] * w2);
        continue;
      }
      if (channels === 3) {
        // RGB with the three sums in one pass over the taps
        let s0 = HALF, s1 = HALF, s2 = HALF;
        for (let t = 0, at = at0; t < taps; t++, at += 3) {
          const wk = weights[k0 + t];
          s0 += data[at] * wk;
          s1 += data[at + 1] * wk;
          s2 += data[at + 2] * wk;
        }
        src[o] = clip8(s0);
        src[o + 1] = clip8(s1);
        src[o + 2] = clip8(s2);
        continue;
      }
      for (let c = 0; c < channels; c++) {
        let sum = HALF;
        for (let t = 0, at = at0 + c; t < taps; t++, at += channels) sum += data[at] * weights[k0 + t];
        src[o + c] = clip8(sum);
      }
    }
  }
  return { src, rowOffset };
}

/** The model input for one image: float32, channel-first [3, height, width], normalised. */
export function preprocess(raster: Raster, config: PreprocessConfig, window?: IntensityWindow): Float32Array {
  const out = new Float32Array(3 * config.height * config.width);
  preprocessInto(raster, config, out, 0, window);
  return out;
}

/**
 * Writes one image's model input into `out` starting at element `offset` (batch item b goes at
 * b·3·height·width). The arithmetic is numpy's: uint8 × rescale in float64 rounded to float32,
 * then (x − mean) / std in float32, so values match HF's pixel_values bit for bit.
 */
export function preprocessInto(raster: Raster, config: PreprocessConfig, out: Float32Array, offset: number, window?: IntensityWindow): void {
  const { height: H, width: W } = config;
  const plane = H * W;
  if (!Number.isInteger(offset) || offset < 0 || offset + 3 * plane > out.length) {
    throw new RangeError(`preprocessInto: ${3 * plane} values at offset ${offset} do not fit in an array of ${out.length}`);
  }
  const luts = [0, 1, 2].map((c) => channelTable(config.rescale, config.mean[c], config.std[c])) as [Float32Array, Float32Array, Float32Array];
  resizeRgbToPlanes(toRgb8(raster, window), raster.width, raster.height, W, H, luts, out, offset);
}

/**
 * PIL's BILINEAR resize of interleaved RGB (the horizontal pass rounded to uint8, then the
 * vertical one, each skipped when its size does not change) written straight into the model's
 * three normalised planes through `luts`: the same uint8 values as resizeU8Bilinear, in one pass
 * less and with the taps laid out for the JIT (3× faster at 512² → 352²; it runs while the text
 * tower does, on the cold path).
 */
function resizeRgbToPlanes(rgb: Uint8Array, w: number, h: number, outW: number, outH: number, luts: readonly Float32Array[], out: Float32Array, offset: number): void {
  const [l0, l1, l2] = luts;
  const plane = outW * outH;
  const vert = outH !== h ? fixedTaps(h, outH) : null;
  const { src, rowOffset } = horizontalPass(rgb, w, h, 3, outW, vert);
  const rowLen = outW * 3;
  if (!vert) {
    for (let i = 0, p = offset; i < plane; i++, p++) {
      out[p] = l0[src[3 * i]];
      out[p + plane] = l1[src[3 * i + 1]];
      out[p + 2 * plane] = l2[src[3 * i + 2]];
    }
    return;
  }
  const { taps, first, weights } = vert;
  for (let y = 0; y < outH; y++) {
    const base = (first[y] - rowOffset) * rowLen;
    let p = offset + y * outW;
    if (taps <= 3) {
      // the common case (downscales up to 1.5×, any upscale) unrolled; missing taps read row `base` with weight 0
      const k0 = weights[y * taps], k1 = taps > 1 ? weights[y * taps + 1] : 0, k2 = taps > 2 ? weights[y * taps + 2] : 0;
      const r1 = taps > 1 ? base + rowLen : base, r2 = taps > 2 ? base + 2 * rowLen : base;
      for (let i = 0; i < rowLen; i += 3, p++) {
        out[p] = l0[clip8(HALF + src[base + i] * k0 + src[r1 + i] * k1 + src[r2 + i] * k2)];
        out[p + plane] = l1[clip8(HALF + src[base + i + 1] * k0 + src[r1 + i + 1] * k1 + src[r2 + i + 1] * k2)];
        out[p + 2 * plane] = l2[clip8(HALF + src[base + i + 2] * k0 + src[r1 + i + 2] * k1 + src[r2 + i + 2] * k2)];
      }
      continue;
    }
    for (let i = 0; i < rowLen; i += 3, p++) {
      let s0 = HALF, s1 = HALF, s2 = HALF;
      for (let t = 0, r = base + i, k = y * taps; t < taps; t++, r += rowLen, k++) {
        const wk = weights[k];
        s0 += src[r] * wk;
        s1 += src[r + 1] * wk;
        s2 += src[r + 2] * wk;
      }
      out[p] = l0[clip8(s0)];
      out[p + plane] = l1[clip8(s1)];
      out[p + 2 * plane] = l2[clip8(s2)];
    }
  }
}

/** The normalised float32 value of each uint8 level for one channel. */
function channelTable(rescale: number, mean: number, std: number): Float32Array {
  const f = Math.fround;
  const m = f(mean);
  const s = f(std);
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = f(f(f(v * rescale) - m) / s);
  return lut;
}
