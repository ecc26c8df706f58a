// Import scanning over a folder made here: good PNG/JPEG/DICOM/NIfTI files, broken ones, a text
// file, hidden and nested entries, a duplicate, a symlink loop and a MedVLSM dataset. Expected
// values come from how the files were built (sizes, hashes, hand-computed window output).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { decode, encode } from 'fast-png';
import jpeg from 'jpeg-js';
import { makeGeometry } from '../../main/io/geometry.ts';
import { scanImport, SourceChangedError, type ImportEntry, type ImportItem, type ImportProgress } from '../../main/io/import-scan.ts';
import { encodeNifti } from '../../main/io/nifti.ts';
import { dicomFile, pixelModule } from '../helpers/dicom-writer.ts';

const root = mkdtempSync(join(tmpdir(), 'delineate-scan-'));
after(() => rmSync(root, { recursive: true, force: true }));

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const put = (rel: string, bytes: Uint8Array | string) => {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), bytes);
  return typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
};

// 5×4 grey ramp
const greyData = Uint8Array.from({ length: 20 }, (_, i) => i * 12);
const goodPng = put('a-good.png', encode({ width: 5, height: 4, data: greyData, depth: 8, channels: 1 }));
const jpegRgba = Buffer.alloc(16 * 8 * 4);
for (let i = 0; i < jpegRgba.length; i++) jpegRgba[i] = (i * 37) % 256;
const goodJpeg = put('b-photo.jpg', new Uint8Array(jpeg.encode({ data: jpegRgba, width: 16, height: 8 }, 90).data));
put('c-corrupt.png', Uint8Array.from([...goodPng.subarray(0, 40), ...new Uint8Array(30).fill(7)]));
put('d-truncated.jpg', goodJpeg.subarray(0, Math.floor(goodJpeg.length * 0.6)));
put('e-notes.txt', 'patient list, not an image\n');
put('f-empty.bin', new Uint8Array(0));
put('.DS_Store', 'hidden');
put('nested/copy-of-a.png', goodPng);
// CT-like DICOM, 3×2: stored values with intercept −1024 give HU −200, 40, 100 / 300, 40, −1024
const stored = Uint16Array.from([824, 1064, 1124, 1324, 1064, 0]);
const ct = put('nested/deeper/ct.dcm', dicomFile([
  { tag: 0x00080060, vr: 'CS', value: 'CT' },
  { tag: 0x00280030, vr: 'DS', value: [0.7, 0.6] },
  { tag: 0x00281050, vr: 'DS', value: [40] },
  { tag: 0x00281051, vr: 'DS', value: [400] },
  { tag: 0x00281052, vr: 'DS', value: [-1024] },
  { tag: 0x00281053, vr: 'DS', value: [1] },
  ...pixelModule({ rows: 2, columns: 3, bits: 16, photometric: 'MONOCHROME2', pixels: stored }),
]));
// NIfTI volume 4×3×5, value = i + 10 j + 100 k, spacing 0.5 × 0.75 × 2 mm (exact in float32), gzip-compressed
const volumeValues = Array.from({ length: 60 }, (_, v) => (v % 4) + 10 * (Math.floor(v / 4) % 3) + 100 * Math.floor(v / 12));
const niftiAffine = [[0.5, 0, 0, 0], [0, 0.75, 0, 0], [0, 0, 2, 0], [0, 0, 0, 1]];
put('nested/deeper/vol.nii.gz', gzipSync(encodeNifti({ data: volumeValues, dims: [4, 3, 5], datatype: 'int16', geometry: makeGeometry([4, 3, 5], niftiAffine, 1) })));
// 16-bit grey PNG, values 1000..4000
put('nested/deeper/wide16.png', encode({ width: 2, height: 2, data: Uint16Array.from([1000, 2000, 3000, 4000]), depth: 16, channels: 1 }));
symlinkSync(root, join(root, 'nested', 'loop'));
// a MedVLSM dataset folder is one entry
put('zz-dataset/images/x.png', encode({ width: 2, height: 2, data: new Uint8Array(4), depth: 8, channels: 1 }));
put('zz-dataset/masks/x.png', encode({ width: 2, height: 2, data: Uint8Array.from([0, 255, 0, 0]), depth: 8, channels: 1 }));
put('zz-dataset/anns/test.json', JSON.stringify([{ img_name: 'x.png', mask_name: 'x.png', prompts: { p0: '', p1: 'lesion' } }]));

async function collect(paths: string[], options: Parameters<typeof scanImport>[1] = {}) {
  const entries: ImportEntry[] = [];
  for await (const e of scanImport(paths, options)) entries.push(e);
  return entries;
}

const item = (e: ImportEntry | undefined): ImportItem => {
  assert.ok(e && e.kind !== 'failure' && e.kind !== 'medvlsm-dataset' && e.kind !== 'dicom-seg', JSON.stringify(e));
  return e;
};

test('a folder scan yields items, failures, duplicates and the dataset in sorted walk order', async () => {
  const progress: ImportProgress[] = [];
  const missing = join(root, 'no-such-thing.png');
  const entries = await collect([root, missing], { onProgress: (p) => progress.push(p) });
  const summary = entries.map((e) => (e.kind === 'failure' ? `failure ${e.path.slice(root.length + 1) || e.path}` : `${e.kind} ${e.sourcePath.slice(root.length + 1)}`));
  assert.deepEqual(summary, [
    'raster a-good.png',
    'raster b-photo.jpg',
    'failure c-corrupt.png',
    'failure d-truncated.jpg',
    'failure e-notes.txt',
    'failure f-empty.bin',
    'raster nested/copy-of-a.png',
    'dicom nested/deeper/ct.dcm',
    'nifti nested/deeper/vol.nii.gz',
    'raster nested/deeper/wide16.png',
    'medvlsm-dataset zz-dataset',
    'failure no-such-thing.png',
  ]);
  const reasons = Object.fromEntries(entries.flatMap((e) => (e.kind === 'failure' ? [[e.path.slice(root.length + 1), e.reason]] : [])));
  assert.match(reasons['c-corrupt.png'], /PNG/i);
  assert.match(reasons['d-truncated.jpg'], /truncated JPEG/);
  assert.equal(reasons['e-notes.txt'], 'not a PNG, JPEG, DICOM or NIfTI file');
  assert.equal(reasons['f-empty.bin'], 'the file is empty');
  assert.equal(reasons['no-such-thing.png'], 'no such file or folder');

  assert.deepEqual(progress[0], { filesSeen: 0, filesTotal: 12, imported: 0, duplicates: 0, failed: 0 });
  assert.deepEqual(progress.at(-1), { filesSeen: 12, filesTotal: 12, imported: 6, duplicates: 1, failed: 5 });
  assert.equal(progress.length, 13);

  const png = item(entries[0]);
  assert.equal(png.format, 'png');
  assert.equal(png.fileName, 'a-good.png');
  assert.equal(png.contentHash, sha(goodPng));
  assert.equal(png.byteLength, goodPng.length);
  assert.deepEqual([png.width, png.height, png.frames, png.channels, png.defaultFrame], [5, 4, 1, 1, 0]);
  assert.deepEqual([png.modality, png.pixelSpacing, png.window], [null, null, null]);
  assert.deepEqual(png.geometry.dims, [5, 4, 1]);
  assert.equal(png.duplicateOf, undefined);
  const thumb = decode(png.thumbnail);
  assert.deepEqual([thumb.width, thumb.height, thumb.channels], [5, 4, 1]);
  assert.deepEqual(Array.from(thumb.data), Array.from(greyData));
  const frame = await png.loadFrame();
  assert.deepEqual(Array.from(frame.data), Array.from(greyData));

  const jpg = item(entries[1]);
  assert.deepEqual([jpg.format, jpg.width, jpg.height, jpg.channels, jpg.contentHash], ['jpeg', 16, 8, 3, sha(goodJpeg)]);

  const dup = item(entries[6]);
  assert.equal(dup.duplicateOf, join(root, 'a-good.png'));
  assert.equal(dup.contentHash, png.contentHash);
  assert.equal(dup.fileName, 'copy-of-a.png');
  assert.deepEqual([dup.width, dup.height], [5, 4]);

  const dcm = item(entries[7]);
  assert.equal(dcm.contentHash, sha(ct));
  assert.deepEqual([dcm.width, dcm.height, dcm.frames, dcm.modality], [3, 2, 1, 'CT']);
  assert.deepEqual(dcm.pixelSpacing, [0.7, 0.6]);
  assert.deepEqual(dcm.window, { center: 40, width: 400 });
  // linear VOI, c 40 w 400: HU ≤ −160 → 0, > 239 → 255, else round(((x − 39.5)/399 + 0.5) × 255)
  const dcmFrame = await dcm.loadFrame(0);
  assert.deepEqual([dcmFrame.width, dcmFrame.height, dcmFrame.channels, dcmFrame.bitDepth], [3, 2, 1, 8]);
  assert.deepEqual(Array.from(dcmFrame.data), [0, 128, 166, 255, 128, 0]);
  assert.deepEqual(Array.from(decode(dcm.thumbnail).data), [0, 128, 166, 255, 128, 0]);

  const nii = item(entries[8]);
  assert.deepEqual([nii.width, nii.height, nii.frames, nii.defaultFrame], [4, 3, 5, 2]);
  assert.deepEqual(nii.pixelSpacing, [0.75, 0.5]);
  assert.deepEqual(nii.geometry.spacing, [0.5, 0.75, 2]);
  // NIfTI has no modality: a robust window over the whole volume, its 0.5 and 99.5 percentiles (numpy
  // 'linear'): of the 60 sorted values, ranks 0.295 (between 0 and 1) and 58.705 (between 422 and 423),
  // so 0.295..422.705 maps to 0..255: display = round((x − 0.295) / 422.41 × 255), 255 above 422.705;
  // slice 2 holds 200 + i + 10 j
  const robust = (x: number) => (x > 422.705 ? 255 : Math.round(((x - 0.295) / 422.41) * 255));
  const slice2 = Array.from({ length: 12 }, (_, p) => robust((p % 4) + 10 * Math.floor(p / 4) + 200));
  assert.deepEqual(Array.from(decode(nii.thumbnail).data), slice2);
  const slice4 = await nii.loadFrame(4);
  assert.deepEqual(Array.from(slice4.data), Array.from({ length: 12 }, (_, p) => robust((p % 4) + 10 * Math.floor(p / 4) + 400)));
  await assert.rejects(nii.loadFrame(5), RangeError);

  const wide = item(entries[9]);
  // percentiles of 1000, 2000, 3000, 4000: 1000 + 0.015 × 1000 and 3000 + 0.985 × 1000
  assert.deepEqual(wide.window, { center: 2500.5, width: 2971 });
  assert.deepEqual(Array.from(decode(wide.thumbnail).data), [0, 85, 170, 255]);

  const ds = entries[10];
  assert.ok(ds.kind === 'medvlsm-dataset');
  assert.equal(ds.dataset.records.length, 1);
  assert.deepEqual(ds.dataset.records[0].prompts, { p0: '', p1: 'lesion' });
});

test('a loader refuses a file that changed after the scan', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'delineate-scan-change-'));
  try {
    writeFileSync(join(dir, 'a.png'), goodPng);
    const [entry] = await collect([join(dir, 'a.png')]);
    writeFileSync(join(dir, 'a.png'), encode({ width: 1, height: 1, data: new Uint8Array(1), depth: 8, channels: 1 }));
    await assert.rejects(item(entry).loadFrame(), SourceChangedError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the same file named twice is listed once; aborting stops the scan', async () => {
  const entries = await collect([join(root, 'a-good.png'), join(root, 'a-good.png')]);
  assert.equal(entries.length, 1);

  const controller = new AbortController();
  const seen: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const e of scanImport([root], { signal: controller.signal })) {
        seen.push(e.kind);
        controller.abort();
      }
    })(),
    { name: 'AbortError' },
  );
  assert.deepEqual(seen, ['raster']);
});
