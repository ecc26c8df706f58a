// ONNX emission: what the model declares, float16 encoding, and pruning.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as G from '../../main/engine/graph/index.ts';
import { runGraph } from '../helpers/run.ts';

describe('ModelProto', () => {
  test('declares opset 18, fed inputs with shapes, initializers for constants, named outputs', () => {
    const g = new G.Graph();
    const x = g.input('pixel_values', 'float32', [1, 3, 4, 4]);
    const w = g.param('patch.weight', [2, 3, 2, 2]);
    g.param('unused.weight', [7]);
    const y = G.mul(G.conv2d(x, w, undefined, { strides: [2, 2] }), 2);
    const compiled = G.compile({ logits: y });
    const m = G.decodeModel(compiled.bytes) as any;
    assert.equal(m.irVersion, 8);
    assert.deepEqual(m.opsetImport, [{ domain: '', version: 18 }]);
    assert.deepEqual(m.graph.input.map((i: any) => i.name), ['pixel_values', 'patch.weight']);
    assert.deepEqual(m.graph.input[0].type.tensorType.shape.dim.map((d: any) => d.dimValue), [1, 3, 4, 4]);
    assert.deepEqual(m.graph.output.map((o: any) => o.name), ['logits']);
    assert.equal(m.graph.initializer.length, 1);
    const conv = m.graph.node.find((n: any) => n.opType === 'Conv');
    assert.deepEqual(conv.attribute.find((a: any) => a.name === 'strides').ints, [2, 2]);
    assert.deepEqual(compiled.inputs.map((i) => [i.name, i.kind]), [['pixel_values', 'input'], ['patch.weight', 'param']]);
    assert.deepEqual(compiled.outputs, [{ name: 'logits', dtype: 'float32', shape: [1, 2, 2, 2] }]);
  });

  test('an output may be a fed tensor or appear under two names', async () => {
    const g = new G.Graph();
    const x = g.input('x', 'float32', [2]);
    const out = await runGraph({ same: x, twice: G.add(x, 1), again: G.add(x, 1) }, { x: Float32Array.from([1, 2]) });
    assert.deepEqual([...out.same], [1, 2]);
    assert.deepEqual([...out.again], [2, 3]);
  });
});

describe('float16', () => {
  test('binary16 encoding rounds to nearest even, with subnormals, overflow and signs', () => {
    const cases: [number, number][] = [
      [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [65504, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00],
      [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -25, 0x0002], [2 ** -14, 0x0400], [-0, 0x8000],
      [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [Infinity, 0x7c00],
    ];
    for (const [v, bits] of cases) assert.equal(G.toHalfBits(v), bits, `${v} → 0x${bits.toString(16)}`);
    assert.ok(Number.isNaN(G.fromHalfBits(G.toHalfBits(NaN))));
    for (let h = 0; h < 0x7c00; h += 97) assert.equal(G.toHalfBits(G.fromHalfBits(h)), h, 'every finite half round-trips');
  });

  test('a float16 graph with float16 constants runs in ONNX Runtime', async () => {
    const g = new G.Graph();
    const x = g.input('x', 'float32', [4]);
    const half = G.cast(x, 'float16');
    const scaled = G.mul(half, g.constant(Float32Array.from([0.5, 2, 1, 0.25]), [4], 'float16', 'scale'));
    const y = G.cast(G.add(scaled, g.scalar(1, 'float16')), 'float32');
    const out = await runGraph({ y }, { x: Float32Array.from([2, 3, 0.1, 8]) });
    // ORT's CPU provider may run float16 Add/Mul in float32 between casts: allow half precision.
    [2, 7, 1.1, 3].forEach((v, i) => assert.ok(Math.abs((out.y[i] as number) - v) <= 2 ** -10 * Math.abs(v), `y[${i}] = ${out.y[i]}`));
  });
});
