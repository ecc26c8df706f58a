// `bench startup` machinery on the tiny fixture model: two fresh processes, the first building the
// graph cache and the second reading it, each reporting its phases in order (no timing asserted).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { benchStartup } from '../../main/bench/startup.ts';

const tiny = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));

test('bench startup: a first start that builds the cache, then a cached start, each with ordered phases', async () => {
  const r = await benchStartup({ model: tiny, threads: 1, precision: 'int8', runs: 1 });
  assert.deepEqual(r.map((m) => m.bench), ['startup-first', 'startup-cached']);
  for (const m of r) {
    assert.equal(m.precision, 'int8');
    assert.equal(m.batch, 1);
    const [loaded, opened, first] = [m.modules_loaded_ms, m.model_opened_ms, m.first_mask_ms] as number[];
    assert.ok(loaded > 0 && loaded <= opened && opened <= first && first <= m.median_ms, JSON.stringify(m));
    assert.ok((m.cache_mib as number) >= 0 && typeof m.cache_mib === 'number');
  }
});

test('bench startup without a model folder says what it needs', async () => {
  await assert.rejects(benchStartup({ threads: 1, precision: 'fp32', runs: 1 }), /needs --model DIR/);
});
