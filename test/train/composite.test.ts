// Whole train steps: a small MLP and a small conv net. The first step is checked against an
// independent float64 computation (a plain-TS forward, its gradient by central differences, and a
// transcription of PyTorch's AdamW); then a few hundred steps must fit a toy task.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as G from '../../main/engine/graph/index.ts';
import type { HostTensor } from '../../main/engine/runtime/host-tensor.ts';
import { GraphSession } from '../../main/engine/runtime/session.ts';
import type { AdamWConfig } from '../../main/engine/train/adamw.ts';
import { bceWithLogits } from '../../main/engine/train/loss.ts';
import { buildTrainStep } from '../../main/engine/train/train-step.ts';
import { TrainState } from '../../main/engine/train/train-state.ts';
import { normal, rng } from '../helpers/random.ts';
import { adamwRef, convRef, convTRef, numericGrad } from '../helpers/reference.ts';

const cfg: AdamWConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-3, maxGradNorm: 0.5 };
const f32 = (a: number[]): number[] => a.map(Math.fround);
const host = (dims: number[], a: number[]): HostTensor => ({ dtype: 'float32', dims, data: Float32Array.from(a) });

interface Model {
  shapes: Record<string, number[]>;
  init: Record<string, number[]>;
  batch: Record<string, { dims: number[]; data: number[] }>;
  /** Builds the loss in the graph. */
  build(g: G.Graph, p: Record<string, G.Tensor>, x: Record<string, G.Tensor>): G.Tensor;
  /** The same loss in plain float64 TypeScript. */
  reference(p: Record<string, number[]>): number;
}

/** Mean BCE-with-logits in float64, the reference for the graph's `bceWithLogits`. */
const bceRef = (z: number[], y: number[]): number => z.reduce((s, v, i) => s + Math.max(v, 0) - v * y[i] + Math.log1p(Math.exp(-Math.abs(v))), 0) / z.length;

function mlp(seed: number): Model {
  const rand = rng(seed);
  const [n, din, h, dout] = [8, 3, 6, 2];
  const x = normal(rand, n * din);
  const t = normal(rand, n * dout);
  return {
    shapes: { w1: [h, din], b1: [h], w2: [dout, h], b2: [dout] },
    init: { w1: f32(normal(rand, h * din, 0.6)), b1: f32(normal(rand, h, 0.1)), w2: f32(normal(rand, dout * h, 0.6)), b2: f32(normal(rand, dout, 0.1)) },
    batch: { x: { dims: [n, din], data: f32(x) }, t: { dims: [n, dout], data: f32(t) } },
    build: (_g, p, b) => {
      const hid = G.tanh(G.linear(b.x, p.w1, p.b1));
      const d = G.sub(G.linear(hid, p.w2, p.b2), b.t);
      return G.reduceMean(G.mul(d, d));
    },
    reference: (p) => {
      let s = 0;
      for (let r = 0; r < n; r++) {
        const hid = Array.from({ length: h }, (_, j) => Math.tanh(p.b1[j] + [0, 1, 2].reduce((a, k) => a + p.w1[j * din + k] * Math.fround(x[r * din + k]), 0)));
        for (let o = 0; o < dout; o++) {
          const y = p.b2[o] + hid.reduce((a, v, j) => a + p.w2[o * h + j] * v, 0);
          s += (y - Math.fround(t[r * dout + o])) ** 2;
        }
      }
      return s / (n * dout);
    },
  };
}

/** A small segmentation net: conv 3×3 s2 → ReLU → transposed conv k2 s2 → logits; BCE on a disc. */
function convNet(seed: number, batch = 2): Model {
  const rand = rng(seed);
  const size = 8;
  const images: number[] = [];
  const masks: number[] = [];
  for (let b = 0; b < batch; b++) {
    const [cy, cx, r] = [2.5 + 3 * rand(), 2.5 + 3 * rand(), 1.5 + rand()];
    for (let i = 0; i < size * size; i++) {
      const inside = (Math.floor(i / size) - cy) ** 2 + ((i % size) - cx) ** 2 <= r * r ? 1 : 0;
      masks.push(inside);
      images.push(Math.fround(inside * 0.8 + 0.3 * (rand() - 0.5)));
    }
  }
  const o1 = { strides: [2, 2] as [number, number], pads: [1, 1, 1, 1] as [number, number, number, number], dilations: [1, 1] as [number, number] };
  const o2 = { strides: [2, 2] as [number, number], pads: [0, 0, 0, 0] as [number, number, number, number], dilations: [1, 1] as [number, number] };
  return {
    shapes: { c1w: [4, 1, 3, 3], c1b: [4], c2w: [4, 1, 2, 2], c2b: [1] },
    init: { c1w: f32(normal(rand, 36, 0.5)), c1b: f32(normal(rand, 4, 0.1)), c2w: f32(normal(rand, 16, 0.5)), c2b: f32(normal(rand, 1, 0.1)) },
    batch: { img: { dims: [batch, 1, size, size], data: images }, mask: { dims: [batch, 1, size, size], data: masks } },
    build: (_g, p, b) => {
      const h = G.relu(G.conv2d(b.img, p.c1w, p.c1b, o1));
      return bceWithLogits(G.convTranspose2d(h, p.c2w, p.c2b, o2), b.mask);
    },
    reference: (p) => {
      const h = convRef(images, [batch, 1, size, size], p.c1w, [4, 1, 3, 3], o1);
      const hr = h.y.map((v, i) => Math.max(v + p.c1b[Math.floor(i / 16) % 4], 0));
      const z = convTRef(hr, h.shape, p.c2w, [4, 1, 2, 2], o2, [0, 0]);
      return bceRef(z.y.map((v) => v + p.c2b[0]), masks);
    },
  };
}

async function setUp(model: Model) {
  const g = new G.Graph();
  const params = Object.fromEntries(Object.entries(model.shapes).map(([k, s]) => [k, g.param(k, s, { trainable: true })]));
  const inputs = Object.fromEntries(Object.entries(model.batch).map(([k, b]) => [k, g.input(k, 'float32', b.dims)]));
  const step = buildTrainStep({ loss: model.build(g, params, inputs), optimizer: cfg, exportGradients: true });
  const session = await GraphSession.create(step.compiled, new Map(), { provider: 'cpu', threads: 1 });
  const state = new TrainState(step.optimizer, Object.fromEntries(Object.entries(model.init).map(([k, v]) => [k, host(model.shapes[k], v)])));
  const batch = Object.fromEntries(Object.entries(model.batch).map(([k, b]) => [k, host(b.dims, b.data)]));
  return { session, state, batch };
}

async function firstStepMatchesReference(model: Model): Promise<void> {
  const { session, state, batch } = await setUp(model);
  const names = Object.keys(model.shapes);
  const flat = names.flatMap((k) => model.init[k]);
  const unflat = (v: number[]): Record<string, number[]> => {
    let at = 0;
    return Object.fromEntries(names.map((k) => { const n = model.init[k].length; at += n; return [k, v.slice(at - n, at)]; }));
  };
  const lossRef = model.reference(model.init);
  const gradRef = unflat(numericGrad((v) => model.reference(unflat(v)), flat));

  const lr = 1e-2;
  const result = await state.apply(session, batch, lr);
  assert.ok(Math.abs(result.loss - lossRef) <= 1e-6 * Math.max(1, lossRef), `loss ${result.loss} vs reference ${lossRef}`);
  for (const k of names) {
    const got = result.outputs[`grad.${k}`].data as Float32Array;
    gradRef[k].forEach((want, j) => assert.ok(Math.abs(got[j] - want) <= 1e-5 + 1e-4 * Math.abs(want), `grad ${k}[${j}] ${got[j]} vs reference ${want}`));
  }
  const p = names.map((k) => [...model.init[k]]);
  const norm = adamwRef(cfg, lr, 1, p, names.map((k) => gradRef[k]), p.map((a) => a.map(() => 0)), p.map((a) => a.map(() => 0)));
  assert.ok(Math.abs(result.gradNorm - norm) <= 1e-4 * norm, `grad norm ${result.gradNorm} vs ${norm}`);
  names.forEach((k, i) => {
    const got = state.param(k).data as Float32Array;
    p[i].forEach((want, j) => assert.ok(Math.abs(got[j] - want) <= 1e-6 + 1e-5 * Math.abs(want), `updated ${k}[${j}] ${got[j]} vs reference ${want}`));
  });
  await session.release();
}

async function fits(model: Model, steps: number, lr: number, ratio: number): Promise<void> {
  const { session, state, batch } = await setUp(model);
  const first = (await state.apply(session, batch, lr)).loss;
  let last = first;
  for (let s = 1; s < steps; s++) last = (await state.apply(session, batch, lr)).loss;
  assert.ok(last < ratio * first, `loss went from ${first} to ${last} in ${steps} steps`);
  await session.release();
}

describe('MLP (linear → tanh → linear, MSE)', () => {
  test('first train step equals the independent float64 computation', () => firstStepMatchesReference(mlp(11)));
  test('fits a toy regression: loss falls below 30 % in 300 steps', () => fits(mlp(12), 300, 3e-2, 0.3));
});

describe('conv net (conv s2 → ReLU → transposed conv, BCE)', () => {
  test('first train step equals the independent float64 computation', () => firstStepMatchesReference(convNet(21)));
  test('learns to segment discs: loss falls below 30 % in 300 steps', () => fits(convNet(22, 4), 300, 3e-2, 0.3));
});


