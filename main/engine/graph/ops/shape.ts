// Data-movement ops: reshape, transpose, slice, gather/scatter, concat/split, expand, pad.
// Shapes are static, so every shape operand is a constant resolved at build time.

import { fail, fmt, GraphBuildError, type OpDef, type Shape, type Tensor } from '../ir.ts';
import { broadcastShapes, inversePerm, normAxis, sameShape, sizeOf } from '../shape.ts';
// Import cycle elementwise ↔ reduce ↔ shape (gradients need each other's ops): safe because the
// imported functions are only called inside op builders and gradient rules, never while modules load.
import { sumTo } from './reduce.ts';

const one = (op: OpDef, inputs: Tensor[], attrs = {}): Tensor => inputs[0].graph.apply(op, inputs, attrs)[0];

export const Reshape: OpDef = {
  type: 'Reshape',
  infer: ([x], attrs) => {
    const shape = attrs.target as number[];
    if (sizeOf(shape) !== x.size) fail(`cannot reshape ${x.size} elements to ${fmt(shape)}`);
    return [{ dtype: x.dtype, shape }];
  },
  grad: ({ inputs: [x] }, [dy]) => [reshape(dy!, x.shape), null],
};
/** Reshape to a static shape; one -1 is inferred, 0 copies the input's dim (ONNX rules). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const resolved = shape.map((d, i) => (d === 0 ? x.shape[i] : d));
  const known = resolved.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const holes = resolved.filter((d) => d === -1).length;
  if (holes > 1 || (holes === 1 && (known === 0 || x.size % known !== 0))) {
    throw new GraphBuildError(`${x.graph.scopePath}/Reshape: cannot reshape ${x} to ${fmt(shape)}`);
  }
  const target = resolved.map((d) => (d === -1 ? x.size / known : d));
  return one(Reshape, [x, x.graph.ints(target, 'shape')], { target });
}

export const Transpose: OpDef = {
  type: 'Transpose',
  attrTypes: { perm: 'ints' },
  infer: ([x], { perm }) => {
    const p = perm as number[];
    if (p.length !== x.rank || [...p].sort((a, b) => a - b).some((v, i) => v !== i)) fail(`perm ${fmt(p)} is not a permutation of rank ${x.rank}`);
    return [{ dtype: x.dtype, shape: p.map((i) => x.shape[i]) }];
  },
  grad: ({ attrs }, [dy]) => [transpose(dy!, inversePerm(attrs.perm as number[]))],
};
export const transpose = (x: Tensor, perm: readonly number[]): Tensor =>
  perm.every((p, i) => p === i) && perm.length === x.rank ? x : one(Transpose, [x], { perm: [...perm] });

/** Swaps the last two axes. */
export function transposeLast(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return transpose(x, perm);
}

interface SliceSpec { starts: number[]; ends: number[]; axes: number[]; steps: number[] }

export const Slice: OpDef = {
  type: 'Slice',
  infer: ([x], attrs) => {
    const s = attrs.spec as unknown as SliceSpec;
    const shape = [...x.shape];
    s.axes.forEach((a, i) => { shape[a] = Math.ceil((s.ends[i] - s.starts[i]) / s.steps[i]); });
    return [{ dtype: x.dtype, shape }];
  },
  // Scatter dy back: for each sliced axis, interleave zeros (step > 1) then pad to the input size.
  grad: ({ inputs: [x], attrs }, [dy]) => {
    const s = attrs.spec as unknown as SliceSpec;
    let g = dy!;
    s.axes.forEach((a, i) => {
      const [start, step, n] = [s.starts[i], s.steps[i], g.shape[a]];
      if (step > 1) {
        const withStep = [...g.shape.slice(0, a + 1), 1, ...g.shape.slice(a + 1)];
        const padded = pad(reshape(g, withStep), withStep.map((_, j) => (j === a + 1 ? [0, step - 1] : [0, 0])));
        const spread = reshape(padded, g.shape.map((d, j) => (j === a ? n * step : d)));
        g = slice(spread, [0], [Math.min(n * step, x.shape[a] - start)], [a]);
      }
      g = pad(g, g.shape.map((d, j) => (j === a ? [start, x.shape[a] - start - d] : [0, 0])));
    });
    return [g, null, null, null, null];
  },
};
/** Slice with static, clamped bounds (Python slicing rules for negative starts/ends); steps ≥ 1. */
export function slice(x: Tensor, starts: readonly number[], ends: readonly number[], axes?: readonly number[], steps?: readonly number[]): Tensor {
  const where = `${x.graph.scopePath}/Slice on ${x}`;
  const ax = (axes ?? starts.map((_, i) => i)).map((a) => {
    try { return normAxis(a, x.rank); } catch (e) { throw new GraphBuildError(`${where}: ${(e as Error).message}`); }
  });
  const st = steps ?? ax.map(() => 1);
  if (starts.length !== ax.length || ends.length !== ax.length || st.length !== ax.length) throw new GraphBuildError(`${where}: starts/ends/axes/steps lengths differ`);
  if (st.some((v) => !Number.isInteger(v) || v < 1)) throw new GraphBuildError(`${where}: steps must be positive integers, got ${fmt(st)}`);
  const clamp = (v: number, d: number): number => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
  const spec: SliceSpec = { axes: ax, steps: [...st], starts: [], ends: [] };
  ax.forEach((a, i) => {
    spec.starts.push(clamp(starts[i], x.shape[a]));
    spec.ends.push(Math.max(clamp(ends[i], x.shape[a]), spec.starts[i]));
  });
  const g = x.graph;
  return one(Slice, [x, g.ints(spec.starts), g.ints(spec.ends), g.ints(spec.axes), g.ints(spec.steps)], { spec: spec as never });
}

export const Pad: OpDef = {
  type: 'Pad',
  infer: ([x], attrs) => {
    const p = attrs.pads as number[];
    if (p.some((v) => v < 0)) fail('negative pads are not supported');
    return [{ dtype: x.dtype, shape: x.shape.map((d, i) => d + p[i] + p[i + x.rank]) }];
  },
  grad: ({ inputs: [x], attrs }, [dy]) => {
    const p = attrs.pads as number[];
    return [slice(dy!, p.slice(0, x.rank), x.shape.map((d, i) => p[i] + d)), null];
  },
};
/** Zero padding, `pads[i] = [before, after]` per axis. */
export function pad(x: Tensor, pads: readonly (readonly [number, number] | number[])[]): Tensor {
  if (pads.every(([b, a]) => b === 0 && a === 0)) return x;
  const flat = [...pads.map((p) => p[0]), ...pads.map((p) => p[1])];
  return one(Pad, [x, x.graph.ints(flat, 'pads')], { pads: flat });
}

export const Concat: OpDef = {
  type: 'Concat',
  attrTypes: { axis: 'int' },
  infer: (xs, { axis }) => {
    const a = normAxis(axis as number, xs[0].rank);
    const shape = [...xs[0].shape];
    shape[a] = 0;
    for (const t of xs) {
      if (t.dtype !== xs[0].dtype) fail('dtypes differ');
      if (t.rank !== shape.length || t.shape.some((d, i) => i !== a && d !== shape[i])) fail(`shapes differ off axis ${a}`);
      shape[a] += t.shape[a];
    }
    return [{ dtype: xs[0].dtype, shape }];
  },
  grad: ({ inputs, attrs }, [dy]) => split(dy!, inputs.map((t) => t.shape[attrs.axis as number]), attrs.axis as number),
};
export const concat = (xs: readonly Tensor[], axis: number): Tensor => {
  if (xs.length === 0) throw new GraphBuildError('Concat of no tensors');
  return xs.length === 1 ? xs[0] : xs[0].graph.apply(Concat, xs, { axis: axis < 0 ? axis + xs[0].rank : axis })[0];
};

export const Split: OpDef = {
  type: 'Split',
  attrTypes: { axis: 'int' },
  infer: ([x], { axis, sizes }) => {
    const a = normAxis(axis as number, x.rank);
    const s = sizes as number[];
    if (s.reduce((p, q) => p + q, 0) !== x.shape[a]) fail(`sizes ${fmt(s)} do not add up to dim ${a} (${x.shape[a]})`);
    return s.map((n) => ({ dtype: x.dtype, shape: x.shape.map((d, i) => (i === a ? n : d)) }));
  },
  grad: ({ outputs, attrs }, dOut) => {
    const parts = outputs.map((o, i) => dOut[i] ?? zerosLike(o));
    return [concat(parts, attrs.axis as number), null];
  },
};
export function split(x: Tensor, sizes: readonly number[], axis: number): Tensor[] {
  const a = axis < 0 ? axis + x.rank : axis;
  return x.graph.apply(Split, [x, x.graph.ints(sizes, 'split')], { axis: a, sizes: [...sizes] });
}

export const Expand: OpDef = {
  type: 'Expand',
  infer: ([x], attrs) => {
    const target = attrs.target as number[];
    const out = broadcastShapes(x.shape, target);
    if (!sameShape(out, target)) fail(`cannot expand to ${fmt(target)}`);
    return [{ dtype: x.dtype, shape: out }];
  },
  grad: ({ inputs: [x] }, [dy]) => [sumTo(dy!, x.shape), null],
};
export const expand = (x: Tensor, shape: Shape): Tensor =>
  sameShape(x.shape, shape) ? x : one(Expand, [x, x.graph.ints(shape, 'shape')], { target: [...shape] });

export function zerosLike(t: Tensor): Tensor {
  return expand(t.graph.scalar(0, t.dtype), t.shape);
}

export const Gather: OpDef = {
  type: 'Gather',
  attrTypes: { axis: 'int' },
  infer: ([x, idx], { axis }) => {
    if (idx.dtype !== 'int64') fail(`indices must be int64, got ${idx.dtype}`);
    const a = normAxis(axis as number, x.rank);
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)] }];
  },
  // Move the gathered axis first, scatter-add dy rows into zeros, move it back.
  grad: ({ inputs: [x, idx], attrs }, [dy]) => {
    const a = attrs.axis as number;
    const k = idx.rank;
    const dims = dy!.shape.map((_, i) => i);
    const lead = [...dims.slice(a, a + k), ...dims.slice(0, a), ...dims.slice(a + k)];
    const rows = transpose(dy!, lead);
    const xFirst = [a, ...x.shape.map((_, i) => i).filter((i) => i !== a)];
    const base = zerosLike(transpose(x, xFirst));
    const summed = scatterAdd(base, reshape(idx, [...idx.shape, 1]), rows);
    return [transpose(summed, inversePerm(xFirst)), null];
  },
};
export const gather = (x: Tensor, indices: Tensor, axis = 0): Tensor => one(Gather, [x, indices], { axis: axis < 0 ? axis + x.rank : axis });

/** ScatterND with reduction "add" (used by Gather's gradient; indices are not differentiable). */
export const ScatterAdd: OpDef = {
  type: 'ScatterND',
  attrTypes: { reduction: 'string' },
  infer: ([data, idx, upd]) => {
    if (idx.dtype !== 'int64') fail('indices must be int64');
    const q = idx.shape[idx.rank - 1];
    const want = [...idx.shape.slice(0, -1), ...data.shape.slice(q)];
    if (!sameShape(upd.shape, want)) fail(`updates ${fmt(upd.shape)} should be ${fmt(want)}`);
    return [{ dtype: data.dtype, shape: data.shape }];
  },
  grad: ({ inputs: [, idx] }, [dy], need) => [need[0] ? dy : null, null, need[2] ? gatherND(dy!, idx) : null],
};
export const scatterAdd = (data: Tensor, idx: Tensor, upd: Tensor): Tensor => one(ScatterAdd, [data, idx, upd], { reduction: 'add' });

export const GatherND: OpDef = {
  type: 'GatherND',
  infer: ([x, idx]) => [{ dtype: x.dtype, shape: [...idx.shape.slice(0, -1), ...x.shape.slice(idx.shape[idx.rank - 1])] }],
  grad: ({ inputs: [x, idx] }, [dy]) => [scatterAdd(zerosLike(x), idx, dy!), null],
};
export const gatherND = (x: Tensor, idx: Tensor): Tensor => one(GatherND, [x, idx]);
