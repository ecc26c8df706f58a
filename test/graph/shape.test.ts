// Data-movement ops: gradients vs finite differences and forward semantics.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as G from '../../main/engine/graph/index.ts';
import { gradcheck } from '../helpers/gradcheck.ts';
import { runGraph } from '../helpers/run.ts';

const ids = (g: G.Graph, values: number[], shape: number[]): G.Tensor => g.constant(BigInt64Array.from(values, BigInt), shape, 'int64', 'ids');

describe('Reshape and Transpose', () => {
  test('Reshape with an inferred dim', async () => gradcheck({ shapes: [[2, 3, 4]], build: (_g, [x]) => G.mul(G.reshape(x, [4, -1]), 2) }));
  test('Transpose', async () => gradcheck({ shapes: [[2, 3, 4]], build: (_g, [x]) => G.transpose(x, [2, 0, 1]) }));
  test('a reshape that loses elements fails at build time', () => {
    const g = new G.Graph();
    assert.throws(() => G.reshape(g.input('tokens', 'float32', [1, 485, 768]), [1, 22, 22, 768]), /Reshape with inputs \(tokens:\[1,485,768\] float32.*cannot reshape 372480 elements to \[1,22,22,768\]/);
  });
});

describe('Slice', () => {
  const cases: [string, (x: G.Tensor) => G.Tensor][] = [
    ['unit steps', (x) => G.slice(x, [1, 0], [3, 4], [0, 1])],
    ['negative bounds', (x) => G.slice(x, [-3], [-1], [1])],
    ['step 2 and 3', (x) => G.slice(x, [0, 1], [5, 7], [0, 1], [2, 3])],
    ['end past the dim (clamped)', (x) => G.slice(x, [2], [100], [0])],
  ];
  for (const [name, fn] of cases) test(name, async () => gradcheck({ shapes: [[5, 7]], build: (_g, [x]) => fn(x) }));
  test('forward follows Python slicing', async () => {
    const g = new G.Graph();
    const x = g.input('x', 'float64', [7]);
    const out = await runGraph({ y: G.slice(x, [1], [-1], [0], [2]) }, { x: Float64Array.from([0, 1, 2, 3, 4, 5, 6]) });
    assert.deepEqual([...out.y], [1, 3, 5]);
  });
});

describe('Gather', () => {
  test('rows with repeats (embedding lookup): repeated rows sum their gradients', async () =>
    gradcheck({ shapes: [[6, 3]], build: (g, [x]) => G.gather(x, ids(g, [1, 4, 1, 0, 1], [5])) }));
  test('negative indices count from the end', async () =>
    gradcheck({ shapes: [[5, 3]], build: (g, [x]) => G.gather(x, ids(g, [-1, 0, -1], [3])) }));
  test('2-D indices along axis 1', async () =>
    gradcheck({ shapes: [[2, 5, 3]], build: (g, [x]) => G.gather(x, ids(g, [4, 0, 4, 2], [2, 2]), 1) }));
  test('scalar index along the last axis (end-of-text pooling shape)', async () =>
    gradcheck({ shapes: [[2, 4, 3]], build: (g, [x]) => G.gather(x, ids(g, [2], []), 2) }));
  test('ScatterND with add (the scatter behind Gather\'s gradient): data and updates', async () =>
    gradcheck({ shapes: [[4, 3], [3, 3]], build: (g, [data, upd]) => G.scatterAdd(data, ids(g, [2, 0, 2], [3, 1]), upd) }));
  test('GatherND picks per-batch positions', async () =>
    gradcheck({ shapes: [[2, 4, 3]], build: (g, [x]) => G.gatherND(x, ids(g, [0, 3, 1, 1], [2, 2])) }));
});

describe('Concat, Split, Expand, Pad', () => {
  test('Concat of three along axis 1', async () =>
    gradcheck({ shapes: [[2, 1, 3], [2, 2, 3], [2, 3, 3]], build: (_g, xs) => G.concat(xs, 1) }));
  test('Split with one unused output', async () =>
    gradcheck({ shapes: [[2, 6]], build: (_g, [x]) => { const [a, , c] = G.split(x, [1, 2, 3], 1); return G.concat([a, c], 1); } }));
  test('Expand', async () => gradcheck({ shapes: [[3, 1]], build: (_g, [x]) => G.expand(x, [2, 3, 4]) }));
  test('Pad', async () => gradcheck({ shapes: [[2, 3]], build: (_g, [x]) => G.pad(x, [[1, 0], [2, 1]]) }));
  test('Concat of mismatched shapes fails at build time', () => {
    const g = new G.Graph();
    assert.throws(() => G.concat([g.input('cls', 'float32', [1, 1, 8]), g.input('patches', 'float32', [1, 4, 6])], 1),
      /Concat with inputs \(cls:\[1,1,8\] float32, patches:\[1,4,6\] float32\): shapes differ off axis 1/);
  });
});
