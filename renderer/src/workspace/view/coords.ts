// Canvas and image coordinate spaces, kept apart by branded types so a pointer position cannot be
// used as an image position by mistake. Canvas points are CSS pixels from the viewer's top-left;
// image points are continuous pixels of the source grid (the mask's grid too), pixel (x, y)
// covering [x, x+1) × [y, y+1). Between them sits the display grid: the source turned for the
// radiological display (orientation.ts: a transpose and mirrors, so pixels stay whole and
// row-aligned), then scaled and shifted: canvas = display × zoom + offset.

import { NO_TURN, turnedSize, type Turn } from './orientation.ts';

declare const space: unique symbol;

export type ImagePoint = { readonly x: number; readonly y: number; readonly [space]: 'image' };
export type CanvasPoint = { readonly x: number; readonly y: number; readonly [space]: 'canvas' };

export const imagePoint = (x: number, y: number): ImagePoint => ({ x, y }) as ImagePoint;
export const canvasPoint = (x: number, y: number): CanvasPoint => ({ x, y }) as CanvasPoint;

/** A turn of a width × height source grid. */
export interface ImageTurn extends Turn {
  readonly width: number;
  readonly height: number;
}

export const unturned = (width: number, height: number): ImageTurn => ({ ...NO_TURN, width, height });

export interface ViewTransform {
  /** canvas pixels per image pixel */
  readonly zoom: number;
  /** canvas position of the displayed (turned) image's top-left corner */
  readonly offsetX: number;
  readonly offsetY: number;
  /** how the source grid turns on screen */
  readonly turn: ImageTurn;
}

export const MIN_ZOOM = 1 / 64;
export const MAX_ZOOM = 64;
export const ZOOM_STEP = 1.25;

/** Source pixel → display grid (the turned image, in source pixel units). */
function toDisplay(turn: ImageTurn, x: number, y: number): { u: number; v: number } {
  const size = turnedSize(turn, turn.width, turn.height);
  const u = turn.transpose ? y : x;
  const v = turn.transpose ? x : y;
  return { u: turn.flipX ? size.width - u : u, v: turn.flipY ? size.height - v : v };
}

/** Display grid → source pixel (the inverse of toDisplay). */
function fromDisplay(turn: ImageTurn, u: number, v: number): { x: number; y: number } {
  const size = turnedSize(turn, turn.width, turn.height);
  const a = turn.flipX ? size.width - u : u;
  const b = turn.flipY ? size.height - v : v;
  return turn.transpose ? { x: b, y: a } : { x: a, y: b };
}

export function canvasToImage(t: ViewTransform, p: CanvasPoint): ImagePoint {
  const { x, y } = fromDisplay(t.turn, (p.x - t.offsetX) / t.zoom, (p.y - t.offsetY) / t.zoom);
  return imagePoint(x, y);
}

export function imageToCanvas(t: ViewTransform, p: ImagePoint): CanvasPoint {
  const { u, v } = toDisplay(t.turn, p.x, p.y);
  return canvasPoint(u * t.zoom + t.offsetX, v * t.zoom + t.offsetY);
}

/**
 * The image → canvas map as a 2-D canvas matrix [a, b, c, d, e, f] (canvas x = a·x + c·y + e,
 * y = b·x + d·y + f), for drawing an image-sized layer with setTransform + drawImage at (0, 0).
 */
export function canvasMatrix(t: ViewTransform): [number, number, number, number, number, number] {
  const { turn, zoom } = t;
  const o = toDisplay(turn, 0, 0);
  const sx = turn.flipX ? -zoom : zoom;
  const sy = turn.flipY ? -zoom : zoom;
  const e = o.u * zoom + t.offsetX;
  const f = o.v * zoom + t.offsetY;
  return turn.transpose ? [0, sy, sx, 0, e, f] : [sx, 0, 0, sy, e, f];
}

/** The pixel under an image point, or null outside a width × height image. */
export function pixelAt(p: ImagePoint, width: number, height: number): { col: number; row: number } | null {
  const col = Math.floor(p.x);
  const row = Math.floor(p.y);
  return col >= 0 && row >= 0 && col < width && row < height ? { col, row } : null;
}

/** The largest zoom that shows the whole (turned) image inside the viewport with `padding` CSS px around it, centred. */
export function fitTransform(imageW: number, imageH: number, viewW: number, viewH: number, padding = 8, turn: Turn = NO_TURN): ViewTransform {
  const shown = turnedSize(turn, imageW, imageH);
  const availW = Math.max(1, viewW - 2 * padding);
  const availH = Math.max(1, viewH - 2 * padding);
  const zoom = clampZoom(Math.min(availW / shown.width, availH / shown.height));
  const imageTurn: ImageTurn = { transpose: turn.transpose, flipX: turn.flipX, flipY: turn.flipY, width: imageW, height: imageH };
  return { zoom, offsetX: (viewW - shown.width * zoom) / 2, offsetY: (viewH - shown.height * zoom) / 2, turn: imageTurn };
}

export function clampZoom(zoom: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
}

/** Zooms by `factor` keeping the image point under `anchor` where it is (wheel and +/- zoom). */
export function zoomAround(t: ViewTransform, anchor: CanvasPoint, factor: number): ViewTransform {
  const zoom = clampZoom(t.zoom * factor);
  // in display units: the turn does not change under a zoom
  const u = (anchor.x - t.offsetX) / t.zoom;
  const v = (anchor.y - t.offsetY) / t.zoom;
  return { zoom, offsetX: anchor.x - u * zoom, offsetY: anchor.y - v * zoom, turn: t.turn };
}

export function panBy(t: ViewTransform, dx: number, dy: number): ViewTransform {
  return { zoom: t.zoom, offsetX: t.offsetX + dx, offsetY: t.offsetY + dy, turn: t.turn };
}

/** Image-pixel distance that spans `canvasPx` CSS pixels at this zoom (hit radii, snapping). */
export function canvasLengthToImage(t: ViewTransform, canvasPx: number): number {
  return canvasPx / t.zoom;
}
