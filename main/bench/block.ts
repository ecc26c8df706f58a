// `bench block`: one ViT-B/16 encoder layer at CLIPSeg's size (485 tokens, width 768, 12 heads,
// MLP 3072, batch 1) against a plain MatMul of the same machine: forward, and forward plus the
// activation gradient with the weights frozen (what adapter training runs through every block).
// Sessions run in-process so the numbers are compute, comparable with the MatMul ceiling; the
// MatMul gets its best case (B embedded, so ORT pre-packs it), the layer is fed its weights from
// the shared store as in the app.

import { backward, compile, Graph, matmul } from '../engine/graph/index.ts';
import type { HostTensor } from '../engine/runtime/host-tensor.ts';
import { GraphSession, toOrt, type WeightStore } from '../engine/runtime/session.ts';
import type { ProviderPreference } from '../engine/runtime/providers.ts';
import { clipEncoderLayer, type ClipLayerConfig } from '../engine/model/clip-encoder-layer.ts';
import { gflopsPerSecond, type Measurement, timeIt } from './harness.ts';

export interface BlockBenchOptions { threads: number; runs: number; warmup: number; provider: ProviderPreference; tokens?: number }

const vitB16: ClipLayerConfig = { hiddenSize: 768, heads: 12, intermediateSize: 3072, layerNormEps: 1e-5 };

/** Deterministic small uniform values (no denormals, no allocation of a RNG library). */
function filled(dims: number[], scale: number, seed: number): HostTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = ((s / 4294967296) * 2 - 1) * scale;
  }
  return { dtype: 'float32', dims, data };
}

/** FLOPs of the layer's matrix products: 24·T·D² (projections, MLP) + 4·T²·D (attention). */
export function blockFlops(t: number, c: ClipLayerConfig): { forward: number; backward: number } {
  const dense = 2 * t * c.hiddenSize * (4 * c.hiddenSize + 2 * c.intermediateSize);
  const attention = 4 * t * t * c.hiddenSize;
  // Activation gradients only: one product per projection, four per attention product pair.
  return { forward: dense + attention, backward: dense + 2 * attention };
}

export async function benchBlock(o: BlockBenchOptions): Promise<Measurement[]> {
  const t = o.tokens ?? 485;
  const c = vitB16;
  const store: WeightStore = new Map();
  const sessions: GraphSession[] = [];
  const open = async (outputs: Parameters<typeof compile>[0], name: string): Promise<GraphSession> => {
    const session = await GraphSession.create(compile(outputs, { name }), store, { provider: o.provider, threads: o.threads, name });
    sessions.push(session);
    return session;
  };
  try {
    const detail = { tokens: t, width: c.hiddenSize, heads: c.heads, mlp: c.intermediateSize, threads: o.threads };
    const results: Measurement[] = [];

    // A plain MatMul, 485×768 by 768×3072: the ceiling the block is judged against. The activations
    // carry the block's batch axis ([1,485,768]): ORT's batched path is the faster one here, so the
    // ceiling is the higher of the two.
    const gm = new Graph();
    const b = filled([c.hiddenSize, c.intermediateSize], 0.05, 1);
    const mm = await open({ y: matmul(gm.input('a', 'float32', [1, t, c.hiddenSize]), gm.constant(b.data, b.dims, 'float32', 'b')) }, 'matmul');
    const provider = mm.providerName;
    const a = filled([1, t, c.hiddenSize], 1, 2);
    const mmTime = await timeIt(() => mm.run({ a }), o);
    const mmFlops = 2 * t * c.hiddenSize * c.intermediateSize;
    results.push({ bench: 'matmul', median_ms: mmTime.median, runs: o.runs, batch: 1, precision: 'fp32', gflops: gflopsPerSecond(mmFlops, mmTime.median), flops: mmFlops, shape: `[1,${t},${c.hiddenSize}]x[${c.hiddenSize},${c.intermediateSize}]`, provider, ...detail });

    // The layer, weights in the shared store as they are for CLIPSeg.
    const g = new Graph();
    const x = g.input('x', 'float32', [1, t, c.hiddenSize]);
    const y = clipEncoderLayer(g, 'clip.vision_model.encoder.layers.0', x, c);
    let seed = 10;
    for (const p of g.feeds.values()) {
      if (p.kind !== 'param') continue;
      const lnScale = /layer_norm\d\.weight$/.test(p.name);
      const w = filled([...p.shape], lnScale ? 0.1 : 0.03, seed++);
      if (lnScale) (w.data as Float32Array).forEach((v, i, arr) => { arr[i] = 1 + v; }); // scales near 1
      store.set(p.name, toOrt(w));
    }
    const forward = await open({ y }, 'block-forward');
    const dy = g.input('dy', 'float32', y.shape);
    const [dx] = backward([y], [dy], [x]);
    const fwdBwd = await open({ dx }, 'block-backward');

    const xs = filled([1, t, c.hiddenSize], 1, 3);
    const flops = blockFlops(t, c);
    const fwd = await timeIt(() => forward.run({ x: xs }), o);
    results.push({ bench: 'block-forward', median_ms: fwd.median, runs: o.runs, batch: 1, precision: 'fp32', gflops: gflopsPerSecond(flops.forward, fwd.median), flops: flops.forward, provider, ...detail });
    const dys = filled([1, t, c.hiddenSize], 1, 4);
    const bwd = await timeIt(() => fwdBwd.run({ x: xs, dy: dys }), o);
    const total = flops.forward + flops.backward;
    results.push({ bench: 'block-backward', median_ms: bwd.median, runs: o.runs, batch: 1, precision: 'fp32', gflops: gflopsPerSecond(total, bwd.median), flops: total, measures: 'forward + activation gradient, weights frozen', provider, ...detail });
    return results;
  } finally {
    for (const s of sessions) await s.release();
  }
}
