import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  canvasLengthToImage,
  canvasPoint,
  canvasToImage,
  fitTransform,
  imagePoint,
  imageToCanvas,
  MAX_ZOOM,
  panBy,
  pixelAt,
  unturned,
  zoomAround,
} from '../../renderer/src/workspace/view/coords.ts';

describe('view coordinates', () => {
  it('maps canvas ↔ image with zoom and offset', () => {
    const t = { zoom: 2, offsetX: 10, offsetY: 20, turn: unturned(100, 100) };
    assert.deepEqual(canvasToImage(t, canvasPoint(30, 40)), imagePoint(10, 10));
    assert.deepEqual(imageToCanvas(t, imagePoint(0, 0)), canvasPoint(10, 20));
    const p = canvasPoint(123.25, 77.5);
    const back = imageToCanvas(t, canvasToImage(t, p));
    assert.ok(Math.abs(back.x - p.x) < 1e-9 && Math.abs(back.y - p.y) < 1e-9);
    assert.equal(canvasLengthToImage(t, 6), 3);
  });

  it('finds the pixel under a point, or none outside the image', () => {
    assert.deepEqual(pixelAt(imagePoint(3.99, 0), 4, 4), { col: 3, row: 0 });
    assert.equal(pixelAt(imagePoint(4, 0), 4, 4), null);
    assert.equal(pixelAt(imagePoint(-0.01, 2), 4, 4), null);
  });

  it('fits the image centred inside the padding', () => {
    // 200×100 into 420×220 with 10 px padding: 400/200 = 2, 200/100 = 2
    assert.deepEqual(fitTransform(200, 100, 420, 220, 10), { zoom: 2, offsetX: 10, offsetY: 10, turn: unturned(200, 100) });
    // the narrow side limits: 100×100 into 420×220 → zoom 2, centred horizontally
    assert.deepEqual(fitTransform(100, 100, 420, 220, 10), { zoom: 2, offsetX: 110, offsetY: 10, turn: unturned(100, 100) });
  });

  it('zooms around an anchor that stays put, within limits', () => {
    const t = { zoom: 1.5, offsetX: -40, offsetY: 13, turn: unturned(64, 64) };
    const anchor = canvasPoint(200, 150);
    const before = canvasToImage(t, anchor);
    const z = zoomAround(t, anchor, 1.25);
    assert.equal(z.zoom, 1.875);
    const after = canvasToImage(z, anchor);
    assert.ok(Math.abs(after.x - before.x) < 1e-9 && Math.abs(after.y - before.y) < 1e-9);
    assert.equal(zoomAround(t, anchor, 1e6).zoom, MAX_ZOOM);
    assert.deepEqual(panBy(t, 5, -3), { zoom: 1.5, offsetX: -35, offsetY: 10, turn: unturned(64, 64) });
  });
});
