// `delineate import`, `projects` and `export` as a user runs them: a folder with a good, a
// duplicate and an unreadable file plus a MedVLSM dataset, into a fresh data folder.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decode } from 'fast-png';
import { openStore } from '../../main/store/store.ts';
import { readNpy } from '../../main/engine/model/npy.ts';
import { tempDir } from '../helpers/temp-store.ts';
import { greyPng, maskPng, put, writeDataset } from '../jobs/runners/sources.ts';

const bin = new URL('../../main/delineate.mjs', import.meta.url).pathname;
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, DELINEATE_DATA: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('import into a new project, list it, export its corrected masks; errors say what to do', (t) => {
  const dir = tempDir(t, 'delineate-cli-io-');
  const data = join(dir, 'data');
  const photo = greyPng(6, 5, (i) => i * 8);
  put(join(dir, 'in', 'a.png'), photo.bytes);
  put(join(dir, 'in', 'sub', 'copy.png'), photo.bytes);
  put(join(dir, 'in', 'notes.txt'), 'not an image');
  const mask = Uint8Array.from({ length: 16 }, (_, i) => (i % 4 === 1 ? 1 : 0));
  writeDataset(join(dir, 'ds'), { 'x.png': greyPng(4, 4, (i) => 100 + i).bytes }, { 'x.png': maskPng(4, 4, mask) }, [
    { split: 'train', image: 'x.png', mask: 'x.png', prompts: { p0: '', p1: 'polyp' } },
  ]);

  const missing = run('import', join(dir, 'in'), '--project', 'Colon', '--data', data);
  assert.equal(missing.code, 1);
  assert.equal(missing.err.trim(), `delineate import: no project named 'Colon' in ${data} (it has no projects); add --create to make it`);

  const imported = run('import', join(dir, 'in'), join(dir, 'ds'), '--project', 'Colon', '--data', data, '--create');
  assert.equal(imported.code, 0, imported.err);
  assert.deepEqual(imported.out.trimEnd().split('\n'), [
    "imported 2, duplicates 1, failed 1, datasets 1 (1 masks, 1 new labels) into project 'Colon' (2 images)",
    `  failed ${join(dir, 'in', 'notes.txt')}: not a PNG, JPEG, DICOM or NIfTI file`,
  ]);
  assert.equal(imported.err.trimEnd().split('\n').at(-1), 'job 1 [4/4] ds', 'progress on stderr, ending with the last entry');

  const listed = run('projects', '--data', data, '--json');
  assert.equal(listed.code, 0, listed.err);
  assert.deepEqual(JSON.parse(listed.out), { id: 1, name: 'Colon', images: 2, labels: 1, corrected: 1, model: 0 });

  const out = join(dir, 'out');
  const exported = run('export', '--project', 'colon', '--out', out, '--format', 'png', '--data', data);
  assert.equal(exported.code, 0, exported.err);
  assert.equal(exported.out.trim(), `wrote 2 files (1 masks) to ${out}`);
  const store = openStore(data);
  t.after(() => store.close());
  const image = store.images.list(1).find((i) => i.fileName === 'x.png')!;
  const [label] = store.labels.list(1);
  assert.deepEqual(readdirSync(out).sort(), [`img-${image.id}-l${label.id}.png`, 'labels.json', 'manifest.json']);
  assert.deepEqual([...decode(readFileSync(join(out, `img-${image.id}-l${label.id}.png`))).data], [...mask].map((v) => v * 255));
  // both runs are in the job list like the app's own jobs
  assert.deepEqual(store.jobs.list().map((j) => [j.kind, j.state]), [['export', 'done'], ['import', 'done']]);

  const badFormat = run('export', '--project', 'colon', '--out', join(dir, 'o2'), '--format', 'tiff', '--data', data);
  assert.equal(badFormat.code, 2);
  assert.match(badFormat.err, /--format must be one of png, png-index, nii, nii\.gz, dicom-seg, dataset, got 'tiff'/);
});

test('segment --project runs a batch job over the project; export --kind model writes its masks', (t) => {
  const dir = tempDir(t, 'delineate-cli-batch-');
  const data = join(dir, 'data');
  const model = new URL('../fixtures/clipseg-tiny/', import.meta.url).pathname;
  put(join(dir, 'in', 'photo.png'), readFileSync(join(model, 'image.png')));
  assert.equal(run('import', join(dir, 'in'), '--project', 'P', '--create', '--data', data).code, 0);
  assert.equal(run('model', 'import', model, '--data', data).code, 0);
  const seg = run('segment', '--project', 'P', '--prompt', 'a polyp in an endoscopy image', '--json', '--data', data);
  assert.equal(seg.code, 0, seg.err);
  const result = JSON.parse(seg.out.trim());
  assert.equal(result.segmented, 1);
  assert.equal(result.failed, 0);
  const out = join(dir, 'out');
  const exported = run('export', '--project', 'P', '--out', out, '--format', 'png', '--kind', 'model', '--data', data);
  assert.equal(exported.code, 0, exported.err);
  const png = decode(readFileSync(join(out, readdirSync(out).find((f) => f.endsWith('.png'))!)));
  const golden = readNpy(join(model, 'golden/none_b1_logits.npy')).data as Float32Array;
  for (let i = 0; i < golden.length; i++) if (Math.abs(golden[i]) > 1e-3) assert.equal(png.data[i], golden[i] > 0 ? 255 : 0, `pixel ${i}`);
  assert.equal(run('segment', '--project', 'P', '--prompt', 'a', '--prompt', 'b', '--data', data).code, 2, 'one prompt per batch');
});
