// How the adapter report's numbers and verdicts read in the app: signed differences in points (DSC,
// IoU) or distance units (HD95) with their interval, a colour per verdict, and the sentence the
// activation check asks with. Pure, so it is tested without a browser.

import type { AdapterEvidence, PairedDifference, ReportMetric, Verdict } from '../../../main/contract/adapter-report.ts';
import { worseThan } from '../../../main/contract/adapter-report.ts';

export const VERDICT_COLOR: Record<Verdict, string> = {
  better: 'green',
  'no measurable difference': 'gray',
  worse: 'red',
  'too few held-out images': 'yellow',
};

const signed = (x: number, digits: number): string => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}` : '—');

/** "+3.12 points (95 % CI +0.50 to +5.80)"; HD95 in its unit; without an interval below MIN_JUDGED. */
export function formatDifference(d: PairedDifference, metric: ReportMetric, unit: 'mm' | 'px'): string {
  const scale = metric === 'hd95' ? 1 : 100;
  const what = metric === 'hd95' ? ` ${unit}` : ' points';
  const ci = d.interval ? ` (95 % CI ${signed(d.interval.low * scale, 2)} to ${signed(d.interval.high * scale, 2)})` : '';
  return `${signed(d.mean * scale, 2)}${what}${ci}`;
}

/** "87.3 ± 2.1" for DSC/IoU fractions in %, HD95 as is. */
export function formatMean(s: { mean: number; std: number }, metric: ReportMetric): string {
  const scale = metric === 'hd95' ? 1 : 100;
  return Number.isFinite(s.mean) ? `${(s.mean * scale).toFixed(1)} ± ${(s.std * scale).toFixed(1)}` : '—';
}

/** The question to ask before activating an adapter its recorded report found worse; null: nothing to ask. */
export function activationWarning(name: string, evidence: AdapterEvidence | null): string | null {
  const worse = worseThan(evidence);
  if (!worse.length || !evidence) return null;
  return `On its ${evidence.n} held-out corrected images, "${name}" segments worse than ${worse.join(' and ')} (Dice, paired bootstrap 95 % interval below 0). Activate it anyway?`;
}
