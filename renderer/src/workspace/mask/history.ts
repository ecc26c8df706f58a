// Labelled undo/redo for a binary mask, stored as diffs. A mask is 0/1, so a changed pixel is a
// flip: the list of changed pixels is the whole diff (old value = 1 − new), and undo and redo are
// the same operation (flip them again). Changed pixels are kept as runs [start, length] of flat
// indices, so a brush stroke or a filled region costs a few bytes per row, not a mask per step.
// Entries are evicted oldest first once the undo and redo stacks together pass a byte budget.

import type { Rect } from './mask-ops.ts';

export interface HistoryEntry {
  /** unique per history; also names the mask state this entry leads to */
  readonly id: number;
  /** what the user did, lower case ("brush stroke"): the UI shows "Undo brush stroke" */
  readonly label: string;
  /** [start0, length0, start1, length1, ...] flat indices of the pixels that changed */
  readonly runs: Uint32Array;
  /** bounding box of the changed pixels, for repainting */
  readonly rect: Rect;
}

export interface HistoryOptions {
  /** total bytes of stored runs, undo + redo (default 32 MiB) */
  budgetBytes?: number;
  /** most undo steps kept (default 500) */
  maxEntries?: number;
}

/** Runs of pixels that differ between `before` and `after` inside `rect` (row by row). */
export function diffRuns(before: Uint8Array, after: Uint8Array, width: number, rect: Rect): Uint32Array {
  let out = new Uint32Array(64);
  let n = 0;
  const push = (start: number, length: number): void => {
    if (n + 2 > out.length) {
      const bigger = new Uint32Array(out.length * 2);
      bigger.set(out);
      out = bigger;
    }
    out[n++] = start;
    out[n++] = length;
  };
  for (let y = rect.y; y < rect.y + rect.h; y++) {
    const rowEnd = y * width + rect.x + rect.w;
    let i = y * width + rect.x;
    while (i < rowEnd) {
      if (before[i] === after[i]) {
        i++;
        continue;
      }
      const start = i;
      while (i < rowEnd && before[i] !== after[i]) i++;
      // a run continuing one that ended at the previous row's end (full-width rects) merges
      if (n >= 2 && out[n - 2] + out[n - 1] === start) out[n - 1] += i - start;
      else push(start, i - start);
    }
  }
  return out.slice(0, n);
}

/** Flips the pixels listed in `runs` (applies a diff forwards or backwards). */
export function flipRuns(pixels: Uint8Array, runs: Uint32Array): void {
  for (let k = 0; k < runs.length; k += 2) {
    const end = runs[k] + runs[k + 1];
    for (let i = runs[k]; i < end; i++) pixels[i] ^= 1;
  }
}

export function runsPixelCount(runs: Uint32Array): number {
  let n = 0;
  for (let k = 1; k < runs.length; k += 2) n += runs[k];
  return n;
}

const ENTRY_OVERHEAD_BYTES = 64;

function entryBytes(e: HistoryEntry): number {
  return e.runs.byteLength + e.label.length * 2 + ENTRY_OVERHEAD_BYTES;
}

export class MaskHistory {
  readonly budgetBytes: number;
  readonly maxEntries: number;
  private undoStack: HistoryEntry[] = [];
  private redoStack: HistoryEntry[] = [];
  private nextId = 1;
  private storedBytes = 0;
  /** the state id reached by undoing everything still stored (0 until an entry is evicted) */
  private baseId = 0;

  constructor(options: HistoryOptions = {}) {
    this.budgetBytes = options.budgetBytes ?? 32 * 1024 * 1024;
    this.maxEntries = options.maxEntries ?? 500;
    if (!(this.budgetBytes > 0 && this.maxEntries >= 1)) throw new RangeError(`history budget ${this.budgetBytes} B / ${this.maxEntries} entries: both must be positive`);
  }

  /**
   * Records an edit that has already been applied to the mask. Clears the redo stack. An empty
   * diff records nothing (returns null). The newest entry is always kept, even over budget, so
   * the last edit can always be undone.
   */
  record(label: string, runs: Uint32Array, rect: Rect): HistoryEntry | null {
    if (runs.length === 0) return null;
    for (const e of this.redoStack) this.storedBytes -= entryBytes(e);
    this.redoStack = [];
    const entry: HistoryEntry = { id: this.nextId++, label, runs, rect };
    this.undoStack.push(entry);
    this.storedBytes += entryBytes(entry);
    while (this.undoStack.length > 1 && (this.storedBytes > this.budgetBytes || this.undoStack.length > this.maxEntries)) {
      const old = this.undoStack.shift()!;
      this.storedBytes -= entryBytes(old);
      this.baseId = old.id;
    }
    return entry;
  }

  /** Reverts the newest edit on `pixels`; returns it (null: nothing to undo). */
  undo(pixels: Uint8Array): HistoryEntry | null {
    const e = this.undoStack.pop();
    if (!e) return null;
    flipRuns(pixels, e.runs);
    this.redoStack.push(e);
    return e;
  }

  /** Re-applies the newest undone edit on `pixels`; returns it (null: nothing to redo). */
  redo(pixels: Uint8Array): HistoryEntry | null {
    const e = this.redoStack.pop();
    if (!e) return null;
    flipRuns(pixels, e.runs);
    this.undoStack.push(e);
    return e;
  }

  get undoLabel(): string | null {
    return this.undoStack.at(-1)?.label ?? null;
  }

  get redoLabel(): string | null {
    return this.redoStack.at(-1)?.label ?? null;
  }

  get undoDepth(): number {
    return this.undoStack.length;
  }

  get redoDepth(): number {
    return this.redoStack.length;
  }

  /** bytes held by both stacks */
  get bytes(): number {
    return this.storedBytes;
  }

  /** Names the mask's current state: equal ids mean equal masks (used for "unsaved changes"). */
  get stateId(): number {
    return this.undoStack.at(-1)?.id ?? this.baseId;
  }
}
