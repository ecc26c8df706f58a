// Loads the frame on screen from the core: the slice asked for, made with the window last asked
// for (the import's until then). Only the newest request's answer is shown — a slice or window
// that arrives after a newer one was asked for is dropped — and the previous frame stays on screen
// while the next loads, so scrolling and windowing do not flicker. DOM-free: the PNG decoder is
// injected (createImageBitmap in the viewer, a stand-in in tests).

import type { ApiResult } from '../../../../main/contract/contract.ts';
import { sameWindow, storedWindow, type WindowLevel } from './window-level.ts';

/** A decoded frame and what it is. */
export interface ShownFrame<B> {
  bitmap: B;
  /** the frame (slice) index */
  frame: number;
  /** the window the core made `bitmap` with: the import's, or one asked for (exact) */
  window: WindowLevel;
  /**
   * Asks for this frame made exactly with `window` (a new ShownFrame follows); null for images
   * without a stored window (8-bit, colour), whose grey level is the value: the remap is exact.
   */
  requestWindow: ((window: WindowLevel) => void) | null;
}

export interface FrameLoadState<B> {
  shown: ShownFrame<B> | null;
  loading: boolean;
  /** why the newest request failed; the previous frame stays shown */
  error: string | null;
}

type FrameAnswer = ApiResult<{ width: number; height: number; png: Uint8Array }>;

export interface FrameLoaderDeps<B> {
  image: { id: number; width: number; height: number; window: WindowLevel | null };
  getFrame(req: { imageId: number; frame: number; window?: WindowLevel }): Promise<FrameAnswer>;
  decode(png: Uint8Array): Promise<B>;
  /** frees a decoded frame that will never be shown (a newer one was asked for) */
  discard?(bitmap: B): void;
  onState(state: FrameLoadState<B>): void;
}

export class FrameLoader<B> {
  private seq = 0;
  private frame: number | null = null;
  /** the window frames are made with; null: the import's (nothing sent) */
  private wanted: WindowLevel | null = null;
  private state: FrameLoadState<B> = { shown: null, loading: false, error: null };
  private disposed = false;
  private readonly requestWindow: ((window: WindowLevel) => void) | null;

  constructor(private readonly d: FrameLoaderDeps<B>) {
    this.requestWindow = d.image.window ? (w) => this.want(w) : null;
  }

  /** Shows frame `frame`, made with the window last asked for. */
  show(frame: number): void {
    if (this.disposed || frame === this.frame) return;
    this.frame = frame;
    void this.load();
  }

  /**
   * Shows the current frame made exactly with `window`. Nothing happens for an image without a
   * stored window, or when `window` is the one already wanted (shown or loading).
   */
  want(window: WindowLevel): void {
    const stored = this.d.image.window;
    if (this.disposed || !stored) return;
    // the import's window is what the core applies when asked for none
    const next = sameWindow(window, stored) ? null : { center: window.center, width: window.width };
    if (next === null ? this.wanted === null : this.wanted !== null && sameWindow(next, this.wanted)) return;
    this.wanted = next;
    if (this.frame !== null) void this.load();
  }

  dispose(): void {
    this.disposed = true;
  }

  private emit(state: FrameLoadState<B>): void {
    this.state = state;
    this.d.onState(state);
  }

  private async load(): Promise<void> {
    const seq = ++this.seq;
    const frame = this.frame!;
    const window = this.wanted;
    const { image } = this.d;
    const current = () => seq === this.seq && !this.disposed;
    this.emit({ ...this.state, loading: true, error: null });
    let error: string;
    try {
      const r = await this.d.getFrame(window ? { imageId: image.id, frame, window } : { imageId: image.id, frame });
      if (!r.ok) error = r.error.message;
      else if (r.value.width !== image.width || r.value.height !== image.height) {
        error = `slice ${frame} of image ${image.id} is ${r.value.width}×${r.value.height}, but the image is ${image.width}×${image.height}`;
      } else {
        const bitmap = await this.d.decode(r.value.png);
        if (!current()) {
          this.d.discard?.(bitmap);
          return;
        }
        this.emit({ shown: { bitmap, frame, window: window ?? storedWindow(image), requestWindow: this.requestWindow }, loading: false, error: null });
        return;
      }
    } catch (e) {
      error = `slice ${frame} of image ${image.id} could not be shown: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (current()) this.emit({ ...this.state, loading: false, error });
  }
}
