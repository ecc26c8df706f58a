// `delineate pacs listen` as a user runs it: a process that says where it listens, takes what an
// allowed AE title sends (dcmtk's storescu), imports it into the inbox project, rejects an AE title
// not on the allow-list, and on SIGTERM stops listening and exits 0 with the import finished. With
// no allowed AE title it refuses to start, saying what to give.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../../main/store/store.ts';
import { fixtureFiles } from '../helpers/chest-ct.ts';
import { freePort } from '../helpers/orthanc.ts';
import { storescu } from '../helpers/storescu.ts';

const bin = new URL('../../main/delineate.mjs', import.meta.url).pathname;

const send = (aet: string, port: number, files: string[]) => storescu(['-aet', aet, '-aec', 'DELINEATE', '127.0.0.1', String(port), ...files]);

test('pacs listen: receives from an allowed AE title into the inbox project, rejects others, stops on SIGTERM', { timeout: 120_000 }, async (t) => {
  const data = mkdtempSync(join(tmpdir(), 'delineate-listen-'));
  t.after(() => rmSync(data, { recursive: true, force: true }));
  const refused = spawnSync(process.execPath, [bin, 'pacs', 'listen', '--data', data], { encoding: 'utf8' });
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /no calling AE title may send: give --allow-ae AE/);

  const port = await freePort();
  const child = spawn(process.execPath, [bin, 'pacs', 'listen', '--data', data, '--port', String(port), '--allow-ae', 'SCANNER', '--inbox', 'From scanner'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.after(() => child.kill('SIGKILL'));
  const waitFor = async (pattern: RegExp, what: string) => {
    for (let i = 0; i < 300 && !pattern.test(out); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(out, pattern, `${what}; output so far:\n${out}`);
  };
  await waitFor(new RegExp(`listening as DELINEATE on 127\\.0\\.0\\.1:${port}; accepting SCANNER`), 'it says where it listens');

  const wrong = await send('INTRUDER', port, fixtureFiles.slice(0, 1));
  assert.match(wrong.output, /Calling AE Title Not Recognized/i);
  await waitFor(/rejected an association from INTRUDER at 127\.0\.0\.1: calling AE title INTRUDER is not on the allow-list/, 'it logs the rejection');

  const sent = await send('SCANNER', port, fixtureFiles);
  assert.equal(sent.status, 0, sent.output);
  await waitFor(new RegExp(`SCANNER sent ${fixtureFiles.length} instances of 1 series`), 'it reports the association');
  await waitFor(/imported into 'From scanner': \d+ new, 0 already there, 0 failed/, 'it imports them');

  child.kill('SIGTERM');
  assert.equal(await exited, 0, out);
  assert.match(out, /stopping: no new associations; finishing imports/);
  const store = openStore(data);
  try {
    const inbox = store.projects.byName('From scanner');
    assert.ok(inbox && store.images.count(inbox.id) > 0, 'the inbox project holds the series');
  } finally {
    store.close();
  }
});
