// A compressed file with one corrupt frame, imported beside good compressed files: the bad file is
// a failure that names it, its frame and the syntax; every other file is imported.
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scanImport, type ImportEntry, type ImportFailure, type ImportItem } from '../../main/io/import-scan.ts';
import { tempDir } from '../helpers/temp-store.ts';

const CODECS = fileURLToPath(new URL('../fixtures/dicom-codecs/', import.meta.url));

test('a corrupt frame in a JPEG-LS file is a named failure; the other compressed files import', async (t) => {
  const dir = tempDir(t);
  const good = ['multi8.jls.dcm', 'ct16s.j2k.dcm', 'rgb8.jpeg-baseline.dcm', 'mr16u.htj2k.dcm'];
  for (const f of [...good, 'multi8.jls-corrupt-frame2.dcm']) copyFileSync(join(CODECS, f), join(dir, f));
  const entries: ImportEntry[] = [];
  for await (const e of scanImport([dir], { thumbnailSize: 16 })) entries.push(e);
  const failures = entries.filter((e): e is ImportFailure => e.kind === 'failure');
  const items = entries.filter((e): e is ImportItem => e.kind !== 'failure' && e.kind !== 'medvlsm-dataset');
  assert.deepEqual(failures.map((f) => f.path), [join(dir, 'multi8.jls-corrupt-frame2.dcm')]);
  assert.match(failures[0].reason, /frame 2 \(JPEG-LS Lossless, 1\.2\.840\.10008\.1\.2\.4\.80\) is corrupt/);
  assert.deepEqual(items.map((i) => i.fileName).sort(), [...good].sort());
  // and what was imported reads back: every frame of the good multi-frame file decodes
  const multi = items.find((i) => i.fileName === 'multi8.jls.dcm')!;
  for (let k = 0; k < multi.frames; k++) assert.equal((await multi.loadFrame(k)).width, multi.width);
});
