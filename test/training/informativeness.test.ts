// The informativeness score on constructed probability maps whose entropy, band and Dice are
// worked out by hand, and the stability of its ranking under small perturbations of the maps.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../../main/common/rng.ts';
import { binaryEntropy, boundaryBand, dice, informativeness, maskOf } from '../../main/training/informativeness.ts';

const N = 32;
/** A map whose value depends on the column only. */
const byColumn = (f: (x: number) => number) => Float32Array.from({ length: N * N }, (_, i) => f(i % N));
const columnsOf = (m: Uint8Array) => [...new Set([...m.keys()].filter((i) => m[i]).map((i) => i % N))].sort((a, b) => a - b);

// h(p) by hand: h(.5) = 1; h(.25) = .5 + .75·log2(4/3) = 0.8112781; h(.9) = h(.1) = 0.4689956; h(.6) = h(.4) = 0.9709506; h(.2) = 0.7219281
test('binary entropy: known values, symmetric, 0 at certainty', () => {
  assert.equal(binaryEntropy(0.5), 1);
  assert.ok(Math.abs(binaryEntropy(0.25) - 0.8112781) < 1e-7);
  assert.ok(Math.abs(binaryEntropy(0.9) - 0.4689956) < 1e-7);
  assert.ok(Math.abs(binaryEntropy(0.6) - 0.9709506) < 1e-7);
  assert.equal(binaryEntropy(0.3), binaryEntropy(0.7));
  assert.deepEqual([binaryEntropy(0), binaryEntropy(1)], [0, 0]);
});

test('the band is both sides of the edge, widened by the half-width, and clipped at the map border', () => {
  const half = byColumn((x) => (x < 16 ? 1 : 0));
  const mask = Uint8Array.from(half);
  assert.deepEqual(columnsOf(boundaryBand(mask, N, 0)), [15, 16]);
  const band = boundaryBand(mask, N, 2);
  assert.deepEqual(columnsOf(band), [13, 14, 15, 16, 17, 18]);
  assert.equal(band.reduce((s, v) => s + v, 0), 6 * N, 'every row');
  // a single pixel: it and its 4 neighbours are edge pixels (a plus); dilated by 1 → 5×5 less its 4 corners
  const dot = new Uint8Array(N * N);
  dot[5 * N + 5] = 1;
  const b = boundaryBand(dot, N, 1);
  assert.equal(b.reduce((s, v) => s + v, 0), 21);
  assert.deepEqual([b[3 * N + 3], b[3 * N + 4], b[7 * N + 7]], [0, 1, 0]);
  assert.equal(b[2 * N + 5], 0);
  // at the border: the edge next to column 0 dilates only inwards
  const first = Uint8Array.from(byColumn((x) => (x < 1 ? 1 : 0)));
  assert.deepEqual(columnsOf(boundaryBand(first, N, 3)), [0, 1, 2, 3, 4]);
  assert.equal(boundaryBand(new Uint8Array(N * N), N, 4).reduce((s, v) => s + v, 0), 0, 'no boundary, no band');
});

test('Dice: overlap by hand; two empty masks agree', () => {
  const a = maskOf(byColumn((x) => (x < 8 ? 0.9 : 0.1)));
  const b = maskOf(byColumn((x) => (x < 16 ? 0.9 : 0.1)));
  assert.equal(dice(a, b), (2 * 8 * N) / (8 * N + 16 * N)); // 2/3
  assert.equal(dice(new Uint8Array(4), new Uint8Array(4)), 1);
  assert.equal(dice(Uint8Array.of(1, 0), Uint8Array.of(0, 1)), 0);
});

test('score on a constructed map: band entropy, adapter disagreement and synonym disagreement', () => {
  // columns 0..14: 0.9, 15: 0.6, 16: 0.4, 17..: 0.1 → mask = columns 0..15, edge at 15|16
  const primary = byColumn((x) => (x < 15 ? 0.9 : x === 15 ? 0.6 : x === 16 ? 0.4 : 0.1));
  const base = byColumn((x) => (x < 8 ? 0.9 : 0.1)); // mask = columns 0..7
  const same = Float32Array.from(primary);
  const nothing = byColumn(() => 0.1);
  const r = informativeness({ size: N, primary, base, synonyms: [same, nothing], bandHalfWidth: 2 });
  // band = columns 13..18: two at h(.9), 15 at h(.6), 16 at h(.4), two at h(.1)
  const entropy = (4 * 0.4689956 + 2 * 0.9709506) / 6; // 0.6363139
  assert.equal(r.bandPixels, 6 * N);
  assert.ok(Math.abs(r.entropy - entropy) < 1e-6, `entropy ${r.entropy}`);
  assert.ok(Math.abs(r.disagreement! - 1 / 3) < 1e-12, `1 − Dice = 1 − 2·256/(256 + 512) = 1/3, got ${r.disagreement}`);
  assert.equal(r.synonymDisagreement, 0.5, '1 − (1 + 0)/2');
  assert.ok(Math.abs(r.score - (entropy + 1 / 3 + 0.5) / 3) < 1e-6);
});

test('without an adapter or synonyms the score is the band entropy; a mask with no boundary averages the whole map', () => {
  const primary = byColumn((x) => (x < 15 ? 0.9 : x === 15 ? 0.6 : x === 16 ? 0.4 : 0.1));
  const r = informativeness({ size: N, primary, bandHalfWidth: 2 });
  assert.deepEqual([r.disagreement, r.synonymDisagreement], [null, null]);
  assert.equal(r.score, r.entropy);
  const flat = informativeness({ size: N, primary: byColumn(() => 0.2) });
  assert.equal(flat.bandPixels, N * N);
  assert.ok(Math.abs(flat.entropy - 0.7219281) < 1e-7, 'h(0.2)');
  const sure = informativeness({ size: N, primary: byColumn(() => 0), base: byColumn(() => 0) });
  assert.deepEqual([sure.entropy, sure.disagreement, sure.score], [0, 0, 0], 'a confident empty map that the base model agrees with');
});

test('a map of the wrong size is refused by name', () => {
  assert.throws(() => informativeness({ size: N, primary: new Float32Array(10) }), /primary map: 10 values, expected 32×32/);
  assert.throws(() => informativeness({ size: N, primary: byColumn(() => 0.5), base: new Float32Array(5) }), /base map: 5 values/);
});

test('ranking stability: small perturbations of the maps keep the order of well-separated items', () => {
  // Six images: shallower boundary ramps are more uncertain, and an adapter that disagrees with the base model adds to the score.
  const ramp = (width: number) => byColumn((x) => 1 / (1 + Math.exp((x - 15.5) / width)));
  const base6 = byColumn((x) => (x < 6 ? 0.9 : 0.1));
  const items = [
    { primary: ramp(6), base: null }, // ≈ 0.96
    { primary: ramp(2.5), base: null }, // ≈ 0.82
    { primary: ramp(4), base: base6 }, // ≈ 0.69
    { primary: ramp(1.2), base: null }, // ≈ 0.54
    { primary: ramp(0.4), base: base6 }, // ≈ 0.32
    { primary: ramp(0.4), base: null }, // ≈ 0.19
  ];
  const scoreAll = (maps: typeof items) => maps.map((m) => informativeness({ size: N, primary: m.primary, base: m.base, bandHalfWidth: 4 }).score);
  const order = (s: number[]) => s.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).map(([, i]) => i);
  const clean = scoreAll(items);
  assert.deepEqual(order(clean), [0, 1, 2, 3, 4, 5]);
  const gaps = order(clean).slice(1).map((i, k) => clean[order(clean)[k]] - clean[i]);
  assert.ok(Math.min(...gaps) > 0.1, `well separated: gaps ${gaps.map((g) => g.toFixed(3))}`);
  for (const seed of [1, 2, 3, 4, 5]) {
    const rng = mulberry32(seed);
    const jitter = (m: Float32Array) => m.map((p) => Math.min(1, Math.max(0, p + (rng() - 0.5) * 0.04)));
    const noisy = scoreAll(items.map((m) => ({ primary: jitter(m.primary), base: m.base && jitter(m.base) })));
    assert.deepEqual(order(noisy), [0, 1, 2, 3, 4, 5], `seed ${seed}: ${noisy.map((s) => s.toFixed(3))}`);
    noisy.forEach((s, i) => assert.ok(Math.abs(s - clean[i]) < 0.03, `item ${i} moved ${Math.abs(s - clean[i])}`));
  }
});
