// Embedded inference graphs pad MLP hidden widths off 4 KiB row strides (layers.ts
// unaliasedWidth): which layers are padded, and that the padded graphs compute what the unpadded
// ones do once ONNX Runtime has folded the padding into the embedded weights.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rd64Refined, randomWeights } from '../../main/bench/clipseg.ts';
import { decodeModel, type CompiledGraph } from '../../main/engine/graph/onnx.ts';
import { decoderGraph, reducedName, textGraph, visionGraph } from '../../main/engine/model/clipseg-graphs.ts';
import { parseClipSegConfig } from '../../main/engine/model/config.ts';
import { unaliasedWidth } from '../../main/engine/model/layers.ts';
import { interpolatePositionTable } from '../../main/engine/model/position-table.ts';
import { positionTableName } from '../../main/engine/model/vision-tower.ts';
import { embedInMemory } from '../../main/engine/runtime/embedded-model.ts';
import { GraphSession, toOrt, type WeightStore } from '../../main/engine/runtime/session.ts';
import type { HostTensor } from '../../main/engine/runtime/host-tensor.ts';

type Node = { opType: string; input: string[] };
const nodes = (g: CompiledGraph): Node[] => (decodeModel(g.bytes) as { graph: { node: Node[] } }).graph.node;
/** The weights that reach their MatMul through a Pad. */
const padded = (g: CompiledGraph): string[] => nodes(g).filter((n) => n.opType === 'Pad').map((n) => n.input[0]).filter((n) => n.endsWith('.weight')).sort();

test('unaliasedWidth moves only widths whose float32 rows are a multiple of 4 KiB, by one cache line', () => {
  assert.deepEqual([3072, 2048, 1024, 1000, 1536, 64, 37].map(unaliasedWidth), [3088, 2064, 1040, 1000, 1536, 64, 37]);
});

test('rd64-refined: embedded graphs pad every fp32 MLP (fc1 rows, fc2 columns); fed and int8 ones do not', () => {
  const c = rd64Refined;
  const blocks = Math.max(...c.extractLayers) + 1;
  const mlps = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => [`${prefix}.${i}.mlp.fc1.weight`, `${prefix}.${i}.mlp.fc2.weight`]).flat().sort();
  assert.deepEqual(padded(visionGraph(c, { batch: 1, size: 352, embedded: true })), mlps('clip.vision_model.encoder.layers', blocks));
  assert.deepEqual(padded(textGraph(c, { batch: 1, length: 8, embedded: true })), mlps('clip.text_model.encoder.layers', c.text.numLayers));
  assert.deepEqual(padded(decoderGraph(c, { imageBatch: 1, promptBatch: 1, size: 352, embedded: true })), mlps('decoder.layers', c.extractLayers.length));
  assert.deepEqual(padded(visionGraph(c, { batch: 1, size: 352 })), []);
  assert.deepEqual(padded(textGraph(c, { batch: 1, length: 8 })), []);
  // int8 blocks read int8 weights (no float rows to realign)
  assert.deepEqual(padded(visionGraph(c, { batch: 1, size: 352, precision: 'int8', embedded: true })), []);
  // fc2 [768, 3072] gains 16 zero columns (pads: begin 0, 0; end 0, 16)
  const m = decodeModel(visionGraph(c, { batch: 1, size: 352, embedded: true }).bytes) as { graph: { node: Node[]; initializer: { name: string; int64Data?: number[]; rawData?: number[] }[] } };
  const pad = m.graph.node.find((n) => n.opType === 'Pad' && n.input[0].endsWith('layers.0.mlp.fc2.weight'))!;
  const init = m.graph.initializer.find((t) => t.name === pad.input[1])!;
  const pads = init.int64Data?.length ? init.int64Data : [...new BigInt64Array(Uint8Array.from(init.rawData!).buffer)].map(Number);
  assert.deepEqual(pads, [0, 0, 0, 16]);
});

test('a model whose MLPs are 1024 wide: padded embedded graphs give the unpadded outputs', async () => {
  const tiny = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/clipseg-tiny/config.json', import.meta.url)), 'utf8'));
  const c = parseClipSegConfig({ ...tiny, decoder_intermediate_size: 1024, vision_config: { ...tiny.vision_config, intermediate_size: 1024 }, text_config: { ...tiny.text_config, intermediate_size: 1024 } });
  const size = 64;
  const grid = size / c.vision.patchSize;
  const store: WeightStore = new Map();
  for (const [name, t] of randomWeights(c)) store.set(name, toOrt({ dtype: 'float32', dims: t.shape, data: t.data }));
  const pos = store.get('clip.vision_model.embeddings.position_embedding.weight')!;
  store.set(positionTableName(grid), toOrt({ dtype: 'float32', dims: [1 + grid * grid, c.vision.hiddenSize], data: interpolatePositionTable(pos.data as Float32Array, pos.dims[0], pos.dims[1], grid) }));
  const f32 = (dims: number[], f: (i: number) => number): HostTensor => ({ dtype: 'float32', dims, data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => f(i)) });
  const cases: [string, (embedded: boolean) => CompiledGraph, Record<string, HostTensor>][] = [
    ['vision', (embedded) => visionGraph(c, { batch: 2, size, embedded }), { pixel_values: f32([2, 3, size, size], (i) => Math.sin(i * 0.37)) }],
    ['text', (embedded) => textGraph(c, { batch: 1, length: 8, embedded }), {
      input_ids: { dtype: 'int64', dims: [1, 8], data: BigInt64Array.from([0, 5, 9, 13, 2, 2, 2, 2], BigInt) },
      pooled_index: { dtype: 'int64', dims: [1, 2], data: new BigInt64Array([0n, 4n]) },
    }],
    ['decoder', (embedded) => decoderGraph(c, { imageBatch: 1, promptBatch: 1, size, embedded }), {
      ...Object.fromEntries(c.extractLayers.map((_, k) => [reducedName(k), f32([1, 1 + grid * grid, c.reduceDim], (i) => Math.cos(i * 0.11 + k))])),
      conditional: f32([1, c.projectionDim], (i) => Math.sin(i * 0.7)),
    }],
  ];
  for (const [name, build, feeds] of cases) {
    assert.ok(padded(build(true)).length > 0, `${name}: the 1024-wide graph is padded`);
    const outs: Record<string, HostTensor>[] = [];
    for (const embedded of [false, true]) {
      const s = await GraphSession.create(embedInMemory(build(embedded), store, { keepFed: [] }), new Map(), { provider: 'cpu', threads: 2 });
      try { outs.push(await s.run(feeds)); } finally { await s.release(); }
    }
    for (const k of Object.keys(outs[0])) {
      const [a, b] = [outs[0][k].data as Float32Array, outs[1][k].data as Float32Array];
      let range = 0, diff = 0;
      for (let i = 0; i < a.length; i++) { range = Math.max(range, Math.abs(a[i])); diff = Math.max(diff, Math.abs(a[i] - b[i])); }
      assert.ok(range > 1e-3, `${name} ${k}: a non-trivial output`);
      // zero rows and columns add exact zeros; only the GEMM's blocking of the longer K may reorder sums
      assert.ok(diff <= 1e-6 * range, `${name} ${k}: padded differs by ${diff} (range ${range})`);
    }
  }
});
