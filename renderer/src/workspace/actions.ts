// The workspace's commands as one registry: each action carries its label, its shortcuts, its
// undo label (for actions that edit the mask) and what it runs, in one object (Excalidraw's
// pattern). Tool buttons, key handling and the shortcuts overlay all read this table, so a label
// or key changed here changes everywhere, and a test can check the keys never collide. DOM-free:
// key events come in as the few fields the matcher needs.

import { fillAll, fillHoles, grow, removeIslands, shrink, type Mask, type Rect } from './mask/mask-ops.ts';

export interface Shortcut {
  /** KeyboardEvent.key; letters are matched case-insensitively */
  key: string;
  /** Ctrl on Windows/Linux, Ctrl or ⌘ on macOS */
  ctrl?: boolean;
  shift?: boolean;
  alt?: boolean;
}

export interface KeyInput {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

export type ActionGroup = 'Tools' | 'Mask' | 'Edit' | 'View' | 'Window' | 'Navigate';

export interface Action<C> {
  id: string;
  /** what the button and the shortcuts overlay say */
  label: string;
  group: ActionGroup;
  shortcuts: readonly Shortcut[];
  /** set for actions that edit the mask: the history label ("fill holes" → "Undo fill holes") */
  undoLabel?: string;
  /** also runs while focus is in a text field (everything else leaves keys to the field) */
  inTextFields?: boolean;
  /** disabled actions leave their key alone (so Enter or Escape still reach other handlers) */
  enabled?(ctx: C): boolean;
  run(ctx: C): void;
}

/**
 * Shift only distinguishes letters and named keys ("Shift+P", "Shift+Delete"): for punctuation and
 * digits the layout decides whether Shift is needed to type the character ("?" or "+" on US), so
 * such shortcuts match the character whatever Shift is.
 */
function shiftMatters(key: string): boolean {
  return key.length > 1 || /^[a-z]$/i.test(key);
}

/** One canonical string per distinct key combination ("ctrl+shift+z"): equal strings collide. */
export function shortcutId(s: Shortcut): string {
  const key = s.key.length === 1 ? s.key.toLowerCase() : s.key;
  return `${s.ctrl ? 'ctrl+' : ''}${s.alt ? 'alt+' : ''}${s.shift && shiftMatters(s.key) ? 'shift+' : ''}${key}`;
}

const KEY_NAMES: Record<string, string> = {
  ' ': 'Space',
  ArrowLeft: '←',
  ArrowRight: '→',
  ArrowUp: '↑',
  ArrowDown: '↓',
  Escape: 'Esc',
  PageUp: 'Page Up',
  PageDown: 'Page Down',
};

/** "Ctrl+Shift+Z", as the UI shows it. */
export function formatShortcut(s: Shortcut): string {
  const key = KEY_NAMES[s.key] ?? (s.key.length === 1 ? s.key.toUpperCase() : s.key);
  return `${s.ctrl ? 'Ctrl+' : ''}${s.alt ? 'Alt+' : ''}${s.shift && shiftMatters(s.key) ? 'Shift+' : ''}${key}`;
}

export function matchesShortcut(s: Shortcut, e: KeyInput): boolean {
  const sameKey = s.key.length === 1 ? e.key.toLowerCase() === s.key.toLowerCase() : e.key === s.key;
  if (!sameKey) return false;
  if (!!s.ctrl !== (e.ctrlKey || e.metaKey)) return false;
  if (!!s.alt !== e.altKey) return false;
  return !shiftMatters(s.key) || !!s.shift === e.shiftKey;
}

export class ActionRegistry<C> {
  readonly actions: readonly Action<C>[];
  private byIdMap = new Map<string, Action<C>>();

  constructor(actions: readonly Action<C>[]) {
    this.actions = actions;
    const keys = new Map<string, string>();
    for (const a of actions) {
      if (this.byIdMap.has(a.id)) throw new Error(`action registry: the id "${a.id}" is used twice`);
      this.byIdMap.set(a.id, a);
      for (const s of a.shortcuts) {
        const k = shortcutId(s);
        const other = keys.get(k);
        if (other) throw new Error(`action registry: ${formatShortcut(s)} is bound to both "${other}" and "${a.id}"`);
        keys.set(k, a.id);
      }
    }
  }

  get(id: string): Action<C> {
    const a = this.byIdMap.get(id);
    if (!a) throw new Error(`action registry: no action "${id}"`);
    return a;
  }

  /** The enabled action bound to this key, if any. */
  forKey(e: KeyInput, ctx: C, inTextField = false): Action<C> | null {
    for (const a of this.actions) {
      if (inTextField && !a.inTextFields) continue;
      if (!a.shortcuts.some((s) => matchesShortcut(s, e))) continue;
      return !a.enabled || a.enabled(ctx) ? a : null;
    }
    return null;
  }

  /** "Brush (B)": a button's tooltip. */
  title(id: string): string {
    const a = this.get(id);
    return a.shortcuts.length ? `${a.label} (${a.shortcuts.map(formatShortcut).join(' / ')})` : a.label;
  }
}

// ---- the workspace's actions ------------------------------------------------------------------

export type ToolId = 'brush' | 'eraser' | 'polygon-fill' | 'polygon-cut' | 'flood-fill' | 'hand';
export type WindowPresetId = 'soft-tissue' | 'lung' | 'bone' | 'brain';

/** What actions can do to the workspace; the React component implements it. */
export interface WorkspaceCommands {
  /** one labelled undo step on the current mask */
  edit(undoLabel: string, edit: (mask: Mask) => Rect | null): void;
  minIslandArea(): number;
  selectTool(tool: ToolId): void;
  stepBrushSize(direction: -1 | 1): void;
  usePreview(): void;
  undo(): void;
  redo(): void;
  polygon(command: 'finish' | 'cancel' | 'remove-vertex'): void;
  zoom(direction: 'in' | 'out'): void;
  fit(): void;
  toggle(what: 'model' | 'side-by-side' | 'overlay'): void;
  stepOpacity(direction: -1 | 1): void;
  windowPreset(id: WindowPresetId): void;
  resetWindow(): void;
  stepFrame(delta: -1 | 1): void;
  navigate(delta: -1 | 1): void;
  accept(): void;
  focusPrompt(): void;
  toggleShortcuts(): void;
  readonly state: {
    canUndo: boolean;
    canRedo: boolean;
    hasPreview: boolean;
    polygonOpen: boolean;
    frames: number;
    presets: boolean;
  };
}

type WorkspaceAction = Action<WorkspaceCommands>;

const tool = (id: ToolId, label: string, ...shortcuts: Shortcut[]): WorkspaceAction => ({
  id: `tool.${id}`,
  label,
  group: 'Tools',
  shortcuts,
  run: (c) => c.selectTool(id),
});

const maskEdit = (id: string, label: string, undoLabel: string, shortcut: Shortcut, edit: (m: Mask, c: WorkspaceCommands) => Rect | null): WorkspaceAction => ({
  id: `mask.${id}`,
  label,
  group: 'Mask',
  shortcuts: [shortcut],
  undoLabel,
  run: (c) => c.edit(undoLabel, (m) => edit(m, c)),
});

const preset = (id: WindowPresetId, label: string, key: string): WorkspaceAction => ({
  id: `window.${id}`,
  label: `${label} window`,
  group: 'Window',
  shortcuts: [{ key }],
  enabled: (c) => c.state.presets,
  run: (c) => c.windowPreset(id),
});

export const workspaceActions = new ActionRegistry<WorkspaceCommands>([
  tool('brush', 'Brush', { key: 'b' }),
  tool('eraser', 'Eraser', { key: 'e' }),
  tool('polygon-fill', 'Polygon fill', { key: 'p' }),
  tool('polygon-cut', 'Polygon cut', { key: 'p', shift: true }),
  tool('flood-fill', 'Flood fill', { key: 'f' }),
  tool('hand', 'Pan', { key: 'h' }),
  { id: 'brush.smaller', label: 'Smaller brush', group: 'Tools', shortcuts: [{ key: '[' }], run: (c) => c.stepBrushSize(-1) },
  { id: 'brush.larger', label: 'Larger brush', group: 'Tools', shortcuts: [{ key: ']' }], run: (c) => c.stepBrushSize(1) },

  maskEdit('fill-holes', 'Fill holes', 'fill holes', { key: 'f', shift: true }, (m) => fillHoles(m)),
  maskEdit('remove-islands', 'Remove small islands', 'remove small islands', { key: 'i' }, (m, c) => removeIslands(m, c.minIslandArea())),
  maskEdit('grow', 'Grow', 'grow', { key: 'g' }, (m) => grow(m)),
  maskEdit('shrink', 'Shrink', 'shrink', { key: 'g', shift: true }, (m) => shrink(m)),
  maskEdit('clear', 'Clear mask', 'clear mask', { key: 'Delete', shift: true }, (m) => fillAll(m, 0)),
  {
    id: 'mask.use-preview',
    label: 'Use this mask',
    group: 'Mask',
    shortcuts: [{ key: 'u' }],
    undoLabel: 'use model mask',
    enabled: (c) => c.state.hasPreview,
    run: (c) => c.usePreview(),
  },

  { id: 'edit.undo', label: 'Undo', group: 'Edit', shortcuts: [{ key: 'z', ctrl: true }], enabled: (c) => c.state.canUndo, run: (c) => c.undo() },
  {
    id: 'edit.redo',
    label: 'Redo',
    group: 'Edit',
    shortcuts: [{ key: 'z', ctrl: true, shift: true }, { key: 'y', ctrl: true }],
    enabled: (c) => c.state.canRedo,
    run: (c) => c.redo(),
  },
  { id: 'polygon.finish', label: 'Finish polygon', group: 'Edit', shortcuts: [{ key: 'Enter' }], enabled: (c) => c.state.polygonOpen, run: (c) => c.polygon('finish') },
  { id: 'polygon.cancel', label: 'Cancel polygon', group: 'Edit', shortcuts: [{ key: 'Escape' }], enabled: (c) => c.state.polygonOpen, run: (c) => c.polygon('cancel') },
  {
    id: 'polygon.remove-vertex',
    label: 'Remove last polygon point',
    group: 'Edit',
    shortcuts: [{ key: 'Backspace' }],
    enabled: (c) => c.state.polygonOpen,
    run: (c) => c.polygon('remove-vertex'),
  },
  { id: 'accept', label: 'Accept', group: 'Edit', shortcuts: [{ key: 'Enter', ctrl: true }], inTextFields: true, run: (c) => c.accept() },

  { id: 'view.zoom-in', label: 'Zoom in', group: 'View', shortcuts: [{ key: '+' }, { key: '=' }], run: (c) => c.zoom('in') },
  { id: 'view.zoom-out', label: 'Zoom out', group: 'View', shortcuts: [{ key: '-' }], run: (c) => c.zoom('out') },
  { id: 'view.fit', label: 'Fit', group: 'View', shortcuts: [{ key: '0' }], run: (c) => c.fit() },
  { id: 'view.model', label: 'Show model mask', group: 'View', shortcuts: [{ key: 'm' }], run: (c) => c.toggle('model') },
  { id: 'view.side-by-side', label: 'Side by side', group: 'View', shortcuts: [{ key: 's' }], run: (c) => c.toggle('side-by-side') },
  { id: 'view.overlay', label: 'Show mask overlay', group: 'View', shortcuts: [{ key: 'o' }], run: (c) => c.toggle('overlay') },
  { id: 'view.opacity-down', label: 'Less overlay opacity', group: 'View', shortcuts: [{ key: ',' }], run: (c) => c.stepOpacity(-1) },
  { id: 'view.opacity-up', label: 'More overlay opacity', group: 'View', shortcuts: [{ key: '.' }], run: (c) => c.stepOpacity(1) },

  preset('soft-tissue', 'Soft tissue', '1'),
  preset('lung', 'Lung', '2'),
  preset('bone', 'Bone', '3'),
  preset('brain', 'Brain', '4'),
  { id: 'window.reset', label: 'Reset window', group: 'Window', shortcuts: [{ key: 'w' }], run: (c) => c.resetWindow() },

  { id: 'frame.previous', label: 'Previous slice', group: 'Navigate', shortcuts: [{ key: 'PageUp' }], enabled: (c) => c.state.frames > 1, run: (c) => c.stepFrame(-1) },
  { id: 'frame.next', label: 'Next slice', group: 'Navigate', shortcuts: [{ key: 'PageDown' }], enabled: (c) => c.state.frames > 1, run: (c) => c.stepFrame(1) },
  { id: 'image.previous', label: 'Previous image', group: 'Navigate', shortcuts: [{ key: 'ArrowLeft', alt: true }], run: (c) => c.navigate(-1) },
  { id: 'image.next', label: 'Next image', group: 'Navigate', shortcuts: [{ key: 'ArrowRight', alt: true }], run: (c) => c.navigate(1) },
  { id: 'prompt.focus', label: 'Focus prompt', group: 'Navigate', shortcuts: [{ key: '/' }], run: (c) => c.focusPrompt() },
  { id: 'help.shortcuts', label: 'Keyboard shortcuts', group: 'Navigate', shortcuts: [{ key: '?' }], run: (c) => c.toggleShortcuts() },
]);

/** Pointer gestures, listed in the shortcuts overlay next to the keys. */
export const POINTER_GESTURES: readonly { gesture: string; effect: string }[] = [
  { gesture: 'Wheel', effect: 'Zoom at the pointer' },
  { gesture: 'Shift+Wheel', effect: 'Previous / next slice (volumes)' },
  { gesture: 'Space+drag, middle-drag, Pan tool', effect: 'Pan' },
  { gesture: 'Right-drag', effect: 'Window (left/right) and level (up/down)' },
  { gesture: 'Brush/Eraser: drag', effect: 'Paint / erase one stroke (one undo step)' },
  { gesture: 'Polygon: click points, double-click or click the first point', effect: 'Close and fill (or cut)' },
  { gesture: 'Polygon: drag', effect: 'Lasso: fill (or cut) the traced outline on release' },
  { gesture: 'Flood fill: click / Shift+click', effect: 'Fill the clicked background region / erase the clicked object' },
];
