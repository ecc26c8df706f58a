// `bench startup`: the time from launching a fresh process to its first mask on a full-size model
// folder (scripts/make-random-model.ts makes one), twice: the first start builds the graph cache
// (compiles, embeds the weights, writes the models), the second loads it and reads no checkpoint.
// Each start is a new `node` process, timed from spawn to exit by this process.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Precision } from '../contract/precision.ts';
import type { Measurement } from './harness.ts';

export interface StartupBenchOptions { model?: string; threads: number; precision: Precision; runs: number }

const entry = fileURLToPath(new URL('./startup-child.mjs', import.meta.url));

export async function benchStartup(o: StartupBenchOptions): Promise<Measurement[]> {
  if (!o.model) throw new Error('bench startup needs --model DIR (a full-size model folder; scripts/make-random-model.ts makes one)');
  const root = mkdtempSync(join(tmpdir(), 'delineate-startup-'));
  try {
    const results: Measurement[] = [];
    // start 1 builds the cache; starts 2.. use it
    for (let k = 0; k < 1 + Math.max(1, o.runs); k++) {
      const args = JSON.stringify({ model: o.model, graphCacheDir: join(root, 'graphs'), out: join(root, `mask-${k}.png`), threads: o.threads, precision: o.precision });
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [entry, args], { encoding: 'utf8' });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0) throw new Error(`start ${k + 1} failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      const phases = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
      results.push({ bench: k === 0 ? 'startup-first' : 'startup-cached', median_ms: Math.round(ms), runs: 1, batch: 1, precision: o.precision, threads: o.threads, ...phases, cache_mib: cacheMiB(join(root, 'graphs')), model: o.model });
    }
    return results;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** MiB the graph cache holds on disk (ONNX files, weights and ORT's pre-packed copies). */
function cacheMiB(dir: string): number {
  let bytes = 0;
  for (const sub of readdirSync(dir)) for (const f of readdirSync(join(dir, sub))) bytes += statSync(join(dir, sub, f)).size;
  return Math.round(bytes / 2 ** 20);
}
