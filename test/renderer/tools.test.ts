import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EditSession } from '../../renderer/src/workspace/mask/edit-session.ts';
import { createMask, maskArea } from '../../renderer/src/workspace/mask/mask-ops.ts';
import { createTools, type ToolEnv, type ToolPointer } from '../../renderer/src/workspace/tools/tools.ts';
import { imagePoint } from '../../renderer/src/workspace/view/coords.ts';

const at = (x: number, y: number, extra: Partial<ToolPointer> = {}): ToolPointer => ({ p: imagePoint(x, y), shift: false, detail: 1, ...extra });

function env(w = 40, h = 30, brushSize = 5): ToolEnv {
  return { session: new EditSession(createMask(w, h)), brushSize, hitRadius: 1 };
}

describe('brush and eraser', () => {
  it('one drag is one "brush stroke" step covering the capsule between the samples', () => {
    const e = env();
    const brush = createTools().brush;
    brush.down(at(10.5, 10.5), e);
    assert.equal(brush.state, 'painting');
    brush.move(at(20.5, 10.5), e);
    brush.up(at(30.5, 10.5), e);
    assert.equal(brush.state, 'idle');
    // size 5 (r 2.5) around pixel centres (10,10)…(30,10): 21 columns × 5 rows + caps of 5 + 3 each side
    assert.equal(maskArea(e.session.mask), 105 + 16);
    assert.equal(e.session.history.undoDepth, 1);
    assert.equal(e.session.history.undoLabel, 'brush stroke');
    e.session.undo();
    assert.equal(maskArea(e.session.mask), 0);
  });

  it('the eraser clears, and Escape mid-stroke reverts the stroke', () => {
    const e = env(20, 20, 3);
    e.session.mask.pixels.fill(1);
    const tools = createTools();
    tools.eraser.down(at(5.5, 5.5), e);
    tools.eraser.up(at(5.5, 5.5), e);
    assert.equal(maskArea(e.session.mask), 400 - 9);
    assert.equal(e.session.history.undoLabel, 'eraser stroke');
    tools.eraser.down(at(12.5, 12.5), e);
    tools.eraser.move(at(15.5, 12.5), e);
    tools.eraser.cancel(e);
    assert.equal(maskArea(e.session.mask), 400 - 9);
    assert.equal(e.session.history.undoDepth, 1);
  });

  it('shows the brush footprint under the pointer', () => {
    const fb = createTools().brush.feedback(imagePoint(7.2, 3.9), { brushSize: 1, hitRadius: 1 });
    assert.deepEqual(fb, { kind: 'brush', center: imagePoint(7.5, 3.5), radius: 0.5, erase: false });
  });
});

describe('polygon tools', () => {
  it('clicked points closed on the first point fill the polygon as one step', () => {
    const e = env();
    const poly = createTools()['polygon-fill'];
    for (const [x, y] of [[2, 2], [6, 2], [6, 6], [2, 6]]) {
      poly.down(at(x, y), e);
      poly.up(at(x, y), e);
    }
    assert.equal(poly.state, 'placing');
    assert.equal(maskArea(e.session.mask), 0, 'nothing until closed');
    poly.down(at(2.3, 2.2), e); // within hitRadius of the first point
    assert.equal(poly.state, 'idle');
    assert.equal(maskArea(e.session.mask), 16);
    assert.equal(e.session.history.undoLabel, 'polygon fill');
  });

  it('a double-click or Enter closes; Escape and too few points leave the mask alone', () => {
    const e = env();
    const poly = createTools()['polygon-fill'];
    poly.down(at(0, 0), e); poly.up(at(0, 0), e);
    poly.down(at(10, 0), e); poly.up(at(10, 0), e);
    poly.down(at(0, 10), e); poly.up(at(0, 10), e);
    poly.down(at(0, 10, { detail: 2 }), e);
    assert.equal(maskArea(e.session.mask), 45);

    const e2 = env();
    poly.down(at(0, 0), e2); poly.up(at(0, 0), e2);
    poly.down(at(4, 0), e2); poly.up(at(4, 0), e2);
    poly.down(at(4, 4), e2); poly.up(at(4, 4), e2);
    poly.command('remove-vertex', e2);
    poly.command('finish', e2);
    assert.equal(maskArea(e2.session.mask), 0, 'two points are no polygon');
    assert.equal(poly.state, 'idle');
    poly.down(at(0, 0), e2); poly.up(at(0, 0), e2);
    poly.command('cancel', e2);
    assert.equal(poly.open, false);
  });

  it('dragging from idle traces a lasso that fills on release; the cut tool removes', () => {
    const e = env();
    const tools = createTools();
    const lasso = tools['polygon-fill'];
    lasso.down(at(2, 2), e);
    for (const [x, y] of [[4, 2], [6, 2], [6, 4], [6, 6], [4, 6], [2, 6], [2, 4]]) lasso.move(at(x, y), e);
    assert.equal(lasso.state, 'lasso');
    lasso.up(at(2, 4), e);
    assert.equal(maskArea(e.session.mask), 16);

    const cut = tools['polygon-cut'];
    for (const [x, y] of [[2, 2], [4, 2], [4, 6]]) {
      cut.down(at(x, y), e);
      cut.up(at(x, y), e);
    }
    cut.command('finish', e);
    // triangle (2,2)-(4,2)-(4,6): row y keeps centres x + 0.5 in [2 + (y + 0.5 − 2)/2, 4):
    // row 2 → x 2,3; row 3 → x 3; row 4 → x 3; row 5 → none: 4 pixels cut
    assert.equal(e.session.history.undoLabel, 'polygon cut');
    assert.equal(maskArea(e.session.mask), 16 - 4);
    for (const [x, y] of [[2, 2], [3, 2], [3, 3], [3, 4]]) assert.equal(e.session.mask.pixels[y * 40 + x], 0, `${x},${y} cut`);
    assert.equal(e.session.mask.pixels[5 * 40 + 3], 1);
  });
});

describe('flood fill tool', () => {
  it('fills the clicked background region and Shift+click erases the clicked object', () => {
    const e = env(12, 12);
    const m = e.session.mask;
    for (let k = 2; k <= 8; k++) for (const [x, y] of [[k, 2], [k, 8], [2, k], [8, k]]) m.pixels[y * 12 + x] = 1;
    const flood = createTools()['flood-fill'];
    flood.down(at(5.5, 5.5), e);
    assert.equal(maskArea(m), 49);
    assert.equal(e.session.history.undoLabel, 'flood fill');
    flood.down(at(2.5, 2.5, { shift: true }), e);
    assert.equal(maskArea(m), 0);
    assert.equal(e.session.history.undoLabel, 'flood erase');
    flood.down(at(-1, 5), e);
    assert.equal(e.session.history.undoDepth, 2, 'a click outside the image does nothing');
  });
});
