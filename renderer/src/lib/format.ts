// Text shown for scores, durations and sizes. DOM-free so the tests can run it under node.

import type { SegmentationScores } from '../../../main/contract/contract.ts';

/** mean ± std as the reading-room tables show it: overlap scores in percent, HD95 in its unit (mm or pixels). */
export function formatStat(stat: { mean: number; std: number }, percent: boolean): string {
  if (!Number.isFinite(stat.mean)) return '—';
  const scale = percent ? 100 : 1;
  const std = Number.isFinite(stat.std) ? stat.std : 0;
  return `${(stat.mean * scale).toFixed(1)} ± ${(std * scale).toFixed(1)}`;
}

export type ScoreName = 'dsc' | 'iou' | 'hd95';

export const SCORE_LABELS: Record<ScoreName, string> = { dsc: 'DSC', iou: 'IoU', hd95: 'HD95' };

/** "DSC 87.3 ± 2.1", "IoU 78.0 ± 3.4", "HD95 12.5 ± 4.0 mm" (px where the spacing was unknown). */
export function formatScore(name: ScoreName, scores: SegmentationScores): string {
  const text = formatStat(scores[name], name !== 'hd95');
  return `${SCORE_LABELS[name]} ${text}${name === 'hd95' && text !== '—' ? ` ${scores.hd95Unit ?? 'px'}` : ''}`;
}

/**
 * Which of two score sets is better on one score, or null when they tie at the shown precision.
 * DSC/IoU: higher is better; HD95: lower is better.
 */
export function betterScore(name: ScoreName, candidate: SegmentationScores, current: SegmentationScores): 'candidate' | 'current' | null {
  const scale = name === 'hd95' ? 1 : 100;
  const a = Math.round(candidate[name].mean * scale * 10);
  const b = Math.round(current[name].mean * scale * 10);
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === b) return null;
  const higherWins = name !== 'hd95';
  return (a > b) === higherWins ? 'candidate' : 'current';
}

/** Seconds left as a short phrase: "45 s", "4 min 05 s", "1 h 02 min"; "—" when unknown. */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  const minutes = Math.round(s / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** Bytes as "512 B", "1.5 KB", "605.1 MB" (powers of 1024, as file managers show). */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes) || bytes < 0) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A stored ISO timestamp as local "YYYY-MM-DD HH:MM" (no locale surprises in tables); the input when unparseable. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  // SQLite's datetime() has a space and no zone: it is UTC.
  const normal = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(iso) && !/[zZ]|[+-]\d{2}:?\d{2}$/.test(iso) ? `${iso.replace(' ', 'T')}Z` : iso;
  const d = new Date(normal);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Progress as a 0–100 percentage, null when the total is unknown. */
export function progressPercent(progress: { done: number; total: number } | null | undefined): number | null {
  if (!progress || !(progress.total > 0)) return null;
  return Math.max(0, Math.min(100, (progress.done / progress.total) * 100));
}

/** "1 image" / "3 images". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
