// The emitted AdamW + clipping against a float64 transcription of PyTorch's formulas, over several
// steps with a changing learning rate. The loss Σ p·G makes the gradient exactly the fed G.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Graph, mul, reduceSum, add } from '../../main/engine/graph/index.ts';
import { GraphSession } from '../../main/engine/runtime/session.ts';
import type { AdamWConfig } from '../../main/engine/train/adamw.ts';
import { buildTrainStep } from '../../main/engine/train/train-step.ts';
import { TrainState } from '../../main/engine/train/train-state.ts';
import { rng, normal } from '../helpers/random.ts';
import { adamwRef } from '../helpers/reference.ts';

async function compare(cfg: AdamWConfig, gradScale: number, lrs: number[]): Promise<void> {
  const rand = rng(3);
  const shapes = { w: [3, 4], b: [4] };
  const g = new Graph();
  const w = g.param('w', shapes.w, { trainable: true });
  const b = g.param('b', shapes.b, { trainable: true });
  const gw = g.input('gw', 'float32', shapes.w);
  const gb = g.input('gb', 'float32', shapes.b);
  const loss = add(reduceSum(mul(w, gw)), reduceSum(mul(b, gb)));
  const step = buildTrainStep({ loss, optimizer: cfg });
  const session = await GraphSession.create(step.compiled, new Map(), { provider: 'cpu', threads: 1 });

  const p0 = [normal(rand, 12), normal(rand, 4)].map((a) => a.map((x) => Math.fround(x)));
  const state = new TrainState(step.optimizer, {
    w: { dtype: 'float32', dims: shapes.w, data: Float32Array.from(p0[0]) },
    b: { dtype: 'float32', dims: shapes.b, data: Float32Array.from(p0[1]) },
  });
  const ref = { p: p0.map((a) => [...a]), m: [Array(12).fill(0), Array(4).fill(0)], v: [Array(12).fill(0), Array(4).fill(0)] };
  for (const [i, lr] of lrs.entries()) {
    const grads = [normal(rand, 12, gradScale), normal(rand, 4, gradScale)].map((a) => a.map((x) => Math.fround(x)));
    const result = await state.apply(session, {
      gw: { dtype: 'float32', dims: shapes.w, data: Float32Array.from(grads[0]) },
      gb: { dtype: 'float32', dims: shapes.b, data: Float32Array.from(grads[1]) },
    }, lr);
    const norm = adamwRef(cfg, lr, i + 1, ref.p, grads, ref.m, ref.v);
    assert.ok(Math.abs(result.gradNorm - norm) <= 1e-6 * norm, `step ${i + 1}: grad norm ${result.gradNorm} vs ${norm}`);
    for (const [k, name] of ['w', 'b'].entries()) {
      const got = state.param(name).data as Float32Array;
      const m = state.tensors.get(`adam.m.${name}`)!.data as Float32Array;
      ref.p[k].forEach((want, j) => {
        assert.ok(Math.abs(got[j] - want) <= 2e-6 * Math.max(1, Math.abs(want)), `step ${i + 1}: ${name}[${j}] = ${got[j]}, PyTorch formula ${want}`);
        // m is a running mix of O(gradScale) values: float32 rounding is relative to that scale.
        assert.ok(Math.abs(m[j] - ref.m[k][j]) <= 1e-6 * gradScale, `step ${i + 1}: m(${name})[${j}] = ${m[j]} vs ${ref.m[k][j]}`);
      });
    }
  }
  await session.release();
}

describe('AdamW in the graph', () => {
  const base: AdamWConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-3, maxGradNorm: null };
  test('no clipping, weight decay 1e-3, lr schedule 1e-3 → 3e-4 (paper recipe)', () => compare(base, 1, [1e-3, 1e-3, 1e-3, 3e-4, 3e-4, 9e-5]));
  test('clipping active (norm ≫ 0.5) rescales every gradient', () => compare({ ...base, maxGradNorm: 0.5 }, 3, [1e-3, 1e-3, 1e-3, 1e-3]));
  test('clipping inactive (norm < max) still multiplies by min(coef, 1) = 1', () => compare({ ...base, maxGradNorm: 100 }, 1, [1e-2, 1e-2, 1e-2]));
  test('large weight decay and other betas', () => compare({ beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1, maxGradNorm: 1 }, 0.5, [5e-2, 5e-2, 1e-2]));
  test('tiny gradients: eps outside the square root dominates', () => compare(base, 1e-9, [1e-3, 1e-3]));
});
