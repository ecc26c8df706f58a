// HF's nn.Linear and nn.LayerNorm as they appear in the checkpoint: parameters `<name>.weight`
// (Linear: [out, in]) and `<name>.bias`, so a module reads like its HF counterpart, e.g.
// linearLayer(g, `${prefix}.mlp.fc1`, x, intermediateSize).

import { type Graph, int8Linear, int8Names, layerNorm, linear, pad, type Tensor } from '../graph/index.ts';

/**
 * A float32 hidden width whose rows are not a multiple of 4 KiB apart. MLAS's SGEMM reads a dozen
 * rows of A at once; with a 4 KiB-multiple stride they all fall in the same L1 sets and evict each
 * other: CLIP's MLP down-projection (K = 3072) ran at 2/3 the speed of the up-projection with the
 * same FLOPs, and at full speed with K = 3088 (docs/benchmarks.md). Zero columns add exact zeros.
 */
export const unaliasedWidth = (width: number): number => (width % 1024 === 0 ? width + 16 : width);

/**
 * nn.Linear(in, out) applied to x [..., in] → [..., out]; `bias: false` for bias-free projections.
 * Layers the graph marks int8 read the weight's int8 form (derived by the runtime) instead.
 */
export function linearLayer(g: Graph, name: string, x: Tensor, out: number, o: { bias?: boolean } = {}): Tensor {
  const inp = x.shape[x.rank - 1];
  if (g.int8Linear(name) && g.floatType === 'float32') {
    const q = int8Names(`${name}.weight`);
    const bias = o.bias === false ? undefined : g.param(`${name}.bias`, [out]);
    return int8Linear(x, g.param(q.values, [inp, out], { dtype: 'int8' }), g.param(q.scale, [out]), bias);
  }
  const weight = g.param(`${name}.weight`, [out, inp]);
  return o.bias === false ? linear(x, weight) : linear(x, weight, g.param(`${name}.bias`, [out]));
}

/**
 * Linear(in → hidden) then `act` then Linear(hidden → out), as `g.hiddenWidth` lays the hidden
 * activation out: with zero rows appended to the first weight and bias and zero columns to the
 * second, the padded features are act(0) = 0 and add nothing, so the result is the unpadded one.
 * int8 layers keep their width (their row strides are not 4-byte floats).
 */
export function hiddenLayers(g: Graph, first: string, second: string, x: Tensor, hidden: number, out: number, act: (h: Tensor) => Tensor): Tensor {
  const width = g.int8Linear(first) || g.int8Linear(second) ? hidden : g.hiddenWidth(hidden);
  if (width === hidden) return linearLayer(g, second, act(linearLayer(g, first, x, hidden)), out);
  const extra = width - hidden;
  const inp = x.shape[x.rank - 1];
  const w1 = pad(g.param(`${first}.weight`, [hidden, inp]), [[0, extra], [0, 0]]);
  const b1 = pad(g.param(`${first}.bias`, [hidden]), [[0, extra]]);
  const w2 = pad(g.param(`${second}.weight`, [out, hidden]), [[0, 0], [0, extra]]);
  return linear(act(linear(x, w1, b1)), w2, g.param(`${second}.bias`, [out]));
}

/** nn.LayerNorm(width, eps) over the last axis of x [..., width]. */
export function layerNormLayer(g: Graph, name: string, x: Tensor, eps: number): Tensor {
  const width = x.shape[x.rank - 1];
  return layerNorm(x, g.param(`${name}.weight`, [width]), g.param(`${name}.bias`, [width]), eps);
}
