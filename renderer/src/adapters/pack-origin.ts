// One line each about where an adapter pack came from, for the Adapter versions table and the
// import dialog: who made it and when, what it learnt from, how it scored at its source.

import type { AdapterPackInfo } from '../../../main/contract/contract.ts';
import { formatDateTime } from '../lib/format.ts';

const pct = (x: number | null) => (x === null ? null : `${(100 * x).toFixed(1)} %`);

/** Short lines, most telling first; unknown facts are left out rather than shown as blanks. */
export function describePack(p: AdapterPackInfo): string[] {
  const made = [p.createdAt ? `made ${formatDateTime(p.createdAt)}` : null, p.kind === 'reference' ? 'by the reference trainer' : p.delineateVersion ? `with Delineate ${p.delineateVersion}` : null].filter(Boolean).join(' ');
  const c = p.counts;
  const learnt = c.trainCorrections !== null ? `${c.trainCorrections} corrections trained on${c.heldOutCorrections !== null ? `, ${c.heldOutCorrections} held out` : ''}` : null;
  const scored = p.metrics.dsc !== null ? `source DSC ${pct(p.metrics.dsc)}${p.metrics.iou !== null ? `, IoU ${pct(p.metrics.iou)}` : ''}${p.metrics.heldOut !== null ? ` (n = ${p.metrics.heldOut})` : ''}` : null;
  const labels = p.labels.length ? `labels: ${p.labels.map((l) => (l.prompts.length ? `${l.name} (${l.prompts.join(', ')})` : l.name)).join('; ')}` : null;
  const base = p.baseModelSha256 === null ? 'base model not recorded: assumed to be the one in use' : null;
  return [made || null, learnt, scored, labels, base, p.note ? `note: ${p.note}` : null].filter((x): x is string => x !== null);
}
