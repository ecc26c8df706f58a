// The graph cache: compiled models with the frozen weights embedded, kept in a folder so that a
// second start needs no checkpoint. Checked against the PyTorch goldens, and by making the
// checkpoint unreadable behind the cache's back (same size and time) to prove it is not read;
// a changed checkpoint or ONNX Runtime build gets new files, a damaged file is rebuilt.

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openClipSegModel, readModelConfigs, weightsIdentity } from '../../main/engine/model/clipseg-model.ts';
import { readNpy } from '../../main/engine/model/npy.ts';
import { preprocess } from '../../main/engine/model/preprocess.ts';
import { Segmenter } from '../../main/engine/model/segmenter.ts';
import { ClipTokenizer } from '../../main/engine/model/tokenizer.ts';
import { loadClipSegWeights } from '../../main/engine/model/weights.ts';
import { Engine } from '../../main/engine/runtime/engine.ts';
import { decodeImage } from '../../main/io/image-decode.ts';

const fixture = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'delineate-graph-cache-'));
after(() => rmSync(root, { recursive: true, force: true }));

const modelDir = join(root, 'model');
cpSync(fixture, modelDir, { recursive: true });
const weightsPath = join(modelDir, 'model.safetensors');
const cacheDir = join(root, 'cache');
const prompt = 'a polyp in an endoscopy image';
const golden = (readNpy(`${fixture}golden/none_b1_logits.npy`).data as Float32Array).slice();

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A fresh process's view: a new engine, the model opened with the cache, one prediction. */
async function firstMask(opts: { precision?: 'fp32' | 'int8' } = {}): Promise<Float32Array> {
  const engine = new Engine({ provider: 'cpu', threads: 1, log: () => {} });
  try {
    const m = await openClipSegModel(modelDir, engine, { graphCacheDir: cacheDir, precision: opts.precision });
    await m.segmenter.encodeImage('image', preprocess(decodeImage(readFileSync(`${fixture}image.png`), 'image.png'), m.preprocess));
    return await m.segmenter.logits('image', prompt);
  } finally {
    await engine.close();
  }
}

/** The cache files of the model folder (one subfolder per model folder). */
const files = (): string[] => readdirSync(cacheDir).flatMap((d) => readdirSync(join(cacheDir, d)).map((f) => join(d, f))).sort();

test('first start writes the cache and matches the goldens; a second start reads no checkpoint', async () => {
  assert.ok(maxAbsDiff(await firstMask(), golden) <= 1e-4);
  const written = files();
  assert.deepEqual(written.filter((f) => f.endsWith('.onnx')).length, 3, `vision, text, decoder: ${written.join(', ')}`);
  assert.ok(written.every((f) => f.endsWith('.onnx') || f.endsWith('.onnx.weights')), written.join(', '));

  // Same size and times, every byte zero: a start that read the checkpoint would give other logits.
  const original = readFileSync(weightsPath);
  const { atime, mtime } = statSync(weightsPath);
  writeFileSync(weightsPath, new Uint8Array(original.length));
  utimesSync(weightsPath, atime, mtime);
  try {
    assert.ok(maxAbsDiff(await firstMask(), golden) <= 1e-4, 'served from the cache alone');
    assert.deepEqual(files(), written, 'nothing rebuilt');
  } finally {
    writeFileSync(weightsPath, original);
    utimesSync(weightsPath, atime, mtime);
  }
});

test('a changed checkpoint gets its own cache files, the old ones are pruned (and a broken one is reported, not served from the cache)', async () => {
  const before = files();
  const later = new Date(statSync(weightsPath).mtimeMs + 5000);
  utimesSync(weightsPath, later, later);
  assert.ok(maxAbsDiff(await firstMask(), golden) <= 1e-4);
  const after = files();
  assert.equal(after.length, before.length, 'three models with their weights, as before');
  assert.equal(after.filter((f) => before.includes(f)).length, 0, 'all rebuilt under new names, the stale ones removed');

  const original = readFileSync(weightsPath);
  try {
    truncateSync(weightsPath, 1000);
    await assert.rejects(firstMask(), /model\.safetensors/);
  } finally {
    writeFileSync(weightsPath, original);
  }
});

test('another ONNX Runtime build does not read this build\'s files', async () => {
  const { config, preprocess: pre } = readModelConfigs(modelDir);
  const names = async (runtime?: string): Promise<string[]> => {
    const dir = join(root, `runtime-${runtime ?? 'current'}`);
    const engine = new Engine({ provider: 'cpu', threads: 1, log: () => {} });
    try {
      const s = await Segmenter.create(engine, config, () => loadClipSegWeights(weightsPath, config), ClipTokenizer.fromFolder(modelDir), { size: pre.height, graphCache: { dir, modelId: weightsIdentity(weightsPath), runtime } });
      await s.embedText(prompt);
    } finally {
      await engine.close();
    }
    return readdirSync(dir);
  };
  const a = await names();
  const b = await names('onnxruntime@0.0.0-other');
  assert.equal(a.length, 2);
  assert.equal(b.length, 2);
  assert.notDeepEqual(a, b);
});

test('a damaged cached model is rebuilt from the checkpoint', async () => {
  rmSync(cacheDir, { recursive: true, force: true });
  await firstMask();
  const onnx = files().filter((f) => f.endsWith('.onnx'));
  assert.equal(onnx.length, 3);
  for (const f of onnx) truncateSync(join(cacheDir, f), 10);
  assert.ok(maxAbsDiff(await firstMask(), golden) <= 1e-4);
  for (const f of onnx) assert.ok(statSync(join(cacheDir, f)).size > 10, `${f} rewritten`);
});

test('int8 from the cache equals int8 built in memory', async () => {
  const cached = await firstMask({ precision: 'int8' });
  const engine = new Engine({ provider: 'cpu', threads: 1, log: () => {} });
  try {
    const m = await openClipSegModel(modelDir, engine, { precision: 'int8' });
    await m.segmenter.encodeImage('image', preprocess(decodeImage(readFileSync(`${fixture}image.png`), 'image.png'), m.preprocess));
    const memory = await m.segmenter.logits('image', prompt);
    assert.ok(maxAbsDiff(cached, memory) <= 1e-5, `max |Δ| ${maxAbsDiff(cached, memory)}`);
    assert.ok(maxAbsDiff(cached, golden) > 1e-5, 'int8 is not fp32');
  } finally {
    await engine.close();
  }
});

test('after building, the checkpoint is not held: the next graph not in the cache reads it again', async () => {
  const engine = new Engine({ provider: 'cpu', threads: 1, log: () => {} });
  const original = readFileSync(weightsPath);
  const { atime, mtime } = statSync(weightsPath);
  try {
    const m = await openClipSegModel(modelDir, engine, { graphCacheDir: join(root, 'release') });
    const pixels = preprocess(decodeImage(readFileSync(`${fixture}image.png`), 'image.png'), m.preprocess);
    await m.segmenter.encodeImage('image', pixels);
    // the same checkpoint identity, unreadable contents: a batch-2 vision graph is not cached yet,
    // so building it must go back to the file, and fails on it by name
    writeFileSync(weightsPath, new Uint8Array(original.length));
    utimesSync(weightsPath, atime, mtime);
    await assert.rejects(m.segmenter.encodeBatch([pixels, pixels], 2), /model\.safetensors/);
    writeFileSync(weightsPath, original);
    utimesSync(weightsPath, atime, mtime);
    const [a] = await m.segmenter.encodeBatch([pixels], 2);
    assert.ok(maxAbsDiff(await m.segmenter.decode(a, prompt), golden) <= 1e-4, 'read again, the batch graph gives the goldens');
  } finally {
    writeFileSync(weightsPath, original);
    utimesSync(weightsPath, atime, mtime);
    await engine.close();
  }
});

test('a cached graph opens unpacked, is reopened packed before its second run or once the engine is idle, and computes the same', async () => {
  const engine = new Engine({ provider: 'cpu', threads: 1, log: () => {} });
  const packed = async (): Promise<Record<string, boolean>> => Object.fromEntries((await engine.sessions()).map((s) => [s.key.replace(/\.\d+$/, ''), s.packed]));
  try {
    const m = await openClipSegModel(modelDir, engine, { graphCacheDir: cacheDir });
    const pixels = preprocess(decodeImage(readFileSync(`${fixture}image.png`), 'image.png'), m.preprocess);
    const first = await m.segmenter.segment('a', () => pixels, prompt);
    assert.ok(maxAbsDiff(first, golden) <= 1e-4);
    assert.deepEqual(await packed(), { text: false, vision: false, decoder: false }, 'each has run once, unpacked');

    // a second image: the vision session is reopened packed before it runs again
    const again = await m.segmenter.segment('b', () => pixels, prompt);
    const now = await packed();
    assert.equal(now.vision, true);
    assert.equal(now.text, false, 'the prompt was cached: the text graph did not run again');
    assert.ok(maxAbsDiff(again, first) <= 1e-5, `packed and unpacked operands give the same logits (max |Δ| ${maxAbsDiff(again, first)})`);

    // left idle, the engine reopens the others (polled less often than the idle delay)
    for (let i = 0; i < 20 && Object.values(await packed()).includes(false); i++) await new Promise((r) => setTimeout(r, 700));
    assert.deepEqual(await packed(), { text: true, vision: true, decoder: true });
    assert.ok(maxAbsDiff(await m.segmenter.segment('c', () => pixels, prompt), first) <= 1e-5);
  } finally {
    await engine.close();
  }
});

test('a graph released before it was reopened packed stays released; closing during a reopening waits for it', async () => {
  const engine = new Engine({ provider: 'cpu', threads: 1, log: () => {} });
  const m = await openClipSegModel(modelDir, engine, { graphCacheDir: cacheDir });
  const pixels = preprocess(decodeImage(readFileSync(`${fixture}image.png`), 'image.png'), m.preprocess);
  await m.segmenter.segment('a', () => pixels, prompt);
  await engine.release('decoder');
  assert.ok(!(await engine.sessions()).some((s) => s.key === 'decoder'));
  // let the idle timer start reopening the others, then close at once: close waits, nothing aborts
  await new Promise((r) => setTimeout(r, 320));
  await engine.close();
  await assert.rejects(engine.sessions(), /engine is not running/);
});
