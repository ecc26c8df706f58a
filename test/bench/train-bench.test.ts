// The training benchmark's harness on the tiny architecture: one measurement per batch size, the
// warm-up steps excluded, per-sample time = step time / batch, and the variant and feature path
// each bench name promises.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { benchTrain } from '../../main/bench/train.ts';
import { parseClipSegConfig } from '../../main/engine/model/config.ts';

const config = parseClipSegConfig(JSON.parse(readFileSync(new URL('../fixtures/clipseg-tiny/config.json', import.meta.url), 'utf8')));
const architecture = { config, size: 64 };

for (const [name, variant, cached] of [['train-da', 'da-vlc', false], ['train-sa', 'sa-vlc', false], ['train-sa-cached', 'sa-vlc', true]] as const) {
  test(`bench ${name}: one measurement per batch size, timed steps only`, async () => {
    const out = await benchTrain(name, { threads: 1, runs: 3, warmup: 1, provider: 'cpu', batches: [2, 1], architecture });
    assert.deepEqual(out.map((m) => m.batch), [1, 2], 'batch sizes run in increasing order');
    for (const m of out) {
      assert.equal(m.bench, name);
      assert.equal(m.variant, variant);
      assert.equal(m.cached_features, cached);
      assert.equal(m.runs, 3);
      const steps = m.steps_ms as number[];
      assert.equal(steps.length, 3, 'the warm-up step is not timed');
      const sorted = [...steps].sort((a, b) => a - b);
      assert.ok(Math.abs(m.median_ms - sorted[1]) <= 0.5, `median ${m.median_ms} of ${steps}`);
      assert.ok(m.median_ms > 0 && (m.min_ms as number) <= m.median_ms);
      assert.equal(m.per_sample_ms, m.median_ms / m.batch!);
      assert.ok((m.peak_rss_mib as number) > 0);
      assert.equal(m.size, 64);
    }
  });
}

test('bench train-*: refuses to time without a warm-up step (the first step compiles)', async () => {
  await assert.rejects(benchTrain('train-sa', { threads: 1, runs: 1, warmup: 0, provider: 'cpu', batches: [1], architecture }), /warm-up/);
});

test('delineate bench train-*: bad --batch and --model are usage errors, before any work', () => {
  const bin = new URL('../../main/delineate.mjs', import.meta.url).pathname;
  for (const [args, message] of [[['--batch', '1,0'], /--batch must be a comma-separated list of integers ≥ 1/], [['--model', '/nowhere'], /--model does not apply/]] as const) {
    const r = spawnSync(process.execPath, [bin, 'bench', 'train-sa-cached', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
  }
});
