// 2-D Conv and ConvTranspose (NCHW, group 1), forward and gradient.
// Each gradient is itself a Conv or ConvTranspose: the two are adjoint for the same weights, and
// the weight gradient is a correlation of input and output gradient with stride and dilation swapped.

import { fail, fmt, type Attrs, type OpDef, type Tensor } from '../ir.ts';
import { reduceSum } from './reduce.ts';
import { slice, transpose } from './shape.ts';

export interface ConvOptions {
  strides?: [number, number];
  /** [top, left, bottom, right] as ONNX; a single number pads all sides. */
  pads?: [number, number, number, number] | number;
  dilations?: [number, number];
}

interface Geometry { strides: number[]; pads: number[]; dilations: number[] }

function geometry(o: ConvOptions): Geometry {
  const p = o.pads ?? 0;
  return { strides: o.strides ?? [1, 1], pads: typeof p === 'number' ? [p, p, p, p] : [...p], dilations: o.dilations ?? [1, 1] };
}

function checkOperands(x: Tensor, w: Tensor, b: Tensor | undefined, wIn: number, outChannels: number): void {
  if (x.rank !== 4 || w.rank !== 4) fail('input and weight must be 4-D (NCHW, 2-D kernels)');
  if (x.dtype !== w.dtype || (b && b.dtype !== x.dtype)) fail('dtypes differ');
  if (x.shape[1] !== w.shape[wIn]) fail(`input has ${x.shape[1]} channels, weight ${fmt(w.shape)} expects ${w.shape[wIn]}`);
  if (b && (b.rank !== 1 || b.shape[0] !== outChannels)) fail(`bias must be [${outChannels}], got ${fmt(b.shape)}`);
}

const convOut = (h: number, k: number, s: number, d: number, pb: number, pe: number): number => Math.floor((h + pb + pe - d * (k - 1) - 1) / s) + 1;
const convTOut = (h: number, k: number, s: number, d: number, pb: number, pe: number, op: number): number => s * (h - 1) + op + d * (k - 1) + 1 - pb - pe;

const attrTypes = { strides: 'ints', pads: 'ints', dilations: 'ints', kernel_shape: 'ints', output_padding: 'ints' } as const;

/**
 * dW via correlation of `signal` (batch/channel swapped) with `kernel` (likewise) as weights;
 * returns [kernel channels, signal channels, kh, kw].
 */
function weightGrad(signal: Tensor, kernel: Tensor, g: Geometry, k: readonly number[]): Tensor {
  const swapped = conv2d(transpose(signal, [1, 0, 2, 3]), transpose(kernel, [1, 0, 2, 3]), undefined, {
    strides: g.dilations as [number, number], dilations: g.strides as [number, number], pads: g.pads as [number, number, number, number],
  });
  return transpose(slice(swapped, [0, 0], [k[0], k[1]], [2, 3]), [1, 0, 2, 3]);
}

export const Conv: OpDef = {
  type: 'Conv',
  attrTypes,
  infer: ([x, w, b], attrs) => {
    checkOperands(x, w, b, 1, w.shape[0]);
    const { strides: s, pads: p, dilations: d } = attrs as unknown as Geometry;
    const [h, wd] = [convOut(x.shape[2], w.shape[2], s[0], d[0], p[0], p[2]), convOut(x.shape[3], w.shape[3], s[1], d[1], p[1], p[3])];
    if (h < 1 || wd < 1) fail(`kernel ${fmt(w.shape.slice(2))} does not fit the padded input`);
    return [{ dtype: x.dtype, shape: [x.shape[0], w.shape[0], h, wd] }];
  },
  grad: ({ inputs: [x, w, b], outputs: [y], attrs }, [dy], need) => {
    const g = attrs as unknown as Geometry;
    let dx: Tensor | null = null;
    if (need[0]) {
      const op = [0, 1].map((i) => x.shape[2 + i] - convTOut(y.shape[2 + i], w.shape[2 + i], g.strides[i], g.dilations[i], g.pads[i], g.pads[i + 2], 0));
      dx = convTranspose2d(dy!, w, undefined, { ...(g as ConvOptions), outputPadding: op as [number, number] });
    }
    const dw = need[1] ? weightGrad(x, dy!, g, w.shape.slice(2)) : null;
    const db = b && need[2] ? reduceSum(dy!, [0, 2, 3]) : null;
    return [dx, dw, db];
  },
};
export function conv2d(x: Tensor, w: Tensor, b?: Tensor, o: ConvOptions = {}): Tensor {
  const attrs: Attrs = { ...geometry(o), kernel_shape: w.shape.slice(2) };
  return x.graph.apply(Conv, b ? [x, w, b] : [x, w], attrs)[0];
}

export const ConvTranspose: OpDef = {
  type: 'ConvTranspose',
  attrTypes,
  infer: ([x, w, b], attrs) => {
    checkOperands(x, w, b, 0, w.shape[1]);
    const { strides: s, pads: p, dilations: d } = attrs as unknown as Geometry;
    const op = attrs.output_padding as number[];
    if (op.some((v, i) => v < 0 || v >= Math.max(s[i], d[i]))) fail(`output_padding ${fmt(op)} must be below stride or dilation`);
    const [h, wd] = [0, 1].map((i) => convTOut(x.shape[2 + i], w.shape[2 + i], s[i], d[i], p[i], p[i + 2], op[i]));
    if (h < 1 || wd < 1) fail('pads remove the whole output');
    return [{ dtype: x.dtype, shape: [x.shape[0], w.shape[1], h, wd] }];
  },
  grad: ({ inputs: [x, w, b], attrs }, [dy], need) => {
    const g = attrs as unknown as Geometry;
    const dx = need[0] ? conv2d(dy!, w, undefined, g as ConvOptions) : null;
    const dw = need[1] ? weightGrad(dy!, x, g, w.shape.slice(2)) : null;
    const db = b && need[2] ? reduceSum(dy!, [0, 2, 3]) : null;
    // conv2d's output may be larger than x when output_padding was used; crop to x.
    return [dx && (dx.shape[2] !== x.shape[2] || dx.shape[3] !== x.shape[3]) ? slice(dx, [0, 0], [x.shape[2], x.shape[3]], [2, 3]) : dx, dw, db];
  },
};
export function convTranspose2d(x: Tensor, w: Tensor, b?: Tensor, o: ConvOptions & { outputPadding?: [number, number] } = {}): Tensor {
  const attrs: Attrs = { ...geometry(o), kernel_shape: w.shape.slice(2), output_padding: o.outputPadding ?? [0, 0] };
  return x.graph.apply(ConvTranspose, b ? [x, w, b] : [x, w], attrs)[0];
}
