// The `delineate` command as a user runs it: output formats, exit codes and messages.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const bin = new URL('../../main/delineate.mjs', import.meta.url).pathname;
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, DELINEATE_PROVIDER: 'cpu' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('bench block --json prints matmul, block-forward and block-backward with their FLOP counts', () => {
  const r = run('bench', 'block', '--json', '--runs', '1', '--warmup', '0');
  assert.equal(r.code, 0, r.err);
  const rows = r.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(rows.map((m) => m.bench), ['matmul', 'block-forward', 'block-backward']);
  const [t, d, f] = [485, 768, 3072];
  const forward = 2 * t * d * d * 4 + 2 * t * d * f * 2 + 2 * 2 * t * t * d;
  assert.equal(rows[0].flops, 2 * t * d * f);
  assert.equal(rows[1].flops, forward);
  assert.equal(rows[2].flops, forward + (forward + 2 * 2 * t * t * d));
  for (const m of rows) {
    assert.ok(m.median_ms > 0 && m.gflops > 0, JSON.stringify(m));
    assert.equal(m.runs, 1);
    assert.equal(m.batch, 1);
    assert.equal(m.threads, 2);
    assert.equal(m.provider, 'cpu');
    assert.ok(Math.abs(m.gflops - m.flops / (m.median_ms * 1e6)) < 1e-9 * m.gflops);
  }
});

test('demo trains: the loss falls and validation Dice rises', () => {
  const r = run('demo', '--epochs', '4');
  assert.equal(r.code, 0, r.err);
  const epochs = [...r.out.matchAll(/epoch\s+\d+\s+loss ([\d.]+)\s+val Dice ([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.equal(epochs.length, 4);
  assert.ok(epochs[3][0] < epochs[0][0], r.out);
  assert.ok(epochs[3][1] > 0.5, r.out);
  assert.match(r.err, /^\[delineate\] execution provider: cpu$/m, 'DELINEATE_PROVIDER=cpu is honoured');
});

test('usage errors exit 2 and say what is wrong', () => {
  const unknown = run('segmentify');
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown command 'segmentify'/);
  const badBench = run('bench', 'nope');
  assert.equal(badBench.code, 2);
  assert.match(badBench.err, /unknown benchmark 'nope' \(known: block, encode, prompt, segment, train-da, train-sa, train-sa-cached, startup, volume\)/);
  const badOption = run('demo', '--epochs', 'many');
  assert.equal(badOption.code, 2);
  assert.match(badOption.err, /--epochs must be an integer ≥ 1, got 'many'/);
  const strange = run('demo', '--frobnicate');
  assert.equal(strange.code, 2);
  assert.match(strange.err, /Unknown option '--frobnicate'/);
});

test('--help lists the commands', () => {
  const r = run('--help');
  assert.equal(r.code, 0);
  for (const c of ['demo', 'bench', 'providers']) assert.match(r.out, new RegExp(`^  ${c} `, 'm'));
});

test('bench encode / prompt / segment --json print one object named for the bench (tiny model)', () => {
  const model = new URL('../fixtures/clipseg-tiny/', import.meta.url).pathname;
  for (const name of ['encode', 'prompt', 'segment']) {
    const r = run('bench', name, '--model', model, '--json', '--runs', '2', '--warmup', '0');
    assert.equal(r.code, 0, r.err);
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(rows.length, 1);
    assert.equal(rows[0].bench, name);
    assert.equal(rows[0].size, 64);
    assert.equal(rows[0].runs, 2);
    assert.ok(rows[0].median_ms > 0 && rows[0].peak_rss_mib > 0, JSON.stringify(rows[0]));
  }
});
