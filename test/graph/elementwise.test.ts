// Element-wise ops: gradients vs central finite differences in float64, broadcasting included.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as G from '../../main/engine/graph/index.ts';
import { gradcheck } from '../helpers/gradcheck.ts';
import { rng } from '../helpers/random.ts';
import { runGraph } from '../helpers/run.ts';

const positive = (n: number): number[] => Array.from({ length: n }, (_, i) => 0.4 + (i * 0.37) % 1.7);

describe('binary ops with broadcasting', () => {
  const shapes: [string, number[], number[]][] = [
    ['same shape', [2, 3], [2, 3]],
    ['row vector', [2, 3], [3]],
    ['column and row', [2, 1, 4], [3, 1]],
    ['scalar-like', [1], [2, 2]],
    ['rank 0', [], [3]],
  ];
  const ops: [string, (a: G.Tensor, b: G.Tensor) => G.Tensor, boolean][] = [
    ['Add', G.add, false], ['Sub', G.sub, false], ['Mul', G.mul, false], ['Div', G.div, true], ['Pow', G.pow, true],
  ];
  for (const [op, fn, needsPositive] of ops) {
    for (const [name, sa, sb] of shapes) {
      test(`${op} ${name} ${JSON.stringify(sa)} ∘ ${JSON.stringify(sb)}`, async () => {
        const size = (s: number[]): number => s.reduce((x, y) => x * y, 1);
        await gradcheck({
          shapes: [sa, sb],
          values: needsPositive ? [positive(size(sa)), positive(size(sb))] : undefined,
          build: (_g, [a, b]) => fn(a, b),
        });
      });
    }
  }
});

describe('binary ops on random broadcast-compatible shapes', () => {
  // Seeded: each case reproduces. Each dim of the result is dropped or set to 1 in either operand.
  const rand = rng(2024);
  for (let c = 0; c < 12; c++) {
    const rank = 1 + Math.floor(rand() * 4);
    const out = Array.from({ length: rank }, () => 1 + Math.floor(rand() * 3));
    const operand = (): number[] => {
      const lead = Math.floor(rand() * rank);
      return out.slice(lead).map((d) => (rand() < 0.3 ? 1 : d));
    };
    const [sa, sb] = [operand(), operand()];
    const [name, fn] = ([['Add', G.add], ['Sub', G.sub], ['Mul', G.mul], ['Div', G.div]] as const)[c % 4];
    test(`${name} ${JSON.stringify(sa)} ∘ ${JSON.stringify(sb)}`, async () => {
      const size = (s: number[]): number => s.reduce((x, y) => x * y, 1);
      await gradcheck({ shapes: [sa, sb], seed: c, values: name === 'Div' ? [undefined, positive(size(sb))] : undefined, build: (_g, [a, b]) => fn(a, b) });
    });
  }
});

describe('unary ops', () => {
  const cases: [string, (x: G.Tensor) => G.Tensor, boolean][] = [
    ['Neg', G.neg, false], ['Exp', G.exp, false], ['Log', G.log, true], ['Sqrt', G.sqrt, true],
    ['Sigmoid', G.sigmoid, false], ['Tanh', G.tanh, false], ['Relu', G.relu, false], ['Identity', G.identity, false],
    ['Clip', (x) => G.clip(x, -0.4, 0.3), false], ['Clip (lower only)', (x) => G.clip(x, -0.2), false],
  ];
  for (const [name, fn, pos] of cases) {
    test(name, async () => {
      await gradcheck({ shapes: [[3, 5]], values: pos ? [positive(15)] : undefined, build: (_g, [x]) => fn(x) });
    });
  }
  test('Relu has zero gradient at 0 and Clip passes it at the bounds (PyTorch conventions)', async () => {
    const g = new G.Graph();
    const x = g.input('x', 'float64', [4]);
    const [dr] = G.gradients(G.reduceSum(G.relu(x)), [x]);
    const [dc] = G.gradients(G.reduceSum(G.clip(x, -1, 1)), [x]);
    const out = await runGraph({ dr, dc }, { x: Float64Array.from([0, -1, 1, 2]) });
    assert.deepEqual([...out.dr], [0, 0, 1, 1]);
    assert.deepEqual([...out.dc], [1, 1, 1, 0]);
  });
});

describe('select and cast', () => {
  test('Where with a broadcast condition: gradient only to the chosen branch', async () => {
    await gradcheck({
      shapes: [[2, 3], [2, 3], [3]],
      frozen: [0],
      build: (_g, [c, a, b]) => G.where(G.greater(c, 0), a, b),
    });
  });
  test('Cast float64 → float32 → float64 passes the gradient through', async () => {
    // The float32 round trip perturbs values by ~6e-8 relative: with h = 1e-3 the finite
    // difference carries ~1e-4 noise, hence the looser tolerance.
    await gradcheck({ shapes: [[5]], eps: 1e-3, rtol: 1e-3, atol: 2e-4, build: (_g, [x]) => G.mul(G.cast(G.cast(x, 'float32'), 'float64'), x) });
  });
  test('comparisons and logic compute numpy semantics and have no gradient', async () => {
    const g = new G.Graph();
    const a = g.input('a', 'float64', [4]);
    const b = g.input('b', 'float64', [4]);
    const both = G.and(G.greaterOrEqual(a, b), G.not(G.equal(a, b)));
    const out = await runGraph({ gt: G.greater(a, b), le: G.lessOrEqual(a, b), lt: G.less(a, b), both },
      { a: Float64Array.from([1, 2, 3, 4]), b: Float64Array.from([2, 2, 2, 5]) });
    assert.deepEqual([...out.gt], [0, 0, 1, 0]);
    assert.deepEqual([...out.le], [1, 1, 0, 1]);
    assert.deepEqual([...out.lt], [1, 0, 0, 1]);
    assert.deepEqual([...out.both], [0, 0, 1, 0]);
    assert.equal(G.Greater.grad, undefined);
  });
});
