import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSample, openTrainingSplit } from '../../main/training/dataset.ts';
import { mulberry32 } from '../../main/common/rng.ts';
import { generateImage, PROMPTS, SHAPES, shapeMask, syntheticItems, writeSyntheticDataset, type PlacedShape, type SyntheticDomain, type SyntheticImage } from '../../main/training/synthetic.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'delineate-synthetic-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Every file under dir, relative path → bytes. */
function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const sub of readdirSync(dir)) for (const f of readdirSync(join(dir, sub))) out.set(`${sub}/${f}`, readFileSync(join(dir, sub, f)));
  return out;
}

test('a synthetic dataset round-trips through openTrainingSplit and loadSample', withDir(async (dir) => {
  const options = { domain: 'source' as const, size: 48, counts: { train: 6, val: 2, test: 3 }, seed: 5 };
  const result = await writeSyntheticDataset(join(dir, 'ds'), options);
  assert.deepEqual(result.counts, { train: 6, val: 2, test: 3 });
  const items = syntheticItems(options);
  for (const split of ['train', 'val', 'test'] as const) {
    const opened = await openTrainingSplit(join(dir, 'ds'), split, { size: 48 });
    const mine = items.filter((it) => it.split === split);
    assert.equal(opened.records.length, mine.length);
    for (const [k, record] of opened.records.entries()) {
      assert.deepEqual([record.width, record.height], [48, 48]);
      // the prompts are the named shape's, with p0 left out of the choices
      assert.deepEqual(record.prompts.map((c) => c.key), ['p1', 'p2', 'p3']);
      assert.ok(Object.values(PROMPTS.source).some((p) => p.p1 === record.prompts[0].alternatives[0]));
      const sample = await loadSample(record, 48);
      assert.deepEqual(Array.from(sample.mask), Array.from(mine[k].mask), `${split} ${k}: the mask PNG holds the generated mask`);
    }
  }
}));

test('the same seed gives byte-identical files; another seed other images', withDir(async (dir) => {
  const options = { domain: 'target' as const, size: 32, counts: { train: 4, val: 1, test: 1 }, seed: 9 };
  await writeSyntheticDataset(join(dir, 'a'), options);
  await writeSyntheticDataset(join(dir, 'b'), options);
  await writeSyntheticDataset(join(dir, 'c'), { ...options, seed: 10 });
  const a = snapshot(join(dir, 'a'));
  const b = snapshot(join(dir, 'b'));
  const c = snapshot(join(dir, 'c'));
  assert.equal(a.size, 6 * 2 + 3);
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [name, bytes] of a) assert.ok(bytes.equals(b.get(name)!), `${name} differs between two runs with the same seed`);
  assert.ok(!a.get('images/train_00000.png')!.equals(c.get('images/train_00000.png')!));
}));

const DELTA = Math.SQRT1_2; // a pixel centre is within √2/2 of every point of its pixel

/** Area and perimeter of the shape; the square and triangle have the disc's area by design. */
function geometry(s: PlacedShape): { area: number; perimeter: number } {
  const area = Math.PI * s.r * s.r;
  if (s.kind === 'disc') return { area, perimeter: 2 * Math.PI * s.r };
  if (s.kind === 'square') return { area, perimeter: 4 * Math.sqrt(area) };
  return { area, perimeter: 3 * Math.sqrt((4 * area) / Math.sqrt(3)) }; // equilateral: area = √3/4 · side²
}

function images(domain: SyntheticDomain, n: number, size = 64): SyntheticImage[] {
  return Array.from({ length: n }, (_, i) => generateImage(domain, size, mulberry32(1000 + i)));
}

test('each mask is the named shape: the right area and centre, and the other shapes are distractors', () => {
  const seen = new Set<string>();
  for (const domain of ['source', 'target'] as const) {
    for (const [i, g] of images(domain, 60).entries()) {
      const size = 64;
      assert.ok(g.shapes.length === 2 || g.shapes.length === 3, `${domain} ${i}: ${g.shapes.length} shapes`);
      assert.equal(new Set(g.shapes.map((s) => s.kind)).size, g.shapes.length, 'shapes of different kinds');
      assert.deepEqual(g.prompts, PROMPTS[domain][g.target]);
      const s = g.shapes.find((x) => x.kind === g.target)!;
      seen.add(`${domain}:${g.target}`);
      // count within the bounds a convex shape's pixel-centre count must satisfy
      let count = 0;
      let mx = 0;
      let my = 0;
      for (let k = 0; k < g.mask.length; k++) {
        if (!g.mask[k]) continue;
        count++;
        mx += (k % size) + 0.5;
        my += Math.floor(k / size) + 0.5;
      }
      const { area, perimeter } = geometry(s);
      assert.ok(count >= area - perimeter * DELTA && count <= area + perimeter * DELTA + Math.PI * DELTA ** 2, `${domain} ${i} ${s.kind}: ${count} pixels for area ${area.toFixed(1)}`);
      assert.ok(Math.hypot(mx / count - s.cx, my / count - s.cy) < 0.6, `${domain} ${i}: mask centroid off the ${s.kind}'s centre`);
      // the other shapes are in the image and outside the mask
      for (const o of g.shapes) {
        if (o === s) continue;
        const m = shapeMask(o, size);
        let overlap = 0;
        let pixels = 0;
        for (let k = 0; k < m.length; k++) {
          pixels += m[k];
          overlap += m[k] & g.mask[k];
        }
        assert.ok(pixels > 0.8 * Math.PI * o.r * o.r, `${domain} ${i}: distractor ${o.kind} too small`);
        assert.equal(overlap, 0);
      }
    }
  }
  for (const domain of ['source', 'target']) for (const kind of SHAPES) assert.ok(seen.has(`${domain}:${kind}`), `${domain} ${kind} never named`);
});

test('a disc mask has about πr² pixels', () => {
  for (const r of [4, 7.3, 12]) {
    const m = shapeMask({ kind: 'disc', cx: 32.2, cy: 30.9, r, angle: 0 }, 64);
    const count = m.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(count - Math.PI * r * r) <= 2 * Math.PI * r * DELTA, `r ${r}: ${count} vs ${Math.PI * r * r}`);
  }
});

interface Stats { grey: boolean; contrast: number; roughness: number; chroma: number }

/** Luminance contrast between shapes and background, background neighbour differences, colour. */
function stats(g: SyntheticImage, size = 64): Stats {
  const inShape = new Uint8Array(size * size);
  for (const s of g.shapes) shapeMask(s, size).forEach((v, k) => (inShape[k] |= v));
  const d = g.image.data;
  const lum = (k: number) => (d[k * 3] + d[k * 3 + 1] + d[k * 3 + 2]) / 3;
  let fg = 0;
  let nf = 0;
  let bg = 0;
  let nb = 0;
  let rough = 0;
  let nr = 0;
  let chroma = 0;
  let grey = true;
  for (let k = 0; k < size * size; k++) {
    if (d[k * 3] !== d[k * 3 + 1] || d[k * 3 + 1] !== d[k * 3 + 2]) grey = false;
    chroma += Math.abs(d[k * 3] - d[k * 3 + 1]) + Math.abs(d[k * 3 + 1] - d[k * 3 + 2]);
    if (inShape[k]) {
      fg += lum(k);
      nf++;
    } else {
      bg += lum(k);
      nb++;
      for (const j of [k % size < size - 1 ? k + 1 : -1, k + size < size * size ? k + size : -1]) {
        if (j < 0 || inShape[j]) continue;
        rough += Math.abs(lum(k) - lum(j)); // right and lower neighbours: stripes of any angle show
        nr++;
      }
    }
  }
  return { grey, contrast: Math.abs(fg / nf - bg / nb), roughness: rough / nr, chroma: chroma / (size * size) };
}

test('the target domain differs from the source: colour, texture/noise, lower contrast', () => {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const src = images('source', 40).map((g) => stats(g));
  const tgt = images('target', 40).map((g) => stats(g));
  assert.ok(src.every((s) => s.grey), 'source images are grey');
  assert.ok(tgt.every((s) => !s.grey && s.chroma > 10), 'target images are tinted');
  assert.ok(src.every((s) => s.contrast > 20), 'source shapes stand out');
  assert.ok(mean(tgt.map((s) => s.contrast)) < 0.6 * mean(src.map((s) => s.contrast)), `contrast ${mean(tgt.map((s) => s.contrast))} vs ${mean(src.map((s) => s.contrast))}`);
  const smooth = Math.max(...src.map((s) => s.roughness));
  const rough = Math.min(...tgt.map((s) => s.roughness));
  assert.ok(rough > 2 * smooth, `target backgrounds are textured and noisy: roughness ≥ ${rough} vs source ≤ ${smooth}`);
});

test('the script writes a dataset and rejects bad options', withDir(async (dir) => {
  const script = join(root, 'scripts', 'make-synthetic-dataset.ts');
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, encoding: 'utf8' });
  const ok = run('--out', join(dir, 'ds'), '--domain', 'target', '--size', '24', '--train', '3', '--val', '1', '--test', '0', '--seed', '2');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /3 train, 1 val, 0 test \(target\)/);
  const opened = await openTrainingSplit(join(dir, 'ds'), 'train', { size: 24 });
  assert.equal(opened.records.length, 3);
  assert.ok(Object.values(PROMPTS.target).some((p) => p.p1 === opened.records[0].prompts[0].alternatives[0]));
  const bad = run('--out', join(dir, 'x'), '--domain', 'mri');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--domain must be source or target, got 'mri'/);
}));
