// The live preview while typing: requests are debounced, and only the answer to the newest
// request is shown (an older answer arriving late is dropped), so the mask on screen always
// belongs to the prompt and threshold on screen. DOM-free: timers are injected for tests.

import type { ApiError, ApiResult, PreviewResult } from '../../../../main/contract/contract.ts';
import { defaultTimers, type Timers } from '../../lib/timers.ts';

export interface PreviewQuery {
  prompt: string;
  threshold: number;
  frame: number;
}

export type PreviewState =
  | { status: 'idle' }
  | { status: 'pending'; query: PreviewQuery }
  | { status: 'ready'; query: PreviewQuery; result: PreviewResult }
  | { status: 'error'; query: PreviewQuery; error: ApiError };

export class PreviewController {
  private seq = 0;
  private timer: unknown = null;
  private disposed = false;

  constructor(
    private readonly fetchPreview: (q: PreviewQuery) => Promise<ApiResult<PreviewResult>>,
    private readonly onState: (s: PreviewState) => void,
    private readonly delayMs = 250,
    private readonly timers: Timers = defaultTimers,
  ) {}

  /** Asks for a preview after the debounce delay; an empty prompt clears it at once. */
  request(q: PreviewQuery): void {
    const seq = ++this.seq;
    this.clearTimer();
    if (!q.prompt.trim()) {
      this.emit(seq, { status: 'idle' });
      return;
    }
    this.emit(seq, { status: 'pending', query: q });
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      void this.send(seq, q);
    }, this.delayMs);
  }

  /** Drops the pending request and any answer still on its way. */
  clear(): void {
    const seq = ++this.seq;
    this.clearTimer();
    this.emit(seq, { status: 'idle' });
  }

  dispose(): void {
    this.seq++;
    this.clearTimer();
    this.disposed = true;
  }

  private async send(seq: number, q: PreviewQuery): Promise<void> {
    let r: ApiResult<PreviewResult>;
    try {
      r = await this.fetchPreview({ ...q, prompt: q.prompt.trim() });
    } catch (e) {
      // the bridge itself failed (not an API error value): still an error the user sees
      r = { ok: false, error: { code: 'internal', message: e instanceof Error ? e.message : String(e) } };
    }
    this.emit(seq, r.ok ? { status: 'ready', query: q, result: r.value } : { status: 'error', query: q, error: r.error });
  }

  private emit(seq: number, s: PreviewState): void {
    if (seq === this.seq && !this.disposed) this.onState(s);
  }

  private clearTimer(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}
