// Canvas and image coordinate spaces, kept apart by branded types so a pointer position cannot be
// used as an image position by mistake. Canvas points are CSS pixels from the viewer's top-left;
// image points are continuous image pixels, pixel (x, y) covering [x, x+1) × [y, y+1). The view
// maps image → canvas as canvas = image × zoom + offset (no rotation: the mask stays row-aligned).

declare const space: unique symbol;

export type ImagePoint = { readonly x: number; readonly y: number; readonly [space]: 'image' };
export type CanvasPoint = { readonly x: number; readonly y: number; readonly [space]: 'canvas' };

export const imagePoint = (x: number, y: number): ImagePoint => ({ x, y }) as ImagePoint;
export const canvasPoint = (x: number, y: number): CanvasPoint => ({ x, y }) as CanvasPoint;

export interface ViewTransform {
  /** canvas pixels per image pixel */
  readonly zoom: number;
  /** canvas position of the image's top-left corner */
  readonly offsetX: number;
  readonly offsetY: number;
}

export const MIN_ZOOM = 1 / 64;
export const MAX_ZOOM = 64;
export const ZOOM_STEP = 1.25;

export function canvasToImage(t: ViewTransform, p: CanvasPoint): ImagePoint {
  return imagePoint((p.x - t.offsetX) / t.zoom, (p.y - t.offsetY) / t.zoom);
}

export function imageToCanvas(t: ViewTransform, p: ImagePoint): CanvasPoint {
  return canvasPoint(p.x * t.zoom + t.offsetX, p.y * t.zoom + t.offsetY);
}

/** The pixel under an image point, or null outside a width × height image. */
export function pixelAt(p: ImagePoint, width: number, height: number): { col: number; row: number } | null {
  const col = Math.floor(p.x);
  const row = Math.floor(p.y);
  return col >= 0 && row >= 0 && col < width && row < height ? { col, row } : null;
}

/** The largest zoom that shows the whole image inside the viewport with `padding` CSS px around it, centred. */
export function fitTransform(imageW: number, imageH: number, viewW: number, viewH: number, padding = 8): ViewTransform {
  const availW = Math.max(1, viewW - 2 * padding);
  const availH = Math.max(1, viewH - 2 * padding);
  const zoom = clampZoom(Math.min(availW / imageW, availH / imageH));
  return { zoom, offsetX: (viewW - imageW * zoom) / 2, offsetY: (viewH - imageH * zoom) / 2 };
}

export function clampZoom(zoom: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
}

/** Zooms by `factor` keeping the image point under `anchor` where it is (wheel and +/- zoom). */
export function zoomAround(t: ViewTransform, anchor: CanvasPoint, factor: number): ViewTransform {
  const zoom = clampZoom(t.zoom * factor);
  const under = canvasToImage(t, anchor);
  return { zoom, offsetX: anchor.x - under.x * zoom, offsetY: anchor.y - under.y * zoom };
}

export function panBy(t: ViewTransform, dx: number, dy: number): ViewTransform {
  return { zoom: t.zoom, offsetX: t.offsetX + dx, offsetY: t.offsetY + dy };
}

/** Image-pixel distance that spans `canvasPx` CSS pixels at this zoom (hit radii, snapping). */
export function canvasLengthToImage(t: ViewTransform, canvasPx: number): number {
  return canvasPx / t.zoom;
}
