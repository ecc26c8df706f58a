// The precision operations through the API: modelRuntime reports precision, reason and work;
// setPrecision records a choice (null: automatic) and refuses anything else by name.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createApi } from '../../main/api/handlers.ts';
import { ModelInference } from '../../main/inference/model-inference.ts';
import { JobQueue } from '../../main/jobs/queue.ts';
import { openStore } from '../../main/store/store.ts';
import { tinyModelDir } from '../helpers/outlier-model.ts';

const dir = mkdtempSync(join(tmpdir(), 'delineate-precision-api-'));
const store = openStore(join(dir, 'data'));
const queue = new JobQueue(store, {});
const inference = new ModelInference(tinyModelDir, 'tiny', { provider: 'cpu', threads: 1, log: () => {} }, undefined, { graphCacheDir: join(dir, 'graphs'), precisionDir: join(dir, 'precision') });
const api = createApi({ store, queue, inference: () => inference, jobKinds: [] });
after(async () => {
  await queue.close();
  await inference.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('modelRuntime and setPrecision round-trip; a bad precision is invalid', async () => {
  const r0 = await api.modelRuntime();
  assert.ok(r0.ok && r0.value);
  assert.deepEqual([r0.value.precision, r0.value.chosen, r0.value.work, r0.value.check], ['fp32', null, 'idle', null]);
  const set = await api.setPrecision({ precision: 'int8' });
  assert.ok(set.ok && set.value);
  assert.deepEqual([set.value.precision, set.value.chosen], ['int8', 'int8']);
  const r1 = await api.modelRuntime();
  assert.ok(r1.ok && r1.value?.precision === 'int8');
  const auto = await api.setPrecision({ precision: null });
  assert.ok(auto.ok && auto.value?.chosen === null && auto.value.precision === 'fp32');
  const bad = await api.setPrecision({ precision: 'fp16' as never });
  assert.ok(!bad.ok);
  assert.equal(bad.error.code, 'invalid');
  assert.match(bad.error.message, /precision must be fp32, int8 or null/);
});
