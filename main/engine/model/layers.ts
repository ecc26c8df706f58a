// HF's nn.Linear and nn.LayerNorm as they appear in the checkpoint: parameters `<name>.weight`
// (Linear: [out, in]) and `<name>.bias`, so a module reads like its HF counterpart, e.g.
// linearLayer(g, `${prefix}.mlp.fc1`, x, intermediateSize).

import { type Graph, int8Linear, int8Names, layerNorm, linear, type Tensor } from '../graph/index.ts';

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

/** nn.LayerNorm(width, eps) over the last axis of x [..., width]. */
export function layerNormLayer(g: Graph, name: string, x: Tensor, eps: number): Tensor {
  const width = x.shape[x.rank - 1];
  return layerNorm(x, g.param(`${name}.weight`, [width]), g.param(`${name}.bias`, [width]), eps);
}
