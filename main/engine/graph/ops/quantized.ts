// Dynamic int8 Linear: ONNX Runtime's com.microsoft DynamicQuantizeMatMul quantises the float
// activation per run (uint8, per tensor) and multiplies it with int8 weights quantised once per
// output channel, accumulating in int32 (VNNI where the CPU has it) and rescaling to float.
// Inference only: it has no gradient rule, so a training graph cannot contain it by mistake.

import { fail, fmt, type OpDef, type Tensor } from '../ir.ts';

export const DynamicQuantizeMatMul: OpDef = {
  type: 'DynamicQuantizeMatMul',
  domain: 'com.microsoft',
  // IR inputs (x, weight, scale[, bias]); ONNX's optional inputs are positional, and the empty
  // name stands for the absent b_zero_point.
  onnxInputs: (names) => names.length === 4 ? [names[0], names[1], names[2], '', names[3]] : names,
  infer: ([a, b, scale, bias]) => {
    if (a.dtype !== 'float32') fail(`the activation must be float32, got ${a.dtype}`);
    if (b.dtype !== 'int8') fail(`the weight must be int8, got ${b.dtype}`);
    if (b.rank !== 2) fail(`the weight must be [in, out], got ${fmt(b.shape)}`);
    const [k, n] = b.shape;
    if (a.shape[a.rank - 1] !== k) fail(`inner dimensions differ: ${fmt(a.shape)} @ ${fmt(b.shape)}`);
    if (scale.dtype !== 'float32' || scale.rank !== 1 || scale.shape[0] !== n) fail(`the weight scale must be float32 [${n}], got ${scale}`);
    if (bias && (bias.dtype !== 'float32' || bias.rank !== 1 || bias.shape[0] !== n)) fail(`the bias must be float32 [${n}], got ${bias}`);
    return [{ dtype: 'float32', shape: [...a.shape.slice(0, -1), n] }];
  },
};

/**
 * y = x·Wᵀ + b with W given as int8 `weight` [in, out] (transposed once, at quantisation) and a
 * per-output-channel `scale` [out]; symmetric, so no zero point is fed.
 */
export function int8Linear(x: Tensor, weight: Tensor, scale: Tensor, bias?: Tensor): Tensor {
  return x.graph.apply(DynamicQuantizeMatMul, bias ? [x, weight, scale, bias] : [x, weight, scale])[0];
}
