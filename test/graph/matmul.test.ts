// MatMul and Linear: gradients vs finite differences, batch broadcasting included.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as G from '../../main/engine/graph/index.ts';
import { gradcheck } from '../helpers/gradcheck.ts';
import { rng } from '../helpers/random.ts';
import { runGraph } from '../helpers/run.ts';

describe('MatMul', () => {
  const cases: [number[], number[]][] = [
    [[3, 4], [4, 2]],
    [[2, 3, 4], [2, 4, 5]],
    [[2, 3, 4], [4, 5]], // shared 2-D weight (folded-batch weight gradient)
    [[3, 4], [2, 4, 5]], // 2-D left operand broadcast over the right's batch
    [[2, 1, 3, 4], [5, 4, 2]], // batch dims broadcast both ways
  ];
  for (const [sa, sb] of cases) {
    test(`${JSON.stringify(sa)} @ ${JSON.stringify(sb)}`, async () => {
      await gradcheck({ shapes: [sa, sb], build: (_g, [a, b]) => G.matmul(a, b) });
    });
  }
  test('random batch-broadcast shapes', async () => {
    const rand = rng(77);
    for (let c = 0; c < 6; c++) {
      const [n, k, m] = [1 + Math.floor(rand() * 3), 1 + Math.floor(rand() * 4), 1 + Math.floor(rand() * 3)];
      const batch = Array.from({ length: Math.floor(rand() * 3) }, () => 1 + Math.floor(rand() * 3));
      const thin = (): number[] => batch.slice(Math.floor(rand() * (batch.length + 1))).map((d) => (rand() < 0.3 ? 1 : d));
      await gradcheck({ seed: c, shapes: [[...thin(), n, k], [...thin(), k, m]], build: (_g, [a, b]) => G.matmul(a, b) });
    }
  });

  test('forward matches a hand-computed product', async () => {
    const g = new G.Graph();
    const y = G.matmul(g.input('a', 'float64', [2, 2]), g.input('b', 'float64', [2, 2]));
    const out = await runGraph({ y }, { a: Float64Array.from([1, 2, 3, 4]), b: Float64Array.from([5, 6, 7, 8]) });
    assert.deepEqual([...out.y], [19, 22, 43, 50]);
  });
});

test('Linear with HF layout [out, in] and bias', async () => {
  await gradcheck({ shapes: [[2, 3, 4], [5, 4], [5]], build: (_g, [x, w, b]) => G.linear(x, w, b) });
});
