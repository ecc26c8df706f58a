// LayerNormalization and Softmax, forward and gradient.

import { fail, fmt, type OpDef, type Tensor } from '../ir.ts';
import { normAxis, sameShape } from '../shape.ts';
import { add, div, mul, sqrt, sub } from './elementwise.ts';
import { reduceMean, reduceSum, sumTo } from './reduce.ts';

export const LayerNormalization: OpDef = {
  type: 'LayerNormalization',
  attrTypes: { axis: 'int', epsilon: 'float' },
  infer: ([x, scale, bias], { axis }) => {
    const a = normAxis(axis as number, x.rank);
    const normShape = x.shape.slice(a);
    for (const p of [scale, bias]) {
      if (p && !sameShape(p.shape, normShape)) fail(`scale/bias must have shape ${fmt(normShape)}, got ${fmt(p.shape)}`);
      if (p && p.dtype !== x.dtype) fail('dtypes differ');
    }
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  // Mean and 1/σ are recomputed from x: the optional outputs are float-only in ORT.
  grad: ({ inputs: [x, scale, bias], attrs }, [dy], need) => {
    const axes = x.shape.map((_, i) => i).slice(attrs.axis as number);
    const centred = sub(x, reduceMean(x, axes, true));
    const invStd = div(1, sqrt(add(reduceMean(mul(centred, centred), axes, true), attrs.epsilon as number)));
    const xhat = mul(centred, invStd);
    let dx: Tensor | null = null;
    if (need[0]) {
      const dxhat = mul(dy!, scale);
      const inner = sub(sub(dxhat, reduceMean(dxhat, axes, true)), mul(xhat, reduceMean(mul(dxhat, xhat), axes, true)));
      dx = mul(inner, invStd);
    }
    return [dx, need[1] ? sumTo(mul(dy!, xhat), scale.shape) : null, bias && need[2] ? sumTo(dy!, bias.shape) : null];
  },
};
/** LayerNorm over the trailing axes from `axis` (PyTorch's nn.LayerNorm for axis = -1). */
export function layerNorm(x: Tensor, scale: Tensor, bias: Tensor, epsilon = 1e-5, axis = -1): Tensor {
  return x.graph.apply(LayerNormalization, [x, scale, bias], { axis: axis < 0 ? axis + x.rank : axis, epsilon })[0];
}

export const Softmax: OpDef = {
  type: 'Softmax',
  attrTypes: { axis: 'int' },
  infer: ([x], { axis }) => {
    normAxis(axis as number, x.rank);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  grad: ({ outputs: [y], attrs }, [dy]) => [mul(y, sub(dy!, reduceSum(mul(dy!, y), [attrs.axis as number], true)))],
};
/** Softmax along `axis`; an additive `mask` (0 keep, large negative drop) is added first. */
export function softmax(x: Tensor, axis = -1, mask?: Tensor): Tensor {
  const z = mask ? add(x, mask) : x;
  return x.graph.apply(Softmax, [z], { axis: axis < 0 ? axis + x.rank : axis })[0];
}
