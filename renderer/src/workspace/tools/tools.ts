// Editing tools as small state machines (tldraw's pattern): each gets pointer events in image
// coordinates and turns them into edits on the session, one undo step per completed gesture. They
// hold no DOM: the viewer feeds them events and draws what `feedback` describes.

import type { ToolId } from '../actions.ts';
import type { EditSession } from '../mask/edit-session.ts';
import { brushFootprint, fillPolygon, floodFill, paintCapsule, type MaskValue } from '../mask/mask-ops.ts';
import { imagePoint, pixelAt, type ImagePoint } from '../view/coords.ts';

export interface ToolPointer {
  p: ImagePoint;
  shift: boolean;
  /** click count of a press (2 on a double-click's second press) */
  detail: number;
}

export interface ToolEnv {
  session: EditSession;
  /** brush diameter in image pixels */
  brushSize: number;
  /** image-pixel distance that counts as "on" a point (a few CSS pixels at the current zoom) */
  hitRadius: number;
}

export type ToolFeedback =
  | { kind: 'brush'; center: ImagePoint; radius: number; erase: boolean }
  | { kind: 'polygon'; points: readonly ImagePoint[]; hover: ImagePoint | null; closable: boolean; cut: boolean }
  | null;

export type PolygonCommand = 'finish' | 'cancel' | 'remove-vertex';

export interface Tool {
  readonly id: ToolId;
  /** the state machine's state, for tests and the status line */
  readonly state: string;
  down(e: ToolPointer, env: ToolEnv): void;
  move(e: ToolPointer, env: ToolEnv): void;
  up(e: ToolPointer, env: ToolEnv): void;
  /** Escape: abandon the gesture in progress */
  cancel(env: ToolEnv): void;
  /** the tool is being left (or the mask swapped): finish what can be finished */
  deactivate(env: ToolEnv): void;
  feedback(hover: ImagePoint | null, env: Pick<ToolEnv, 'brushSize' | 'hitRadius'>): ToolFeedback;
}

/** Brush (value 1) and eraser (value 0): idle → painting on press, one stroke per drag. */
class StrokeTool implements Tool {
  state: 'idle' | 'painting' = 'idle';
  private last: { cx: number; cy: number } | null = null;

  constructor(
    readonly id: 'brush' | 'eraser',
    private readonly value: MaskValue,
    private readonly undoLabel: string,
  ) {}

  down(e: ToolPointer, env: ToolEnv): void {
    if (this.state === 'painting') return;
    const f = brushFootprint(e.p.x, e.p.y, env.brushSize);
    env.session.begin(this.undoLabel);
    env.session.extend((m) => paintCapsule(m, f.cx, f.cy, f.cx, f.cy, f.r, this.value));
    this.last = f;
    this.state = 'painting';
  }

  move(e: ToolPointer, env: ToolEnv): void {
    if (this.state !== 'painting' || !this.last) return;
    const f = brushFootprint(e.p.x, e.p.y, env.brushSize);
    const from = this.last;
    if (from.cx === f.cx && from.cy === f.cy) return;
    env.session.extend((m) => paintCapsule(m, from.cx, from.cy, f.cx, f.cy, f.r, this.value));
    this.last = f;
  }

  up(e: ToolPointer, env: ToolEnv): void {
    if (this.state !== 'painting') return;
    this.move(e, env);
    env.session.commitStroke();
    this.reset();
  }

  cancel(env: ToolEnv): void {
    if (this.state === 'painting') env.session.cancelStroke();
    this.reset();
  }

  deactivate(env: ToolEnv): void {
    if (this.state === 'painting') env.session.commitStroke();
    this.reset();
  }

  feedback(hover: ImagePoint | null, env: Pick<ToolEnv, 'brushSize' | 'hitRadius'>): ToolFeedback {
    if (!hover) return null;
    const f = brushFootprint(hover.x, hover.y, env.brushSize);
    return { kind: 'brush', center: imagePoint(f.cx + 0.5, f.cy + 0.5), radius: f.r, erase: this.value === 0 };
  }

  private reset(): void {
    this.state = 'idle';
    this.last = null;
  }
}

/**
 * Polygon fill/cut: clicks place points (closed by a double-click, a click on the first point or
 * Enter); pressing and dragging from idle draws a lasso that closes on release. States: idle →
 * placing (clicked points) or lasso (dragging) → idle after one fill or cut.
 */
class PolygonTool implements Tool {
  state: 'idle' | 'placing' | 'lasso' = 'idle';
  private points: ImagePoint[] = [];
  private pressed = false;

  constructor(
    readonly id: 'polygon-fill' | 'polygon-cut',
    private readonly value: MaskValue,
    private readonly undoLabel: string,
  ) {}

  get open(): boolean {
    return this.state !== 'idle';
  }

  get vertices(): readonly ImagePoint[] {
    return this.points;
  }

  down(e: ToolPointer, env: ToolEnv): void {
    this.pressed = true;
    if (this.state === 'idle') {
      this.points = [e.p];
      this.state = 'placing';
      return;
    }
    const first = this.points[0];
    if (e.detail >= 2 || (this.points.length >= 3 && Math.hypot(e.p.x - first.x, e.p.y - first.y) <= env.hitRadius)) {
      this.pressed = false;
      this.finish(env);
      return;
    }
    this.points.push(e.p);
  }

  move(e: ToolPointer, env: ToolEnv): void {
    if (!this.pressed || this.state === 'idle') return;
    const last = this.points[this.points.length - 1];
    // a freehand trace: keep points a few screen pixels apart
    if (Math.hypot(e.p.x - last.x, e.p.y - last.y) < env.hitRadius / 2) return;
    if (this.state === 'placing' && this.points.length === 1) this.state = 'lasso';
    this.points.push(e.p);
  }

  up(_e: ToolPointer, env: ToolEnv): void {
    this.pressed = false;
    if (this.state === 'lasso') this.finish(env);
  }

  command(c: PolygonCommand, env: ToolEnv): void {
    if (c === 'finish') this.finish(env);
    else if (c === 'cancel') this.cancel();
    else {
      this.points.pop();
      if (this.points.length === 0) this.cancel();
    }
  }

  cancel(): void {
    this.state = 'idle';
    this.points = [];
    this.pressed = false;
  }

  deactivate(): void {
    this.cancel();
  }

  feedback(hover: ImagePoint | null, env: Pick<ToolEnv, 'brushSize' | 'hitRadius'>): ToolFeedback {
    if (this.state === 'idle') return null;
    const first = this.points[0];
    const closable = !!hover && this.points.length >= 3 && Math.hypot(hover.x - first.x, hover.y - first.y) <= env.hitRadius;
    return { kind: 'polygon', points: this.points, hover: this.state === 'placing' ? hover : null, closable, cut: this.value === 0 };
  }

  /** Fills or cuts the polygon as one undo step; fewer than 3 points just ends it. */
  private finish(env: ToolEnv): void {
    const points = this.points;
    this.cancel();
    if (points.length >= 3) env.session.apply(this.undoLabel, (m) => fillPolygon(m, points, this.value));
  }
}

/** Flood fill: a click fills the background region under it (4-connected); Shift+click erases the object under it (8-connected). */
class FloodTool implements Tool {
  readonly id = 'flood-fill' as const;
  readonly state = 'idle';

  down(e: ToolPointer, env: ToolEnv): void {
    const { mask } = env.session;
    const px = pixelAt(e.p, mask.width, mask.height);
    if (!px) return;
    if (e.shift) env.session.apply('flood erase', (m) => floodFill(m, px.col, px.row, 0, 8));
    else env.session.apply('flood fill', (m) => floodFill(m, px.col, px.row, 1, 4));
  }
  move(): void {}
  up(): void {}
  cancel(): void {}
  deactivate(): void {}
  feedback(): ToolFeedback {
    return null;
  }
}

/** The pan tool: dragging is handled by the viewer, as for Space+drag. */
class HandTool implements Tool {
  readonly id = 'hand' as const;
  readonly state = 'idle';
  down(): void {}
  move(): void {}
  up(): void {}
  cancel(): void {}
  deactivate(): void {}
  feedback(): ToolFeedback {
    return null;
  }
}

export type Tools = {
  brush: StrokeTool;
  eraser: StrokeTool;
  'polygon-fill': PolygonTool;
  'polygon-cut': PolygonTool;
  'flood-fill': FloodTool;
  hand: HandTool;
};

export function createTools(): Tools {
  return {
    brush: new StrokeTool('brush', 1, 'brush stroke'),
    eraser: new StrokeTool('eraser', 0, 'eraser stroke'),
    'polygon-fill': new PolygonTool('polygon-fill', 1, 'polygon fill'),
    'polygon-cut': new PolygonTool('polygon-cut', 0, 'polygon cut'),
    'flood-fill': new FloodTool(),
    hand: new HandTool(),
  };
}

export function isPolygonTool(t: Tool): t is PolygonTool {
  return t instanceof PolygonTool;
}
