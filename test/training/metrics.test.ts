import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundary, dice, hd95, imageDiagonal, imageMetrics, iou, percentile, scoreBatch, squaredDistanceTransform, summarize, type Spacing } from '../../main/training/metrics.ts';
import { mulberry32 } from '../../main/common/rng.ts';

/** A W×H mask with the axis-aligned rectangle [x0, x0+w) × [y0, y0+h) set. */
function rect(W: number, H: number, x0: number, y0: number, w: number, h: number): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) m[y * W + x] = 1;
  return m;
}

function disc(W: number, H: number, cx: number, cy: number, r: number): Uint8Array {
  const m = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) m[y * W + x] = (x - cx) ** 2 + (y - cy) ** 2 <= r * r ? 1 : 0;
  return m;
}

const close = (a: number, b: number, tol = 1e-9, msg?: string) => assert.ok(Math.abs(a - b) <= tol, `${msg ?? ''} ${a} vs ${b}`);

test('DSC and IoU of two overlapping squares match the hand count', () => {
  // 10×10 squares offset by (5, 5): intersection 5×5 = 25, |P| + |G| = 200, union 175
  const a = rect(20, 20, 0, 0, 10, 10);
  const b = rect(20, 20, 5, 5, 10, 10);
  close(dice(a, b), 50 / 200);
  close(iou(a, b), 25 / 175);
  close(dice(a, a), 1);
  close(iou(a, a), 1);
});

test('empty masks: both empty score 1 and HD95 0; one empty scores 0 and HD95 is the image diagonal', () => {
  const empty = new Uint8Array(30 * 20);
  const some = rect(30, 20, 3, 4, 5, 6);
  assert.deepEqual(imageMetrics(empty, empty, 30, 20), { dice: 1, iou: 1, hd95: 0 });
  for (const [p, g] of [[some, empty], [empty, some]]) {
    const m = imageMetrics(p, g, 30, 20, [2, 0.5]);
    assert.equal(m.dice, 0);
    assert.equal(m.iou, 0);
    close(m.hd95, Math.sqrt(30 * 30 + 20 * 20));
    close(m.hd95Mm!, Math.sqrt((20 * 2) ** 2 + (30 * 0.5) ** 2)); // rows 2 mm apart, columns 0.5 mm
  }
  close(imageDiagonal(30, 20), Math.hypot(30, 20));
});

test('boundary is the foreground with a background or out-of-image 4-neighbour', () => {
  const m = rect(5, 4, 0, 0, 4, 3);
  // the 4×3 block touches the top and left edges: only pixel (1..2, 1) is interior
  assert.deepEqual(Array.from(boundary(m, 5, 4)), [
    1, 1, 1, 1, 0,
    1, 0, 0, 1, 0,
    1, 1, 1, 1, 0,
    0, 0, 0, 0, 0,
  ]);
  // diagonal-only background does not make a boundary pixel (4-connectivity)
  const plus = new Uint8Array(9).fill(1);
  plus[0] = 0;
  assert.equal(boundary(plus, 3, 3)[4], 0);
});

test('a square against the same square shifted by k pixels has HD95 exactly k (×spacing)', () => {
  // Every boundary distance is ≤ k and the two trailing sides (2a of the 8a − 8 pooled
  // distances, over 5 %) are exactly k, so the 95th percentile is k.
  const W = 40;
  const H = 36;
  for (const k of [1, 2, 3, 5]) {
    const a = rect(W, H, 6, 8, 15, 15);
    const right = rect(W, H, 6 + k, 8, 15, 15);
    const down = rect(W, H, 6, 8 + k, 15, 15);
    assert.equal(hd95(a, right, W, H), k);
    assert.equal(hd95(right, a, W, H), k);
    assert.equal(hd95(a, down, W, H), k);
    // anisotropic: a column shift is k·spacing[1] mm, a row shift k·spacing[0] mm
    const s: Spacing = [2, 0.75];
    close(hd95(a, right, W, H, s), k * 0.75);
    close(hd95(a, down, W, H, s), k * 2);
  }
});

test('a disc against a concentric disc of radius r + d has HD95 ≈ d', () => {
  for (const [r, d] of [[10, 3], [15, 6], [20, 2]]) {
    const h = hd95(disc(64, 64, 32, 31, r), disc(64, 64, 32, 31, r + d), 64, 64);
    assert.ok(Math.abs(h - d) <= 1, `r ${r}, d ${d}: HD95 ${h}`);
  }
});

test('isotropic spacing scales HD95 exactly', () => {
  const a = disc(48, 40, 20, 18, 9);
  const b = rect(48, 40, 15, 10, 20, 14);
  const px = hd95(a, b, 48, 40);
  close(hd95(a, b, 48, 40, [0.5, 0.5]), px * 0.5, 1e-12);
  close(hd95(a, b, 48, 40, [3, 3]), px * 3, 1e-12);
});

test('percentile matches numpy\'s linear interpolation', () => {
  close(percentile(Float64Array.from([4, 1, 3, 2]), 95), 3.85, 1e-12); // rank 2.85 of [1,2,3,4]
  close(percentile(Float64Array.from([7]), 95), 7);
  close(percentile(Float64Array.from([0, 10]), 50), 5);
  close(percentile(Float64Array.from([5, 0, 10]), 100), 10);
});

// ---- brute force, written independently of the module ----

function bruteBoundary(m: Uint8Array, W: number, H: number): [number, number][] {
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= W || y >= H ? 0 : m[y * W + x]);
  const pts: [number, number][] = [];
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (at(x, y) && (!at(x - 1, y) || !at(x + 1, y) || !at(x, y - 1) || !at(x, y + 1))) pts.push([x, y]);
    }
  }
  return pts;
}

function bruteHd95(p: Uint8Array, g: Uint8Array, W: number, H: number, [sr, sc]: Spacing): number {
  const bp = bruteBoundary(p, W, H);
  const bg = bruteBoundary(g, W, H);
  if (!bp.length && !bg.length) return 0;
  if (!bp.length || !bg.length) return Math.sqrt((H * sr) ** 2 + (W * sc) ** 2);
  const nearest = (from: [number, number][], to: [number, number][]) =>
    from.map(([x, y]) => Math.min(...to.map(([u, v]) => Math.sqrt(((x - u) * sc) ** 2 + ((y - v) * sr) ** 2))));
  const all = [...nearest(bp, bg), ...nearest(bg, bp)].sort((a, b) => a - b);
  const rank = 0.95 * (all.length - 1);
  const lo = Math.floor(rank);
  return lo + 1 < all.length ? all[lo] * (1 - (rank - lo)) + all[lo + 1] * (rank - lo) : all[lo];
}

function randomMask(rand: () => number, W: number, H: number, density: number): Uint8Array {
  // a few random rectangles and noise, so there are holes, thin parts and several components
  const m = new Uint8Array(W * H);
  for (let i = 0; i < m.length; i++) m[i] = rand() < density * 0.3 ? 1 : 0;
  const n = Math.floor(rand() * 3);
  for (let r = 0; r < n; r++) {
    const x0 = Math.floor(rand() * W);
    const y0 = Math.floor(rand() * H);
    const w = 1 + Math.floor(rand() * (W - x0));
    const h = 1 + Math.floor(rand() * (H - y0));
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) m[y * W + x] = 1;
  }
  return m;
}

test('HD95 equals a brute-force O(N²) computation on random masks with random spacing', () => {
  const rand = mulberry32(12345);
  for (let trial = 0; trial < 120; trial++) {
    const W = 1 + Math.floor(rand() * 16);
    const H = 1 + Math.floor(rand() * 16);
    const p = randomMask(rand, W, H, rand());
    const g = trial % 10 === 0 ? new Uint8Array(W * H) : randomMask(rand, W, H, rand());
    const s: Spacing = trial % 3 === 0 ? [1, 1] : [0.2 + rand() * 3, 0.2 + rand() * 3];
    const want = bruteHd95(p, g, W, H, s);
    close(hd95(p, g, W, H, s), want, 1e-9 * Math.max(1, want), `trial ${trial} (${W}×${H}, spacing ${s})`);
  }
});

test('the distance transform is exact against brute force, sparse and anisotropic', () => {
  const rand = mulberry32(7);
  for (let trial = 0; trial < 40; trial++) {
    const W = 1 + Math.floor(rand() * 20);
    const H = 1 + Math.floor(rand() * 20);
    const sites = new Uint8Array(W * H);
    for (let i = 0; i < sites.length; i++) sites[i] = rand() < 0.05 ? 1 : 0;
    const s: Spacing = [0.5 + rand() * 2, 0.5 + rand() * 2];
    const d = squaredDistanceTransform(sites, W, H, s);
    const pts: [number, number][] = [];
    for (let i = 0; i < sites.length; i++) if (sites[i]) pts.push([i % W, Math.floor(i / W)]);
    for (let i = 0; i < sites.length; i++) {
      const x = i % W;
      const y = Math.floor(i / W);
      const want = pts.length ? Math.min(...pts.map(([u, v]) => ((x - u) * s[1]) ** 2 + ((y - v) * s[0]) ** 2)) : Infinity;
      if (want === Infinity) assert.equal(d[i], Infinity);
      else close(d[i], want, 1e-9 * Math.max(1, want), `trial ${trial} pixel ${i}`);
    }
  }
});

test('scoreBatch thresholds logits at z > 0 and probabilities at p > t, per image', () => {
  const W = 20;
  const H = 20;
  const g0 = rect(W, H, 2, 2, 10, 10);
  const g1 = rect(W, H, 4, 4, 6, 6);
  // image 0: logits +3 on a 10×10 square offset by (5, 5) from the target, exactly 0 elsewhere
  const z = new Float32Array(2 * W * H);
  const p0 = rect(W, H, 7, 7, 10, 10);
  for (let i = 0; i < W * H; i++) z[i] = p0[i] ? 3 : 0;
  // image 1: everything negative: an empty prediction
  for (let i = 0; i < W * H; i++) z[W * H + i] = -0.01;
  const targets = new Float32Array(2 * W * H);
  targets.set(g0, 0);
  targets.set(g1, W * H);
  const m = scoreBatch(z, targets, { batch: 2, height: H, width: W });
  close(m[0].dice, 50 / 200);
  close(m[0].iou, 25 / 175);
  assert.equal(m[0].hd95, hd95(p0, g0, W, H));
  assert.deepEqual(m[1], { dice: 0, iou: 0, hd95: Math.hypot(W, H) });

  // the same as probabilities: 0.5 is not foreground, and threshold 0.9 drops the 0.8s
  const prob = new Float32Array(W * H);
  for (let i = 0; i < prob.length; i++) prob[i] = p0[i] ? 0.8 : 0.5;
  assert.equal(scoreBatch(prob, g0, { batch: 1, height: H, width: W }, { input: 'probabilities' })[0].dice, 0.25);
  assert.equal(scoreBatch(prob, g0, { batch: 1, height: H, width: W }, { input: 'probabilities', threshold: 0.9 })[0].dice, 0);
  // logit threshold 0.9 ⇔ z > log 9 ≈ 2.197: the +3 survive
  assert.equal(scoreBatch(z.subarray(0, W * H), g0, { batch: 1, height: H, width: W }, { threshold: 0.9 })[0].dice, 0.25);

  // spacing: one for all, or one per image (undefined leaves hd95Mm out)
  const withMm = scoreBatch(z, targets, { batch: 2, height: H, width: W }, { spacing: [[2, 2], undefined] });
  close(withMm[0].hd95Mm!, 2 * m[0].hd95);
  assert.equal('hd95Mm' in withMm[1], false);
  assert.throws(() => scoreBatch(z, targets, { batch: 3, height: H, width: W }), /do not make 3×20×20/);
  assert.throws(() => scoreBatch(z, targets.subarray(1), { batch: 2, height: H, width: W }), /target values/);
});

test('summarize gives the mean and the population standard deviation (ddof 0)', () => {
  const s = summarize([1, 2, 3, 4]);
  assert.equal(s.n, 4);
  close(s.mean, 2.5);
  close(s.std, Math.sqrt(1.25)); // (2.25 + 0.25 + 0.25 + 2.25) / 4; the sample std would be 1.29
  assert.deepEqual(summarize([0.7]), { mean: 0.7, std: 0, n: 1 });
  const e = summarize([]);
  assert.ok(Number.isNaN(e.mean) && Number.isNaN(e.std) && e.n === 0);
});

test('size mismatches are refused with the sizes named', () => {
  assert.throws(() => dice(new Uint8Array(4), new Uint8Array(5)), /4 pixels but the target has 5/);
  assert.throws(() => hd95(new Uint8Array(6), new Uint8Array(6), 4, 2), /6 values do not make a 4×2 mask/);
  assert.throws(() => hd95(new Uint8Array(4), new Uint8Array(4), 2, 2, [1, 0]), /spacing must be two positive numbers/);
});
