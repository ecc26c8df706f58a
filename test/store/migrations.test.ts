// Upgrading a database made by an older app: a version-1 file with data in it is opened by the
// current app, keeps every row, and gains migration 002's column with its backfill.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { MigrationError } from '../../main/store/errors.ts';
import { encodeMask } from '../../main/store/mask-codec.ts';
import { migrate, migrations, type Migration } from '../../main/store/migrations.ts';
import { openStore } from '../../main/store/store.ts';
import { hash, tempDir } from '../helpers/temp-store.ts';

/** A database at schema version 1, filled with raw SQL as the version-1 app would have. */
function versionOneDatabase(file: string) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  migrate(db, file, migrations.slice(0, 1));
  db.pragma('foreign_keys = ON');
  assert.equal(db.pragma('user_version', { simple: true }), 1);
  const at = '2025-01-02T03:04:05.000Z';
  db.prepare("INSERT INTO projects (id, name, settings, created_at) VALUES (1, 'Knee MR', '{\"author\":\"dr a\"}', ?)").run(at);
  db.prepare("INSERT INTO images (id, project_id, source_path, content_hash, file_name, width, height, frames, window, imported_at) VALUES (1, 1, '/d/k.dcm', ?, 'k.dcm', 3, 2, 1, '{\"center\":40,\"width\":400}', ?)").run(hash(1), at);
  db.prepare("INSERT INTO labels (id, project_id, name, color, prompts, created_at) VALUES (1, 1, 'meniscus', '#ff8800', '[\"meniscus\"]', ?)").run(at);
  const model = encodeMask(Uint8Array.from([0, 1, 1, 0, 0, 0]), 3, 2);
  const fixed = encodeMask(Uint8Array.from([0, 1, 1, 0, 1, 0]), 3, 2);
  const insert = db.prepare("INSERT INTO masks (id, image_id, label_id, frame, kind, width, height, data, area, prompt, parent_id, created_at) VALUES (?, 1, 1, 0, ?, 3, 2, ?, ?, ?, ?, ?)");
  insert.run(1, 'model', model.blob, model.area, 'meniscus', null, at);
  insert.run(2, 'corrected', fixed.blob, fixed.area, null, 1, at);
  db.prepare("INSERT INTO jobs (id, kind, project_id, config, state, created_at) VALUES (1, 'export', 1, '{\"format\":\"nifti\"}', 'done', ?)").run(at);
  db.close();
}

test('a version-1 database opens in the current app with its data intact and masks.source filled in', (t) => {
  const dir = tempDir(t);
  versionOneDatabase(join(dir, 'delineate.sqlite'));
  const store = openStore(dir);
  t.after(() => store.close());
  assert.equal(store.schemaVersion, 5);

  assert.deepEqual(store.projects.get(1), { id: 1, name: 'Knee MR', settings: { author: 'dr a' }, createdAt: '2025-01-02T03:04:05.000Z' });
  assert.deepEqual(store.images.get(1)?.window, { center: 40, width: 400 });
  assert.deepEqual(store.labels.get(1)?.prompts, ['meniscus']);
  assert.deepEqual(store.jobs.get(1)?.config, { format: 'nifti' });
  const model = store.masks.current({ imageId: 1, labelId: 1, kind: 'model' })!;
  const corrected = store.masks.current({ imageId: 1, labelId: 1, kind: 'corrected' })!;
  assert.deepEqual([...model.pixels], [0, 1, 1, 0, 0, 0]);
  assert.deepEqual([...corrected.pixels], [0, 1, 1, 0, 1, 0]);
  assert.deepEqual([model.source, corrected.source, corrected.parentId], ['model', 'editor', 1]);

  const imported = store.masks.save({ imageId: 1, labelId: 1, kind: 'corrected', source: 'import', width: 3, height: 2, pixels: Uint8Array.from([1, 1, 1, 0, 0, 0]) });
  assert.equal(store.masks.get(imported.id)?.source, 'import');
  assert.equal(imported.parentId, 2, 'the new save continues the migrated history');
  assert.throws(() => store.db.prepare("UPDATE masks SET source = 'scanner' WHERE id = 1").run(), /CHECK constraint failed/);
  assert.deepEqual(store.db.pragma('foreign_key_check'), []);
});

test('a failing migration leaves the database at its previous version with nothing half-done', (t) => {
  const file = join(tempDir(t), 'db.sqlite');
  versionOneDatabase(file);
  const broken: Migration = { version: 2, name: 'broken', up: 'CREATE TABLE notes (x TEXT); INSERT INTO no_such_table VALUES (1);' };
  const db = new Database(file);
  t.after(() => db.close());
  assert.throws(() => migrate(db, file, [migrations[0], broken]), (e: Error) => e instanceof MigrationError && e.from === 1 && /migration 002-broken failed, the database stays at version 1: no such table: no_such_table/.test(e.message));
  assert.equal(db.pragma('user_version', { simple: true }), 1);
  assert.equal((db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'notes'").get() as { n: number }).n, 0);
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1, 'foreign keys are back on');
});

test('a migration that leaves a dangling foreign key is rolled back', (t) => {
  const file = join(tempDir(t), 'db.sqlite');
  versionOneDatabase(file);
  const dangling: Migration = { version: 2, name: 'dangling', up: (db) => db.exec('DELETE FROM projects') };
  const db = new Database(file);
  t.after(() => db.close());
  assert.throws(() => migrate(db, file, [migrations[0], dangling]), /002-dangling failed.*foreign key violation/);
  assert.equal((db.prepare('SELECT count(*) AS n FROM projects').get() as { n: number }).n, 1);
});

test('the migration list must be numbered 1, 2, 3… in order', (t) => {
  const db = new Database(join(tempDir(t), 'db.sqlite'));
  t.after(() => db.close());
  assert.throws(() => migrate(db, 'db', [migrations[1]]), /002-mask-source is at position 1/);
  assert.equal(db.pragma('user_version', { simple: true }), 0);
});
