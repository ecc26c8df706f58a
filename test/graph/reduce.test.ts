// Reductions: gradients vs finite differences; ReduceMax's tie rule.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as G from '../../main/engine/graph/index.ts';
import { gradcheck } from '../helpers/gradcheck.ts';
import { runGraph } from '../helpers/run.ts';

const cases: [number[] | undefined, boolean][] = [[[1], false], [[0, 2], true], [[-1], true], [undefined, false]];

for (const [name, fn] of [['ReduceSum', G.reduceSum], ['ReduceMean', G.reduceMean], ['ReduceMax', G.reduceMax]] as const) {
  describe(name, () => {
    for (const [axes, keep] of cases) {
      test(`axes ${JSON.stringify(axes ?? 'all')} keepdims ${keep}`, async () => {
        await gradcheck({ shapes: [[2, 3, 4]], build: (_g, [x]) => fn(x, axes, keep) });
      });
    }
  });
}

test('ReduceMax shares the gradient equally among tied maxima', async () => {
  const g = new G.Graph();
  const x = g.input('x', 'float64', [2, 3]);
  const [dx] = G.gradients(G.reduceSum(G.reduceMax(x, [1])), [x]);
  const out = await runGraph({ dx }, { x: Float64Array.from([1, 3, 3, 5, 2, 1]) });
  assert.deepEqual([...out.dx], [0, 0.5, 0.5, 1, 0, 0]);
});

test('an axis out of range fails at build time, naming the tensor', () => {
  const g = new G.Graph();
  const x = g.input('feature', 'float32', [2, 3]);
  assert.throws(() => G.reduceSum(x, [2]), /ReduceSum on feature:\[2,3\] float32: axis 2 out of range for rank 2/);
});
