// Conv and ConvTranspose: forward against a direct-loop reference, gradients against finite
// differences. ORT has float32 kernels only; the check's loss is bilinear in each operand, so the
// central difference has no truncation error and float32 rounding (~1e-7 relative, divided by
// h = 1e-2) bounds the error well inside rtol 1e-3 / atol 1e-4.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as G from '../../main/engine/graph/index.ts';
import { gradcheck } from '../helpers/gradcheck.ts';
import { rng, uniform } from '../helpers/random.ts';
import { convRef, convTRef, type Opts } from '../helpers/reference.ts';
import { runGraph } from '../helpers/run.ts';

const convCases: [string, number[], number[], Opts][] = [
  ['3×3, stride 1, pad 1', [2, 3, 5, 5], [4, 3, 3, 3], { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1] }],
  ['3×3, stride 2, asymmetric pads', [1, 2, 6, 7], [3, 2, 3, 3], { strides: [2, 2], pads: [0, 1, 1, 0], dilations: [1, 1] }],
  ['2×3, stride (2,1), dilation 2', [1, 2, 8, 6], [2, 2, 2, 3], { strides: [2, 1], pads: [1, 0, 1, 2], dilations: [2, 2] }],
  ['patch embedding: k = stride = 4, no bias', [1, 3, 8, 8], [5, 3, 4, 4], { strides: [4, 4], pads: [0, 0, 0, 0], dilations: [1, 1] }],
];

describe('Conv', () => {
  for (const [name, xs, ws, o] of convCases) {
    test(`${name}: forward`, async () => {
      const rand = rng(7);
      const x = uniform(rand, xs.reduce((a, b) => a * b));
      const w = uniform(rand, ws.reduce((a, b) => a * b));
      const g = new G.Graph();
      const y = G.conv2d(g.input('x', 'float32', xs), g.input('w', 'float32', ws), undefined, o);
      const ref = convRef(x, xs, w, ws, o);
      assert.deepEqual(y.shape, ref.shape);
      const out = await runGraph({ y }, { x: Float32Array.from(x), w: Float32Array.from(w) });
      ref.y.forEach((v, i) => assert.ok(Math.abs((out.y[i] as number) - v) < 1e-5, `y[${i}]`));
    });
    const bias = !name.includes('no bias');
    test(`${name}: gradients`, async () => gradcheck({
      dtype: 'float32',
      shapes: bias ? [xs, ws, [ws[0]]] : [xs, ws],
      build: (_g, [x, w, b]) => G.conv2d(x, w, b, o),
    }));
  }
});

const convTCases: [string, number[], number[], Opts, [number, number]][] = [
  ['k4 s4 (CLIPSeg head)', [1, 3, 3, 3], [3, 2, 4, 4], { strides: [4, 4], pads: [0, 0, 0, 0], dilations: [1, 1] }, [0, 0]],
  ['k3 s2 pad 1 output_padding 1', [2, 2, 4, 3], [2, 3, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1] }, [1, 1]],
  ['k2×3 s(1,2) dilation 2 asymmetric pads', [1, 2, 4, 4], [2, 2, 2, 3], { strides: [1, 2], pads: [1, 0, 0, 1], dilations: [2, 2] }, [0, 1]],
];

describe('ConvTranspose', () => {
  for (const [name, xs, ws, o, op] of convTCases) {
    test(`${name}: forward`, async () => {
      const rand = rng(9);
      const x = uniform(rand, xs.reduce((a, b) => a * b));
      const w = uniform(rand, ws.reduce((a, b) => a * b));
      const g = new G.Graph();
      const y = G.convTranspose2d(g.input('x', 'float32', xs), g.input('w', 'float32', ws), undefined, { ...o, outputPadding: op });
      const ref = convTRef(x, xs, w, ws, o, op);
      assert.deepEqual(y.shape, ref.shape);
      const out = await runGraph({ y }, { x: Float32Array.from(x), w: Float32Array.from(w) });
      ref.y.forEach((v, i) => assert.ok(Math.abs((out.y[i] as number) - v) < 1e-5, `y[${i}]`));
    });
    test(`${name}: gradients`, async () => gradcheck({
      dtype: 'float32',
      shapes: [xs, ws, [ws[1]]],
      build: (_g, [x, w, b]) => G.convTranspose2d(x, w, b, { ...o, outputPadding: op }),
    }));
  }
});

test('a Conv whose weight expects other channels fails at build time, naming both', () => {
  const g = new G.Graph();
  assert.throws(() => g.scope('decoder.conv', () => G.conv2d(g.input('grid', 'float32', [1, 64, 22, 22]), g.param('w', [32, 16, 3, 3]))),
    /decoder\.conv\/Conv with inputs \(grid:\[1,64,22,22\] float32, w:\[32,16,3,3\] float32\): input has 64 channels, weight \[32,16,3,3\] expects 16/);
});
