// A push job's result (an export job with config.pacs), read defensively from JobInfo.result.

import type { PacsPushResult } from '../../../main/contract/contract.ts';
import { plural } from '../lib/format.ts';

export function readPushResult(result: unknown): PacsPushResult | null {
  const r = result as Partial<PacsPushResult> | null;
  if (!r || typeof r !== 'object' || typeof r.connection !== 'string' || !Array.isArray(r.objects)) return null;
  return r as PacsPushResult;
}

/** "2 SEGs stored on site, 1 failed, 3 unchanged since sent, 1 left out". */
export function pushSummary(r: PacsPushResult): string {
  const parts = [`${plural(r.stored, 'SEG')} stored on ${r.connection}`];
  if (r.failed) parts.push(`${r.failed} failed`);
  if (r.unchanged) parts.push(`${r.unchanged} unchanged since sent`);
  if (r.leftOut) parts.push(`${r.leftOut} left out (not pulled from a PACS)`);
  return parts.join(', ');
}
