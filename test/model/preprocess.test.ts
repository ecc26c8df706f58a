// CLIPSeg preprocessing: PIL's uint8 BILINEAR resize checked against outputs PIL itself produced
// (Pillow's own test-suite values), hand-computed triangle-filter cases, and a straightforward
// reference of the documented algorithm; a decoded PNG downscaled 101×77 → 64×64 and → 29×17
// against Pillow's own output (scripts/make-pillow-resize-golden.py); the whole pipeline against
// the PyTorch fixture's pixel_values.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readNpy } from '../../main/engine/model/npy.ts';
import {
  parsePreprocessConfig,
  PreprocessConfigError,
  preprocess,
  preprocessInto,
  resizeRgb8Bilinear,
  resizeU8Bilinear,
  toRgb8,
} from '../../main/engine/model/preprocess.ts';
import { readTensors } from '../../main/engine/model/safetensors.ts';
import { decodeImage } from '../../main/io/image-decode.ts';
import type { Raster } from '../../main/io/raster.ts';
import { rng } from '../helpers/random.ts';

const fixture = (name: string) => new URL(`../fixtures/clipseg-tiny/${name}`, import.meta.url).pathname;
const grey = (width: number, height: number, values: number[]): Raster => ({ width, height, channels: 1, bitDepth: 8, data: Uint8Array.from(values) });
const replicate3 = (values: ArrayLike<number>) => Uint8Array.from(Array.from(values).flatMap((v) => [v, v, v]));

// ---- the resize ----

/** Pillow's TestImagingCoreResampleAccuracy.make_case: bright top-left and bottom-right quarters. */
function pillowCase(size: number, colour: number): number[] {
  const half = size / 2;
  return Array.from({ length: size * size }, (_, i) => {
    const [x, y] = [i % size, Math.floor(i / size)];
    return (x < half) === (y < half) ? colour : 255 - colour;
  });
}

/** Pillow's make_sample: the top-left quarter given, the rest by its symmetry. */
function pillowSample(hex: string, size: number): number[] {
  const q = hex.trim().split(/\s+/).map((h) => parseInt(h, 16));
  const half = size / 2;
  return Array.from({ length: size * size }, (_, i) => {
    const [x, y] = [i % size, Math.floor(i / size)];
    const v = q[(y < half ? y : size - 1 - y) * half + (x < half ? x : size - 1 - x)];
    return (x < half) === (y < half) ? v : 255 - v;
  });
}

test('matches the values PIL produces in Pillow’s own BILINEAR accuracy tests (L and RGB)', () => {
  // test_reduce_bilinear: 8×8 → 4×4; test_enlarge_bilinear: 2×2 → 4×4 (colour 0xe1)
  for (const [from, to, hex] of [[8, 4, 'e1 c9 c9 b7'], [2, 4, 'e1 b0 b0 98']] as const) {
    const input = pillowCase(from, 0xe1);
    const want = pillowSample(hex, to);
    assert.deepEqual(Array.from(resizeU8Bilinear(Uint8Array.from(input), from, from, 1, to, to)), want, `L ${from}→${to}`);
    assert.deepEqual(Array.from(resizeRgb8Bilinear(replicate3(input), from, from, to, to)), Array.from(replicate3(want)), `RGB ${from}→${to}`);
  }
});

test('same size is an exact copy; a 1-pixel-high image is resized by the horizontal pass alone', () => {
  const data = Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 37) % 256);
  const same = resizeRgb8Bilinear(data, 5, 4, 5, 4);
  assert.deepEqual(same, data);
  assert.notEqual(same, data, 'a copy, not the input');

  // 6 → 4: scale 1.5 widens the triangle to support 1.5. Output i is centred on (i + 0.5)·1.5 and
  // weighs input j by tri((j + 0.5 − centre) / 1.5), normalised:
  //   out0 = 5/8·a + 3/8·b          out1 = 1/3·b + 5/9·c + 1/9·d
  //   out2 = 1/9·c + 5/9·d + 1/3·e  out3 = 3/8·e + 5/8·f
  // For [0, 80, 160, 240, 40, 120]: 30, 142.2 → 142, 164.4 → 164, 90.
  assert.deepEqual(Array.from(resizeU8Bilinear(Uint8Array.of(0, 80, 160, 240, 40, 120), 6, 1, 1, 4, 1)), [30, 142, 164, 90]);
});

test('hand-computed 2×2 → 4×4 upscale and 4×4 → 2×2 downscale', () => {
  // Upscale ×2: support 1; outputs centred at 0.25, 0.75, 1.25, 1.75 give per axis
  // [a, 3/4·a + 1/4·b, 1/4·a + 3/4·b, b]; rows first, rounded to uint8, then columns.
  // [[0, 100], [200, 40]] → rows [0, 25, 75, 100] and [200, 160, 80, 40]; then
  // row 1 = 3/4·r0 + 1/4·r1 = [50, 58.75, 76.25, 85], row 2 = 1/4·r0 + 3/4·r1 = [150, 126.25, 78.75, 55].
  const up = resizeU8Bilinear(Uint8Array.of(0, 100, 200, 40), 2, 2, 1, 4, 4);
  assert.deepEqual(Array.from(up), [0, 25, 75, 100, 50, 59, 76, 85, 150, 126, 79, 55, 200, 160, 80, 40]);

  // Downscale ×2: support 2; output 0 (centre 1) weighs inputs 0, 1, 2 by 3/4, 3/4, 1/4 → 3/7, 3/7, 1/7;
  // output 1 (centre 3) weighs 1, 2, 3 by 1/7, 3/7, 3/7.
  // Rows [0, 70, 140, 210] → [50, 160]; [210, 140, 70, 0] → [160, 50]; [7, 7, 7, 7] → [7, 7]; [0, 0, 0, 35] → [0, 15].
  // Columns of that: [50, 160, 7, 0] → [(150 + 480 + 7)/7, (160 + 21)/7] = [91, 25.9 → 26];
  //                  [160, 50, 7, 15] → [(480 + 150 + 7)/7, (50 + 21 + 45)/7] = [91, 16.6 → 17].
  const down = resizeU8Bilinear(Uint8Array.of(0, 70, 140, 210, 210, 140, 70, 0, 7, 7, 7, 7, 0, 0, 0, 35), 4, 4, 1, 2, 2);
  assert.deepEqual(Array.from(down), [91, 91, 26, 17]);
});

/**
 * PIL's algorithm as documented, written plainly: for each output index i, centre (i + 0.5)·s with
 * s = in/out, weights tri((j + 0.5 − centre) / max(s, 1)) over every input j, normalised, each
 * rounded to PIL's 22 fraction bits; a horizontal pass rounded to uint8 (half up), then a vertical one.
 */
function referenceResize(data: Uint8Array, w: number, h: number, ch: number, outW: number, outH: number): Uint8Array {
  const weights = (inSize: number, outSize: number) => {
    const s = inSize / outSize;
    return Array.from({ length: outSize }, (_, i) => {
      const raw = Array.from({ length: inSize }, (_, j) => Math.max(0, 1 - Math.abs((j + 0.5 - (i + 0.5) * s) / Math.max(s, 1))));
      const total = raw.reduce((a, b) => a + b, 0);
      return raw.map((v) => Math.round((v / total) * 2 ** 22) / 2 ** 22);
    });
  };
  const toU8 = (v: number) => Math.min(255, Math.max(0, Math.floor(v + 0.5)));
  let cur = data;
  let curW = w;
  if (outW !== w) {
    const k = weights(w, outW);
    const next = new Uint8Array(outW * h * ch);
    for (let y = 0; y < h; y++) for (let i = 0; i < outW; i++) for (let c = 0; c < ch; c++) {
      let s = 0;
      for (let j = 0; j < w; j++) s += k[i][j] * cur[(y * w + j) * ch + c];
      next[(y * outW + i) * ch + c] = toU8(s);
    }
    cur = next;
    curW = outW;
  }
  if (outH !== h) {
    const k = weights(h, outH);
    const next = new Uint8Array(curW * outH * ch);
    for (let i = 0; i < outH; i++) for (let x = 0; x < curW; x++) for (let c = 0; c < ch; c++) {
      let s = 0;
      for (let j = 0; j < h; j++) s += k[i][j] * cur[(j * curW + x) * ch + c];
      next[(i * curW + x) * ch + c] = toU8(s);
    }
    cur = next;
  }
  return cur;
}

test('agrees exactly with a plain reference of PIL’s algorithm on random images, up and down', () => {
  // Rounding the weights to 22 fraction bits matters: an unrounded float reference differs by ±1
  // (occasionally 2, through both passes) wherever a weight is exactly 1/2, e.g. every 11th output
  // column of a 64 → 352 upscale. PIL's fixed-point weight is then exactly 2^21 and the tie rounds
  // up, while the float weight is 0.5 ± 1 ulp and the sum can fall just below the half.
  const rand = rng(7);
  for (const [w, h, outW, outH] of [[37, 23, 16, 29], [100, 80, 35, 35], [64, 48, 176, 132], [13, 5, 6, 5], [9, 7, 9, 3], [120, 9, 352, 9]]) {
    for (const ch of [1, 3]) {
      const data = Uint8Array.from({ length: w * h * ch }, () => Math.floor(rand() * 256));
      assert.deepEqual(resizeU8Bilinear(data, w, h, ch, outW, outH), referenceResize(data, w, h, ch, outW, outH), `${w}×${h}×${ch} → ${outW}×${outH}`);
    }
  }
});

test('a constant image stays exactly constant at any size (the fixed-point weights sum to one)', () => {
  for (const [w, h, outW, outH] of [[512, 9, 9, 512], [7, 3, 352, 352], [400, 300, 352, 352]]) {
    for (const v of [0, 1, 128, 254, 255]) {
      const out = resizeU8Bilinear(new Uint8Array(w * h).fill(v), w, h, 1, outW, outH);
      assert.ok(out.every((x) => x === v), `${w}×${h} → ${outW}×${outH} of ${v}`);
    }
  }
});

test('resize rejects bad sizes', () => {
  assert.throws(() => resizeRgb8Bilinear(new Uint8Array(12), 2, 2, 0, 2), /output width must be a positive integer/);
  assert.throws(() => resizeRgb8Bilinear(new Uint8Array(11), 2, 2, 4, 4), /11 values, expected 2×2×3/);
});

// ---- the config ----

test('parses the fixture’s and the released CLIPSeg preprocessor configs', () => {
  const tiny = parsePreprocessConfig(readFileSync(fixture('preprocessor_config.json'), 'utf8'));
  assert.deepEqual(tiny, { height: 64, width: 64, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], rescale: 0.00392156862745098, resample: 2 });
  // CIDAS/clipseg-rd64-refined
  const released = parsePreprocessConfig({
    do_normalize: true, do_resize: true, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225],
    image_processor_type: 'ViTImageProcessor', processor_class: 'CLIPSegProcessor', resample: 2,
    rescale_factor: 0.00392156862745098, size: { height: 352, width: 352 },
  });
  assert.deepEqual([released.height, released.width], [352, 352]);
  // Older snapshots: a single number for size and the feature-extractor name.
  const legacy = parsePreprocessConfig({ feature_extractor_type: 'ViTFeatureExtractor', size: 352 });
  assert.deepEqual([legacy.height, legacy.width], [352, 352]);
});

test('missing fields take ViTImageProcessor’s defaults; disabled steps become identities', () => {
  assert.deepEqual(parsePreprocessConfig({}), { height: 224, width: 224, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], rescale: 1 / 255, resample: 2 });
  const off = parsePreprocessConfig({ do_rescale: false, do_normalize: false, image_mean: [9, 9, 9] });
  assert.deepEqual([off.rescale, off.mean, off.std], [1, [0, 0, 0], [1, 1, 1]]);
  assert.deepEqual(parsePreprocessConfig({ image_mean: 0.25 }).mean, [0.25, 0.25, 0.25]);
});

test('config errors name the file and the field', () => {
  const bad: [unknown, RegExp][] = [
    ['{ not json', /not valid JSON/],
    [[], /expected a JSON object/],
    [{ resample: 3 }, /resample 3 \(BICUBIC\) is not supported/],
    [{ size: { shortest_edge: 352 } }, /size must give height and width/],
    [{ size: { height: 0, width: 352 } }, /size\.height must be a positive integer/],
    [{ image_std: [0.2, 0, 0.2] }, /image_std must be positive/],
    [{ image_mean: [0.5, 0.5] }, /image_mean must be a number or a list of 3 numbers/],
    [{ rescale_factor: 'x' }, /rescale_factor must be a positive number/],
    [{ do_resize: false }, /do_resize false is not supported/],
    [{ image_processor_type: 'CLIPImageProcessor' }, /"CLIPImageProcessor" is not supported/],
    [{ do_normalize: 'yes' }, /do_normalize must be true or false/],
  ];
  for (const [json, reason] of bad) {
    assert.throws(
      () => parsePreprocessConfig(json, 'models/x/preprocessor_config.json'),
      (e: unknown) => e instanceof PreprocessConfigError && e.message.startsWith('models/x/preprocessor_config.json: ') && reason.test(e.message),
      JSON.stringify(json),
    );
  }
});

// ---- to 8-bit RGB ----

test('toRgb8 repeats grey, drops alpha and keeps RGB', () => {
  assert.deepEqual(Array.from(toRgb8(grey(2, 1, [9, 200]))), [9, 9, 9, 200, 200, 200]);
  assert.deepEqual(Array.from(toRgb8({ width: 2, height: 1, channels: 2, bitDepth: 8, data: Uint8Array.of(9, 0, 200, 255) })), [9, 9, 9, 200, 200, 200]);
  assert.deepEqual(Array.from(toRgb8({ width: 1, height: 2, channels: 4, bitDepth: 8, data: Uint8Array.of(1, 2, 3, 0, 4, 5, 6, 128) })), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(toRgb8({ width: 1, height: 1, channels: 3, bitDepth: 8, data: Uint8Array.of(7, 8, 9) })), [7, 8, 9]);
});

test('16-bit images are stretched from their own min..max, or through the given window', () => {
  const ct: Raster = { width: 4, height: 1, channels: 1, bitDepth: 16, data: Uint16Array.of(1000, 2000, 3000, 1500) };
  // (v − 1000) · 255 / 2000: 0, 127.5 → 128, 255, 63.75 → 64
  assert.deepEqual(Array.from(toRgb8(ct)), [0, 0, 0, 128, 128, 128, 255, 255, 255, 64, 64, 64]);
  // window [1500, 2500]: below → 0, 2000 → 127.5 → 128, above → 255, 1500 → 0
  assert.deepEqual(Array.from(toRgb8(ct, { lo: 1500, hi: 2500 })).filter((_, i) => i % 3 === 0), [0, 128, 255, 0]);
  // The alpha channel of a 16-bit grey+alpha image does not widen the window.
  const ga: Raster = { width: 2, height: 1, channels: 2, bitDepth: 16, data: Uint16Array.of(100, 65535, 300, 0) };
  assert.deepEqual(Array.from(toRgb8(ga)).filter((_, i) => i % 3 === 0), [0, 255]);
  // A flat image has no range of its own: the full 16-bit range is used.
  const flat: Raster = { width: 2, height: 1, channels: 1, bitDepth: 16, data: Uint16Array.of(32896, 32896) };
  assert.deepEqual(Array.from(toRgb8(flat)).filter((_, i) => i % 3 === 0), [128, 128]);
  // 8-bit images change only when a window is asked for.
  assert.deepEqual(Array.from(toRgb8(grey(3, 1, [10, 20, 30]), { lo: 10, hi: 30 })).filter((_, i) => i % 3 === 0), [0, 128, 255]);
  assert.throws(() => toRgb8(ct, { lo: 5, hi: 5 }), /finite lo < hi/);
});

// ---- the whole pipeline ----

test('the fixture image gives the PyTorch fixture’s pixel_values', () => {
  const raster = decodeImage(readFileSync(fixture('image.png')), 'image.png');
  const u8 = readNpy(fixture('image_u8.npy'));
  assert.deepEqual(u8.shape, [64, 64, 3]);
  assert.deepEqual([raster.width, raster.height, raster.channels, raster.bitDepth], [64, 64, 3, 8]);
  assert.deepEqual(raster.data, u8.data, 'PNG decodes to the same pixels numpy saved');

  const config = parsePreprocessConfig(readFileSync(fixture('preprocessor_config.json'), 'utf8'));
  const want = readTensors(fixture('inputs_b1.safetensors'), { names: ['pixel_values'] }).get('pixel_values')!;
  assert.deepEqual(want.shape, [1, 3, 64, 64]);
  const got = preprocess(raster, config);
  assert.equal(got.length, want.data.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want.data[i]));
  assert.ok(worst <= 1e-6, `max |Δ| ${worst}`);
});

test('a real downscale of a decoded PNG matches Pillow’s BILINEAR output, resize and preprocess alike', () => {
  // Made once by scripts/make-pillow-resize-golden.py (Pillow's Image.resize on the same PNG).
  const dir = new URL('../fixtures/pillow-resize/', import.meta.url).pathname;
  const golden = JSON.parse(readFileSync(`${dir}golden.json`, 'utf8')) as { source: string; sourceWidth: number; sourceHeight: number; cases: { width: number; height: number; rgb: string }[] };
  const raster = decodeImage(readFileSync(`${dir}${golden.source}`), golden.source);
  assert.deepEqual([raster.width, raster.height, raster.channels], [golden.sourceWidth, golden.sourceHeight, 3]);
  assert.equal(golden.cases.length, 2);
  for (const c of golden.cases) {
    assert.ok(c.width < raster.width && c.height < raster.height, 'a downscale on both axes');
    const want = Buffer.from(c.rgb, 'base64');
    assert.equal(want.length, c.width * c.height * 3);
    const got = resizeRgb8Bilinear(toRgb8(raster), raster.width, raster.height, c.width, c.height);
    const differ = got.reduce((n, v, i) => n + (v === want[i] ? 0 : 1), 0);
    assert.equal(differ, 0, `${raster.width}×${raster.height} → ${c.width}×${c.height}: ${differ} of ${want.length} values differ from Pillow`);
    // the model's input path: the same resize, then rescale and ImageNet normalisation
    const config = parsePreprocessConfig({ size: { height: c.height, width: c.width }, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225] });
    const pixels = preprocess(raster, config);
    const plane = c.width * c.height;
    let worst = 0;
    for (let ch = 0; ch < 3; ch++) {
      for (let i = 0; i < plane; i++) worst = Math.max(worst, Math.abs(pixels[ch * plane + i] - (want[3 * i + ch] / 255 - config.mean[ch]) / config.std[ch]));
    }
    assert.ok(worst <= 1e-6, `${c.width}×${c.height} preprocess: max |Δ| ${worst}`);
  }
});

test('preprocess is channel-first, rescaled and normalised per channel', () => {
  const config = parsePreprocessConfig({ size: { height: 2, width: 3 }, image_mean: [0.1, 0.2, 0.3], image_std: [0.5, 0.25, 2] });
  const rgb: Raster = { width: 3, height: 2, channels: 3, bitDepth: 8, data: Uint8Array.from({ length: 18 }, (_, i) => [0, 128, 255][i % 3]) };
  const out = preprocess(rgb, config);
  const want = [(0 - 0.1) / 0.5, (128 / 255 - 0.2) / 0.25, (1 - 0.3) / 2];
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < 6; i++) assert.ok(Math.abs(out[c * 6 + i] - want[c]) < 1e-6, `channel ${c} pixel ${i}: ${out[c * 6 + i]} vs ${want[c]}`);
  }
});

test('preprocess resizes with PIL’s filter before normalising', () => {
  const config = parsePreprocessConfig({ size: { height: 2, width: 2 }, image_mean: 0, image_std: 1, rescale_factor: 1 });
  // The 4×4 → 2×2 case above, as grey: outputs 91, 91, 26, 17 in every channel.
  const out = preprocess(grey(4, 4, [0, 70, 140, 210, 210, 140, 70, 0, 7, 7, 7, 7, 0, 0, 0, 35]), config);
  assert.deepEqual(Array.from(out), [91, 91, 26, 17, 91, 91, 26, 17, 91, 91, 26, 17]);
});

test('preprocess equals the uint8 resize then the normalisation, for every pass layout', () => {
  // The model's path resizes straight into float planes with fixed-width taps; it must give the
  // values of resizeU8Bilinear (checked against PIL above) normalised: downscales of up to 1.5×
  // (≤ 3 vertical taps, unrolled) and beyond, upscales, one axis only, and the same size.
  const rand = rng(11);
  const config = (width: number, height: number) => parsePreprocessConfig({ size: { height, width }, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225] });
  for (const [w, h, outW, outH] of [[512, 512, 352, 352], [1000, 700, 352, 352], [97, 230, 35, 35], [64, 48, 176, 132], [120, 9, 352, 9], [9, 120, 9, 40], [30, 30, 30, 30], [3, 2, 7, 5], [1, 1, 4, 4]]) {
    const raster: Raster = { width: w, height: h, channels: 3, bitDepth: 8, data: Uint8Array.from({ length: w * h * 3 }, () => Math.floor(rand() * 256)) };
    const cfg = config(outW, outH);
    const got = preprocess(raster, cfg);
    const rgb = resizeU8Bilinear(raster.data as Uint8Array, w, h, 3, outW, outH);
    const f = Math.fround;
    const plane = outW * outH;
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < plane; i++) {
        const want = f(f(f(rgb[3 * i + c] * cfg.rescale) - f(cfg.mean[c])) / f(cfg.std[c]));
        if (got[c * plane + i] !== want) assert.fail(`${w}×${h} → ${outW}×${outH}, channel ${c} pixel ${i}: ${got[c * plane + i]}, want ${want}`);
      }
    }
  }
});

test('preprocessInto writes one batch item at its offset and nothing else', () => {
  const config = parsePreprocessConfig({ size: { height: 3, width: 3 } });
  const a = grey(5, 4, Array.from({ length: 20 }, (_, i) => i * 12));
  const b: Raster = { width: 2, height: 2, channels: 4, bitDepth: 8, data: Uint8Array.from({ length: 16 }, (_, i) => 255 - i * 9) };
  const item = 3 * 9;
  const batch = new Float32Array(2 * item).fill(NaN);
  preprocessInto(b, config, batch, item);
  assert.ok(batch.subarray(0, item).every(Number.isNaN), 'item 0 untouched');
  preprocessInto(a, config, batch, 0);
  assert.deepEqual(batch.subarray(0, item), preprocess(a, config));
  assert.deepEqual(batch.subarray(item), preprocess(b, config));
  assert.throws(() => preprocessInto(a, config, batch, item + 1), /do not fit/);
});
