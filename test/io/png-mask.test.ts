// PNG mask export: pixel values, size checks and the chunk list, read back with fast-png's
// decoder and a hand-written chunk walker (not the writer's own code).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from 'fast-png';
import { binaryMaskToPng, labelMaskToPng, MaskExportError } from '../../main/io/png-mask.ts';
import { pngChunkTypes, pngHeader } from './png-chunks.ts';

// 5 wide × 3 high, asymmetric so a transposed or flipped write cannot pass.
const width = 5;
const height = 3;
const mask = Uint8Array.from([
  1, 1, 0, 0, 0,
  0, 1, 0, 0, 1,
  0, 0, 0, 1, 1,
]);

test('binary mask defaults to 8-bit grey 0/255 of the source size', () => {
  const png = binaryMaskToPng(mask, { width, height });
  assert.deepEqual(pngHeader(png), { width, height, bitDepth: 8, colorType: 0 });
  const back = decode(png, { checkCrc: true });
  assert.equal(back.channels, 1);
  assert.deepEqual(Array.from(back.data), Array.from(mask, (v) => (v ? 255 : 0)));
  assert.deepEqual(pngChunkTypes(png), ['IHDR', 'IDAT', 'IEND']);
});

test('binary mask with index01 stores 0/1', () => {
  const png = binaryMaskToPng(mask, { width, height }, { values: 'index01' });
  const back = decode(png, { checkCrc: true });
  assert.deepEqual(Array.from(back.data), Array.from(mask));
  assert.deepEqual(pngChunkTypes(png), ['IHDR', 'IDAT', 'IEND']);
});

test('a mask whose size differs from the source is refused, naming the mask', () => {
  assert.throws(() => binaryMaskToPng(mask, { width: 4, height: 3 }, { name: 'img-7 liver' }), (e: unknown) => {
    assert.ok(e instanceof MaskExportError);
    assert.match(e.message, /^img-7 liver: .*15 pixels.*4×3/);
    return true;
  });
  assert.throws(() => binaryMaskToPng(mask, { width: 5, height: 4 }), MaskExportError);
});

test('a non-binary value is refused with its position', () => {
  const bad = mask.slice();
  bad[7] = 255;
  assert.throws(() => binaryMaskToPng(bad, { width, height }), /value 255 at pixel 7 \(x 2, y 1\)/);
});

test('multi-label mask is a palette PNG with indices 0..N and a label map', () => {
  const labels = Uint8Array.from([
    0, 1, 1, 0, 2,
    0, 1, 0, 2, 2,
    3, 3, 0, 0, 2,
  ]);
  const { png, labelMap } = labelMaskToPng(labels, { width, height }, [
    { name: 'liver', color: [255, 0, 0], prompt: 'liver' },
    { name: 'spleen', color: [0, 200, 10] },
    { name: 'kidney', color: [1, 2, 3], prompt: 'left kidney' },
  ]);
  assert.deepEqual(pngChunkTypes(png), ['IHDR', 'PLTE', 'IDAT', 'IEND']);
  assert.deepEqual(pngHeader(png), { width, height, bitDepth: 8, colorType: 3 });
  const back = decode(png, { checkCrc: true });
  assert.deepEqual(Array.from(back.data), Array.from(labels));
  assert.deepEqual(back.palette, [[0, 0, 0], [255, 0, 0], [0, 200, 10], [1, 2, 3]]);
  assert.deepEqual(JSON.parse(JSON.stringify(labelMap)), {
    '0': 'background',
    '1': { name: 'liver', color: [255, 0, 0], prompt: 'liver' },
    '2': { name: 'spleen', color: [0, 200, 10] },
    '3': { name: 'kidney', color: [1, 2, 3], prompt: 'left kidney' },
  });
});

test('multi-label mask: index above the label count, bad colour and wrong size are refused', () => {
  const labels = new Uint8Array(width * height);
  labels[14] = 2;
  const one = [{ name: 'a', color: [9, 9, 9] as [number, number, number] }];
  assert.throws(() => labelMaskToPng(labels, { width, height }, one), /value 2 at pixel 14 \(x 4, y 2\) but only 1 labels/);
  assert.throws(() => labelMaskToPng(new Uint8Array(15), { width, height }, [{ name: 'a', color: [256, 0, 0] }]), /label 1 \('a'\) has colour/);
  assert.throws(() => labelMaskToPng(new Uint8Array(14), { width, height }, one), MaskExportError);
  assert.throws(() => labelMaskToPng(new Uint8Array(15), { width, height }, []), /no labels/);
});
