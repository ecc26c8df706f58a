// Checks an op's emitted gradient against central finite differences, both run through
// onnxruntime-node: loss = Σ op(x)·R with a fixed random R, so every output element matters.

import assert from 'node:assert/strict';
import { cast, compile, type DType, Graph, gradients, mul, reduceSum, type Tensor } from '../../main/engine/graph/index.ts';
import type { HostTensor } from '../../main/engine/runtime/host-tensor.ts';
import { GraphSession, toOrt } from '../../main/engine/runtime/session.ts';
import { rng, uniform } from './random.ts';

export interface CheckSpec {
  dtype?: 'float64' | 'float32';
  /** Builds the op under test from float inputs named a, b, ... (all differentiated unless `frozen`). */
  build: (g: Graph, xs: Tensor[]) => Tensor;
  shapes: number[][];
  /** Custom values per input (defaults: uniform in [-1, 1]). */
  values?: (number[] | undefined)[];
  /** Indices of inputs fed but not differentiated. */
  frozen?: number[];
  seed?: number;
  eps?: number;
  rtol?: number;
  atol?: number;
  /** Elements checked per input (all when the input is smaller). */
  maxElements?: number;
  /** Values of frozen params the built graph reads from the weight store. */
  weights?: Record<string, HostTensor>;
}


export function hostOf(dtype: DType, shape: number[], values: number[]): HostTensor {
  return { dtype, dims: shape, data: dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values) };
}

export async function gradcheck(spec: CheckSpec): Promise<void> {
  const dtype = spec.dtype ?? 'float64';
  const rand = rng(spec.seed ?? 1);
  const g = new Graph(dtype);
  const xs = spec.shapes.map((s, i) => g.input(String.fromCharCode(97 + i), dtype, s));
  // The loss is summed in float64 even for float32 ops, so its own rounding stays out of the check.
  const y = dtype === 'float64' ? spec.build(g, xs) : cast(spec.build(g, xs), 'float64');
  const r = uniform(rand, y.size, 0.5, 1.5).map((v, i) => (i % 2 ? -v : v));
  const loss = reduceSum(mul(y, g.constant(Float64Array.from(r), y.shape, 'float64', 'R')));
  const wrt = xs.filter((_, i) => !spec.frozen?.includes(i));
  const grads = gradients(loss, wrt);
  const outputs: Record<string, Tensor> = { loss };
  wrt.forEach((t, i) => { outputs[`grad_${t.name}`] = grads[i]; });
  const store = new Map(Object.entries(spec.weights ?? {}).map(([k, v]) => [k, toOrt(v)]));
  const withGrads = await GraphSession.create(compile(outputs), store, { provider: 'cpu', threads: 1 });
  const lossOnly = await GraphSession.create(compile({ loss }), store, { provider: 'cpu', threads: 1 });

  const values = spec.shapes.map((s, i) => spec.values?.[i] ?? uniform(rand, s.reduce((a, b) => a * b, 1)));
  const feeds = (vals: number[][]): Record<string, HostTensor> =>
    Object.fromEntries(xs.map((t, i) => [t.name, hostOf(dtype, spec.shapes[i], vals[i])]));
  const analytic = await withGrads.run(feeds(values));
  const eps = spec.eps ?? (dtype === 'float64' ? 1e-6 : 1e-2);
  const rtol = spec.rtol ?? (dtype === 'float64' ? 1e-6 : 1e-3);
  const atol = spec.atol ?? (dtype === 'float64' ? 1e-7 : 1e-4);

  for (const t of wrt) {
    const i = xs.indexOf(t);
    const got = analytic[`grad_${t.name}`].data as Float64Array;
    const n = values[i].length;
    const picks = n <= (spec.maxElements ?? 48) ? [...Array(n).keys()] : Array.from({ length: spec.maxElements ?? 48 }, () => Math.floor(rand() * n));
    for (const k of picks) {
      const at = async (delta: number): Promise<number> => {
        const v = values.map((a) => [...a]);
        v[i][k] += delta;
        return Number((await lossOnly.run(feeds(v))).loss.data[0]);
      };
      const fd = ((await at(eps)) - (await at(-eps))) / (2 * eps);
      const an = Number(got[k]);
      assert.ok(Math.abs(fd - an) <= atol + rtol * Math.abs(fd),
        `d loss / d ${t.name}[${k}] (${t}): emitted ${an}, finite difference ${fd}`);
    }
  }
  await withGrads.release();
  await lossOnly.release();
}
