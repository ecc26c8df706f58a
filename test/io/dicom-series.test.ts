// DICOM series → stacks, on series written by pydicom (scripts/make-dicom-series-fixtures.py):
// slices sorted by position (file names shuffled, InstanceNumbers misleading), the affine checked
// against hand-computed geometry, gaps/localizers/sizes/echoes split with the reason, duplicate
// positions reported, an enhanced multi-frame file stacked by its functional groups, a corrupt
// slice named; and a 4-D NIfTI imported as one image per volume.

import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readDicomHeader } from '../../main/io/dicom.ts';
import { makeGeometry } from '../../main/io/geometry.ts';
import { scanImport, type ImportEntry, type ImportFailure, type ImportItem } from '../../main/io/import-scan.ts';
import { encodeNifti } from '../../main/io/nifti.ts';
import { planSeries, type SliceInfo } from '../../main/io/series/stacks.ts';
import { tempDir } from '../helpers/temp-store.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/dicom-series/', import.meta.url));

async function scan(path: string): Promise<{ items: ImportItem[]; failures: ImportFailure[] }> {
  const entries: ImportEntry[] = [];
  for await (const e of scanImport([path], { thumbnailSize: 16 })) entries.push(e);
  return { items: entries.filter((e): e is ImportItem => e.kind !== 'failure' && e.kind !== 'medvlsm-dataset'), failures: entries.filter((e): e is ImportFailure => e.kind === 'failure') };
}

/** Pixel (0, 0) of each frame holds 1000 + the true slice index; this window shows it as 125 + k. */
async function trueIndices(item: ImportItem): Promise<number[]> {
  const out: number[] = [];
  for (let k = 0; k < item.frames; k++) out.push((await item.loadFrame(k, { center: 1003, width: 256 })).data[0] - 125);
  return out;
}

const near = (actual: number[][], expected: number[][], tol: number, what: string) =>
  actual.forEach((row, r) => row.forEach((v, c) => assert.ok(Math.abs(v - expected[r][c]) <= tol, `${what}[${r}][${c}] = ${v}, expected ${expected[r][c]}`)));

test('an oblique series in shuffled files becomes one stack sorted by position, with the hand-computed affine', async (t) => {
  const { items, failures } = await scan(join(FIXTURES, 'oblique'));
  assert.deepEqual(failures, []);
  assert.equal(items.length, 1);
  const [stack] = items;
  assert.deepEqual([stack.frames, stack.width, stack.height, stack.modality, stack.fileName], [6, 16, 12, 'CT', 'Oblique 2.5']);
  assert.equal(stack.series?.description, 'Oblique 2.5');
  assert.equal(stack.slices?.length, 6);
  assert.deepEqual(await trueIndices(stack), [0, 1, 2, 3, 4, 5]);
  // the generator's geometry: rows along (cos 30°, sin 30°, 0), columns tilted 20°, 2.5 mm along the normal
  const a = Math.PI / 6;
  const b = Math.PI / 9;
  const row = [Math.cos(a), Math.sin(a), 0];
  const col = [-Math.sin(a) * Math.cos(b), Math.cos(a) * Math.cos(b), Math.sin(b)];
  const n = [row[1] * col[2] - row[2] * col[1], row[2] * col[0] - row[0] * col[2], row[0] * col[1] - row[1] * col[0]];
  const origin = [12.5, -40, 70];
  const lps = [0, 1, 2].map((r) => [row[r] * 0.6, col[r] * 0.8, n[r] * 2.5, origin[r]]);
  const ras = [lps[0].map((v) => -v), lps[1].map((v) => -v), lps[2], [0, 0, 0, 1]];
  near(stack.geometry.affine, ras, 1e-5, 'affine');
  assert.deepEqual(stack.geometry.dims, [16, 12, 6]);
  assert.ok(Math.abs(stack.pixelSpacing![2]! - 2.5) < 1e-5, `slice spacing ${stack.pixelSpacing}`);
  // each slice's file has the position of its place in the stack (read back from the file itself)
  stack.slices!.forEach((s, k) => {
    const h = readDicomHeader(readFileSync(s.sourcePath), s.sourcePath);
    near([h.imagePositionPatient!], [origin.map((o, i) => o + k * 2.5 * n[i])], 1e-5, `slice ${k} IPP`);
    assert.equal(s.sopInstanceUid, h.sopInstanceUID);
    assert.deepEqual(s.position, h.imagePositionPatient);
  });
  // the same series in other files (copied, renamed) is the same content
  const dir = tempDir(t);
  for (const [i, name] of readdirSync(join(FIXTURES, 'oblique')).entries()) cpSync(join(FIXTURES, 'oblique', name), join(dir, `z${9 - i}.dcm`));
  const again = await scan(dir);
  assert.equal(again.items[0].contentHash, stack.contentHash);
});

test('a gap splits the stack and says where', async () => {
  const { items, failures } = await scan(join(FIXTURES, 'gap'));
  assert.deepEqual(failures, []);
  assert.deepEqual(items.map((i) => [i.fileName, i.frames]), [['Gap (part 1 of 2)', 4], ['Gap (part 2 of 2)', 3]]);
  for (const item of items) assert.match(item.note ?? '', /gap: 4 mm between slices at 6 and 10 mm \(2 mm elsewhere/);
  assert.deepEqual(await trueIndices(items[0]), [0, 1, 2, 3]);
  assert.deepEqual(await trueIndices(items[1]), [4, 5, 6]);
  assert.equal(items[1].geometry.affine[2][3], 10, 'the second part starts at z = 10');
});

test('a localizer in the series is imported apart, and the reason is given', async () => {
  const { items } = await scan(join(FIXTURES, 'localizer'));
  assert.equal(items.length, 2);
  const axial = items.find((i) => i.frames === 5)!;
  const localizer = items.find((i) => i.frames === 1)!;
  assert.match(axial.note ?? '', /holds 2 stacks that differ in orientation \(a localizer or another plane\)/);
  assert.deepEqual(await trueIndices(axial), [0, 1, 2, 3, 4]);
  assert.equal((await localizer.loadFrame(0, { center: 1003, width: 256 })).data[0], 125 + 50);
  assert.notEqual(axial.contentHash, localizer.contentHash);
});

test('duplicate positions are reported by file and left out of the stack', async () => {
  const { items, failures } = await scan(join(FIXTURES, 'duplicate'));
  assert.equal(items.length, 1);
  assert.equal(items[0].frames, 4);
  assert.equal(failures.length, 1);
  assert.match(failures[0].reason, /^same position as .*IM\d{4} \(4 mm along the slice normal\) in CT Duplicate/);
  assert.match(items[0].note ?? '', /duplicate position: .* left out/);
});

test('mixed sizes and two echoes split into stacks of one size and one echo', async () => {
  const sizes = await scan(join(FIXTURES, 'mixed-size'));
  assert.deepEqual(sizes.items.map((i) => [i.width, i.height, i.frames]).sort(), [[12, 10, 3], [16, 12, 3]]);
  assert.match(sizes.items[0].note ?? '', /differ in size/);
  const echoes = await scan(join(FIXTURES, 'multi-echo'));
  assert.deepEqual(echoes.items.map((i) => i.fileName), ['Dual echo (echo 1)', 'Dual echo (echo 2)']);
  assert.deepEqual(await trueIndices(echoes.items[1]), [10, 11, 12]);
});

test('an enhanced multi-frame file is a stack of its frames, ordered by their functional-group positions', async () => {
  const { items, failures } = await scan(join(FIXTURES, 'enhanced'));
  assert.deepEqual(failures, []);
  assert.equal(items.length, 1);
  const [stack] = items;
  // frame f of the file holds true slice [3, 0, 4, 1, 2][f]
  assert.deepEqual(stack.slices!.map((s) => s.sourceFrame), [1, 3, 4, 0, 2]);
  assert.deepEqual(await trueIndices(stack), [0, 1, 2, 3, 4]);
  // coronal 1\0\0\0\0\-1, PixelSpacing 0.9\0.7, 3 mm steps along +y, first slice at (−10, 5, 20), by hand
  near(stack.geometry.affine, [[-0.7, 0, 0, 10], [0, 0, -3, -5], [0, -0.9, 0, 20], [0, 0, 0, 1]], 1e-9, 'affine');
});

test('a corrupt slice is named with its reason and the series is imported around it, split at the hole', async (t) => {
  const dir = tempDir(t);
  cpSync(join(FIXTURES, 'oblique'), dir, { recursive: true });
  const names = readdirSync(dir);
  // truncate the file of true slice 2 (found by its pixel tag 1002 through the header position order)
  const byPosition = names.map((f) => ({ f, z: readDicomHeader(readFileSync(join(dir, f)), f).imagePositionPatient![2] })).sort((x, y) => x.z - y.z);
  const broken = join(dir, byPosition[2].f);
  const bytes = readFileSync(broken);
  writeFileSync(broken, bytes.subarray(0, bytes.length - 100));
  const { items, failures } = await scan(dir);
  assert.equal(failures.length, 1);
  assert.equal(basename(failures[0].path), byPosition[2].f);
  assert.match(failures[0].reason, /PixelData|truncated/i);
  assert.deepEqual(items.map((i) => i.frames), [2, 3]);
  assert.match(items[0].note ?? '', /gap: 5 mm/);
});

test('a 4-D NIfTI is one image per volume, "<file> (t = k)", each with its own voxels', async (tc) => {
  const dir = tempDir(tc);
  const dims = [3, 2, 2, 3];
  const data = Array.from({ length: 36 }, (_, v) => 100 * Math.floor(v / 12) + (v % 12));
  writeFileSync(join(dir, 'fmri.nii'), encodeNifti({ data, dims, datatype: 'int16', geometry: makeGeometry([3, 2, 2], [[2, 0, 0, 1], [0, 2, 0, 2], [0, 0, 3, 3], [0, 0, 0, 1]], 1) }));
  const { items, failures } = await scan(dir);
  assert.deepEqual(failures, []);
  assert.deepEqual(items.map((i) => [i.fileName, i.frames, i.width, i.height]), [0, 1, 2].map((t) => [`fmri.nii (t = ${t})`, 2, 3, 2]));
  assert.equal(new Set(items.map((i) => i.contentHash)).size, 3);
  for (const [t, item] of items.entries()) {
    assert.equal(item.note, undefined);
    assert.deepEqual(item.slices!.map((s) => [s.sourceFrame, s.sourceVolume]), [[0, t], [1, t]]);
    for (let z = 0; z < 2; z++) {
      // window centred on 100 t + 100, width 256: a voxel v shows as v − 100 t + 28, its index within the volume + 28
      const raster = await item.loadFrame(z, { center: 100 * t + 100, width: 256 });
      assert.deepEqual([...raster.data], Array.from({ length: 6 }, (_, i) => 6 * z + i + 28), `t = ${t}, z = ${z}`);
    }
  }
});

test('planSeries: the same slices in any order give the same stacks; spacing within 1 % or 0.01 mm is even', () => {
  const slice = (z: number, path: string): SliceInfo => ({
    path, hash: 'a'.repeat(64), frame: 0, studyUid: '1', seriesUid: '1.1', frameOfReferenceUid: null, sopInstanceUid: path, sopClassUid: '', modality: 'CT', seriesDescription: 's', seriesNumber: 1,
    rows: 2, columns: 2, ipp: [0, 0, z], iop: [1, 0, 0, 0, 1, 0], pixelSpacing: [1, 1], echo: null, temporal: null, stackId: null,
  });
  // 5 mm slices with one step 0.04 mm off (within 1 %) and none off by more
  const zs = [0, 5, 10.04, 15, 20];
  const a = planSeries(zs.map((z, i) => slice(z, `f${i}`)));
  const b = planSeries([...zs].reverse().map((z, i) => slice(z, `f${zs.length - 1 - i}`)));
  assert.equal(a.stacks.length, 1);
  assert.deepEqual(a.stacks[0].slices.map((s) => s.path), b.stacks[0].slices.map((s) => s.path));
  // one slice 0.06 mm off at 5 mm is beyond 1 %: both of its steps are uneven, so it stands alone
  const off = planSeries([0, 5, 10.06, 15, 20].map((z, i) => slice(z, `f${i}`)));
  assert.deepEqual(off.stacks.map((s) => s.slices.length), [2, 1, 2]);
  assert.match(off.stacks[0].notes.join('\n'), /uneven spacing: 4\.94 mm|gap: 5\.06 mm/);
  // at 0.5 mm spacing the floor is 0.01 mm: 0.009 mm off is even
  assert.equal(planSeries([0, 0.5, 1.009, 1.5, 2].map((z, i) => slice(z, `f${i}`))).stacks.length, 1);
});
