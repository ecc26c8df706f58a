// Reductions over static axes (opset 18: axes as an int64 input), forward and gradient.

import { GraphBuildError, type Node, type OpDef, type Shape, Tensor } from '../ir.ts';
import { normAxis, sameShape } from '../shape.ts';
// Import cycle elementwise ↔ reduce ↔ shape (gradients need each other's ops): safe because the
// imported functions are only called inside op builders and gradient rules, never while modules load.
import { cast, div, equal, where } from './elementwise.ts';
import { expand, reshape } from './shape.ts';

const axesOf = (node: Node): number[] => node.attrs.axesList as number[];

function reducedShape(shape: Shape, axes: readonly number[], keep: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keep) out.push(1);
  });
  return out;
}

function reduceOp(type: string, grad: OpDef['grad']): OpDef {
  return {
    type,
    attrTypes: { keepdims: 'int' },
    infer: ([x], attrs) => [{ dtype: x.dtype, shape: reducedShape(x.shape, attrs.axesList as number[], attrs.keepdims === 1) }],
    grad,
  };
}

/** dy reshaped to keepdims form and expanded back over the reduced axes. */
function spread(node: Node, dy: Tensor): Tensor {
  const x = node.inputs[0];
  const kept = reducedShape(x.shape, axesOf(node), true);
  return expand(reshape(dy, kept), x.shape);
}

export const ReduceSum = reduceOp('ReduceSum', (node, [dy]) => [spread(node, dy!), null]);

export const ReduceMean = reduceOp('ReduceMean', (node, [dy]) => {
  const x = node.inputs[0];
  const count = axesOf(node).reduce((n, a) => n * x.shape[a], 1);
  return [div(spread(node, dy!), count), null];
});

// Ties share the gradient equally (PyTorch's amax/amin convention).
export const ReduceMax = reduceOp('ReduceMax', (node, [dy]) => {
  const x = node.inputs[0];
  const kept = reducedShape(x.shape, axesOf(node), true);
  const isMax = equal(x, reshape(node.outputs[0], kept));
  const ties = reduceSum(cast(isMax, x.dtype), axesOf(node), true);
  return [where(isMax, spread(node, div(dy!, reshape(ties, node.outputs[0].shape))), 0), null];
});

function reduce(op: OpDef, x: Tensor, axes: readonly number[] | undefined, keepdims: boolean): Tensor {
  const all = x.shape.map((_, i) => i);
  let list: number[];
  try {
    list = [...new Set((axes ?? all).map((a) => normAxis(a, x.rank)))].sort((a, b) => a - b);
  } catch (e) {
    throw new GraphBuildError(`${x.graph.scopePath}/${op.type} on ${x}: ${(e as Error).message}`);
  }
  return x.graph.apply(op, [x, x.graph.ints(list, 'axes')], { keepdims: keepdims ? 1 : 0, axesList: list })[0];
}

export const reduceSum = (x: Tensor, axes?: readonly number[], keepdims = false): Tensor => reduce(ReduceSum, x, axes, keepdims);
export const reduceMean = (x: Tensor, axes?: readonly number[], keepdims = false): Tensor => reduce(ReduceMean, x, axes, keepdims);
export const reduceMax = (x: Tensor, axes?: readonly number[], keepdims = false): Tensor => reduce(ReduceMax, x, axes, keepdims);

/** Sums a broadcast gradient back to `shape` (the inverse of numpy broadcasting). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  g.shape.forEach((d, i) => {
    if (i < lead || (shape[i - lead] === 1 && d !== 1)) axes.push(i);
  });
  // keepdims leaves the leading axes as 1s; reshape drops them (and is a no-op when shapes agree).
  return reshape(axes.length ? reduceSum(g, axes, true) : g, shape);
}
