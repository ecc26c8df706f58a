import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ActionRegistry,
  formatShortcut,
  shortcutId,
  workspaceActions,
  type KeyInput,
  type ToolId,
  type WorkspaceCommands,
} from '../../renderer/src/workspace/actions.ts';
import { createMask, maskArea, type Mask, type Rect } from '../../renderer/src/workspace/mask/mask-ops.ts';

const key = (k: string, mods: Partial<Omit<KeyInput, 'key'>> = {}): KeyInput => ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

/** Commands that record what ran; `edit` applies the edit to a 5×5 mask with a centre dot. */
function fakeCommands(state: Partial<WorkspaceCommands['state']> = {}) {
  const calls: string[] = [];
  const mask: Mask = createMask(5, 5);
  mask.pixels[12] = 1;
  const edits: { label: string; rect: Rect | null }[] = [];
  const c: WorkspaceCommands = {
    edit: (label, edit) => edits.push({ label, rect: edit(mask) }),
    minIslandArea: () => 2,
    selectTool: (t) => calls.push(`tool ${t}`),
    stepBrushSize: (d) => calls.push(`brush ${d}`),
    usePreview: () => calls.push('use preview'),
    undo: () => calls.push('undo'),
    redo: () => calls.push('redo'),
    polygon: (p) => calls.push(`polygon ${p}`),
    zoom: (d) => calls.push(`zoom ${d}`),
    fit: () => calls.push('fit'),
    toggle: (w) => calls.push(`toggle ${w}`),
    stepOpacity: (d) => calls.push(`opacity ${d}`),
    windowPreset: (id) => calls.push(`preset ${id}`),
    resetWindow: () => calls.push('reset window'),
    stepFrame: (d) => calls.push(`frame ${d}`),
    navigate: (d) => calls.push(`navigate ${d}`),
    accept: () => calls.push('accept'),
    focusPrompt: () => calls.push('focus prompt'),
    toggleShortcuts: () => calls.push('shortcuts'),
    state: { canUndo: true, canRedo: true, hasPreview: true, polygonOpen: false, frames: 1, presets: false, ...state },
  };
  const press = (k: KeyInput, inText = false) => {
    const a = workspaceActions.forKey(k, c, inText);
    a?.run(c);
    return a?.id ?? null;
  };
  return { c, calls, edits, mask, press };
}

describe('the workspace action registry', () => {
  it('has no two actions on the same key combination', () => {
    const seen = new Map<string, string>();
    for (const a of workspaceActions.actions) {
      for (const s of a.shortcuts) {
        const id = shortcutId(s);
        assert.equal(seen.get(id), undefined, `${formatShortcut(s)}: ${seen.get(id)} and ${a.id}`);
        seen.set(id, a.id);
      }
    }
    assert.ok(seen.size >= 30);
  });

  it('has a labelled action with a shortcut for every tool', () => {
    const tools: ToolId[] = ['brush', 'eraser', 'polygon-fill', 'polygon-cut', 'flood-fill', 'hand'];
    for (const t of tools) {
      const a = workspaceActions.get(`tool.${t}`);
      assert.ok(a.label.length > 0 && a.shortcuts.length > 0, t);
    }
    for (const a of workspaceActions.actions) assert.ok(a.label.trim().length > 0, `${a.id} has a label`);
  });

  it('maps the documented keys to their commands', () => {
    const { press, calls } = fakeCommands();
    assert.equal(press(key('b')), 'tool.brush');
    assert.equal(press(key('e')), 'tool.eraser');
    assert.equal(press(key('p')), 'tool.polygon-fill');
    assert.equal(press(key('P', { shiftKey: true })), 'tool.polygon-cut');
    assert.equal(press(key('f')), 'tool.flood-fill');
    assert.equal(press(key('[')), 'brush.smaller');
    assert.equal(press(key(']')), 'brush.larger');
    assert.equal(press(key('z', { ctrlKey: true })), 'edit.undo');
    assert.equal(press(key('Z', { ctrlKey: true, shiftKey: true })), 'edit.redo');
    assert.equal(press(key('y', { ctrlKey: true })), 'edit.redo');
    assert.equal(press(key('z', { metaKey: true })), 'edit.undo', '⌘Z on macOS');
    assert.equal(press(key('Enter', { ctrlKey: true })), 'accept');
    assert.equal(press(key('?', { shiftKey: true })), 'help.shortcuts');
    assert.equal(press(key('+', { shiftKey: true })), 'view.zoom-in', 'Shift is how "+" is typed on US layouts');
    assert.equal(press(key('=')), 'view.zoom-in');
    assert.equal(press(key('0')), 'view.fit');
    assert.deepEqual(calls, [
      'tool brush', 'tool eraser', 'tool polygon-fill', 'tool polygon-cut', 'tool flood-fill',
      'brush -1', 'brush 1', 'undo', 'redo', 'redo', 'undo', 'accept', 'shortcuts', 'zoom in', 'zoom in', 'fit',
    ]);
  });

  it('tells Shift apart on letters and leaves unbound combinations alone', () => {
    const { press } = fakeCommands();
    assert.equal(press(key('B', { shiftKey: true })), null);
    assert.equal(press(key('b', { ctrlKey: true })), null);
    assert.equal(press(key('b', { altKey: true })), null);
    assert.equal(press(key('z')), null);
  });

  it('leaves disabled actions keys unhandled', () => {
    const { press, calls } = fakeCommands({ canUndo: false, polygonOpen: false, frames: 1, presets: false });
    assert.equal(press(key('z', { ctrlKey: true })), null);
    assert.equal(press(key('Enter')), null, 'Enter is free when no polygon is open');
    assert.equal(press(key('Escape')), null);
    assert.equal(press(key('PageDown')), null, 'single frame: no slices');
    assert.equal(press(key('1')), null, 'presets need a CT window');
    assert.deepEqual(calls, []);
    const open = fakeCommands({ polygonOpen: true, frames: 10, presets: true });
    assert.equal(open.press(key('Enter')), 'polygon.finish');
    assert.equal(open.press(key('Backspace')), 'polygon.remove-vertex');
    assert.equal(open.press(key('PageDown')), 'frame.next');
    assert.equal(open.press(key('2')), 'window.lung');
    assert.deepEqual(open.calls, ['polygon finish', 'polygon remove-vertex', 'frame 1', 'preset lung']);
  });

  it('only lets Accept through while typing in a text field', () => {
    const { press } = fakeCommands();
    assert.equal(press(key('b'), true), null);
    assert.equal(press(key('z', { ctrlKey: true }), true), null, 'Ctrl+Z undoes the text, not the mask');
    assert.equal(press(key('Enter', { ctrlKey: true }), true), 'accept');
  });

  it('mask actions edit through one labelled undo step', () => {
    const { press, edits, mask } = fakeCommands();
    press(key('g'));
    assert.deepEqual(edits, [{ label: 'grow', rect: { x: 1, y: 1, w: 3, h: 3 } }]);
    assert.equal(maskArea(mask), 5);
    press(key('G', { shiftKey: true }));
    assert.equal(edits[1].label, 'shrink');
    assert.equal(maskArea(mask), 1);
    press(key('i')); // minIslandArea 2: the lone pixel goes
    assert.equal(edits[2].label, 'remove small islands');
    assert.equal(maskArea(mask), 0);
    for (const a of workspaceActions.actions.filter((x) => x.group === 'Mask')) assert.ok(a.undoLabel, `${a.id} has an undo label`);
  });

  it('formats shortcuts for display', () => {
    assert.equal(formatShortcut({ key: 'z', ctrl: true, shift: true }), 'Ctrl+Shift+Z');
    assert.equal(formatShortcut({ key: 'PageUp' }), 'Page Up');
    assert.equal(formatShortcut({ key: '?', shift: true }), '?');
    assert.equal(workspaceActions.title('tool.brush'), 'Brush (B)');
    assert.equal(workspaceActions.title('edit.redo'), 'Redo (Ctrl+Shift+Z / Ctrl+Y)');
  });
});

describe('ActionRegistry', () => {
  const noop = () => {};
  it('rejects two actions on one key combination, and duplicate ids', () => {
    assert.throws(
      () => new ActionRegistry([
        { id: 'a', label: 'A', group: 'Edit', shortcuts: [{ key: 'z', ctrl: true }], run: noop },
        { id: 'b', label: 'B', group: 'Edit', shortcuts: [{ key: 'Z', ctrl: true }], run: noop },
      ]),
      /Ctrl\+Z is bound to both "a" and "b"/,
    );
    assert.throws(
      () => new ActionRegistry([
        { id: 'a', label: 'A', group: 'Edit', shortcuts: [{ key: '?' }], run: noop },
        { id: 'b', label: 'B', group: 'Edit', shortcuts: [{ key: '?', shift: true }], run: noop },
      ]),
      /bound to both/,
      'Shift does not distinguish punctuation',
    );
    assert.throws(() => new ActionRegistry([{ id: 'a', label: 'A', group: 'Edit', shortcuts: [], run: noop }, { id: 'a', label: 'A', group: 'Edit', shortcuts: [], run: noop }]), /used twice/);
  });
});
