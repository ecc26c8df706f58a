// Slice progress on stderr for whole-volume segmentation: a bar redrawn in place on a terminal,
// and a plain line every `every` slices (and at the end) when stderr is a file or pipe.

import { formatDuration } from './download-progress.ts';

interface Sink {
  write(s: string): unknown;
  isTTY?: boolean;
}

export function sliceProgressLine(done: number, total: number, seconds: number, barWidth = 24): string {
  const filled = total > 0 ? Math.round((barWidth * done) / total) : barWidth;
  const rate = seconds > 0 ? done / seconds : 0;
  const eta = rate > 0 ? `ETA ${formatDuration((total - done) / rate)}` : 'ETA --';
  return `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${done}/${total} slices  ${rate > 0 ? rate.toFixed(2) : '--'} slices/s  ${done === total ? `${formatDuration(seconds)} total` : eta}`;
}

/** `update(done, total)` after each slice; `finish()` before printing anything else. */
export function sliceProgress(out: Sink, opts: { every?: number; now?: () => number } = {}): { update(done: number, total: number): void; finish(): void } {
  const tty = out.isTTY === true;
  const now = opts.now ?? (() => performance.now());
  const t0 = now();
  let drawn = false;
  let lastDraw = -Infinity;
  return {
    update(done, total) {
      const t = now();
      const seconds = (t - t0) / 1000;
      if (tty) {
        if (done < total && t - lastDraw < 100) return;
        lastDraw = t;
        out.write(`\r\x1b[K${sliceProgressLine(done, total, seconds)}`);
        drawn = true;
        return;
      }
      const every = opts.every ?? Math.max(1, Math.ceil(total / 10));
      if (done % every === 0 || done === total) out.write(`${sliceProgressLine(done, total, seconds)}\n`);
    },
    finish() {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}
