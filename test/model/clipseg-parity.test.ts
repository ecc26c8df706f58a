// CLIPSeg's inference graphs against the PyTorch reference's goldens for the tiny checkpoint:
// interpolated position table, the three decoder inputs, the conditional embedding and the logits
// (README tolerance: logits within 1e-4 absolute).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { parseClipSegConfig, pooledIndex, type ClipSegConfig } from '../../main/engine/model/config.ts';
import { readRawTensor, readSafetensorsHeader, readTensors } from '../../main/engine/model/safetensors.ts';
import { readNpy } from '../../main/engine/model/npy.ts';
import { interpolatePositionTable } from '../../main/engine/model/position-table.ts';
import { activationName, decoderGraph, reducedName, textGraph, visionGraph, visualPromptGraph } from '../../main/engine/model/clipseg-graphs.ts';
import { positionTableName } from '../../main/engine/model/vision-tower.ts';
import { GraphSession, toOrt, type WeightStore } from '../../main/engine/runtime/session.ts';
import type { HostTensor } from '../../main/engine/runtime/host-tensor.ts';

const dir = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));
const config: ClipSegConfig = parseClipSegConfig(JSON.parse(readFileSync(`${dir}config.json`, 'utf8')));
const SIZE = 64;
const grid = SIZE / config.vision.patchSize;
const store: WeightStore = new Map();
const sessions: GraphSession[] = [];

const f32 = (data: Float32Array, dims: number[]): HostTensor => ({ dtype: 'float32', dims, data });
const ints = (path: string, name: string): BigInt64Array => {
  const raw = readRawTensor(path, readSafetensorsHeader(path), name);
  return new BigInt64Array(raw.bytes.buffer.slice(raw.bytes.byteOffset, raw.bytes.byteOffset + raw.bytes.byteLength));
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function session(graph: Parameters<typeof GraphSession.create>[0]): Promise<GraphSession> {
  const s = await GraphSession.create(graph, store, { provider: 'cpu', threads: 1 });
  sessions.push(s);
  return s;
}

before(() => {
  for (const [name, t] of readTensors(`${dir}model.safetensors`)) store.set(name, toOrt(f32(t.data, t.shape)));
  const pos = store.get('clip.vision_model.embeddings.position_embedding.weight')!;
  const table = interpolatePositionTable(pos.data as Float32Array, pos.dims[0], pos.dims[1], grid);
  store.set(positionTableName(grid), toOrt(f32(table, [1 + grid * grid, config.vision.hiddenSize])));
});

after(async () => {
  for (const s of sessions) await s.release();
});

test('position table: bicubic 3×3 → 4×4 equals torch interpolate', () => {
  const trace = readTensors(`${dir}golden/none_b1_trace.safetensors`);
  const ours = store.get(positionTableName(grid))!.data as Float32Array;
  assert.ok(maxAbsDiff(ours, trace.get('pos_table')!.data) < 1e-6);
});

async function runModel(inputsFile: string): Promise<{ acts: Record<string, HostTensor>; cond: HostTensor; logits: HostTensor }> {
  const path = `${dir}${inputsFile}`;
  const pixels = readTensors(path, { names: ['pixel_values'] }).get('pixel_values')!;
  const ids = ints(path, 'input_ids');
  const [batch, length] = [pixels.shape[0], ids.length / pixels.shape[0]];
  const pooled = new BigInt64Array(batch * 2);
  for (let b = 0; b < batch; b++) {
    const row = Array.from(ids.subarray(b * length, (b + 1) * length), Number);
    pooled[2 * b] = BigInt(b);
    pooled[2 * b + 1] = BigInt(pooledIndex(row, config.text.eosTokenId));
  }
  const vision = await session(visionGraph(config, { batch, size: SIZE, raw: true }));
  const text = await session(textGraph(config, { batch, length }));
  const decoder = await session(decoderGraph(config, { imageBatch: batch, promptBatch: batch, size: SIZE }));
  const acts = await vision.run({ pixel_values: f32(pixels.data, pixels.shape) });
  const { conditional: cond } = await text.run({
    input_ids: { dtype: 'int64', dims: [batch, length], data: ids },
    pooled_index: { dtype: 'int64', dims: [batch, 2], data: pooled },
  });
  const reduced = Object.fromEntries(config.extractLayers.map((_, k) => [reducedName(k), acts[reducedName(k)]]));
  const { logits } = await decoder.run({ ...reduced, conditional: cond });
  return { acts, cond, logits };
}

test('b1: vision activations, conditional embedding and logits match the reference', async () => {
  const { acts, cond, logits } = await runModel('inputs_b1.safetensors');
  const trace = readTensors(`${dir}golden/none_b1_trace.safetensors`);
  config.extractLayers.forEach((layer, k) => {
    const d = maxAbsDiff(acts[activationName(k)].data as Float32Array, trace.get(`vision_act_${layer}`)!.data);
    assert.ok(d < 1e-4, `activation of block ${layer}: max |Δ| ${d}`);
  });
  assert.ok(maxAbsDiff(cond.data as Float32Array, trace.get('cond')!.data) < 1e-5, 'conditional embedding');
  const golden = readNpy(`${dir}golden/none_b1_logits.npy`);
  assert.deepEqual(logits.dims, golden.shape);
  const d = maxAbsDiff(logits.data as Float32Array, golden.data as Float32Array);
  assert.ok(d <= 1e-4, `logits max |Δ| ${d}`);
});

test('b2: two images × two prompts (long and short) match the reference', async () => {
  const { logits } = await runModel('inputs_b2.safetensors');
  const golden = readNpy(`${dir}golden/none_b2_logits.npy`);
  assert.deepEqual(logits.dims, golden.shape);
  const d = maxAbsDiff(logits.data as Float32Array, golden.data as Float32Array);
  assert.ok(d <= 1e-4, `logits max |Δ| ${d}`);
});

test('image as prompt: visual_projection(post_layernorm(CLS of the last block)), the last block from the reference trace', async () => {
  // The tiny model's deepest extracted block is its last, so the reference's vision_act_3 holds the
  // final residual stream; the rest is computed here in float64.
  assert.equal(Math.max(...config.extractLayers), config.vision.numLayers - 1);
  const trace = readTensors(`${dir}golden/none_b1_trace.safetensors`);
  const w = readTensors(`${dir}model.safetensors`);
  const d = config.vision.hiddenSize;
  const cls = Array.from(trace.get('vision_act_3')!.data.subarray(0, d));
  const mean = cls.reduce((a, b) => a + b, 0) / d;
  const variance = cls.reduce((a, b) => a + (b - mean) ** 2, 0) / d;
  const scale = w.get('clip.vision_model.post_layernorm.weight')!.data;
  const shift = w.get('clip.vision_model.post_layernorm.bias')!.data;
  const normed = cls.map((v, i) => ((v - mean) / Math.sqrt(variance + config.vision.layerNormEps)) * scale[i] + shift[i]);
  const proj = w.get('clip.visual_projection.weight')!.data;
  const expected = Array.from({ length: config.projectionDim }, (_, o) => normed.reduce((acc, v, i) => acc + proj[o * d + i] * v, 0));
  const pixels = readTensors(`${dir}inputs_b1.safetensors`, { names: ['pixel_values'] }).get('pixel_values')!;
  const s = await session(visualPromptGraph(config, { batch: 1, size: SIZE }));
  const { conditional } = await s.run({ conditional_pixel_values: f32(pixels.data, pixels.shape) });
  assert.ok(maxAbsDiff(conditional.data as Float32Array, expected) < 1e-4);
});
