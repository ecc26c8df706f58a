// `delineate model …` as a user runs it: list, import and download (from a fake Hub on 127.0.0.1).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sha256, startFakeHub, TINY_DIR, tinyRepoFiles } from './fake-hub.ts';

const bin = new URL('../../main/delineate.mjs', import.meta.url).pathname;
const data = mkdtempSync(join(tmpdir(), 'delineate-model-cli-'));
after(() => rmSync(data, { recursive: true, force: true }));

/** Runs the CLI without blocking this process, whose event loop serves the fake Hub. */
function run(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, DELINEATE_DATA: '', HF_ENDPOINT: '' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const weightsSha = sha256(readFileSync(join(TINY_DIR, 'model.safetensors')));

test('model list with nothing installed says how to install a model', async () => {
  const r = await run('model', 'list', '--data', data);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`^  npx delineate model download --data ${data} `, 'm'));
  assert.match(r.out, new RegExp(`^  npx delineate model import DIR --data ${data} `, 'm'));
});

test('model import installs a folder and model list shows it', async () => {
  const r = await run('model', 'import', TINY_DIR, '--name', 'tiny', '--data', data);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`^installed tiny \\(534\\.0 kB of weights, sha256 ${weightsSha}\\) in ${join(data, 'models', 'tiny')}$`, 'm'));
  const bad = await run('model', 'import', join(TINY_DIR, 'golden'), '--data', data);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^delineate model: .*golden is not a complete model folder: missing config\.json/m);
});

test('model download fetches from the endpoint with progress on stderr; usage errors exit 2', async () => {
  const hub = await startFakeHub({ repo: 'CIDAS/clipseg-tiny', files: tinyRepoFiles() });
  try {
    const r = await run('model', 'download', '--repo', 'CIDAS/clipseg-tiny', '--endpoint', hub.endpoint, '--data', data);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^installed CIDAS--clipseg-tiny \(534\.0 kB of weights/m);
    // stderr is a pipe, so progress comes as plain lines, one at least as each file completes.
    assert.match(r.err, /^model\.safetensors 100% verifying  \[#{20}\] 100% 54\d\.\d kB\/54\d\.\d kB /m);
    assert.ok(!r.err.includes('\r'), 'no carriage returns outside a terminal');
  } finally {
    await hub.close();
  }
  const listed = await run('model', 'list', '--json', '--data', data);
  assert.equal(listed.code, 0, listed.err);
  const rows = listed.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(rows.map((m) => [m.name, m.ok, m.sha256]), [['CIDAS--clipseg-tiny', true, weightsSha], ['tiny', true, weightsSha]]);
  assert.equal(rows[0].source.kind, 'huggingface');

  const usage = await run('model', 'fetch');
  assert.equal(usage.code, 2);
  assert.match(usage.err, /unknown model command 'fetch' \(known: list, import, download, check-precision\)/);
});
