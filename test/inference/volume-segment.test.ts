// The whole-volume loop on the tiny model: batching (with a padded last batch) and several prompts
// give exactly the masks of one-slice-at-a-time segmentation, slices are read at most two batches
// ahead of the masks handed out (streaming), aborting stops it, and --slices ranges parse as documented.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../main/engine/runtime/engine.ts';
import { type ClipSegModel, openClipSegModel } from '../../main/engine/model/clipseg-model.ts';
import { logitsToMask } from '../../main/engine/model/postprocess.ts';
import { preprocess } from '../../main/engine/model/preprocess.ts';
import { decodeImage } from '../../main/io/image-decode.ts';
import type { Raster } from '../../main/common/raster.ts';
import { parseSliceRange, segmentVolume, type SliceSource } from '../../main/inference/volume-segment.ts';

const dir = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));
const photo = decodeImage(readFileSync(new URL('image.png', `file://${dir}`)), 'image.png');
let engine: Engine;
let model: ClipSegModel;

before(async () => {
  engine = new Engine({ provider: 'cpu', threads: 1, log: () => {} });
  model = await openClipSegModel(dir, engine);
});
after(() => engine.close());

const [W, H, N] = [40, 36, 7];

/** Slice k: a crop of the fixture photo that moves with k; records which slices were read. */
function source(reads: number[] = []): SliceSource {
  return {
    name: 'test volume', width: W, height: H, slices: N,
    read: async (k): Promise<Raster> => {
      reads.push(k);
      const data = new Uint8Array(W * H);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data[y * W + x] = photo.data[((y + k) * 64 + x + 2 * k) * 3];
      return { width: W, height: H, channels: 1, bitDepth: 8, data };
    },
  };
}

/** The reference: each slice on its own through the cached single-image path (batch-1 vision graph). */
async function oneByOne(prompt: string, slices: number[]): Promise<Map<number, Uint8Array>> {
  const out = new Map<number, Uint8Array>();
  const src = source();
  for (const k of slices) {
    const key = `ref:${k}`;
    await model.segmenter.encodeImage(key, preprocess(await src.read(k), model.preprocess));
    out.set(k, logitsToMask(await model.segmenter.logits(key, prompt), 64, 64, H, W, 0.5));
  }
  return out;
}

test('batches of 1, 3 (3 + 3 + a padded 1) and 7 with two prompts: the masks of one slice at a time', async () => {
  const all = Array.from({ length: N }, (_, k) => k);
  const refs = [await oneByOne('a polyp', all), await oneByOne('tumor', all)];
  assert.ok([...refs[0].values()].some((m) => m.some((v) => v === 1)), 'the prompt finds something');
  assert.notDeepEqual(refs[0].get(0), refs[0].get(6), 'slices differ');
  for (const batch of [1, 3, 7]) {
    const got = new Map<number, Uint8Array[]>();
    const progress: number[] = [];
    await segmentVolume(model, source(), { prompts: ['a polyp', 'tumor'], threshold: 0.5, batch, onSlice: (k, masks) => void got.set(k, masks), onProgress: (d, t) => progress.push(d, t) });
    assert.deepEqual([...got.keys()], all, `batch ${batch}: slices in order`);
    for (const k of all) for (const p of [0, 1]) assert.deepEqual(got.get(k)![p], refs[p].get(k), `batch ${batch}, slice ${k}, prompt ${p}`);
    assert.deepEqual(progress.slice(-2), [N, N]);
  }
});

test('streaming: a slice is read at most two batches ahead of the last mask handed out; a range reads only its slices', async () => {
  const reads: number[] = [];
  let worst = 0;
  await segmentVolume(model, source(reads), {
    prompts: ['a polyp'], threshold: 0.5, batch: 2, slices: [1, 2, 3, 4, 5],
    onSlice: (k) => void (worst = Math.max(worst, Math.max(...reads) - k)),
  });
  assert.deepEqual(reads, [1, 2, 3, 4, 5]);
  assert.ok(worst <= 2 * 2, `read ${worst} slices ahead`);
});

test('an aborted signal stops before the next batch', async () => {
  const ctrl = new AbortController();
  const seen: number[] = [];
  await assert.rejects(segmentVolume(model, source(), {
    prompts: ['a polyp'], threshold: 0.5, batch: 2, signal: ctrl.signal,
    onSlice: (k) => { seen.push(k); if (k === 1) ctrl.abort(); },
  }), { name: 'AbortError' });
  assert.deepEqual(seen, [0, 1]);
});

test('parseSliceRange: A inclusive, B exclusive, open ends, negatives from the end, one slice', () => {
  assert.deepEqual(parseSliceRange('1:3', 5), { start: 1, end: 3 });
  assert.deepEqual(parseSliceRange(':2', 5), { start: 0, end: 2 });
  assert.deepEqual(parseSliceRange('3:', 5), { start: 3, end: 5 });
  assert.deepEqual(parseSliceRange('-2:', 5), { start: 3, end: 5 });
  assert.deepEqual(parseSliceRange('4', 5), { start: 4, end: 5 });
  for (const bad of ['3:3', '0:9', '4:2', 'x', '', '5']) assert.throws(() => parseSliceRange(bad, 5), RangeError, bad);
});
