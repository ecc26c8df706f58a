import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMask } from '../../renderer/src/workspace/mask/mask-ops.ts';
import { expandRect, paintFillRgba, paintOutlineRgba, parseHexColour } from '../../renderer/src/workspace/mask/mask-rgba.ts';

const opaque = (rgba: Uint8ClampedArray) => [...Array(rgba.length / 4).keys()].filter((i) => rgba[i * 4 + 3] === 255);

describe('overlay pixels', () => {
  it('parses #rgb and #rrggbb and names a bad colour', () => {
    assert.deepEqual(parseHexColour('#ff3b30'), [255, 59, 48]);
    assert.deepEqual(parseHexColour('#0af'), [0, 170, 255]);
    assert.throws(() => parseHexColour('red'), /colour "red" is not #rgb or #rrggbb/);
  });

  it('fills foreground opaque in the colour and clears background, inside the box only', () => {
    const m = createMask(4, 3);
    m.pixels.set([1, 1, 0, 0, 0, 1, 0, 1], 0);
    const rgba = new Uint8ClampedArray(4 * 3 * 4).fill(9);
    paintFillRgba(m, rgba, { x: 0, y: 0, w: 4, h: 2 }, [10, 20, 30]);
    assert.deepEqual(opaque(rgba).filter((i) => i < 8), [0, 1, 5, 7]);
    assert.deepEqual([...rgba.subarray(0, 4)], [10, 20, 30, 255]);
    assert.equal(rgba[2 * 4 + 3], 0);
    assert.equal(rgba[8 * 4 + 3], 9, 'row 2 is outside the box');
  });

  it('outlines a 3×3 square as its 8 border pixels; the image edge counts as outside', () => {
    const m = createMask(5, 5);
    for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) m.pixels[y * 5 + x] = 1;
    const rgba = new Uint8ClampedArray(100);
    paintOutlineRgba(m, rgba, { x: 0, y: 0, w: 5, h: 5 }, [255, 0, 0]);
    assert.deepEqual(opaque(rgba), [6, 7, 8, 11, 13, 16, 17, 18]);
    const edge = createMask(2, 2);
    edge.pixels.fill(1);
    const e = new Uint8ClampedArray(16);
    paintOutlineRgba(edge, e, { x: 0, y: 0, w: 2, h: 2 }, [1, 1, 1]);
    assert.deepEqual(opaque(e), [0, 1, 2, 3]);
  });

  it('expands a box and clips it to the mask', () => {
    assert.deepEqual(expandRect({ x: 0, y: 3, w: 2, h: 2 }, 1, { width: 4, height: 5 }), { x: 0, y: 2, w: 3, h: 3 });
  });
});
