// Download progress on stderr: one line redrawn in place on a terminal, and occasional plain lines
// when stderr is a file or pipe (logs, CI), so neither floods nor stays silent.

import type { DownloadProgress } from '../models/download.ts';

interface Sink {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Decimal units, as download sizes are usually quoted. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const two = (x: number): string => String(x).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

const percent = (a: number, b: number): number => (b > 0 ? Math.floor((100 * a) / b) : 100);

/** One progress line: the current file, then the overall bar, bytes, speed and ETA. */
export function progressLine(p: DownloadProgress, barWidth = 20): string {
  const filled = Math.round((barWidth * percent(p.bytes, p.total)) / 100);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]`;
  const speed = p.bytesPerSecond > 0 ? `${formatBytes(Math.round(p.bytesPerSecond))}/s` : '-- /s';
  const eta = p.etaSeconds !== undefined ? `ETA ${formatDuration(p.etaSeconds)}` : 'ETA --';
  const file = `${p.file} ${percent(p.fileBytes, p.fileTotal)}%${p.status === 'verifying' ? ' verifying' : ''}`;
  return `${file}  ${bar} ${percent(p.bytes, p.total)}% ${formatBytes(p.bytes)}/${formatBytes(p.total)}  ${speed}  ${eta}`;
}

/** A progress callback drawing on `out`; call `finish()` before printing anything else. */
export function progressReporter(out: Sink, opts: { intervalMs?: number } = {}): { update(p: DownloadProgress): void; finish(): void } {
  const tty = out.isTTY === true;
  const interval = opts.intervalMs ?? (tty ? 100 : 5000);
  let last = -Infinity;
  let lastFile = '';
  let drawn = false;
  const clear = (): void => {
    if (drawn) out.write('\r\x1b[K');
    drawn = false;
  };
  return {
    update(p) {
      const now = performance.now();
      if (p.status === 'retrying') {
        clear();
        out.write(`${p.file}: ${p.message ?? 'retrying'}\n`);
        return;
      }
      const fileDone = p.status === 'verifying' && p.file !== lastFile;
      if (fileDone) lastFile = p.file;
      if (!fileDone && now - last < interval) return;
      last = now;
      const line = progressLine(p);
      if (tty) {
        const width = out.columns && out.columns > 20 ? out.columns - 1 : line.length;
        out.write(`\r${line.slice(0, width)}\x1b[K`);
        drawn = true;
      } else out.write(`${line}\n`);
    },
    finish() {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}
