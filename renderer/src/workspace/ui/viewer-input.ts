// Pointer and wheel input on a viewer canvas: pan (middle button, Space+drag, the Pan tool),
// window/level (right-drag), zoom (wheel at the pointer), slices (Shift+wheel), and everything
// else to the active tool in image coordinates. Listeners are attached directly, not through
// React, and touch only stores and the tool: no React state changes per move.

import type { Tool, ToolEnv, ToolPointer } from '../tools/tools.ts';
import { canvasPoint, canvasToImage, panBy, zoomAround, type ImagePoint, type ViewTransform } from '../view/coords.ts';
import { dragWindow, type WindowLevel } from '../view/window-level.ts';
import type { Store } from './store.ts';

export interface ViewState {
  transform: ViewTransform;
  /** still showing the whole image: keep fitting when the viewport resizes */
  fitted: boolean;
}

export interface ViewerInputDeps {
  canvas: HTMLCanvasElement;
  view: Store<ViewState | null>;
  window: Store<WindowLevel>;
  /** true while a right-drag changes the window */
  windowDrag?: Store<boolean>;
  storedWindow: () => WindowLevel;
  hover: Store<ImagePoint | null>;
  /** null: read-only viewer (or no mask yet) */
  tool: () => Tool | null;
  env: () => ToolEnv | null;
  spaceHeld: () => boolean;
  stepFrame: (delta: -1 | 1) => void;
  repaintOverlay: () => void;
}

type Drag =
  | { mode: 'pan'; x: number; y: number }
  | { mode: 'window'; x: number; y: number; start: WindowLevel }
  | { mode: 'tool'; tool: Tool };

const DOUBLE_CLICK_MS = 400;
const DOUBLE_CLICK_PX = 5;

export function attachViewerInput(d: ViewerInputDeps): () => void {
  const { canvas } = d;
  let drag: Drag | null = null;
  let lastDown = { at: 0, x: 0, y: 0 };
  let wheelSlices = 0;

  const local = (e: { clientX: number; clientY: number }) => {
    const r = canvas.getBoundingClientRect();
    return canvasPoint(e.clientX - r.left, e.clientY - r.top);
  };
  const toImage = (e: { clientX: number; clientY: number }): ImagePoint | null => {
    const v = d.view.get();
    return v ? canvasToImage(v.transform, local(e)) : null;
  };
  const pointer = (e: PointerEvent, detail = 1): ToolPointer | null => {
    const p = toImage(e);
    return p ? { p, shift: e.shiftKey, detail } : null;
  };

  const onDown = (e: PointerEvent) => {
    if (drag) return;
    canvas.focus({ preventScroll: true });
    const tool = d.tool();
    if (e.button === 1 || (e.button === 0 && (d.spaceHeld() || tool?.id === 'hand' || !tool))) {
      drag = { mode: 'pan', x: e.clientX, y: e.clientY };
      canvas.style.cursor = 'grabbing';
    } else if (e.button === 2) {
      drag = { mode: 'window', x: e.clientX, y: e.clientY, start: d.window.get() };
      d.windowDrag?.set(true);
    } else if (e.button === 0 && tool) {
      const env = d.env();
      const now = performance.now();
      const double = now - lastDown.at < DOUBLE_CLICK_MS && Math.hypot(e.clientX - lastDown.x, e.clientY - lastDown.y) < DOUBLE_CLICK_PX;
      lastDown = { at: double ? 0 : now, x: e.clientX, y: e.clientY };
      const p = pointer(e, double ? 2 : 1);
      if (!env || !p) return;
      tool.down(p, env);
      drag = { mode: 'tool', tool };
      d.repaintOverlay();
    } else return;
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
  };

  const onMove = (e: PointerEvent) => {
    d.hover.set(toImage(e));
    if (drag?.mode === 'pan') {
      const v = d.view.get();
      if (v) d.view.set({ transform: panBy(v.transform, e.clientX - drag.x, e.clientY - drag.y), fitted: false });
      drag.x = e.clientX;
      drag.y = e.clientY;
    } else if (drag?.mode === 'window') {
      d.window.set(dragWindow(drag.start, e.clientX - drag.x, e.clientY - drag.y, d.storedWindow()));
    } else if (drag?.mode === 'tool') {
      const env = d.env();
      if (env) {
        // coalesced samples keep fast strokes smooth at high pointer rates
        const samples = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
        for (const s of samples.length ? samples : [e]) {
          const p = pointer(s);
          if (p) drag.tool.move(p, env);
        }
      }
    }
    d.repaintOverlay();
  };

  const end = (e: PointerEvent) => {
    if (!drag) return;
    const ended = drag;
    drag = null;
    if (ended.mode === 'window') d.windowDrag?.set(false);
    if (canvas.hasPointerCapture(e.pointerId)) canvas.releasePointerCapture(e.pointerId);
    canvas.style.cursor = '';
    if (ended.mode === 'tool') {
      const env = d.env();
      const p = pointer(e);
      if (env && p) ended.tool.up(p, env);
      else if (env) ended.tool.deactivate(env);
    }
    d.repaintOverlay();
  };

  const onCancel = (e: PointerEvent) => {
    if (drag?.mode === 'tool') {
      const env = d.env();
      if (env) drag.tool.cancel(env);
    }
    if (drag?.mode === 'window') d.windowDrag?.set(false);
    drag = null;
    if (canvas.hasPointerCapture(e.pointerId)) canvas.releasePointerCapture(e.pointerId);
    d.repaintOverlay();
  };

  const onLeave = () => {
    if (drag) return;
    d.hover.set(null);
    d.repaintOverlay();
  };

  const onWheel = (e: WheelEvent) => {
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1;
    if (e.shiftKey) {
      // some platforms turn Shift+wheel into horizontal scrolling
      wheelSlices += (e.deltaY || e.deltaX) * unit;
      if (Math.abs(wheelSlices) >= 50) {
        d.stepFrame(wheelSlices > 0 ? 1 : -1);
        wheelSlices = 0;
      }
      return;
    }
    const v = d.view.get();
    if (!v) return;
    const factor = Math.exp(-e.deltaY * unit * 0.002);
    d.view.set({ transform: zoomAround(v.transform, local(e), factor), fitted: false });
  };

  const noMenu = (e: Event) => e.preventDefault();

  canvas.addEventListener('pointerdown', onDown);
  canvas.addEventListener('pointermove', onMove);
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', onCancel);
  canvas.addEventListener('pointerleave', onLeave);
  canvas.addEventListener('wheel', onWheel, { passive: false });
  canvas.addEventListener('contextmenu', noMenu);
  return () => {
    if (drag?.mode === 'window') d.windowDrag?.set(false); // a viewer closed mid-drag must not hold the exact frame back
    canvas.removeEventListener('pointerdown', onDown);
    canvas.removeEventListener('pointermove', onMove);
    canvas.removeEventListener('pointerup', end);
    canvas.removeEventListener('pointercancel', onCancel);
    canvas.removeEventListener('pointerleave', onLeave);
    canvas.removeEventListener('wheel', onWheel);
    canvas.removeEventListener('contextmenu', noMenu);
  };
}
