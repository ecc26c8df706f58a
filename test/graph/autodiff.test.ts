// Autodiff structure: which gradients exist, accumulation, pruning, and build-time errors.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as G from '../../main/engine/graph/index.ts';
import { gradcheck } from '../helpers/gradcheck.ts';
import { runGraph } from '../helpers/run.ts';

const opTypes = (outputs: Record<string, G.Tensor>): string[] => {
  const model = G.decodeModel(G.compile(outputs).bytes) as { graph: { node: { opType: string }[] } };
  return model.graph.node.map((n) => n.opType);
};

describe('reverse-mode autodiff', () => {
  test('a tensor used several times accumulates every contribution', async () => {
    // y = x·x + exp(x)·x + x  →  dy/dx = 2x + exp(x)(1 + x) + 1
    const g = new G.Graph();
    const x = g.input('x', 'float64', [3]);
    const y = G.add(G.add(G.mul(x, x), G.mul(G.exp(x), x)), x);
    const [dx] = G.gradients(G.reduceSum(y), [x]);
    const xs = [-0.5, 0.25, 1.5];
    const out = await runGraph({ dx }, { x: Float64Array.from(xs) });
    xs.forEach((v, i) => assert.ok(Math.abs((out.dx[i] as number) - (2 * v + Math.exp(v) * (1 + v) + 1)) < 1e-12));
  });

  test('frozen params get no gradient, and asking for one is an error naming it', () => {
    const g = new G.Graph();
    const w = g.param('vision.layers.0.mlp.fc1.weight', [4, 3]);
    const x = g.input('x', 'float32', [2, 3]);
    assert.throws(() => G.gradients(G.reduceSum(G.linear(x, w)), [w]), /gradient requested for frozen param 'vision\.layers\.0\.mlp\.fc1\.weight'/);
  });

  test('only paths to the requested tensors are differentiated: no weight gradient for frozen layers', () => {
    const g = new G.Graph();
    const x = g.input('x', 'float32', [2, 5, 8]);
    const frozen = g.param('frozen', [8, 8]);
    const adapter = g.param('adapter', [8, 8], { trainable: true });
    const side = g.param('unrelated', [8], { trainable: true });
    const h = G.linear(G.linear(x, frozen), adapter);
    const loss = G.add(G.reduceSum(G.linear(h, frozen)), G.reduceSum(G.mul(g.input('other', 'float32', [8]), side)));
    const [dAdapter] = G.gradients(loss, [adapter]);
    // Needed: x·frozenᵀ (the adapter's input), d(h) through the last frozen layer, and
    // d(adapter). Not emitted: weight gradients of `frozen`, the gradient into x, and the forward
    // products whose values the gradient does not use.
    const types = opTypes({ dAdapter });
    assert.equal(types.filter((t) => t === 'MatMul').length, 3, types.join(' '));
    const compiled = G.compile({ dAdapter });
    assert.deepEqual(compiled.inputs.map((i) => i.name).sort(), ['frozen', 'x'], 'the unrelated branch is not in the graph (and dAdapter does not read adapter)');
  });

  test('an output that does not depend on a param gives zeros', async () => {
    const g = new G.Graph();
    const x = g.input('x', 'float64', [2]);
    const p = g.param('p', [3], { trainable: true, dtype: 'float64' });
    const [dp] = G.gradients(G.reduceSum(G.mul(x, x)), [p]);
    const out = await runGraph({ dp, keep: G.add(p, 0) }, { x: Float64Array.from([1, 2]), p: Float64Array.from([1, 2, 3]) });
    assert.deepEqual([...out.dp], [0, 0, 0]);
  });

  test('integer and boolean inputs (indices, masks) never get gradients', () => {
    const g = new G.Graph();
    const ids = g.input('ids', 'int64', [3]);
    assert.throws(() => G.gradients(G.reduceSum(G.cast(ids, 'float32')), [ids]), /non-float tensor ids/);
  });

  test('backward with a seed gives vector–Jacobian products (activation gradients)', async () => {
    await gradcheck({
      shapes: [[2, 3], [3, 3]],
      frozen: [1],
      build: (_g, [x, w]) => G.sigmoid(G.matmul(G.tanh(x), w)),
    });
    const g = new G.Graph();
    const x = g.input('x', 'float64', [2, 2]);
    const y = G.mul(x, 3);
    const seed = g.input('dy', 'float64', [2, 2]);
    const [dx] = G.backward([y], [seed], [x]);
    const out = await runGraph({ dx }, { x: new Float64Array(4), dy: Float64Array.from([1, 2, 3, 4]) });
    assert.deepEqual([...out.dx], [3, 6, 9, 12]);
  });

  test('an op without a gradient rule on the path fails at build time, naming the node', () => {
    const g = new G.Graph();
    const p = g.param('p', [3], { trainable: true });
    const noRule: G.OpDef = { type: 'Round', infer: ([t]) => [{ dtype: t.dtype, shape: t.shape }] };
    const y = g.scope('head', () => g.apply(noRule, [p])[0]);
    assert.throws(() => G.gradients(G.reduceSum(y), [p]), /head\/Round: no gradient rule for Round/);
  });
});

describe('build-time checks', () => {
  test('shape mismatch names the op, the scope and both inputs', () => {
    const g = new G.Graph();
    const x = g.input('tokens', 'float32', [1, 485, 768]);
    const w = g.param('q_proj.weight', [512, 512]);
    assert.throws(() => g.scope('vision.layers.3.attn', () => G.linear(x, w)),
      /vision\.layers\.3\.attn\/MatMul with inputs \(tokens:\[1,485,768\] float32, .*\): inner dimensions differ: \[1,485,768\] @ \[512,512\] \(768 vs 512\)/);
  });
  test('broadcast failure names both shapes', () => {
    const g = new G.Graph();
    assert.throws(() => G.add(g.input('a', 'float32', [2, 3]), g.input('b', 'float32', [4])), /Add with inputs \(a:\[2,3\] float32, b:\[4\] float32\): shapes \[2,3\] and \[4\] do not broadcast/);
  });
  test('dtype mismatch is refused', () => {
    const g = new G.Graph();
    assert.throws(() => G.mul(g.input('a', 'float32', [2]), g.input('b', 'float64', [2])), /Mul with inputs .*dtypes differ \(float32 vs float64\)/);
  });
  test('duplicate and malformed feed names are refused', () => {
    const g = new G.Graph();
    g.input('x', 'float32', [1]);
    assert.throws(() => g.input('x', 'float32', [1]), /input 'x' is already defined/);
    assert.throws(() => g.param('bad name', [1]), /param 'bad name': names must match/);
    assert.throws(() => g.input('neg', 'float32', [2, -1]), /bad dimension -1/);
  });
  test('tensors from two graphs cannot be mixed', () => {
    const a = new G.Graph().input('x', 'float32', [1]);
    const b = new G.Graph().input('y', 'float32', [1]);
    assert.throws(() => G.add(a, b), /belongs to another graph/);
  });
});
