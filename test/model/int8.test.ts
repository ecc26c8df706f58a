// int8 precision of the vision tower: which nodes the compiler quantises, the quantiser itself on
// known values, and int8 against fp32 on the tiny fixture (base model and a dense adapter) and the
// demo model's sample images. Thresholds: mask Dice ≥ 0.97 is the product's rule (the self-check);
// logits within 3 % of their range — measured 0.6–1.3 % on these models (one int8 step is 1/127
// ≈ 0.8 % of a channel's range), so 3 % leaves room without hiding a broken scale or layout,
// which gives errors of the order of the range itself.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeModel } from '../../main/engine/graph/onnx.ts';
import { quantizeLinearWeight } from '../../main/engine/graph/quantize.ts';
import { readAdapterFile } from '../../main/engine/model/adapter-file.ts';
import { decoderGraph, textGraph, visionGraph } from '../../main/engine/model/clipseg-graphs.ts';
import { type ClipSegModel, openClipSegModel, readModelConfigs } from '../../main/engine/model/clipseg-model.ts';
import { preprocess } from '../../main/engine/model/preprocess.ts';
import { Engine } from '../../main/engine/runtime/engine.ts';
import { checkInt8Fidelity, maskDice, relativeLogitError } from '../../main/inference/precision-check.ts';
import { decodeImage } from '../../main/io/image-decode.ts';

const tiny = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));
const demo = fileURLToPath(new URL('../../resources/demo/', import.meta.url));

test('the quantiser: per-output-channel symmetric scales, transposed int8 values, error within half a step', () => {
  // W [out=2, in=3] = [[0.5, -1, 0.25], [0, 0, 0]]
  const w = new Float32Array([0.5, -1, 0.25, 0, 0, 0]);
  const q = quantizeLinearWeight(w, 2, 3);
  assert.deepEqual([...q.scale], [Math.fround(1 / 127), 1]);
  // [in, out]: column 0 is channel 0 (0.5·127 = 63.5 rounds to 64), column 1 the zero channel
  assert.deepEqual([...q.values], [64, 0, -127, 0, 32, 0]);
  const rand = new Float32Array(64 * 48).map((_, i) => Math.sin(i * 12.9898) * (1 + (i % 7)));
  const r = quantizeLinearWeight(rand, 64, 48);
  for (let o = 0; o < 64; o++) for (let i = 0; i < 48; i++) {
    const back = r.values[i * 64 + o] * r.scale[o];
    assert.ok(Math.abs(back - rand[o * 48 + i]) <= r.scale[o] / 2 + 1e-7, `channel ${o}, input ${i}`);
  }
  assert.throws(() => quantizeLinearWeight(new Float32Array([1, Infinity]), 1, 2), /non-finite/);
  assert.throws(() => quantizeLinearWeight(new Float32Array(5), 2, 3), /5 values for \[2, 3\]/);
});

test('the int8 vision graph quantises every Linear of the encoder blocks and nothing else', () => {
  const { config: c } = readModelConfigs(tiny);
  const blocks = Math.max(...c.extractLayers) + 1;
  const opsOf = (bytes: Uint8Array) => {
    const m = decodeModel(bytes) as { graph: { node: { opType: string; domain?: string; input: string[] }[] }; opsetImport: { domain?: string }[] };
    return m;
  };
  const int8 = opsOf(visionGraph(c, { batch: 1, size: 64, precision: 'int8' }).bytes);
  const fp32 = opsOf(visionGraph(c, { batch: 1, size: 64 }).bytes);
  const q = int8.graph.node.filter((n) => n.opType === 'DynamicQuantizeMatMul');
  assert.equal(q.length, 6 * blocks, 'q, k, v, out_proj, fc1, fc2 per block');
  assert.ok(q.every((n) => n.domain === 'com.microsoft'));
  const names = new Set(q.map((n) => n.input[1]));
  for (let i = 0; i < blocks; i++) {
    for (const l of ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.out_proj', 'mlp.fc1', 'mlp.fc2']) {
      assert.ok(names.has(`clip.vision_model.encoder.layers.${i}.${l}.weight:int8`), `block ${i} ${l}`);
    }
  }
  // every Linear became one quantised product: the fp32 graph's MatMuls minus 6 per block remain
  // (attention's two activation products per block), the patch conv stays fp32
  const matmuls = (m: typeof int8) => m.graph.node.filter((n) => n.opType === 'MatMul').length;
  assert.equal(matmuls(int8), matmuls(fp32) - 6 * blocks);
  assert.equal(int8.graph.node.filter((n) => n.opType === 'Conv').length, 1);
  assert.ok(int8.opsetImport.some((o) => o.domain === 'com.microsoft'));
  assert.ok(!fp32.opsetImport.some((o) => o.domain === 'com.microsoft'));
  for (const g of [textGraph(c, { batch: 1, length: 8 }), decoderGraph(c, { imageBatch: 1, promptBatch: 1, size: 64 })]) {
    assert.equal(opsOf(g.bytes).graph.node.filter((n) => n.opType === 'DynamicQuantizeMatMul').length, 0);
  }
  const sig = visionGraph(c, { batch: 1, size: 64, precision: 'int8' }).inputs;
  const w = sig.find((s) => s.name === 'clip.vision_model.encoder.layers.0.mlp.fc1.weight:int8')!;
  assert.deepEqual([w.dtype, w.shape], ['int8', [c.vision.hiddenSize, c.vision.intermediateSize]]);
});

test('maskDice and relativeLogitError on constructed logits', () => {
  const a = new Float32Array([1, 1, -1, -1]);
  const b = new Float32Array([1, -1, -1, -1]);
  assert.equal(maskDice(a, b), 2 / 3);
  assert.equal(maskDice(new Float32Array([-1, -2]), new Float32Array([-3, -1])), 1);
  assert.equal(relativeLogitError(new Float32Array([-2, 2]), new Float32Array([-1, 2])), 0.25);
});

let engine: Engine;
let model: ClipSegModel;
before(async () => {
  engine = new Engine({ provider: 'cpu', threads: 1, log: () => {} });
  model = await openClipSegModel(tiny, engine);
});
after(() => engine.close());

const tinySamples = () => {
  const pixels = preprocess(decodeImage(readFileSync(`${tiny}image.png`), 'image.png'), model.preprocess);
  return ['a polyp in an endoscopy image', 'tumor'].map((prompt) => ({ name: 'image.png', prompt, pixels }));
};

function assertAgrees(r: Awaited<ReturnType<typeof checkInt8Fidelity>>, what: string): void {
  assert.ok(r.int8Agrees, `${what}: ${r.summary}`);
  assert.ok(r.samples.every((s) => s.judged), `${what}: every sample has a real mask`);
  assert.ok(r.minDice >= 0.97, `${what}: min Dice ${r.minDice}`);
  assert.ok(r.maxRelativeLogitError <= 0.03, `${what}: relative logit error ${r.maxRelativeLogitError}`);
  // and int8 is not secretly fp32: quantisation leaves a measurable trace
  assert.ok(r.maxRelativeLogitError > 1e-5, `${what}: int8 logits equal fp32 (${r.maxRelativeLogitError})`);
}

test('tiny fixture: int8 agrees with fp32, and the segmenter is back at fp32 afterwards', async () => {
  assertAgrees(await checkInt8Fidelity(model.segmenter, tinySamples()), 'base model');
  assert.equal(model.segmenter.precision, 'fp32');
});

test('tiny fixture with the dense adapter (da-vlc): the adapters inside the int8 blocks stay fp32 and agree', async () => {
  const s = model.segmenter;
  await s.setAdapter(readAdapterFile(`${tiny}adapters_da.safetensors`, model.config));
  try {
    assertAgrees(await checkInt8Fidelity(s, tinySamples()), 'da-vlc adapter');
  } finally {
    await s.setAdapter(null);
  }
});

test('demo model: int8 agrees with fp32 on every annotated sample image', async () => {
  const e = new Engine({ provider: 'cpu', threads: 1, log: () => {} });
  try {
    const m = await openClipSegModel(`${demo}model`, e);
    const anns = JSON.parse(readFileSync(`${demo}images/anns/test.json`, 'utf8')) as { img_name: string; prompts: { p1: string } }[];
    const samples = anns.map((a) => ({ name: a.img_name, prompt: a.prompts.p1, pixels: preprocess(decodeImage(readFileSync(`${demo}images/images/${a.img_name}`), a.img_name), m.preprocess) }));
    assert.ok(samples.length >= 2);
    assertAgrees(await checkInt8Fidelity(m.segmenter, samples), 'demo model');
  } finally {
    await e.close();
  }
});
