import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EditSession } from '../../renderer/src/workspace/mask/edit-session.ts';
import { diffRuns, flipRuns, MaskHistory, runsPixelCount } from '../../renderer/src/workspace/mask/history.ts';
import { createMask, fillPolygon, floodFill, grow, paintCapsule, paintDisc, type Mask } from '../../renderer/src/workspace/mask/mask-ops.ts';

const full = (m: Mask) => ({ x: 0, y: 0, w: m.width, h: m.height });

describe('diffRuns / flipRuns', () => {
  it('lists changed pixels as [start, length] runs of flat indices', () => {
    const before = new Uint8Array([0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0]);
    const after = new Uint8Array([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
    // width 4: row 0 changes 1..2, row 1 changes 4, row 2 changes 11
    const runs = diffRuns(before, after, 4, { x: 0, y: 0, w: 4, h: 3 });
    assert.deepEqual([...runs], [1, 2, 4, 1, 11, 1]);
    assert.equal(runsPixelCount(runs), 4);
    const restored = after.slice();
    flipRuns(restored, runs);
    assert.deepEqual(restored, before);
  });

  it('merges a run that wraps from one row end to the next row start', () => {
    const before = new Uint8Array(8);
    const after = new Uint8Array([0, 0, 0, 1, 1, 1, 0, 0]);
    assert.deepEqual([...diffRuns(before, after, 4, { x: 0, y: 0, w: 4, h: 2 })], [3, 3]);
  });

  it('only scans the given rectangle', () => {
    const before = new Uint8Array(16);
    const after = new Uint8Array(16).fill(1);
    assert.deepEqual([...diffRuns(before, after, 4, { x: 1, y: 1, w: 2, h: 2 })], [5, 2, 9, 2]);
  });
});

describe('MaskHistory', () => {
  it('undo and redo return the exact earlier states, newest first, with their labels', () => {
    const m = createMask(30, 20);
    const h = new MaskHistory();
    const states = [m.pixels.slice()];
    const edits: [string, (m: Mask) => unknown][] = [
      ['brush stroke', (x) => paintCapsule(x, 2, 2, 20, 12, 2, 1)],
      ['polygon fill', (x) => fillPolygon(x, [{ x: 10, y: 1 }, { x: 28, y: 3 }, { x: 18, y: 19 }], 1)],
      ['eraser stroke', (x) => paintDisc(x, 15, 8, 4, 0)],
      ['grow', (x) => grow(x)],
    ];
    for (const [label, edit] of edits) {
      const before = m.pixels.slice();
      edit(m);
      h.record(label, diffRuns(before, m.pixels, m.width, full(m)), full(m));
      states.push(m.pixels.slice());
    }
    assert.equal(h.undoLabel, 'grow');
    for (let k = edits.length - 1; k >= 0; k--) {
      assert.equal(h.undo(m.pixels)?.label, edits[k][0]);
      assert.deepEqual(m.pixels, states[k], `after undoing ${edits[k][0]}`);
    }
    assert.equal(h.undo(m.pixels), null);
    assert.equal(h.redoLabel, 'brush stroke');
    for (let k = 0; k < edits.length; k++) {
      assert.equal(h.redo(m.pixels)?.label, edits[k][0]);
      assert.deepEqual(m.pixels, states[k + 1]);
    }
    assert.equal(h.redo(m.pixels), null);
  });

  it('a new edit clears the redo stack; an empty diff records nothing', () => {
    const m = createMask(10, 10);
    const h = new MaskHistory();
    const b = m.pixels.slice();
    paintDisc(m, 5, 5, 2, 1);
    h.record('brush stroke', diffRuns(b, m.pixels, 10, full(m)), full(m));
    h.undo(m.pixels);
    assert.equal(h.redoDepth, 1);
    const b2 = m.pixels.slice();
    paintDisc(m, 1, 1, 1, 1);
    h.record('brush stroke', diffRuns(b2, m.pixels, 10, full(m)), full(m));
    assert.equal(h.redoDepth, 0);
    assert.equal(h.record('grow', new Uint32Array(0), full(m)), null);
    assert.equal(h.undoDepth, 1);
  });

  it('evicts the oldest steps beyond the byte budget but always keeps the newest', () => {
    const m = createMask(100, 100);
    // each 10-row disc costs 10 runs × 8 bytes + overhead; budget fits two such entries, not three
    const entry = (cy: number) => {
      const b = m.pixels.slice();
      paintDisc(m, 50, cy, 4.9, 1); // rows cy-4..cy+4: 9 runs
      return diffRuns(b, m.pixels, 100, full(m));
    };
    const probe = new MaskHistory();
    probe.record('a', entry(10), full(m));
    const one = probe.bytes;
    // labels here are longer than the probe's 'a' by 10 bytes; the budget leaves room for two, not three
    const h = new MaskHistory({ budgetBytes: one * 2 + 40 });
    for (const [k, cy] of [20, 40, 60].entries()) h.record(`disc ${k}`, entry(cy), full(m));
    assert.equal(h.undoDepth, 2);
    assert.ok(h.bytes <= h.budgetBytes);
    assert.equal(h.undo(m.pixels)?.label, 'disc 2');
    assert.equal(h.undo(m.pixels)?.label, 'disc 1');
    assert.equal(h.undo(m.pixels), null, 'disc 0 was evicted');

    const tiny = new MaskHistory({ budgetBytes: 1 });
    tiny.record('big', entry(80), full(m));
    assert.equal(tiny.undoDepth, 1, 'the newest step stays even over budget');
  });

  it('keeps at most maxEntries steps', () => {
    const m = createMask(10, 10);
    const h = new MaskHistory({ maxEntries: 3 });
    for (let k = 0; k < 5; k++) {
      const b = m.pixels.slice();
      m.pixels[k] = 1;
      h.record(`dot ${k}`, diffRuns(b, m.pixels, 10, full(m)), full(m));
    }
    assert.equal(h.undoDepth, 3);
    const labels = [h.undo(m.pixels)?.label, h.undo(m.pixels)?.label, h.undo(m.pixels)?.label, h.undo(m.pixels)];
    assert.deepEqual(labels, ['dot 4', 'dot 3', 'dot 2', null]);
    assert.deepEqual([...m.pixels.subarray(0, 5)], [1, 1, 0, 0, 0]);
  });

  it('stores a brush stroke in far less memory than a mask copy', () => {
    const m = createMask(1000, 1000);
    const h = new MaskHistory();
    const b = m.pixels.slice();
    paintCapsule(m, 100, 500, 900, 500, 10, 1);
    h.record('brush stroke', diffRuns(b, m.pixels, 1000, full(m)), full(m));
    // 21 rows, one run each: 168 bytes of runs against a 1 MB mask
    assert.ok(h.bytes < 400, `${h.bytes} bytes`);
  });
});

describe('EditSession', () => {
  it('records one labelled step per stroke and tracks unsaved changes through undo/redo/save', () => {
    const s = new EditSession(createMask(20, 20));
    const states: number[] = [];
    s.onState(() => states.push(s.stateVersion));
    assert.equal(s.dirty, false);
    s.begin('brush stroke');
    s.extend((m) => paintDisc(m, 5, 5, 2, 1));
    assert.equal(s.dirty, true, 'mid-stroke counts as unsaved');
    s.extend((m) => paintCapsule(m, 5, 5, 12, 5, 2, 1));
    assert.equal(s.commitStroke(), true);
    assert.equal(s.history.undoDepth, 1);
    assert.equal(s.history.undoLabel, 'brush stroke');
    assert.equal(s.area, 13 + 7 * 5);
    assert.equal(s.undo(), 'brush stroke');
    assert.equal(s.area, 0);
    assert.equal(s.dirty, false, 'back at the starting state');
    s.redo();
    assert.equal(s.dirty, true);
    s.markSaved();
    assert.equal(s.dirty, false);
    s.undo();
    assert.equal(s.dirty, true, 'undoing past a save is a change');
    assert.equal(states.length, 5, 'commit, undo, redo, save, undo');
  });

  it('apply returns false and records nothing when the edit changes nothing', () => {
    const s = new EditSession(createMask(8, 8));
    assert.equal(s.apply('flood fill', (m) => floodFill(m, 0, 0, 0)), false);
    assert.equal(s.history.undoDepth, 0);
    assert.equal(s.dirty, false);
  });

  it('cancelStroke restores the exact pixels from before the stroke', () => {
    const m = createMask(16, 16);
    paintDisc(m, 8, 8, 3, 1);
    const before = m.pixels.slice();
    const s = new EditSession(m);
    const boxes: unknown[] = [];
    s.onPixels((r) => boxes.push(r));
    s.begin('eraser stroke');
    s.extend((x) => paintCapsule(x, 2, 8, 14, 8, 2, 0));
    s.cancelStroke();
    assert.deepEqual(m.pixels, before);
    assert.equal(s.history.undoDepth, 0);
    assert.equal(boxes.length, 2, 'the stroke and its revert both repaint');
  });

  it('a save that finished after further edits leaves those edits unsaved', () => {
    const s = new EditSession(createMask(8, 8));
    s.apply('brush stroke', (m) => paintDisc(m, 2, 2, 1, 1));
    const savedState = s.history.stateId;
    s.apply('brush stroke', (m) => paintDisc(m, 5, 5, 1, 1));
    s.markSaved(savedState);
    assert.equal(s.dirty, true);
    s.undo();
    assert.equal(s.dirty, false);
  });
});
