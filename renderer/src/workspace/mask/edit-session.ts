// One editable mask with its history: edits go through here so each becomes one labelled undo
// step, and listeners learn which pixels changed. Two channels, because they differ in rate:
// `onPixels` fires on every change, mid-stroke included (the viewer repaints that box on the next
// frame); `onState` fires once per committed step, undo, redo or save (React re-renders labels).

import { diffRuns, MaskHistory, type HistoryOptions } from './history.ts';
import { maskArea, unionRect, type Mask, type Rect } from './mask-ops.ts';

export type MaskEdit = (mask: Mask) => Rect | null;

type Listener<T> = (value: T) => void;

export class EditSession {
  readonly mask: Mask;
  readonly history: MaskHistory;
  /** the history state that matches what is stored (or what the session started from) */
  private savedState: number;
  private stroke: { label: string; before: Uint8Array; rect: Rect | null } | null = null;
  private pixelListeners = new Set<Listener<Rect>>();
  private stateListeners = new Set<Listener<void>>();
  private version = 0;
  private cachedArea: number | null = null;

  /**
   * Starts clean: the starting mask (a stored corrected or model mask, or an empty one) loses
   * nothing if left, so only edits count as unsaved changes.
   */
  constructor(mask: Mask, options: HistoryOptions = {}) {
    this.mask = mask;
    this.history = new MaskHistory(options);
    this.savedState = this.history.stateId;
  }

  /** Applies one edit as one undo step labelled `label`; false when it changed nothing. */
  apply(label: string, edit: MaskEdit): boolean {
    if (this.stroke) this.commitStroke();
    this.begin(label);
    this.extend(edit);
    return this.commitStroke();
  }

  /** Starts a multi-part edit (a brush stroke): `extend` adds parts, `commitStroke` records one step. */
  begin(label: string): void {
    if (this.stroke) this.commitStroke();
    // one copy per stroke, dropped once the diff is taken: the history keeps only the runs
    this.stroke = { label, before: this.mask.pixels.slice(), rect: null };
  }

  extend(edit: MaskEdit): void {
    if (!this.stroke) throw new Error('EditSession.extend: no edit begun (call begin first)');
    const rect = edit(this.mask);
    if (!rect) return;
    this.stroke.rect = unionRect(this.stroke.rect, rect);
    this.cachedArea = null;
    this.emitPixels(rect);
  }

  get inStroke(): boolean {
    return this.stroke !== null;
  }

  commitStroke(): boolean {
    const s = this.stroke;
    if (!s) return false;
    this.stroke = null;
    if (!s.rect) return false;
    const runs = diffRuns(s.before, this.mask.pixels, this.mask.width, s.rect);
    const entry = this.history.record(s.label, runs, s.rect);
    this.emitState();
    return entry !== null;
  }

  /** Reverts a stroke in progress (e.g. Escape mid-drag). */
  cancelStroke(): void {
    const s = this.stroke;
    if (!s) return;
    this.stroke = null;
    if (!s.rect) return;
    const { width, pixels } = this.mask;
    for (let y = s.rect.y; y < s.rect.y + s.rect.h; y++) {
      const from = y * width + s.rect.x;
      pixels.set(s.before.subarray(from, from + s.rect.w), from);
    }
    this.cachedArea = null;
    this.emitPixels(s.rect);
  }

  /** Undoes the newest step; returns its label (null: nothing to undo). */
  undo(): string | null {
    if (this.stroke) this.commitStroke();
    const e = this.history.undo(this.mask.pixels);
    if (!e) return null;
    this.cachedArea = null;
    this.emitPixels(e.rect);
    this.emitState();
    return e.label;
  }

  redo(): string | null {
    if (this.stroke) this.commitStroke();
    const e = this.history.redo(this.mask.pixels);
    if (!e) return null;
    this.cachedArea = null;
    this.emitPixels(e.rect);
    this.emitState();
    return e.label;
  }

  /**
   * The store now holds the mask as it was in history state `state` (default: now). A save is
   * asynchronous: edits made while it ran stay unsaved, because the state saved is not the current one.
   */
  markSaved(state = this.history.stateId): void {
    this.savedState = state;
    this.emitState();
  }

  /** True when the mask differs from the last saved (or starting) state. */
  get dirty(): boolean {
    return this.stroke !== null || this.savedState !== this.history.stateId;
  }

  /** Foreground pixel count (cached between changes). */
  get area(): number {
    this.cachedArea ??= maskArea(this.mask);
    return this.cachedArea;
  }

  /** Changes on every committed step, undo, redo or save: a snapshot key for React. */
  get stateVersion(): number {
    return this.version;
  }

  onPixels(listener: Listener<Rect>): () => void {
    this.pixelListeners.add(listener);
    return () => this.pixelListeners.delete(listener);
  }

  onState(listener: Listener<void>): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private emitPixels(rect: Rect): void {
    for (const l of this.pixelListeners) l(rect);
  }

  private emitState(): void {
    this.version++;
    for (const l of this.stateListeners) l();
  }
}
