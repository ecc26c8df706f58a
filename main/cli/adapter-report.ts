// `delineate adapter report ID [--json] [--gallery DIR]`: the adapter's evaluation report
// (docs/adapter-report.md), scored with the installed model through the app's inference service.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AdapterReport, PairedDifference, ReportComparison } from '../contract/adapter-report.ts';
import { dataFolder, dataPaths } from '../fs/data-folder.ts';
import { InstalledModelInference } from '../inference/installed-model.ts';
import { openLockedStore } from '../store/data-lock.ts';
import { adapterReport, galleryImage } from '../training/adapter-report.ts';
import { intOption, parse, providerOption, UsageError } from './args.ts';
import { projectByName } from './job-cli.ts';

export const REPORT_HELP = `  report ID [--json] [--gallery DIR] [--project NAME] [--model NAME|DIR] [--seed N]
                                       the adapter's held-out corrected images scored under it, the
                                       base model and the adapter active before it: DSC/IoU/HD95
                                       (mm where spacing is known), paired differences with a
                                       bootstrap 95 % interval and a verdict, DSC under each prompt
                                       of the label; --gallery writes PNGs of the largest gains and
                                       losses (grey frame; outlines: base orange, adapter blue,
                                       correction yellow); --project scores an adapter imported
                                       site-wide on that project's corrections`;

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : '—');
const signed = (x: number, scale: number, digits = 2) => (x * scale >= 0 ? '+' : '−') + Math.abs(x * scale).toFixed(digits);

function difference(name: string, d: PairedDifference, scale: number, unit: string): string {
  const ci = d.interval ? ` [95 % CI ${signed(d.interval.low, scale)}, ${signed(d.interval.high, scale)}]` : '';
  return `${name} ${signed(d.mean, scale)}${unit}${ci}: ${d.verdict}`;
}

function comparisonLines(title: string, c: ReportComparison, unit: string): string[] {
  return [
    `  vs ${title}: ${c.verdict.toUpperCase()}`,
    `    ${difference('DSC', c.differences.dsc, 100, ' points')}`,
    `    ${difference('IoU', c.differences.iou, 100, ' points')}`,
    `    ${difference('HD95', c.differences.hd95, 1, ` ${unit}`)} (lower is better)`,
  ];
}

/** The report as a reader wants it on a terminal. */
export function formatReport(r: AdapterReport): string {
  const out: string[] = [];
  const unit = r.hd95Unit;
  out.push(`adapter ${r.adapterId} "${r.adapterName}", scored with ${r.modelId} at ${r.computedAt}`);
  out.push(`images: ${r.heldOut.note}; ${r.heldOut.scored} scored`);
  if (!r.adapter) return out.join('\n');
  out.push(`masks at each image's own size, threshold ${r.threshold}; HD95 in ${unit}; intervals: percentile bootstrap of the mean paired difference, ${r.resamples} resamples, seed ${r.seed}; no verdict below ${r.minJudged} images`);
  out.push('');
  const cols: [string, AdapterReport['adapter']][] = [['adapter', r.adapter], ['base model', r.base?.scores ?? null]];
  if (r.previous) cols.push([`previous: ${r.previous.name}`, r.previous.scores]);
  const cell = (s: { mean: number; std: number }, scale: number) => `${(s.mean * scale).toFixed(1)} ± ${(s.std * scale).toFixed(1)}`.padEnd(16);
  out.push(`  ${''.padEnd(10)}${cols.map(([n]) => n.padEnd(16)).join('')}`);
  out.push(`  ${'DSC %'.padEnd(10)}${cols.map(([, s]) => cell(s!.dsc, 100)).join('')}`);
  out.push(`  ${'IoU %'.padEnd(10)}${cols.map(([, s]) => cell(s!.iou, 100)).join('')}`);
  out.push(`  ${`HD95 ${unit}`.padEnd(10)}${cols.map(([, s]) => cell(s!.hd95, 1)).join('')}`);
  out.push(`  ${'n'.padEnd(10)}${cols.map(([, s]) => String(s!.n).padEnd(16)).join('')}`);
  out.push('');
  if (r.base) out.push(...comparisonLines('base model', r.base, unit));
  if (r.previous) out.push(...comparisonLines(`previous adapter "${r.previous.name}" (${r.previous.adapterId})`, r.previous, unit));
  else out.push(`  vs previous adapter: ${r.previousNote}`);
  out.push('', 'prompt robustness (mean DSC %, base → adapter):');
  for (const p of r.prompts) out.push(`  ${(p.label ?? '(no label)').padEnd(14)} "${p.prompt}"`.padEnd(44) + ` n=${p.n}  ${pct(p.base)} → ${pct(p.adapter)}`);
  out.push('', `per image (DSC %: adapter / base${r.previous ? ' / previous' : ''}):`);
  const names = r.images.map((i) => `${i.fileName}${r.images.some((j) => j.frame !== 0) ? ` slice ${i.frame + 1}` : ''}`);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  r.images.forEach((i, k) => out.push(`  ${names[k].padEnd(width)}${pct(i.adapter.dsc)} / ${pct(i.base.dsc)}${i.previous ? ` / ${pct(i.previous.dsc)}` : ''}`));
  if (r.gallery.length) out.push('', `largest changes in DSC (points): ${r.gallery.map((g) => `${g.fileName} ${signed(g.change, 100)}`).join(', ')}`);
  return out.join('\n');
}

export async function reportCommand(argv: string[], help: string, adapterId: (text: string | undefined) => number): Promise<void> {
  const { values, flags, positionals } = parse(argv, {
    data: { type: 'string' }, json: { type: 'boolean' }, gallery: { type: 'string' }, project: { type: 'string' }, model: { type: 'string' },
    seed: { type: 'string' }, provider: { type: 'string' }, threads: { type: 'string' },
  }, help, true);
  if (positionals.length !== 1) throw new UsageError(`report takes one adapter id\n\n${help}`);
  const id = adapterId(positionals[0]);
  const seed = intOption(values.seed, 'seed', 0, 0);
  const data = dataFolder(values.data);
  const inference = new InstalledModelInference(dataPaths.models(data), values.model, {
    provider: providerOption(values.provider), threads: values.threads ? intOption(values.threads, 'threads', 2) : undefined, log: () => {},
  });
  const { store, close } = openLockedStore(data, 'delineate adapter report');
  try {
    const projectId = values.project === undefined ? undefined : projectByName(store, values.project).id;
    const report = await adapterReport(store, inference, id, { seed, projectId });
    const files: { imageId: number; frame: number; file: string }[] = [];
    if (values.gallery !== undefined) {
      const dir = resolve(values.gallery);
      mkdirSync(dir, { recursive: true });
      let k = 0;
      for (const g of report.gallery) {
        const png = await galleryImage(store, inference, id, g.imageId, g.frame, { projectId });
        const file = join(dir, `adapter-${id}-${String(++k).padStart(2, '0')}-${g.kind}-image-${g.imageId}-slice-${g.frame + 1}.png`);
        writeFileSync(file, png.png);
        files.push({ imageId: g.imageId, frame: g.frame, file });
      }
    }
    if (flags.json) {
      console.log(JSON.stringify({ ...report, gallery: report.gallery.map((g) => ({ ...g, file: files.find((f) => f.imageId === g.imageId && f.frame === g.frame)?.file ?? null })) }));
      return;
    }
    console.log(formatReport(report));
    if (values.gallery !== undefined) console.log(files.length ? `wrote ${files.length} gallery image${files.length === 1 ? '' : 's'} to ${resolve(values.gallery)} (outlines: base orange, adapter blue, correction yellow)` : 'no image changed its DSC: no gallery written');
  } finally {
    close();
    await inference.close();
  }
}
