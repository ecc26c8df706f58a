// Reading scores out of AdapterInfo.metrics, a free-form object the adapt job fills. The adapt job
// records SegmentationScores-shaped entries (dsc: {mean, std}); older or hand-made adapters may
// carry plain numbers, nest them under `candidate`/`heldOut`, or only a validation Dice. Whatever
// cannot be read shows as "—" rather than failing the versions table.

import type { ScoreName } from './format.ts';

export interface ReadScore {
  mean: number;
  std: number | null;
}

const asScore = (v: unknown): ReadScore | null => {
  if (typeof v === 'number' && Number.isFinite(v)) return { mean: v, std: null };
  if (v && typeof v === 'object') {
    const { mean, std } = v as { mean?: unknown; std?: unknown };
    if (typeof mean === 'number' && Number.isFinite(mean)) return { mean, std: typeof std === 'number' && Number.isFinite(std) ? std : null };
  }
  return null;
};

const ALIASES: Record<ScoreName, string[]> = {
  dsc: ['dsc', 'DSC', 'dice', 'Dice', 'valDice'],
  iou: ['iou', 'IoU', 'jaccard'],
  hd95: ['hd95', 'HD95'],
};

/** One score of an adapter, looked for at the top level, then under candidate / heldOut / scores. */
export function adapterScore(metrics: Record<string, unknown> | null | undefined, name: ScoreName): ReadScore | null {
  if (!metrics) return null;
  for (const where of [metrics, metrics.candidate, metrics.heldOut, metrics.scores]) {
    if (!where || typeof where !== 'object') continue;
    for (const key of ALIASES[name]) {
      const s = asScore((where as Record<string, unknown>)[key]);
      if (s) return s;
    }
  }
  return null;
}

/** A cell of the versions table: "87.3 ± 2.1", "87.3" without a spread, "—" when absent. */
export function formatAdapterScore(metrics: Record<string, unknown> | null | undefined, name: ScoreName): string {
  const s = adapterScore(metrics, name);
  if (!s) return '—';
  const scale = name === 'hd95' ? 1 : 100;
  const mean = (s.mean * scale).toFixed(1);
  return s.std == null ? mean : `${mean} ± ${(s.std * scale).toFixed(1)}`;
}

/** How many held-out images the scores are over (the adapt job records it as `heldOut`), null when unknown. */
export function adapterScoredImages(metrics: Record<string, unknown> | null | undefined): number | null {
  if (!metrics) return null;
  for (const v of [metrics.heldOut, metrics.n, (metrics.candidate as { n?: unknown } | undefined)?.n]) {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  }
  return null;
}
