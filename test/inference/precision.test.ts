// Precision in the app's inference service: fp32 until the model's int8 self-check has run (after
// its first prediction); where it agreed, int8 from the next start (a session's masks do not
// change precision under the user); a model made to disagree stays fp32 and says why; the user's
// explicit choice applies at once and is kept in the data folder.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ModelInference } from '../../main/inference/model-inference.ts';
import { contentHash } from '../../main/store/images.ts';
import { makeOutlierModel, tinyModelDir } from '../helpers/outlier-model.ts';

const tmp = mkdtempSync(join(tmpdir(), 'delineate-precision-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const bytes = readFileSync(join(tinyModelDir, 'image.png'));
writeFileSync(join(tmp, 'image.png'), bytes);
const image = { id: 1, sourcePath: join(tmp, 'image.png'), contentHash: contentHash(bytes), width: 64, height: 64, frames: 1 };
const prompt = 'a polyp in an endoscopy image';
const engine = { provider: 'cpu' as const, threads: 1, log: () => {} };

function service(modelDir: string, data: string): ModelInference {
  return new ModelInference(modelDir, 'tiny', engine, undefined, { graphCacheDir: join(data, 'graphs'), precisionDir: join(data, 'precision') });
}

/** The self-check runs after the prediction that triggered it; a second prediction queues behind it. */
async function afterSelfCheck(s: ModelInference): Promise<void> {
  await s.predict(image, 0, prompt);
  await s.predict(image, 0, prompt);
}

test('the tiny model: fp32 before its self-check; it agrees, so int8 from the next start; a choice applies at once', async () => {
  const data = join(tmp, 'agree');
  const s = service(tinyModelDir, data);
  let fp32: Uint8Array;
  try {
    const before = s.runtime();
    assert.equal(before.precision, 'fp32');
    assert.equal(before.check, null);
    assert.match(before.reason, /until the int8 self-check/);
    fp32 = (await s.predict(image, 0, prompt)).mask;
    await afterSelfCheck(s);
    const r = s.runtime();
    assert.equal(r.check?.int8Agrees, true, r.reason);
    assert.equal(r.precision, 'fp32', 'this session stays on fp32');
    assert.match(r.reason, /int8 from the next start/);
    assert.equal(r.work, 'idle');
    assert.deepEqual((await s.predict(image, 0, prompt)).mask, fp32, 'the same mask as before the check');
  } finally {
    await s.close();
  }
  const next = service(tinyModelDir, data); // a restart
  try {
    assert.equal(next.runtime().precision, 'int8');
    assert.equal(next.runtime().chosen, null);
    const int8 = (await next.predict(image, 0, prompt)).mask;
    let same = 0;
    for (let i = 0; i < fp32.length; i++) same += fp32[i] === int8[i] ? 1 : 0;
    assert.ok(same / fp32.length >= 0.97, `int8 mask agrees with fp32 on ${same} of ${fp32.length} pixels`);
    assert.equal(next.setPrecision('fp32').precision, 'fp32', 'a choice applies at once');
    assert.deepEqual((await next.predict(image, 0, prompt)).mask, fp32);
    assert.equal(next.runtime().chosen, 'fp32');
    assert.equal(next.setPrecision(null).precision, 'int8', 'automatic: the recorded check agreed');
  } finally {
    await next.close();
  }
});

test('a model made to disagree at int8 stays on fp32 and says why; int8 can still be chosen', async () => {
  const dir = makeOutlierModel(join(tmp, 'outlier-model'));
  const s = service(dir, join(tmp, 'disagree'));
  try {
    await afterSelfCheck(s);
    const r = s.runtime();
    assert.equal(r.check?.int8Agrees, false);
    assert.ok(r.check!.minDice < 0.97, `min Dice ${r.check!.minDice}`);
    assert.equal(r.precision, 'fp32');
    assert.match(r.reason, /int8 disagrees with fp32: mask Dice 0\.\d+ on shapes-\d+\.png .*staying on fp32/);
    const chosen = s.setPrecision('int8');
    assert.equal(chosen.precision, 'int8');
    assert.match(chosen.reason, /chosen in the settings \(int8 disagrees/);
  } finally {
    await s.close();
  }
});
