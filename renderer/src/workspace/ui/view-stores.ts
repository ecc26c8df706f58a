// The view state shared by the workspace's viewers (side by side they pan, zoom and window
// together) and by the readouts: plain observable stores, not React state, so dragging does not
// re-render the component tree.

import { clampZoom, fitTransform, zoomAround, canvasPoint, ZOOM_STEP, type ImagePoint } from '../view/coords.ts';
import { displayOrientation } from '../view/orientation.ts';
import type { WindowLevel } from '../view/window-level.ts';
import type { ViewState } from './viewer-input.ts';
import { Store } from './store.ts';

export interface ViewStores {
  view: Store<ViewState | null>;
  /** CSS size of the main viewer */
  viewport: Store<{ width: number; height: number } | null>;
  window: Store<WindowLevel>;
  /** a right-drag is changing the window: the exact frame waits until it settles (exact-window.ts) */
  windowDrag: Store<boolean>;
  hover: Store<ImagePoint | null>;
  /** bumped when tool feedback changed without a pointer move (a key closed the polygon) */
  overlayTick: Store<number>;
}

export function createViewStores(stored: WindowLevel): ViewStores {
  return {
    view: new Store<ViewState | null>(null),
    viewport: new Store<{ width: number; height: number } | null>(null),
    window: new Store(stored),
    windowDrag: new Store(false),
    hover: new Store<ImagePoint | null>(null),
    overlayTick: new Store(0),
  };
}

/** What the viewers need of an image: its size and, for the radiological display, its affine. */
export interface ViewedImage {
  width: number;
  height: number;
  /** voxel → RAS+ (ImageSummary.affine); null or absent: shown as stored */
  affine?: number[][] | null;
}

export function fitView(s: ViewStores, image: ViewedImage): void {
  const vp = s.viewport.get();
  const { turn } = displayOrientation(image.affine);
  if (vp) s.view.set({ transform: fitTransform(image.width, image.height, vp.width, vp.height, undefined, turn), fitted: true });
}

/** Zoom in or out one step around the viewport's centre. */
export function stepZoom(s: ViewStores, direction: 'in' | 'out'): void {
  const v = s.view.get();
  const vp = s.viewport.get();
  if (!v || !vp) return;
  const factor = direction === 'in' ? ZOOM_STEP : 1 / ZOOM_STEP;
  if (clampZoom(v.transform.zoom * factor) === v.transform.zoom) return;
  s.view.set({ transform: zoomAround(v.transform, canvasPoint(vp.width / 2, vp.height / 2), factor), fitted: false });
}
