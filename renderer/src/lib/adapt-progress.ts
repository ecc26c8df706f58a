// An adapt job's progress events, read defensively (they cross a process boundary as untyped
// JSON) and accumulated into the points of the training chart.

import type { AdaptProgress, AdaptResult, JobInfo } from '../../../main/contract/contract.ts';

const PHASES: readonly AdaptProgress['phase'][] = ['preparing', 'caching', 'training', 'evaluating', 'saving'];

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The adapt-specific fields of a job's progress, or null when they are absent or not an adapt's. */
export function readAdaptProgress(progress: JobInfo['progress']): (AdaptProgress & { done: number; total: number; message?: string }) | null {
  if (!progress) return null;
  const phase = progress.phase;
  if (typeof phase !== 'string' || !PHASES.includes(phase as AdaptProgress['phase'])) return null;
  return {
    done: progress.done,
    total: progress.total,
    message: progress.message,
    phase: phase as AdaptProgress['phase'],
    step: num(progress.step) ?? 0,
    epoch: num(progress.epoch) ?? 0,
    maxEpochs: num(progress.maxEpochs) ?? 0,
    loss: num(progress.loss),
    lr: num(progress.lr) ?? 0,
    valDice: num(progress.valDice),
    valLoss: num(progress.valLoss),
    eta: num(progress.eta),
  };
}

/** One x position of the chart: the training step, with whatever was measured there. */
export interface AdaptChartPoint {
  step: number;
  epoch: number;
  loss: number | null;
  /** validation Dice in percent (the table's unit) */
  valDice: number | null;
}

/** Points kept before thinning: enough for a smooth curve, few enough for a cheap redraw. */
export const MAX_CHART_POINTS = 600;

/**
 * The chart's points after one progress event (a new array; the input is not changed). A loss adds
 * or replaces the point at its step; a validation Dice lands on the point of its step (creating it
 * when needed). Events without either add nothing. Points stay sorted by step. Past
 * MAX_CHART_POINTS, every other loss-only point of the older half is dropped; points carrying a
 * validation Dice are always kept.
 */
export function addAdaptPoint(points: readonly AdaptChartPoint[], p: AdaptProgress): AdaptChartPoint[] {
  const loss = p.phase === 'training' ? p.loss : null;
  const valDice = p.valDice == null ? null : p.valDice * 100;
  if (loss == null && valDice == null) return points as AdaptChartPoint[];
  const next = points.slice();
  let i = next.length;
  while (i > 0 && next[i - 1].step > p.step) i--;
  const existing = i > 0 && next[i - 1].step === p.step ? next[i - 1] : null;
  if (existing) {
    next[i - 1] = { step: p.step, epoch: p.epoch, loss: loss ?? existing.loss, valDice: valDice ?? existing.valDice };
  } else {
    next.splice(i, 0, { step: p.step, epoch: p.epoch, loss, valDice });
  }
  return next.length > MAX_CHART_POINTS ? thin(next) : next;
}

function thin(points: AdaptChartPoint[]): AdaptChartPoint[] {
  const half = Math.floor(points.length / 2);
  const older = points.slice(0, half).filter((pt, k) => pt.valDice != null || k % 2 === 0);
  return older.concat(points.slice(half));
}

/** The result of a finished adapt job, or null when it does not look like one. */
export function readAdaptResult(result: unknown): AdaptResult | null {
  if (!result || typeof result !== 'object') return null;
  const r = result as Partial<AdaptResult>;
  const scores = (s: unknown) => !!s && typeof s === 'object' && typeof (s as { n?: unknown }).n === 'number' && !!(s as { dsc?: unknown }).dsc;
  if (typeof r.adapterId !== 'number' || !scores(r.candidate) || !scores(r.current)) return null;
  return r as AdaptResult;
}
