// Where inference time goes: ONNX Runtime's own profiler (per-node times) over CLIPSeg's vision,
// text and decoder graphs at full size (random rd64-refined weights, embedded as initializers as
// the app's graph cache holds them), CPU provider, 2 threads. Prints the time per op type and the
// share of each graph, for docs/benchmarks.md.
//   node --import tsx scripts/profile-graphs.ts [--precision fp32|int8] [--runs 10]

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { randomWeights, rd64Refined } from '../main/bench/clipseg.ts';
import { parsePrecision } from '../main/contract/precision.ts';
import { decoderGraph, textGraph, visionGraph } from '../main/engine/model/clipseg-graphs.ts';
import { interpolatePositionTable } from '../main/engine/model/position-table.ts';
import { positionTableName } from '../main/engine/model/vision-tower.ts';
import { embedInMemory } from '../main/engine/runtime/embedded-model.ts';
import type { HostTensor } from '../main/engine/runtime/host-tensor.ts';
import { toOrt, type WeightStore } from '../main/engine/runtime/session.ts';
import type { CompiledGraph } from '../main/engine/graph/onnx.ts';

const { values } = parseArgs({ options: { precision: { type: 'string', default: 'fp32' }, runs: { type: 'string', default: '10' } } });
const precision = parsePrecision(values.precision!);
const runs = Number(values.runs);
const c = rd64Refined;
const store: WeightStore = new Map();
for (const [name, t] of randomWeights(c)) store.set(name, toOrt({ dtype: 'float32', dims: t.shape, data: t.data }));
const pos = store.get('clip.vision_model.embeddings.position_embedding.weight')!;
store.set(positionTableName(22), toOrt({ dtype: 'float32', dims: [485, 768], data: interpolatePositionTable(pos.data as Float32Array, 197, 768, 22) }));

const fill = (dims: number[], v: (i: number) => number): HostTensor => ({ dtype: 'float32', dims, data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => v(i)) });
const graphs: [string, CompiledGraph, () => Record<string, HostTensor>][] = [
  ['vision', visionGraph(c, { batch: 1, size: 352, precision, embedded: true }), () => ({ pixel_values: fill([1, 3, 352, 352], (i) => Math.sin(i)) })],
  ['text', textGraph(c, { batch: 1, length: 16, embedded: true }), () => ({ input_ids: { dtype: 'int64', dims: [1, 16], data: BigInt64Array.from({ length: 16 }, (_, i) => BigInt(i === 0 ? 49406 : i < 10 ? 320 + i : 49407)) }, pooled_index: { dtype: 'int64', dims: [1, 2], data: new BigInt64Array([0n, 10n]) } })],
  ['decoder', decoderGraph(c, { imageBatch: 1, promptBatch: 1, size: 352, embedded: true }), () => ({ ...Object.fromEntries(c.extractLayers.map((_, k) => [`reduced.${k}`, fill([1, 485, c.reduceDim], (i) => Math.cos(i + k))])), conditional: fill([1, c.projectionDim], (i) => Math.sin(i)) })],
];

const dir = mkdtempSync(join(tmpdir(), 'delineate-profile-'));
try {
  const totals: Record<string, number> = {};
  for (const [name, graph, feeds] of graphs) {
    const model = embedInMemory(graph, store, { keepFed: [] });
    const session = await ort.InferenceSession.create(model.bytes, { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', enableProfiling: true, profileFilePrefix: join(dir, name), logSeverityLevel: 3, extra: { session: { intra_op: { allow_spinning: '1' }, force_spinning_stop: '1' } } } as never);
    const f = Object.fromEntries(Object.entries(feeds()).map(([k, t]) => [k, toOrt(t)]));
    for (let i = 0; i < 3 + runs; i++) await session.run(f);
    session.endProfiling();
    const file = join(dir, readdirSync(dir).find((f) => f.startsWith(name) && f.endsWith('.json'))!);
    const events = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
    const runEvents = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').slice(3);
    const perRun = runEvents.reduce((s, e) => s + e.dur, 0) / runEvents.length / 1000;
    const byOp: Record<string, number> = {};
    const nodes = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
    const measured = nodes.slice(Math.floor((nodes.length * 3) / (3 + runs)));
    for (const e of measured) byOp[e.args?.op_name ?? '?'] = (byOp[e.args?.op_name ?? '?'] ?? 0) + e.dur / 1000 / runs;
    totals[name] = perRun;
    console.log(`\n${name} (${precision}): ${perRun.toFixed(1)} ms per run (median-free mean of ${runs})`);
    for (const [op, ms] of Object.entries(byOp).sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`  ${op.padEnd(24)} ${ms.toFixed(1).padStart(7)} ms  ${((ms / perRun) * 100).toFixed(0).padStart(3)} %`);
    await session.release();
  }
  const sum = Object.values(totals).reduce((a, b) => a + b, 0);
  console.log(`\nshare of a cold segment's graph time: ${Object.entries(totals).map(([k, v]) => `${k} ${((v / sum) * 100).toFixed(0)} %`).join(', ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
