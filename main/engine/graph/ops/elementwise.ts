// Element-wise ops (broadcasting binary, unary, comparison, select, cast): forward and gradient.

import { type DType, isFloat, onnxTypeCode } from '../dtype.ts';
import { fail, type Node, type OpDef, Tensor } from '../ir.ts';
import { broadcastShapes } from '../shape.ts';
// Import cycle elementwise ↔ reduce ↔ shape (gradients need each other's ops): safe because the
// imported functions are only called inside op builders and gradient rules, never while modules load.
import { sumTo } from './reduce.ts';

export type Operand = Tensor | number;

function sameType(inputs: readonly Tensor[]): DType {
  const d = inputs[0].dtype;
  for (const t of inputs) if (t.dtype !== d) fail(`dtypes differ (${inputs.map((x) => x.dtype).join(' vs ')})`);
  return d;
}

function binary(type: string, grad?: OpDef['grad'], outType?: (d: DType) => DType): OpDef {
  return {
    type,
    infer: ([a, b]) => {
      const d = sameType([a, b]);
      return [{ dtype: outType ? outType(d) : d, shape: broadcastShapes(a.shape, b.shape) }];
    },
    grad,
  };
}

function unary(type: string, grad?: OpDef['grad'], floatOnly = true): OpDef {
  return {
    type,
    infer: ([x]) => {
      if (floatOnly && !isFloat(x.dtype)) fail(`needs a float input, got ${x.dtype}`);
      return [{ dtype: x.dtype, shape: x.shape }];
    },
    grad,
  };
}

/** Lifts numbers to scalar constants of the other operand's dtype. */
function lift(a: Operand, b: Operand): [Tensor, Tensor] {
  if (a instanceof Tensor && b instanceof Tensor) return [a, b];
  if (a instanceof Tensor) return [a, a.graph.scalar(b as number, a.dtype)];
  if (b instanceof Tensor) return [b.graph.scalar(a, b.dtype), b];
  throw new Error('element-wise op needs at least one tensor operand');
}

const one = (op: OpDef, ...xs: Tensor[]): Tensor => xs[0].graph.apply(op, xs)[0];

// ---- binary arithmetic -------------------------------------------------------------------------

export const Add = binary('Add', ({ inputs: [a, b] }, [dy], need) => [
  need[0] ? sumTo(dy!, a.shape) : null,
  need[1] ? sumTo(dy!, b.shape) : null,
]);
export const add = (a: Operand, b: Operand): Tensor => one(Add, ...lift(a, b));

export const Sub = binary('Sub', ({ inputs: [a, b] }, [dy], need) => [
  need[0] ? sumTo(dy!, a.shape) : null,
  need[1] ? sumTo(neg(dy!), b.shape) : null,
]);
export const sub = (a: Operand, b: Operand): Tensor => one(Sub, ...lift(a, b));

export const Mul = binary('Mul', ({ inputs: [a, b] }, [dy], need) => [
  need[0] ? sumTo(mul(dy!, b), a.shape) : null,
  need[1] ? sumTo(mul(dy!, a), b.shape) : null,
]);
export const mul = (a: Operand, b: Operand): Tensor => one(Mul, ...lift(a, b));

export const Div = binary('Div', ({ inputs: [a, b], outputs: [y] }, [dy], need) => {
  const da = need[0] || need[1] ? div(dy!, b) : null;
  return [need[0] ? sumTo(da!, a.shape) : null, need[1] ? sumTo(neg(mul(da!, y)), b.shape) : null];
});
export const div = (a: Operand, b: Operand): Tensor => one(Div, ...lift(a, b));

// d(a^b)/da = b·a^(b-1); d/db = a^b·ln a (only where a > 0 is meaningful, as in PyTorch)
export const Pow = binary('Pow', ({ inputs: [a, b], outputs: [y] }, [dy], need) => [
  need[0] ? sumTo(mul(dy!, mul(b, pow(a, sub(b, 1)))), a.shape) : null,
  need[1] ? sumTo(mul(dy!, mul(y, log(a))), b.shape) : null,
]);
export const pow = (a: Operand, b: Operand): Tensor => one(Pow, ...lift(a, b));

// ---- unary -------------------------------------------------------------------------------------

export const Neg = unary('Neg', (_n, [dy]) => [neg(dy!)]);
export const neg = (x: Tensor): Tensor => one(Neg, x);

export const Exp = unary('Exp', ({ outputs: [y] }, [dy]) => [mul(dy!, y)]);
export const exp = (x: Tensor): Tensor => one(Exp, x);

export const Log = unary('Log', ({ inputs: [x] }, [dy]) => [div(dy!, x)]);
export const log = (x: Tensor): Tensor => one(Log, x);

export const Sqrt = unary('Sqrt', ({ outputs: [y] }, [dy]) => [div(mul(dy!, 0.5), y)]);
export const sqrt = (x: Tensor): Tensor => one(Sqrt, x);

export const Sigmoid = unary('Sigmoid', ({ outputs: [y] }, [dy]) => [mul(dy!, mul(y, sub(1, y)))]);
export const sigmoid = (x: Tensor): Tensor => one(Sigmoid, x);

export const Tanh = unary('Tanh', ({ outputs: [y] }, [dy]) => [mul(dy!, sub(1, mul(y, y)))]);
export const tanh = (x: Tensor): Tensor => one(Tanh, x);

// ReLU'(0) = 0, as PyTorch.
// dy·(x > 0) as a multiply by the cast mask: ORT's Where ran ~1.7× slower on the decoder's MLP.
export const Relu = unary('Relu', ({ inputs: [x] }, [dy]) => [mul(dy!, cast(greater(x, 0), x.dtype))]);
export const relu = (x: Tensor): Tensor => one(Relu, x);

export const Identity = unary('Identity', (_n, [dy]) => [dy], false);
export const identity = (x: Tensor): Tensor => one(Identity, x);

/** Clip(x, min, max) with constant bounds; the gradient passes where min ≤ x ≤ max (PyTorch clamp). */
export const Clip: OpDef = {
  type: 'Clip',
  infer: ([x, lo, hi]) => {
    if (!isFloat(x.dtype)) fail(`needs a float input, got ${x.dtype}`);
    for (const b of [lo, hi]) if (b.rank !== 0 || b.dtype !== x.dtype) fail(`bounds must be ${x.dtype} scalars`);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  grad: ({ inputs: [x, lo, hi] }, [dy], need) => [
    need[0] ? where(and(greaterOrEqual(x, lo), lessOrEqual(x, hi)), dy!, 0) : null, null, null,
  ],
};
export function clip(x: Tensor, min = -Infinity, max = Infinity): Tensor {
  const g = x.graph;
  return one(Clip, x, g.scalar(Math.max(min, -3.4028234663852886e38), x.dtype), g.scalar(Math.min(max, 3.4028234663852886e38), x.dtype));
}

// ---- comparison and logic (no gradient: their outputs are bool) --------------------------------

const toBool = (): DType => 'bool';
export const Greater = binary('Greater', undefined, toBool);
export const Less = binary('Less', undefined, toBool);
export const Equal = binary('Equal', undefined, toBool);
export const GreaterOrEqual = binary('GreaterOrEqual', undefined, toBool);
export const LessOrEqual = binary('LessOrEqual', undefined, toBool);
export const And: OpDef = {
  type: 'And',
  infer: ([a, b]) => {
    if (a.dtype !== 'bool' || b.dtype !== 'bool') fail('And needs bool inputs');
    return [{ dtype: 'bool', shape: broadcastShapes(a.shape, b.shape) }];
  },
};
export const Not: OpDef = {
  type: 'Not',
  infer: ([a]) => (a.dtype === 'bool' ? [{ dtype: 'bool', shape: a.shape }] : fail('Not needs a bool input')),
};
export const greater = (a: Operand, b: Operand): Tensor => one(Greater, ...lift(a, b));
export const less = (a: Operand, b: Operand): Tensor => one(Less, ...lift(a, b));
export const equal = (a: Operand, b: Operand): Tensor => one(Equal, ...lift(a, b));
export const greaterOrEqual = (a: Operand, b: Operand): Tensor => one(GreaterOrEqual, ...lift(a, b));
export const lessOrEqual = (a: Operand, b: Operand): Tensor => one(LessOrEqual, ...lift(a, b));
export const and = (a: Tensor, b: Tensor): Tensor => one(And, a, b);
export const not = (a: Tensor): Tensor => one(Not, a);

// ---- select and cast ---------------------------------------------------------------------------

export const Where: OpDef = {
  type: 'Where',
  infer: ([c, a, b]) => {
    if (c.dtype !== 'bool') fail(`condition must be bool, got ${c.dtype}`);
    sameType([a, b]);
    return [{ dtype: a.dtype, shape: broadcastShapes(c.shape, broadcastShapes(a.shape, b.shape)) }];
  },
  grad: ({ inputs: [c, a, b] }, [dy], need) => [
    null,
    need[1] ? sumTo(where(c, dy!, 0), a.shape) : null,
    need[2] ? sumTo(where(c, 0, dy!), b.shape) : null,
  ],
};
export function where(c: Tensor, a: Operand, b: Operand): Tensor {
  const [x, y] = lift(a, b);
  return one(Where, c, x, y);
}

export const Cast: OpDef = {
  type: 'Cast',
  attrTypes: { to: 'int' },
  infer: ([x], attrs) => [{ dtype: attrs.dtypeName as DType, shape: x.shape }],
  grad: ({ inputs: [x] }: Node, [dy]) => [isFloat(x.dtype) ? cast(dy!, x.dtype) : null],
};
export function cast(x: Tensor, dtype: DType): Tensor {
  return x.graph.apply(Cast, [x], { to: onnxTypeCode[dtype], dtypeName: dtype })[0];
}
