// Draws one viewer: an image canvas (the frame, window/level remapped) under an overlay canvas
// (the editable mask, the model mask, the tool's feedback). Layers are image-sized offscreen
// canvases fed from ImageData, updated only in the boxes that changed, and composited with the
// view transform on the next animation frame: pointer moves cost a drawImage, not a React render.
// Layers stay in source pixel order; the view transform turns them for the radiological display
// (one canvas matrix for the frame and every mask layer, so they cannot drift apart).

import type { EditSession } from '../mask/edit-session.ts';
import { expandRect, paintFillRgba, paintOutlineRgba, parseHexColour, type Rgb } from '../mask/mask-rgba.ts';
import { unionRect, type Mask, type Rect } from '../mask/mask-ops.ts';
import type { ToolFeedback } from '../tools/tools.ts';
import { canvasMatrix, imageToCanvas, type ViewTransform } from '../view/coords.ts';
import { applyLutRgba } from '../view/window-level.ts';

export interface OverlayStyle {
  showMask: boolean;
  maskColour: string;
  /** 0..1, applied to the mask fill when compositing (no RGBA rebuild on change) */
  opacity: number;
  showReference: boolean;
  referenceColour: string;
  /** the reference as a filled mask (side-by-side pane) rather than an outline */
  referenceFill: boolean;
}

/** An image-sized canvas with its pixel buffer, repainted box by box. */
class Layer {
  readonly canvas = document.createElement('canvas');
  readonly ctx: CanvasRenderingContext2D;
  readonly data: ImageData;
  dirty: Rect | null = null;

  constructor(width: number, height: number) {
    this.canvas.width = width;
    this.canvas.height = height;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('viewer: the browser gave no 2D canvas context for a mask layer');
    this.ctx = ctx;
    this.data = ctx.createImageData(width, height);
  }

  flush(paint: (rgba: Uint8ClampedArray, rect: Rect) => void): void {
    const r = this.dirty;
    if (!r) return;
    this.dirty = null;
    paint(this.data.data, r);
    this.ctx.putImageData(this.data, 0, 0, r.x, r.y, r.w, r.h);
  }
}

const full = (m: { width: number; height: number }): Rect => ({ x: 0, y: 0, w: m.width, h: m.height });

export class ViewerRenderer {
  private readonly imageCtx: CanvasRenderingContext2D;
  private readonly overlayCtx: CanvasRenderingContext2D;
  private frame: ImageBitmap | null = null;
  private framePixels: ImageData | null = null;
  private lut: Uint8Array | null = null;
  private remapped: Layer | null = null;
  private remapPending = false;
  private session: EditSession | null = null;
  private unsubscribe: (() => void) | null = null;
  private maskLayer: Layer | null = null;
  private reference: Mask | null = null;
  private referenceLayer: Layer | null = null;
  private style: OverlayStyle;
  private maskRgb: Rgb;
  private referenceRgb: Rgb;
  private transform: ViewTransform | null = null;
  private cssWidth = 0;
  private cssHeight = 0;
  private dpr = 1;
  private needImage = true;
  private needOverlay = true;
  private raf = 0;
  /** the active tool's feedback, read at paint time */
  feedback: () => ToolFeedback = () => null;

  constructor(
    private readonly imageCanvas: HTMLCanvasElement,
    private readonly overlayCanvas: HTMLCanvasElement,
    style: OverlayStyle,
  ) {
    const a = imageCanvas.getContext('2d', { alpha: false });
    const b = overlayCanvas.getContext('2d');
    if (!a || !b) throw new Error('viewer: the browser gave no 2D canvas context');
    this.imageCtx = a;
    this.overlayCtx = b;
    this.style = style;
    this.maskRgb = parseHexColour(style.maskColour);
    this.referenceRgb = parseHexColour(style.referenceColour);
  }

  setFrame(frame: ImageBitmap | null): void {
    if (frame === this.frame) return;
    this.frame = frame;
    this.framePixels = null;
    this.remapPending = this.lut !== null;
    this.invalidate('image');
  }

  /** null: show the frame as sent. */
  setLut(lut: Uint8Array | null): void {
    this.lut = lut;
    this.remapPending = lut !== null;
    this.invalidate('image');
  }

  setSession(session: EditSession | null): void {
    if (session === this.session) return;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.session = session;
    this.maskLayer = null;
    if (session) {
      this.maskLayer = new Layer(session.mask.width, session.mask.height);
      this.maskLayer.dirty = full(session.mask);
      this.unsubscribe = session.onPixels((rect) => {
        if (this.maskLayer) this.maskLayer.dirty = unionRect(this.maskLayer.dirty, rect);
        this.invalidate('overlay');
      });
    }
    this.invalidate('overlay');
  }

  setReference(mask: Mask | null): void {
    if (mask === this.reference) return;
    this.reference = mask;
    this.referenceLayer = mask ? new Layer(mask.width, mask.height) : null;
    if (this.referenceLayer && mask) this.referenceLayer.dirty = full(mask);
    this.invalidate('overlay');
  }

  setStyle(style: OverlayStyle): void {
    const colourChanged = style.maskColour !== this.style.maskColour || style.referenceColour !== this.style.referenceColour || style.referenceFill !== this.style.referenceFill;
    this.style = style;
    if (colourChanged) {
      this.maskRgb = parseHexColour(style.maskColour);
      this.referenceRgb = parseHexColour(style.referenceColour);
      if (this.maskLayer && this.session) this.maskLayer.dirty = full(this.session.mask);
      if (this.referenceLayer && this.reference) this.referenceLayer.dirty = full(this.reference);
    }
    this.invalidate('overlay');
  }

  setTransform(t: ViewTransform | null): void {
    this.transform = t;
    this.invalidate('image');
    this.invalidate('overlay');
  }

  /** CSS size of the viewport and the device pixel ratio (the backing store is sized to match). */
  resize(width: number, height: number, dpr: number): void {
    this.cssWidth = width;
    this.cssHeight = height;
    this.dpr = dpr;
    for (const c of [this.imageCanvas, this.overlayCanvas]) {
      c.width = Math.max(1, Math.round(width * dpr));
      c.height = Math.max(1, Math.round(height * dpr));
    }
    this.invalidate('image');
    this.invalidate('overlay');
  }

  invalidate(layer: 'image' | 'overlay'): void {
    if (layer === 'image') this.needImage = true;
    else this.needOverlay = true;
    if (!this.raf) this.raf = requestAnimationFrame(() => this.paint());
  }

  dispose(): void {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = 0;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private paint(): void {
    this.raf = 0;
    if (this.needImage) this.paintImage();
    if (this.needOverlay) this.paintOverlay();
    this.needImage = false;
    this.needOverlay = false;
  }

  /** The frame through the LUT, into an image-sized canvas (only when the LUT or frame changed). */
  private remap(frame: ImageBitmap, lut: Uint8Array): Layer {
    if (!this.remapped || this.remapped.canvas.width !== frame.width || this.remapped.canvas.height !== frame.height) {
      this.remapped = new Layer(frame.width, frame.height);
      this.remapPending = true;
    }
    if (this.remapPending) {
      if (!this.framePixels) {
        this.remapped.ctx.clearRect(0, 0, frame.width, frame.height);
        this.remapped.ctx.drawImage(frame, 0, 0);
        this.framePixels = this.remapped.ctx.getImageData(0, 0, frame.width, frame.height);
      }
      applyLutRgba(this.framePixels.data, this.remapped.data.data, lut);
      this.remapped.ctx.putImageData(this.remapped.data, 0, 0);
      this.remapPending = false;
    }
    return this.remapped;
  }

  private paintImage(): void {
    const ctx = this.imageCtx;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, this.cssWidth, this.cssHeight);
    const t = this.transform;
    const frame = this.frame;
    if (!t || !frame) return;
    const source = this.lut ? this.remap(frame, this.lut).canvas : frame;
    // smooth when shrinking (no aliasing), exact pixels when magnifying (what the mask is drawn on)
    ctx.imageSmoothingEnabled = t.zoom < 1;
    this.drawLayer(ctx, t, source, frame.width, frame.height);
  }

  private paintOverlay(): void {
    const ctx = this.overlayCtx;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.cssWidth, this.cssHeight);
    const t = this.transform;
    if (!t) return;
    const s = this.style;
    ctx.imageSmoothingEnabled = false;
    const session = this.session;
    if (this.maskLayer && session) {
      const colour = this.maskRgb;
      this.maskLayer.flush((rgba, r) => paintFillRgba(session.mask, rgba, r, colour));
      if (s.showMask) {
        ctx.globalAlpha = s.opacity;
        this.drawLayer(ctx, t, this.maskLayer.canvas, session.mask.width, session.mask.height);
      }
    }
    const ref = this.reference;
    if (this.referenceLayer && ref) {
      const colour = this.referenceRgb;
      this.referenceLayer.flush((rgba, r) =>
        s.referenceFill ? paintFillRgba(ref, rgba, r, colour) : paintOutlineRgba(ref, rgba, expandRect(r, 1, ref), colour),
      );
      if (s.showReference) {
        ctx.globalAlpha = s.referenceFill ? s.opacity : 1;
        this.drawLayer(ctx, t, this.referenceLayer.canvas, ref.width, ref.height);
      }
    }
    ctx.globalAlpha = 1;
    this.paintFeedback(ctx, t, this.feedback());
  }

  /** An image-sized layer through the view (turned, scaled, shifted), then back to CSS pixels. */
  private drawLayer(ctx: CanvasRenderingContext2D, t: ViewTransform, source: CanvasImageSource, width: number, height: number): void {
    const [a, b, c, d, e, f] = canvasMatrix(t);
    const k = this.dpr;
    ctx.setTransform(k * a, k * b, k * c, k * d, k * e, k * f);
    ctx.drawImage(source, 0, 0, width, height);
    ctx.setTransform(k, 0, 0, k, 0, 0);
  }

  private paintFeedback(ctx: CanvasRenderingContext2D, t: ViewTransform, f: ToolFeedback): void {
    if (!f) return;
    // two strokes (dark under light) stay visible on any grey level
    const outline = (path: () => void, width = 1.5) => {
      ctx.lineWidth = width + 2;
      ctx.strokeStyle = 'rgba(0,0,0,0.7)';
      path();
      ctx.stroke();
      ctx.lineWidth = width;
      ctx.strokeStyle = '#fff';
      path();
      ctx.stroke();
    };
    if (f.kind === 'brush') {
      const c = imageToCanvas(t, f.center);
      const r = Math.max(1.5, f.radius * t.zoom);
      outline(() => {
        ctx.beginPath();
        ctx.arc(c.x, c.y, r, 0, Math.PI * 2);
      });
      if (f.erase) {
        ctx.setLineDash([3, 3]);
        ctx.strokeStyle = '#ff6b6b';
        ctx.stroke();
        ctx.setLineDash([]);
      }
      return;
    }
    const pts = f.points.map((p) => imageToCanvas(t, p));
    if (pts.length === 0) return;
    const hover = f.hover ? imageToCanvas(t, f.hover) : null;
    ctx.beginPath();
    ctx.moveTo(pts[0].x, pts[0].y);
    for (const p of pts.slice(1)) ctx.lineTo(p.x, p.y);
    if (hover) ctx.lineTo(hover.x, hover.y);
    ctx.closePath();
    ctx.fillStyle = f.cut ? 'rgba(255,80,80,0.18)' : 'rgba(255,255,255,0.15)';
    ctx.fill();
    outline(() => {
      ctx.beginPath();
      ctx.moveTo(pts[0].x, pts[0].y);
      for (const p of pts.slice(1)) ctx.lineTo(p.x, p.y);
      if (hover) ctx.lineTo(hover.x, hover.y);
    });
    for (const [k, p] of pts.entries()) {
      if (pts.length > 40 && k > 0) break; // a lasso trace: only its start matters
      const size = k === 0 && f.closable ? 8 : 5;
      ctx.fillStyle = k === 0 && f.closable ? '#ffd43b' : '#fff';
      ctx.fillRect(p.x - size / 2, p.y - size / 2, size, size);
    }
  }
}
