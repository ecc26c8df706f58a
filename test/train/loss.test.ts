// The training loss against a float64 transcription of its definition, and its gradient
// against finite differences.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as G from '../../main/engine/graph/index.ts';
import { bceWithLogits, diceBceLoss, diceLoss } from '../../main/engine/train/loss.ts';
import { gradcheck } from '../helpers/gradcheck.ts';
import { rng, normal } from '../helpers/random.ts';
import { runGraph } from '../helpers/run.ts';

function reference(z: number[], y: number[], batch: number): { dice: number; bce: number } {
  const n = z.length / batch;
  let dice = 0;
  let bce = 0;
  for (let b = 0; b < batch; b++) {
    let inter = 0, sp = 0, sy = 0;
    for (let i = b * n; i < (b + 1) * n; i++) {
      const p = 1 / (1 + Math.exp(-z[i]));
      inter += p * y[i]; sp += p; sy += y[i];
      bce += -(y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p));
    }
    dice += 1 - (2 * inter + 1e-5) / (sy + sp + 1e-5);
  }
  return { dice: dice / batch, bce: bce / z.length };
}

test('Dice, BCE and 1.5·Dice + BCE equal their definitions (one image has an empty mask)', async () => {
  const rand = rng(5);
  const z = normal(rand, 2 * 16, 2);
  const y = z.map((_, i) => (i < 16 ? (rand() > 0.6 ? 1 : 0) : 0));
  const g = new G.Graph();
  const logits = g.input('z', 'float64', [2, 4, 4]);
  const target = g.input('y', 'float64', [2, 4, 4]);
  const out = await runGraph({ dice: diceLoss(logits, target), bce: bceWithLogits(logits, target), total: diceBceLoss(logits, target) },
    { z: Float64Array.from(z), y: Float64Array.from(y) });
  const want = reference(z, y, 2);
  assert.ok(Math.abs((out.dice[0] as number) - want.dice) < 1e-12);
  assert.ok(Math.abs((out.bce[0] as number) - want.bce) < 1e-12);
  assert.ok(Math.abs((out.total[0] as number) - (1.5 * want.dice + want.bce)) < 1e-12);
});

test('BCE stays finite for large logits', async () => {
  const g = new G.Graph();
  const out = await runGraph({ bce: bceWithLogits(g.input('z', 'float32', [4]), g.input('y', 'float32', [4])) },
    { z: Float32Array.from([100, -100, 100, -100]), y: Float32Array.from([1, 0, 0, 1]) });
  assert.ok(Math.abs((out.bce[0] as number) - 50) < 1e-4);
});

test('loss gradient w.r.t. the logits', async () =>
  gradcheck({ shapes: [[2, 3, 3], [2, 3, 3]], frozen: [1], values: [undefined, [1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0]], build: (_g, [z, y]) => diceBceLoss(z, y) }));
