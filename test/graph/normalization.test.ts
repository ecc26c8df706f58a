// LayerNormalization and Softmax: gradients vs finite differences, forward vs hand formulas.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as G from '../../main/engine/graph/index.ts';
import { gradcheck } from '../helpers/gradcheck.ts';
import { runGraph } from '../helpers/run.ts';

test('LayerNorm over the last axis: input, scale and bias gradients', async () =>
  gradcheck({ shapes: [[2, 3, 5], [5], [5]], build: (_g, [x, s, b]) => G.layerNorm(x, s, b, 1e-5) }));

test('LayerNorm over the two trailing axes', async () =>
  gradcheck({ shapes: [[2, 3, 4], [3, 4], [3, 4]], build: (_g, [x, s, b]) => G.layerNorm(x, s, b, 1e-5, 1) }));

test('LayerNorm forward: (x − mean)/sqrt(var + eps)·scale + bias, biased variance', async () => {
  const g = new G.Graph();
  const x = g.input('x', 'float64', [1, 4]);
  const y = G.layerNorm(x, g.constant(Float64Array.from([1, 1, 1, 2]), [4], 'float64'), g.constant(Float64Array.from([0, 0, 0, 1]), [4], 'float64'), 1e-5);
  const out = await runGraph({ y }, { x: Float64Array.from([1, 2, 3, 4]) });
  const inv = 1 / Math.sqrt(1.25 + 1e-5);
  [-1.5 * inv, -0.5 * inv, 0.5 * inv, 2 * 1.5 * inv + 1].forEach((v, i) => assert.ok(Math.abs(out.y[i] as number - v) < 1e-12));
});

test('Softmax along an inner axis', async () =>
  gradcheck({ shapes: [[2, 4, 3]], build: (_g, [x]) => G.softmax(x, 1) }));

test('Softmax with an additive causal mask: masked entries get zero probability and gradient', async () => {
  const n = 4;
  const causal = Float64Array.from({ length: n * n }, (_, k) => (k % n > Math.floor(k / n) ? -1e9 : 0));
  await gradcheck({
    shapes: [[2, n, n]],
    build: (g, [x]) => G.softmax(x, -1, g.constant(causal, [n, n], 'float64', 'causal')),
  });
  const g = new G.Graph();
  const x = g.input('x', 'float64', [n, n]);
  const y = G.softmax(x, -1, g.constant(causal, [n, n], 'float64', 'causal'));
  const [dx] = G.gradients(G.reduceSum(G.mul(y, G.exp(x))), [x]);
  const out = await runGraph({ y, dx }, { x: Float64Array.from({ length: n * n }, (_, k) => Math.sin(k)) });
  for (let k = 0; k < n * n; k++) {
    if (causal[k] !== 0) {
      assert.equal(out.y[k], 0);
      assert.equal(out.dx[k], 0);
    }
  }
  assert.ok(Math.abs((out.y[0] as number) - 1) < 1e-15, 'first row attends only to itself');
});
