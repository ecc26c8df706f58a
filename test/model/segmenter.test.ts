// The whole inference path on the tiny checkpoint, as the app runs it: model folder → tokenizer,
// PIL-exact preprocessing of image.png, engine worker, cached vision encoding, text + decoder.
// Independent expectation: the PyTorch reference's golden logits.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../main/engine/runtime/engine.ts';
import { type ClipSegModel, openClipSegModel } from '../../main/engine/model/clipseg-model.ts';
import { preprocess } from '../../main/engine/model/preprocess.ts';
import { readNpy } from '../../main/engine/model/npy.ts';
import { decodeImage } from '../../main/io/image-decode.ts';
import type { Raster } from '../../main/io/raster.ts';

const dir = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));
let engine: Engine;
let model: ClipSegModel;

before(async () => {
  engine = new Engine({ provider: 'cpu', threads: 1, log: () => {} });
  model = await openClipSegModel(dir, engine);
});
after(() => engine.close());

const image = (): Raster => decodeImage(readFileSync(`${dir}image.png`), 'image.png');

function flipped(r: Raster): Raster {
  const out = new Uint8Array(r.data.length);
  for (let y = 0; y < r.height; y++) {
    for (let x = 0; x < r.width; x++) {
      for (let c = 0; c < r.channels; c++) out[(y * r.width + x) * r.channels + c] = r.data[(y * r.width + (r.width - 1 - x)) * r.channels + c];
    }
  }
  return { ...r, data: out };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const golden = (name: string, index: number): Float32Array => {
  const g = readNpy(`${dir}golden/${name}`);
  const plane = g.shape[1] * g.shape[2];
  return (g.data as Float32Array).subarray(index * plane, (index + 1) * plane);
};

test('image.png + "a polyp in an endoscopy image" gives the golden logits', async () => {
  const s = model.segmenter;
  await s.encodeImage('image', preprocess(image(), model.preprocess));
  const logits = await s.logits('image', 'a polyp in an endoscopy image');
  const d = maxAbsDiff(logits, golden('none_b1_logits.npy', 0));
  assert.ok(d <= 1e-4, `max |Δ| ${d}`);
});

test('a second prompt on the cached image and a flipped image match the b2 goldens', async () => {
  const s = model.segmenter;
  await s.encodeImage('flipped', preprocess(flipped(image()), model.preprocess));
  const d = maxAbsDiff(await s.logits('flipped', 'tumor'), golden('none_b2_logits.npy', 1));
  assert.ok(d <= 1e-4, `flipped + tumor: max |Δ| ${d}`);
  assert.ok(s.hasImage('image'), 'the first image is still cached');
  const again = maxAbsDiff(await s.logits('image', 'a polyp in an endoscopy image'), golden('none_b2_logits.npy', 0));
  assert.ok(again <= 1e-4, `cached image, first prompt: max |Δ| ${again}`);
});

test('prompt casing and spacing do not change the result (CLIP clean-up); other prompts do', async () => {
  const s = model.segmenter;
  const a = await s.logits('image', 'a polyp in an endoscopy image');
  const b = await s.logits('image', '  A Polyp in an   ENDOSCOPY image ');
  assert.equal(maxAbsDiff(a, b), 0);
  const c = await s.logits('image', 'tumor');
  assert.ok(maxAbsDiff(a, c) > 1e-2);
});

test('an empty prompt is allowed; an unencoded image is a clear error', async () => {
  const s = model.segmenter;
  const empty = await s.logits('image', '');
  assert.equal(empty.length, 64 * 64);
  assert.ok(empty.every(Number.isFinite));
  await assert.rejects(s.logits('never-seen', 'x'), /image 'never-seen' is not encoded/);
  await assert.rejects(s.encodeImage('bad', new Float32Array(10)), /10 pixel values, the model takes 12288/);
});

test('image as prompt: the conditional embedding of an example image drives the decoder', async () => {
  const s = model.segmenter;
  const cond = await s.embedImage(preprocess(image(), model.preprocess));
  assert.equal(cond.length, model.config.projectionDim);
  const logits = await s.logits('image', cond);
  assert.equal(logits.length, 64 * 64);
  assert.ok(maxAbsDiff(logits, await s.logits('image', 'tumor')) > 1e-3);
});

test('adapters: switching to sa-vlc and back gives the golden logits of each, and drops stale encodings', async () => {
  const { readAdapterFile } = await import('../../main/engine/model/adapter-file.ts');
  const s = model.segmenter;
  const prompt = 'a polyp in an endoscopy image';
  await s.encodeImage('image', preprocess(image(), model.preprocess));
  await s.setAdapter(readAdapterFile(`${dir}adapters_sa.safetensors`, model.config));
  assert.equal(s.adapter?.variant, 'sa-vlc');
  assert.equal(s.hasImage('image'), false, 'encodings made without the adapter are dropped');
  await s.encodeImage('image', preprocess(image(), model.preprocess));
  assert.ok(maxAbsDiff(await s.logits('image', prompt), golden('sa-vlc_b1_logits.npy', 0)) <= 1e-4);
  await s.setAdapter(null);
  await s.encodeImage('image', preprocess(image(), model.preprocess));
  assert.ok(maxAbsDiff(await s.logits('image', prompt), golden('none_b1_logits.npy', 0)) <= 1e-4);
});

test('an adapter made for another base model, or whose metadata contradicts its tensors, is refused', async () => {
  const { readAdapterFile } = await import('../../main/engine/model/adapter-file.ts');
  const { readTensors, writeSafetensors } = await import('../../main/engine/model/safetensors.ts');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const tmp = mkdtempSync(join(tmpdir(), 'delineate-adapter-'));
  try {
    const tensors = readTensors(`${dir}adapters_da.safetensors`);
    const other = join(tmp, 'other.safetensors');
    writeSafetensors(other, tensors, { variant: 'da-vlc', base_model_sha256: 'f'.repeat(64) });
    assert.throws(() => readAdapterFile(other, model.config, 'a'.repeat(64)), /trained on base model ffffffffffff…, but the model in use is aaaaaaaaaaaa…/);
    assert.equal(readAdapterFile(other, model.config, 'f'.repeat(64)).set.variant, 'da-vlc');
    const liar = join(tmp, 'liar.safetensors');
    writeSafetensors(liar, tensors, { variant: 'sa-v' });
    assert.throws(() => readAdapterFile(liar, model.config), /metadata says variant sa-v but its tensors make da-vlc/);
    assert.throws(() => readAdapterFile(join(tmp, 'missing.safetensors'), model.config), /adapter .*missing\.safetensors: cannot open: ENOENT/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
