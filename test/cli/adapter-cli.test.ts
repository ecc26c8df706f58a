// `delineate adapter export|import|list|activate` as a user runs them: site A exports a pack with a
// note, site B (another data folder with the same model) imports it into a project, lists it with
// its provenance, activates it; refusals exit 1 naming the file.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../../main/store/store.ts';
import { readTensors } from '../../main/engine/model/safetensors.ts';
import { makeSiteA, modelDir, modelSha } from '../helpers/adapter-site.ts';

const bin = new URL('../../main/delineate.mjs', import.meta.url).pathname;
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, DELINEATE_DATA: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('adapter export → import into a second data folder → list → activate, end to end', (t) => {
  const a = makeSiteA(t);
  const pack = join(a.dir, 'site-A-polyp.dlad');
  const exported = run('adapter', 'export', String(a.adapterId), '--out', pack, '--note', 'colonoscopy, 2024 scopes', '--data', a.data);
  assert.equal(exported.code, 0, exported.err);
  assert.match(exported.out, new RegExp(`^wrote ${pack} \\(\\d+ bytes\\): sa-vlc, base model ${modelSha.slice(0, 12)}…, polyp\\n$`));
  const again = run('adapter', 'export', String(a.adapterId), '--out', pack, '--data', a.data);
  assert.equal(again.code, 1);
  assert.match(again.err, /already exists; choose another name \(nothing was overwritten\)/);

  const b = join(a.dir, 'site-B');
  const s = openStore(b);
  s.projects.create('Colon B');
  s.close();
  const imported = run('adapter', 'import', pack, '--project', 'Colon B', '--model', modelDir, '--data', b);
  assert.equal(imported.code, 0, imported.err);
  const id = Number(/imported adapter (\d+)/.exec(imported.out)?.[1]);
  assert.match(imported.out, /\(sa-vlc, project 'Colon B'\), inactive: activate it with 'delineate adapter activate \d+'/);
  assert.match(imported.out, /imported from site-A-polyp\.dlad; made \d{4}-.*; Delineate .*; 4 corrections; source DSC 81\.0 % \(n=1\); note: colonoscopy, 2024 scopes/);

  const listed = run('adapter', 'list', '--json', '--data', b);
  assert.equal(listed.code, 0, listed.err);
  const rows = listed.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(rows.length, 1);
  assert.equal(rows[0].id, id);
  assert.equal(rows[0].active, false);
  assert.equal(rows[0].origin.fileName, 'site-A-polyp.dlad');
  assert.equal(rows[0].origin.note, 'colonoscopy, 2024 scopes');
  assert.deepEqual(rows[0].origin.counts, { trainCorrections: 4, heldOutCorrections: 1, images: 5, corrections: 5 });

  const activated = run('adapter', 'activate', String(id), '--data', b);
  assert.equal(activated.code, 0, activated.err);
  assert.match(activated.out, new RegExp(`adapter ${id} ".*" is active \\(project Colon B\\)`));
  const plain = run('adapter', 'list', '--project', 'Colon B', '--data', b);
  assert.match(plain.out, new RegExp(`^\\s+${id}  active  `));
  assert.match(plain.out, /imported from site-A-polyp\.dlad/);
  const stored = openStore(b);
  const file = stored.adapters.filePath(id);
  stored.close();
  const back = readTensors(file);
  for (const [name, w] of a.weights) assert.deepEqual(back.get(name)!.data, w.data, name);
});

test('adapter import refuses a truncated pack and one for another base model, exit 1, naming the file', (t) => {
  const a = makeSiteA(t);
  const pack = join(a.dir, 'a.dlad');
  assert.equal(run('adapter', 'export', String(a.adapterId), '--out', pack, '--data', a.data).code, 0);
  const b = join(a.dir, 'site-B');

  const cut = join(a.dir, 'cut.dlad');
  writeFileSync(cut, readFileSync(pack).subarray(0, 1000));
  const truncated = run('adapter', 'import', cut, '--model', modelDir, '--data', b);
  assert.equal(truncated.code, 1);
  assert.match(truncated.err, new RegExp(`^delineate adapter: ${cut}: .*(truncated|runs past the end)`));

  // the same model with one weight changed is another base model
  const other = join(a.dir, 'other-model');
  cpSync(modelDir, other, { recursive: true });
  const w = readFileSync(join(other, 'model.safetensors'));
  w[w.length - 1] ^= 1;
  writeFileSync(join(other, 'model.safetensors'), w);
  const base = run('adapter', 'import', pack, '--model', other, '--data', b);
  assert.equal(base.code, 1);
  assert.match(base.err, new RegExp(`${pack}: made for base model ${modelSha.slice(0, 12)}…, but the model in use is [0-9a-f]{12}…`));

  const usage = run('adapter', 'export', 'seven', '--out', pack, '--data', a.data);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /expected an adapter id/);
});
