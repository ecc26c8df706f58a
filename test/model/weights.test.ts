// CLIPSeg parameter list and checkpoint loading: the tiny fixture (written by PyTorch) must match
// key for key and shape for shape, the full-size counts must equal the published ones, and a wrong
// checkpoint must be reported in full before any data is read.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type ClipSegConfig, parseClipSegConfig } from '../../main/engine/model/config.ts';
import { readSafetensorsHeader, readTensors, writeSafetensors, type FloatTensor } from '../../main/engine/model/safetensors.ts';
import { expectedClipSegWeights, loadClipSegWeights, parameterCount, WeightsError } from '../../main/engine/model/weights.ts';
import { buildSafetensors, i64le, type RawEntry } from '../helpers/safetensors-bytes.ts';

const dir = mkdtempSync(join(tmpdir(), 'delineate-weights-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const tinyDir = new URL('../fixtures/clipseg-tiny/', import.meta.url).pathname;
const tinyModel = join(tinyDir, 'model.safetensors');
const tiny = parseClipSegConfig(JSON.parse(readFileSync(join(tinyDir, 'config.json'), 'utf8')));

/** CIDAS/clipseg-rd64-refined, written out by hand (not parsed), so these tests stand alone. */
const full: ClipSegConfig = {
  vision: { hiddenSize: 768, intermediateSize: 3072, numLayers: 12, numHeads: 12, numChannels: 3, imageSize: 224, patchSize: 16, layerNormEps: 1e-5 },
  text: { vocabSize: 49408, hiddenSize: 512, intermediateSize: 2048, numLayers: 12, numHeads: 8, maxPositions: 77, layerNormEps: 1e-5, eosTokenId: 2 },
  projectionDim: 512,
  extractLayers: [3, 6, 9],
  reduceDim: 64,
  decoderNumHeads: 4,
  decoderIntermediateSize: 2048,
  conditionalLayer: 0,
  useComplexTransposedConvolution: true,
};

test('the tiny fixture holds exactly the expected keys and shapes, 127,834 parameters', () => {
  const expected = expectedClipSegWeights(tiny);
  assert.equal(parameterCount(expected), 127834);
  const header = readSafetensorsHeader(tinyModel);
  assert.deepEqual([...expected.keys()].sort(), [...header.tensors.keys()].sort());
  for (const [name, shape] of expected) assert.deepEqual(header.tensors.get(name)!.shape, shape, name);
  // The fixture's 48-pixel/16-patch position table has 3×3 + 1 rows; its head upsamples by 4 twice.
  assert.deepEqual(expected.get('clip.vision_model.embeddings.position_embedding.weight'), [10, 32]);
  assert.deepEqual(expected.get('decoder.transposed_convolution.4.weight'), [8, 1, 4, 4]);
});

test('loadClipSegWeights reads the tiny fixture as float32', () => {
  const w = loadClipSegWeights(tinyModel, tiny);
  assert.equal(w.size, 206);
  assert.equal(w.get('clip.logit_scale')!.data[0], Math.fround(2.6592)); // config's logit_scale_init_value
  assert.equal(w.get('decoder.transposed_convolution.4.bias')!.data[0], 0.05238569527864456);
  let total = 0;
  for (const t of w.values()) {
    assert.equal(t.data.length, t.shape.reduce((a, b) => a * b, 1));
    total += t.data.length;
  }
  assert.equal(total, 127834);
});

test('full-size rd64-refined: 150,747,746 parameters, 1,127,009 in the decoder, HF layouts', () => {
  const e = expectedClipSegWeights(full);
  assert.equal(parameterCount(e), 150747746);
  assert.equal(parameterCount(e, 'decoder.'), 1127009);
  // engine-facts: vision 85.8M, text 63.2M.
  assert.equal(Math.round(parameterCount(e, 'clip.vision_model.') / 1e5) / 10, 85.8);
  assert.equal(Math.round(parameterCount(e, 'clip.text_model.') / 1e5) / 10, 63.2);
  const shapes: [string, number[]][] = [
    ['clip.vision_model.embeddings.patch_embedding.weight', [768, 3, 16, 16]],
    ['clip.vision_model.embeddings.position_embedding.weight', [197, 768]],
    ['clip.vision_model.embeddings.class_embedding', [768]],
    ['clip.vision_model.encoder.layers.11.mlp.fc1.weight', [3072, 768]],
    ['clip.text_model.embeddings.token_embedding.weight', [49408, 512]],
    ['clip.text_model.embeddings.position_embedding.weight', [77, 512]],
    ['clip.text_projection.weight', [512, 512]],
    ['clip.visual_projection.weight', [512, 768]],
    ['clip.logit_scale', []],
    ['decoder.film_mul.weight', [64, 512]],
    ['decoder.reduces.2.weight', [64, 768]],
    ['decoder.layers.2.mlp.fc1.weight', [2048, 64]],
    ['decoder.layers.0.self_attn.q_proj.weight', [64, 64]],
    ['decoder.transposed_convolution.0.weight', [64, 64, 3, 3]],
    ['decoder.transposed_convolution.2.weight', [64, 32, 4, 4]],
    ['decoder.transposed_convolution.4.weight', [32, 1, 4, 4]],
  ];
  for (const [name, shape] of shapes) assert.deepEqual(e.get(name), shape, name);
  assert.equal(e.has('clip.vision_model.embeddings.patch_embedding.bias'), false);
  assert.equal(e.has('clip.text_projection.bias'), false);
  assert.equal(e.has('decoder.reduces.3.weight'), false);
});

test('without the complex head the decoder has one ConvTranspose2d(reduce, 1, patch, stride patch)', () => {
  const e = expectedClipSegWeights({ ...full, useComplexTransposedConvolution: false });
  assert.deepEqual(e.get('decoder.transposed_convolution.weight'), [64, 1, 16, 16]);
  assert.deepEqual(e.get('decoder.transposed_convolution.bias'), [1]);
  assert.equal([...e.keys()].some((k) => k.startsWith('decoder.transposed_convolution.0')), false);
  // Complex head (64·64·9 + 64) + (64·32·16 + 32) + (32·16 + 1) = 70,241 replaced by 64·256 + 1 = 16,385.
  assert.equal(parameterCount(e, 'decoder.'), 1127009 - 70241 + 16385);
});

/** The tiny weights, edited, written with our writer. */
function variant(edit: (w: Map<string, FloatTensor>) => void): string {
  const w = readTensors(tinyModel);
  edit(w);
  const p = join(dir, `variant-${Math.random().toString(36).slice(2)}.safetensors`);
  writeSafetensors(p, w);
  return p;
}

function assertWeightsError(path: string, check: (e: WeightsError) => void): void {
  assert.throws(() => loadClipSegWeights(path, tiny), (e: unknown) => {
    assert.ok(e instanceof WeightsError, String(e));
    assert.equal(e.path, path);
    assert.ok(e.message.startsWith(`${path}: checkpoint does not match`), e.message);
    check(e);
    return true;
  });
}

test('a missing key, an extra key and a wrong shape are all reported at once; position_ids is ignored', () => {
  const p = variant((w) => {
    w.delete('decoder.film_add.bias');
    w.set('decoder.extra.weight', { shape: [2], data: new Float32Array(2) });
    w.set('clip.text_model.embeddings.position_ids', { shape: [1, 16], data: new Float32Array(16) });
    w.set('decoder.reduces.1.weight', { shape: [32, 16], data: new Float32Array(512) });
  });
  assertWeightsError(p, (e) => {
    assert.deepEqual(e.missing, ['decoder.film_add.bias']);
    assert.deepEqual(e.unexpected, ['decoder.extra.weight']);
    assert.deepEqual(e.wrongShapes, [{ name: 'decoder.reduces.1.weight', expected: [16, 32], found: [32, 16] }]);
    assert.match(e.message, /1 missing:\n {4}decoder\.film_add\.bias/);
    assert.match(e.message, /1 unexpected:\n {4}decoder\.extra\.weight/);
    assert.match(e.message, /1 with the wrong shape:\n {4}decoder\.reduces\.1\.weight: expected \[16, 32\], found \[32, 16\]/);
    assert.doesNotMatch(e.message, /position_ids/);
  });
});

test('each problem alone is caught, and long lists are capped with an exact count', () => {
  assertWeightsError(variant((w) => w.delete('clip.logit_scale')), (e) => {
    assert.deepEqual([e.missing, e.unexpected, e.wrongShapes], [['clip.logit_scale'], [], []]);
  });
  assertWeightsError(variant((w) => w.set('clip.extra', { shape: [], data: new Float32Array(1) })), (e) => {
    assert.deepEqual([e.missing, e.unexpected, e.wrongShapes], [[], ['clip.extra'], []]);
  });
  assertWeightsError(variant((w) => w.set('clip.logit_scale', { shape: [1], data: new Float32Array(1) })), (e) => {
    assert.deepEqual(e.wrongShapes, [{ name: 'clip.logit_scale', expected: [], found: [1] }]);
  });
  // Every text-tower key gone: 2 embeddings + 4 layers × 16 + final LN 2 = 68 keys.
  assertWeightsError(variant((w) => { for (const k of [...w.keys()]) if (k.startsWith('clip.text_model.')) w.delete(k); }), (e) => {
    assert.equal(e.missing.length, 68);
    assert.match(e.message, /68 missing:/);
    assert.match(e.message, /… and 56 more/);
    assert.equal(e.message.split('\n').filter((l) => l.startsWith('    clip.text_model.')).length, 12);
  });
});

test('an integer tensor under a parameter name is reported; a bfloat16 checkpoint loads converted', () => {
  const base = readTensors(tinyModel);
  const asEntries = (dtypeOf: (name: string) => 'F32' | 'BF16' | 'I64'): RawEntry[] => [...base].map(([name, t]) => {
    const dtype = dtypeOf(name);
    if (dtype === 'I64') return { name, dtype, shape: t.shape, bytes: i64le(Array.from(t.data, () => 0n)) };
    const u32 = new Uint32Array(t.data.buffer);
    if (dtype === 'BF16') return { name, dtype, shape: t.shape, bytes: new Uint8Array(Uint16Array.from(u32, (v) => v >>> 16).buffer) };
    return { name, dtype, shape: t.shape, bytes: new Uint8Array(t.data.buffer.slice(0)) };
  });
  const intPath = join(dir, 'int.safetensors');
  writeFileSync(intPath, buildSafetensors(asEntries((n) => (n === 'decoder.transposed_convolution.4.bias' ? 'I64' : 'F32'))));
  assertWeightsError(intPath, (e) => assert.deepEqual(e.wrongDtypes, [{ name: 'decoder.transposed_convolution.4.bias', dtype: 'I64' }]));

  const bfPath = join(dir, 'bf16.safetensors');
  writeFileSync(bfPath, buildSafetensors(asEntries(() => 'BF16')));
  const w = loadClipSegWeights(bfPath, tiny);
  for (const [name, t] of base) {
    const want = Float32Array.from(t.data);
    const bitsOf = new Uint32Array(want.buffer);
    for (let i = 0; i < bitsOf.length; i++) bitsOf[i] &= 0xffff0000; // bf16 keeps the top 16 bits
    assert.deepEqual(w.get(name)!.data, want, name);
  }
});
