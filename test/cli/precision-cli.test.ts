// Precision from the command line: `segment --precision`, `model check-precision`, and the
// default that follows the recorded check (int8 where it agreed, fp32 where it did not).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../../main/engine/model/npy.ts';
import { makeOutlierModel, tinyModelDir } from '../helpers/outlier-model.ts';

const bin = fileURLToPath(new URL('../../main/delineate.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'delineate-precision-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const image = join(tinyModelDir, 'image.png');
const prompt = 'a polyp in an endoscopy image';

const run = (data: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, DELINEATE_PROVIDER: 'cpu', DELINEATE_DATA: data } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('segment --precision int8: logits near the fp32 goldens (not equal), from the data folder\'s graph cache', () => {
  const data = join(tmp, 'a');
  const r = run(data, 'segment', '--model', tinyModelDir, '--image', image, '--prompt', prompt, '--precision', 'int8', '--logits', join(tmp, 'int8.npy'), '--json');
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out.trim()).precision, 'int8');
  assert.equal(JSON.parse(r.out.trim()).precisionReason, '--precision');
  const g = readNpy(join(tinyModelDir, 'golden/none_b1_logits.npy')).data as Float32Array;
  const l = readNpy(join(tmp, 'int8.npy')).data as Float32Array;
  let worst = 0, lo = Infinity, hi = -Infinity;
  for (let i = 0; i < g.length; i++) { worst = Math.max(worst, Math.abs(l[i] - g[i])); lo = Math.min(lo, g[i]); hi = Math.max(hi, g[i]); }
  assert.ok(worst > 1e-5 && worst <= 0.03 * (hi - lo), `max |Δ| ${worst} of a range ${hi - lo}`);
  assert.ok(readdirSync(join(data, 'cache', 'graphs')).length > 0, 'compiled models kept in the data folder');
  const bad = run(data, 'segment', '--model', tinyModelDir, '--image', image, '--prompt', prompt, '--precision', 'fp16');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--precision must be fp32 or int8, got 'fp16'/);
});

test('check-precision records the result; segment then defaults to int8 where it agreed and fp32 where it did not', () => {
  const data = join(tmp, 'b');
  const agree = run(data, 'model', 'check-precision', tinyModelDir);
  assert.equal(agree.code, 0, agree.err);
  assert.match(agree.out, /shapes-\d+\.png .* Dice 0\.9\d+/);
  assert.match(agree.out, /int8 agrees with fp32 on \d+ samples/);
  const s1 = run(data, 'segment', '--model', tinyModelDir, '--image', image, '--prompt', prompt, '--json');
  assert.equal(JSON.parse(s1.out.trim()).precision, 'int8', s1.err);

  const outlier = makeOutlierModel(join(tmp, 'outlier'));
  const disagree = run(data, 'model', 'check-precision', outlier, '--json');
  assert.equal(disagree.code, 0, disagree.err);
  const check = JSON.parse(disagree.out.trim());
  assert.equal(check.int8Agrees, false);
  assert.ok(check.minDice < 0.97);
  const s2 = run(data, 'segment', '--model', outlier, '--image', image, '--prompt', prompt, '--json');
  assert.equal(s2.code, 0, s2.err);
  assert.equal(JSON.parse(s2.out.trim()).precision, 'fp32');
  assert.match(JSON.parse(s2.out.trim()).precisionReason, /int8 disagrees with fp32.*staying on fp32/);
  assert.ok(existsSync(join(data, 'precision')));
});
