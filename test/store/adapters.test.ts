// Adapter versions: files kept inside the data folder, one active per scope, rollback to the parent.

import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DataPathError, InvalidValueError } from '../../main/store/errors.ts';
import { hash, tempDir, tempStore } from '../helpers/temp-store.ts';

const base = hash(0xba5e);

function setup(t: Parameters<typeof tempStore>[0]) {
  const { store, dir } = tempStore(t);
  mkdirSync(join(dir, 'adapters'));
  const file = (name: string) => {
    writeFileSync(join(dir, 'adapters', name), 'weights');
    return `adapters/${name}`;
  };
  return { store, dir, file, project: store.projects.create('P') };
}

test('adapter files must stay inside the data folder', (t) => {
  const { store, dir, file, project } = setup(t);
  const outside = tempDir(t, 'delineate-outside-');
  writeFileSync(join(outside, 'x.safetensors'), 'weights');
  const reg = (f: string) => store.adapters.register({ projectId: project.id, name: 'a', variant: 'sa', baseModelHash: base, file: f });

  assert.throws(() => reg('../x.safetensors'), (e: Error) => e instanceof DataPathError && /'\.\.\/x\.safetensors' is outside the data folder/.test(e.message));
  assert.throws(() => reg(join(outside, 'x.safetensors')), DataPathError);
  assert.throws(() => reg('adapters/../../x'), DataPathError);
  assert.throws(() => reg('.'), /names the data folder itself/);
  symlinkSync(outside, join(dir, 'adapters', 'link'));
  assert.throws(() => reg('adapters/link/x.safetensors'), /leads outside the data folder .* through a symbolic link/);
  assert.throws(() => reg('adapters/missing.safetensors'), /'adapters\/missing\.safetensors' does not exist in the data folder/);
  assert.throws(() => reg('adapters'), /'adapters' is not a file/);
  assert.equal(store.adapters.list().length, 0);

  file('ok.safetensors');
  const a = reg(join(dir, 'adapters', 'ok.safetensors'));
  assert.equal(a.file, 'adapters/ok.safetensors', 'stored relative, so the folder can move');
  assert.equal(store.adapters.filePath(a.id), join(dir, 'adapters', 'ok.safetensors'));
  assert.throws(() => reg('adapters/ok.safetensors'), /already registered/);
});

test('activating an adapter deactivates the previous one of its scope only', (t) => {
  const { store, file, project } = setup(t);
  const other = store.projects.create('Q');
  const site = store.adapters.register({ name: 'site', variant: 'sa', baseModelHash: base, file: file('site'), activate: true });
  const a = store.adapters.register({ projectId: project.id, name: 'a', variant: 'sa', baseModelHash: base, file: file('a'), metrics: { dice: 0.71 } });
  const b = store.adapters.register({ projectId: project.id, name: 'b', variant: 'sa', baseModelHash: base, file: file('b'), parentId: a.id });
  const q = store.adapters.register({ projectId: other.id, name: 'q', variant: 'da', baseModelHash: base, file: file('q'), activate: true });

  assert.equal(store.adapters.effective(project.id)?.id, site.id, 'no project adapter active: the site-wide one');
  store.adapters.activate(a.id);
  store.adapters.activate(b.id);
  const active = (projectId: number | null) => store.adapters.list().filter((x) => x.active && x.projectId === projectId).map((x) => x.id);
  assert.deepEqual(active(project.id), [b.id]);
  assert.deepEqual(active(null), [site.id]);
  assert.deepEqual(active(other.id), [q.id]);
  assert.equal(store.adapters.effective(project.id)?.id, b.id);
  assert.deepEqual(store.adapters.list({ projectId: project.id }).map((x) => x.id), [b.id, a.id, site.id]);
  assert.deepEqual(store.adapters.list({ projectId: project.id, includeSiteWide: false }).map((x) => x.id), [b.id, a.id]);
  // The schema itself allows one active row per scope, whatever writes to it.
  assert.throws(() => store.db.prepare('UPDATE adapters SET active = 1 WHERE id = ?').run(a.id), /UNIQUE constraint failed/);
  const site2 = store.adapters.register({ name: 'site2', variant: 'sa', baseModelHash: base, file: file('site2') });
  assert.throws(() => store.db.prepare('UPDATE adapters SET active = 1 WHERE id = ?').run(site2.id), /UNIQUE constraint failed/, 'also for site-wide (NULL project)');
  assert.deepEqual(store.adapters.setMetrics(a.id, { heldOutDice: 0.8 }).metrics, { dice: 0.71, heldOutDice: 0.8 });
});

test('rollback re-activates the parent, then falls back to the site-wide adapter', (t) => {
  const { store, file, project } = setup(t);
  const site = store.adapters.register({ name: 'site', variant: 'sa', baseModelHash: base, file: file('site'), activate: true });
  const v1 = store.adapters.register({ projectId: project.id, name: 'v1', variant: 'sa', baseModelHash: base, file: file('v1'), parentId: site.id, activate: true });
  const v2 = store.adapters.register({ projectId: project.id, name: 'v2', variant: 'sa', baseModelHash: base, file: file('v2'), parentId: v1.id, activate: true });
  assert.equal(store.adapters.active(project.id)?.id, v2.id);
  assert.equal(store.adapters.rollback(project.id)?.id, v1.id);
  assert.deepEqual(store.adapters.list({ projectId: project.id, includeSiteWide: false }).map((x) => [x.name, x.active]), [['v2', false], ['v1', true]]);
  assert.equal(store.adapters.rollback(project.id), undefined, "v1's parent is site-wide: the project's own choice is cleared");
  assert.equal(store.adapters.effective(project.id)?.id, site.id);
  assert.throws(() => store.adapters.rollback(project.id), /no adapter is active \(project \d+\); there is nothing to roll back/);
  assert.equal(store.adapters.rollback(null), undefined);
  assert.equal(store.adapters.effective(project.id), undefined, 'base model');
});

test('a child adapter must share its parent\'s base model', (t) => {
  const { store, file, project } = setup(t);
  const a = store.adapters.register({ projectId: project.id, name: 'a', variant: 'sa', baseModelHash: base, file: file('a') });
  assert.throws(
    () => store.adapters.register({ projectId: project.id, name: 'b', variant: 'sa', baseModelHash: hash(1), file: file('b'), parentId: a.id }),
    (e: Error) => e instanceof InvalidValueError && /adapter parentId: adapter \d+ was trained on base model 000000000000…/.test(e.message),
  );
});
