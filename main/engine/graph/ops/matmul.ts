// Matrix products: batched, broadcasting MatMul, and Linear (HF weight layout [out, in]).

import { fail, fmt, type OpDef, type Tensor } from '../ir.ts';
import { broadcastShapes } from '../shape.ts';
import { add } from './elementwise.ts';
import { sumTo } from './reduce.ts';
import { reshape, transposeLast } from './shape.ts';

export const MatMul: OpDef = {
  type: 'MatMul',
  infer: ([a, b]) => {
    if (a.dtype !== b.dtype) fail(`dtypes differ (${a.dtype} vs ${b.dtype})`);
    if (a.rank < 2 || b.rank < 2) fail('both operands need rank ≥ 2 (reshape vectors to matrices)');
    const [n, k] = a.shape.slice(-2);
    const [k2, m] = b.shape.slice(-2);
    if (k !== k2) fail(`inner dimensions differ: ${fmt(a.shape)} @ ${fmt(b.shape)} (${k} vs ${k2})`);
    return [{ dtype: a.dtype, shape: [...broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2)), n, m] }];
  },
  grad: ({ inputs: [a, b] }, [dy], need) => {
    const da = need[0] ? sumTo(matmul(dy!, transposeLast(b)), a.shape) : null;
    let db: Tensor | null = null;
    if (need[1]) {
      // A 2-D weight shared over a batch: fold the batch into rows, one GEMM instead of a batched one.
      db = b.rank === 2 && a.rank > 2
        ? matmul(transposeLast(reshape(a, [-1, a.shape[a.rank - 1]])), reshape(dy!, [-1, dy!.shape[dy!.rank - 1]]))
        : sumTo(matmul(transposeLast(a), dy!), b.shape);
    }
    return [da, db];
  },
};
export const matmul = (a: Tensor, b: Tensor): Tensor => a.graph.apply(MatMul, [a, b])[0];

/** y = x·Wᵀ + b with W stored [out, in] as in PyTorch/HF checkpoints. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  const y = matmul(x, transposeLast(weight));
  return bias ? add(y, bias) : y;
}
