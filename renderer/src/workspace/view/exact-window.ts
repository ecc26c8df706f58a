// When the viewer asks the core for the frame made exactly with the window on screen. While the
// user drags window/level the instant remap (window-level.ts) follows the pointer, and only a
// window held still for SETTLE_MS (or the one the drag ends on) is asked for, so a drag costs a
// request per pause rather than per pointer move; a window set at once (a preset, Reset) is asked
// for immediately. Asking twice for one window is harmless: FrameLoader ignores a window it
// already has or is loading. DOM-free: timers are injected for tests.

import type { WindowLevel } from './window-level.ts';
import { defaultTimers, type Timers } from '../../lib/timers.ts';

/** How long a dragged window must stay put before its exact frame is fetched. */
export const SETTLE_MS = 150;

export class WindowSettler {
  private timer: unknown = null;
  private disposed = false;

  constructor(
    /** asks for the exact frame for this window */
    private readonly settle: (window: WindowLevel) => void,
    private readonly delayMs = SETTLE_MS,
    private readonly timers: Timers = defaultTimers,
  ) {}

  /**
   * The window on screen is now `window`; `dragging`: the user is still dragging it (call again
   * with false when the drag ends, even if the window did not change).
   */
  update(window: WindowLevel, dragging: boolean): void {
    if (this.disposed) return;
    this.cancel();
    if (!dragging) {
      this.settle(window);
      return;
    }
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      if (!this.disposed) this.settle(window);
    }, this.delayMs);
  }

  dispose(): void {
    this.disposed = true;
    this.cancel();
  }

  private cancel(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}
