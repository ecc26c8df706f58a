// The store's rules, checked through its repositories and, where a rule lives in the schema,
// through raw SQL too (so the database keeps it for any writer).

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { DuplicateError, InvalidValueError, MaskSizeError, NotADelineateDatabaseError, SchemaTooNewError } from '../../main/store/errors.ts';
import { contentHash } from '../../main/store/images.ts';
import { openStore, type Store } from '../../main/store/store.ts';
import { hash, tempDir, tempStore } from '../helpers/temp-store.ts';

function image(store: Store, projectId: number, n: number, size = { width: 4, height: 3 }, frames = 1) {
  return store.images.add({ projectId, sourcePath: `/data/scan${n}.png`, contentHash: hash(n), fileName: `scan${n}.png`, ...size, frames });
}

/** A width × height mask whose foreground is the pixels listed. */
function pixels(width: number, height: number, on: number[]): Uint8Array {
  const px = new Uint8Array(width * height);
  for (const i of on) px[i] = 1;
  return px;
}

test('a new data folder gets a WAL database at the current schema with foreign keys on', (t) => {
  const { store, dir } = tempStore(t);
  assert.equal(store.file, join(dir, 'delineate.sqlite'));
  assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(store.db.pragma('foreign_keys', { simple: true }), 1);
  assert.equal(store.db.pragma('synchronous', { simple: true }), 1, 'NORMAL');
  assert.equal(store.db.pragma('busy_timeout', { simple: true }), 5000);
  assert.equal(store.schemaVersion, 5);
  store.close();
  const again = openStore(dir);
  t.after(() => again.close());
  assert.equal(again.schemaVersion, 5, 'reopening does not migrate again');
});

test('contentHash is sha256 hex', () => {
  assert.equal(contentHash(new TextEncoder().encode('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('deleting a project removes its images, labels, masks and adapters; a site-wide adapter and job history stay', (t) => {
  const { store, dir } = tempStore(t);
  const p = store.projects.create('Liver');
  const other = store.projects.create('Lung');
  const img = image(store, p.id, 1);
  const keep = image(store, other.id, 2);
  const label = store.labels.create({ projectId: p.id, name: 'liver', color: '#AA3300', prompts: ['liver'] });
  writeFileSync(join(dir, 'a.safetensors'), 'x');
  writeFileSync(join(dir, 'site.safetensors'), 'x');
  const adapter = store.adapters.register({ projectId: p.id, name: 'a', variant: 'sa', baseModelHash: hash(9), file: 'a.safetensors' });
  const site = store.adapters.register({ name: 'site', variant: 'sa', baseModelHash: hash(9), file: 'site.safetensors' });
  store.masks.save({ imageId: img.id, labelId: label.id, kind: 'model', width: 4, height: 3, pixels: pixels(4, 3, [0]), adapterId: adapter.id });
  store.masks.save({ imageId: keep.id, labelId: null, kind: 'model', width: 4, height: 3, pixels: pixels(4, 3, [1]), adapterId: site.id });
  const job = store.jobs.create({ kind: 'import', projectId: p.id });

  assert.equal(store.projects.remove(p.id), true);
  const count = (table: string) => (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  assert.deepEqual([count('images'), count('labels'), count('masks'), count('adapters')], [1, 0, 1, 1]);
  assert.equal(store.images.get(keep.id)?.projectId, other.id);
  assert.equal(store.adapters.get(site.id)?.name, 'site');
  assert.equal(store.jobs.get(job.id)?.projectId, null, 'the job stays in the history without its project');
});

test('deleting an image removes its masks; deleting an adapter keeps the masks it made', (t) => {
  const { store, dir } = tempStore(t);
  const p = store.projects.create('P');
  const a = image(store, p.id, 1);
  const b = image(store, p.id, 2);
  writeFileSync(join(dir, 'a.bin'), 'x');
  const adapter = store.adapters.register({ projectId: p.id, name: 'a', variant: 'sa', baseModelHash: hash(1), file: 'a.bin' });
  store.masks.save({ imageId: a.id, labelId: null, kind: 'model', width: 4, height: 3, pixels: pixels(4, 3, []) });
  const mb = store.masks.save({ imageId: b.id, labelId: null, kind: 'model', width: 4, height: 3, pixels: pixels(4, 3, [5]), adapterId: adapter.id });
  store.images.remove(a.id);
  assert.deepEqual(store.masks.listCurrent({ projectId: p.id }).map((m) => m.id), [mb.id]);
  store.adapters.remove(adapter.id);
  assert.equal(store.masks.get(mb.id)?.adapterId, null);
  assert.deepEqual([...store.masks.get(mb.id)!.pixels], [...pixels(4, 3, [5])]);
});

test('the same content twice in one project is refused (naming the first); another project may hold it', (t) => {
  const { store } = tempStore(t);
  const p = store.projects.create('P');
  const q = store.projects.create('Q');
  const first = image(store, p.id, 1);
  assert.throws(
    () => store.images.add({ projectId: p.id, sourcePath: '/elsewhere/copy.png', contentHash: hash(1), fileName: 'copy.png', width: 4, height: 3 }),
    (e: Error) => e instanceof DuplicateError && e.existingId === first.id && /copy\.png: the same content is already in project \d+ as image \d+ \(scan1\.png\)/.test(e.message),
  );
  const copy = store.images.add({ projectId: q.id, sourcePath: '/elsewhere/copy.png', contentHash: hash(1), fileName: 'copy.png', width: 4, height: 3 });
  assert.equal(copy.projectId, q.id);
  assert.equal(store.images.byHash(q.id, hash(1))?.id, copy.id);
  assert.deepEqual(store.images.list(p.id).map((i) => i.id), [first.id]);
  // The rule is the schema's, not only the repository's.
  assert.throws(() => store.db.prepare("INSERT INTO images (project_id, source_path, content_hash, file_name, width, height, imported_at) VALUES (?, 'x', ?, 'x', 1, 1, 'now')").run(p.id, hash(1)), /UNIQUE/);
});

test('project and label names are unique without regard to case', (t) => {
  const { store } = tempStore(t);
  const p = store.projects.create('Liver CT', { owner: 'rad' });
  assert.throws(() => store.projects.create('liver ct'), (e: Error) => e instanceof DuplicateError && /'liver ct' already exists/.test(e.message));
  assert.equal(store.projects.byName('LIVER CT')?.id, p.id);
  store.labels.create({ projectId: p.id, name: 'Tumour', color: '#ff0000' });
  assert.throws(() => store.labels.create({ projectId: p.id, name: 'tumour', color: '#00ff00' }), DuplicateError);
  const q = store.projects.create('Other');
  assert.equal(store.labels.create({ projectId: q.id, name: 'tumour', color: '#00ff00' }).projectId, q.id);
  assert.deepEqual(store.projects.updateSettings(p.id, { window: 'soft', owner: null }).settings, { window: 'soft' });
  assert.deepEqual(store.projects.get(p.id)?.settings, { window: 'soft' });
});

test('image fields round-trip: geometry, spacing, window and the PNG thumbnail', (t) => {
  const { store } = tempStore(t);
  const p = store.projects.create('P');
  const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
  const geometry = { affine: [[-0.7, 0, 0, 120], [0, -0.7, 0, 90], [0, 0, 2.5, -40], [0, 0, 0, 1]], source: 'nifti-sform' };
  const img = store.images.add({ projectId: p.id, sourcePath: '/d/ct.nii.gz', contentHash: hash(3), fileName: 'ct.nii.gz', width: 512, height: 512, frames: 80, modality: 'CT', pixelSpacing: [0.7, 0.7, 2.5], geometry, window: { center: 40, width: 400 }, thumbnail: png });
  const back = store.images.get(img.id)!;
  assert.deepEqual([back.frames, back.modality, back.pixelSpacing, back.geometry, back.window, back.hasThumbnail], [80, 'CT', [0.7, 0.7, 2.5], geometry, { center: 40, width: 400 }, true]);
  assert.deepEqual([...store.images.thumbnail(img.id)!], [...png]);
  assert.deepEqual(store.images.update(img.id, { window: { center: -600, width: 1500 } }).window, { center: -600, width: 1500 });
  assert.throws(() => store.images.update(img.id, { thumbnail: Uint8Array.from([0xff, 0xd8, 0xff]) }), /image thumbnail: must be PNG bytes/);
  assert.throws(() => store.images.update(img.id, { window: { center: 0, width: 0 } }), InvalidValueError);
  assert.throws(() => store.images.add({ projectId: p.id, sourcePath: '/x', contentHash: 'ABC', fileName: 'x', width: 1, height: 1 }), /contentHash: must be 64 lower-case hex/);
});

test('mask history: each save points at the one it replaces and the latest is current', (t) => {
  const { store } = tempStore(t);
  const p = store.projects.create('P');
  const img = image(store, p.id, 1, { width: 4, height: 3 }, 2);
  const label = store.labels.create({ projectId: p.id, name: 'liver', color: '#123456' });
  const slot = { imageId: img.id, labelId: label.id, kind: 'corrected' as const };
  const model = store.masks.save({ ...slot, kind: 'model', width: 4, height: 3, pixels: pixels(4, 3, [0, 1]), prompt: 'liver', threshold: 0.4 });
  const c1 = store.masks.save({ ...slot, width: 4, height: 3, pixels: pixels(4, 3, [0, 1, 2]), author: 'dr a', parentId: model.id });
  const c2 = store.masks.save({ ...slot, width: 4, height: 3, pixels: pixels(4, 3, [0, 1, 2, 6]), author: 'dr a' });
  const c3 = store.masks.save({ ...slot, width: 4, height: 3, pixels: pixels(4, 3, [1, 2, 6]), author: 'dr b' });
  const otherFrame = store.masks.save({ ...slot, frame: 1, width: 4, height: 3, pixels: pixels(4, 3, [11]) });
  const free = store.masks.save({ imageId: img.id, labelId: null, kind: 'model', width: 4, height: 3, pixels: pixels(4, 3, [3]), prompt: 'a dark spot' });

  assert.deepEqual(store.masks.history(slot).map((m) => m.id), [c3.id, c2.id, c1.id]);
  assert.deepEqual([c1.parentId, c2.parentId, c3.parentId, otherFrame.parentId], [model.id, c1.id, c2.id, null]);
  assert.deepEqual([model.source, c1.source, model.area, c3.area], ['model', 'editor', 2, 3]);
  const current = store.masks.current(slot)!;
  assert.equal(current.id, c3.id);
  assert.equal(current.author, 'dr b');
  assert.deepEqual([...current.pixels], [...pixels(4, 3, [1, 2, 6])]);
  assert.equal(store.masks.current({ ...slot, frame: 1 })!.id, otherFrame.id);
  assert.equal(store.masks.current({ imageId: img.id, labelId: null, kind: 'model' })!.prompt, 'a dark spot');
  assert.deepEqual(store.masks.listCurrent({ imageId: img.id }).map((m) => m.id).sort(), [free.id, model.id, c3.id, otherFrame.id].sort());
  assert.deepEqual(store.masks.listCurrent({ projectId: p.id, kind: 'corrected' }).map((m) => m.id), [c3.id, otherFrame.id]);
});

test('a mask that does not fit its image is refused with both sizes named, by the repository and by the schema', (t) => {
  const { store } = tempStore(t);
  const p = store.projects.create('P');
  const img = image(store, p.id, 1, { width: 4, height: 3 });
  assert.throws(
    () => store.masks.save({ imageId: img.id, labelId: null, kind: 'model', width: 3, height: 4, pixels: new Uint8Array(12) }),
    (e: Error) => e instanceof MaskSizeError && e.message === `mask is 3×4 but image ${img.id} (scan1.png) is 4×3`,
  );
  assert.throws(() => store.masks.save({ imageId: img.id, labelId: null, kind: 'model', width: 4, height: 3, pixels: new Uint8Array(11) }), /11 pixels but its size is 4×3 = 12/);
  assert.throws(() => store.masks.save({ imageId: img.id, labelId: null, kind: 'model', frame: 1, width: 4, height: 3, pixels: new Uint8Array(12) }), /mask frame: image \d+ \(scan1\.png\) has slices 0\.\.0, got 1/);
  const q = store.projects.create('Q');
  const foreign = store.labels.create({ projectId: q.id, name: 'x', color: '#000000' });
  assert.throws(() => store.masks.save({ imageId: img.id, labelId: foreign.id, kind: 'model', width: 4, height: 3, pixels: new Uint8Array(12) }), /label \d+ belongs to project \d+, image \d+ to project \d+/);
  const raw = store.db.prepare("INSERT INTO masks (image_id, kind, width, height, data, area, created_at) VALUES (?, 'model', ?, ?, x'00', 0, 'now')");
  assert.throws(() => raw.run(img.id, 5, 3), /mask size or frame does not fit its image/);
  assert.equal(store.masks.listCurrent({ imageId: img.id }).length, 0);
});

test('a database written by a newer app is refused and left as it was', (t) => {
  const dir = tempDir(t);
  openStore(dir).close();
  const raw = new Database(join(dir, 'delineate.sqlite'));
  raw.pragma('user_version = 7');
  raw.pragma('journal_mode = DELETE');
  raw.close();
  assert.throws(
    () => openStore(dir),
    (e: Error) => e instanceof SchemaTooNewError && e.found === 7 && e.supported === 5 && /schema version 7 but this version of Delineate supports up to 5/.test(e.message),
  );
  const after = new Database(join(dir, 'delineate.sqlite'), { readonly: true });
  t.after(() => after.close());
  assert.equal(after.pragma('user_version', { simple: true }), 7);
  assert.equal(after.pragma('journal_mode', { simple: true }), 'delete', 'not switched to WAL');
});

test('an SQLite file from another program is not touched', (t) => {
  const file = join(tempDir(t), 'other.db');
  const raw = new Database(file);
  raw.exec('CREATE TABLE notes (body TEXT)');
  raw.close();
  assert.throws(() => openStore({ file }), (e: Error) => e instanceof NotADelineateDatabaseError && /already has tables \(notes\)/.test(e.message));
});

test('WAL: a reader sees the last commit while a write transaction is open, and the new data after it commits', (t) => {
  const dir = tempDir(t);
  const writer = openStore(dir);
  const reader = openStore(dir, { busyTimeoutMs: 0 });
  t.after(() => {
    reader.close();
    writer.close();
  });
  writer.projects.create('committed');
  writer.db.exec('BEGIN IMMEDIATE');
  writer.projects.create('pending');
  const started = Date.now();
  assert.deepEqual(reader.projects.list().map((p) => p.name), ['committed'], 'no waiting, no SQLITE_BUSY, no dirty read');
  assert.ok(Date.now() - started < 1000);
  assert.throws(() => reader.projects.create('second writer'), /database is locked/, 'one writer at a time');
  writer.db.exec('COMMIT');
  assert.deepEqual(reader.projects.list().map((p) => p.name), ['committed', 'pending']);
});

test('opening by file: adapters resolve against the file\'s folder unless told otherwise', (t) => {
  const dir = tempDir(t);
  const store = openStore({ file: join(dir, 'sub', 'x.sqlite') });
  t.after(() => store.close());
  assert.equal(store.dataDir, join(dir, 'sub'));
});
