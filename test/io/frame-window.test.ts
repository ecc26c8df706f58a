// A frame made through a window other than the import's: the window applies to the raw values
// (after DICOM rescale / NIfTI scl_slope+scl_inter), so values the import's window clipped show.
// Expected grey levels are worked out by hand from PS3.3 C.11.2.1.2.1 (linear VOI function):
// x ≤ c − 0.5 − (w−1)/2 → 0; x > c − 0.5 + (w−1)/2 → 255; else round(((x − (c − 0.5))/(w − 1) + 0.5)·255).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encode } from 'fast-png';
import { makeGeometry } from '../../main/io/geometry.ts';
import { loadSourceFrame, scanImport, SourceChangedError, type ImportItem } from '../../main/io/import-scan.ts';
import { encodeNifti } from '../../main/io/nifti.ts';
import { WindowError } from '../../main/io/window.ts';
import { dicomFile, pixelModule } from '../helpers/dicom-writer.ts';

const root = mkdtempSync(join(tmpdir(), 'delineate-frame-window-'));
after(() => rmSync(root, { recursive: true, force: true }));

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const put = (name: string, bytes: Uint8Array) => {
  const path = join(root, name);
  writeFileSync(path, bytes);
  return { path, hash: sha(bytes) };
};
const grey = async (path: string, hash: string, frame: number, window?: { center: number; width: number }) => [...(await loadSourceFrame(path, hash, frame, window)).data];

const LUNG = { center: -600, width: 1500 };
const BONE = { center: 480, width: 2500 };
const BRAIN = { center: 40, width: 80 };

// A 4×2 CT with a soft-tissue header window (W400/L40); stored values = HU + 1024 (intercept −1024).
const HU = [-1000, -600, -160, 0, 20, 40, 239, 1000];
const ct = (photometric: string) =>
  dicomFile([
    { tag: 0x00080060, vr: 'CS', value: 'CT' },
    { tag: 0x00281050, vr: 'DS', value: [40] },
    { tag: 0x00281051, vr: 'DS', value: [400] },
    { tag: 0x00281052, vr: 'DS', value: [-1024] },
    { tag: 0x00281053, vr: 'DS', value: [1] },
    ...pixelModule({ rows: 2, columns: 4, bits: 16, photometric, pixels: Uint16Array.from(HU, (h) => h + 1024) }),
  ]);

test('DICOM: the import window clips what lung, bone and brain windows show, computed from HU', async () => {
  const { path, hash } = put('ct.dcm', ct('MONOCHROME2'));
  // soft tissue: edges −160 and 239; 0 → (−39.5/399 + 0.5)·255 = 102.26; 20 → 115.04; 40 → 127.82
  assert.deepEqual(await grey(path, hash, 0), [0, 0, 0, 102, 115, 128, 255, 255]);
  // lung: edges −1350 and 149; −1000 → (−399.5/1499 + 0.5)·255 = 59.54; −600 → 127.59;
  // −160 → (440.5/1499 + 0.5)·255 = 202.43; 0 → 229.65; 20 → 233.05; 40 → 236.46
  assert.deepEqual(await grey(path, hash, 0, LUNG), [60, 128, 202, 230, 233, 236, 255, 255], 'air and lung, black in the import window, are graded');
  // bone: edges −770 and 1729; −600 → (−1079.5/2499 + 0.5)·255 = 17.35; 239 → 102.96; 1000 → (520.5/2499 + 0.5)·255 = 180.61
  assert.deepEqual(await grey(path, hash, 0, BONE), [0, 17, 62, 79, 81, 83, 103, 181], '1000 HU, white in the import window, is grey');
  // brain: edges 0 and 79 (0 is at the low edge, so black); 20 → (−19.5/79 + 0.5)·255 = 64.56; 40 → 129.11
  assert.deepEqual(await grey(path, hash, 0, BRAIN), [0, 0, 0, 0, 65, 129, 255, 255]);
  // the import's own window given explicitly is the same as none
  assert.deepEqual(await grey(path, hash, 0, { center: 40, width: 400 }), await grey(path, hash, 0));
});

test('DICOM MONOCHROME1: windowed, then inverted', async () => {
  const { path, hash } = put('ct-mono1.dcm', ct('MONOCHROME1'));
  assert.deepEqual(await grey(path, hash, 0, LUNG), [195, 127, 53, 25, 22, 19, 0, 0]);
});

test('NIfTI: the window applies after scl_slope/scl_inter; cal_min..cal_max is the import window', async () => {
  // slice 1 of a 4×2×2 int16 volume; stored r, value 2r − 1000: −1000, −200, 0, 50, 100, 300, 1000, 2000
  const slice1 = [0, 400, 500, 525, 550, 650, 1000, 1500];
  const data = [...new Array(8).fill(500), ...slice1];
  const bytes = encodeNifti({ data, dims: [4, 2, 2], datatype: 'int16', geometry: makeGeometry([4, 2, 2], [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], 1) });
  const header = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  header.setFloat32(112, 2, true); // scl_slope
  header.setFloat32(116, -1000, true); // scl_inter
  header.setFloat32(124, 100, true); // cal_max
  header.setFloat32(128, 0, true); // cal_min
  const { path, hash } = put('vol.nii', bytes);
  // import window from cal 0..100: c 50.5, w 101, edges 0 and 100; 50 → (0/100 + 0.5)·255 = 127.5 → 128
  assert.deepEqual(await grey(path, hash, 1), [0, 0, 0, 128, 255, 255, 255, 255]);
  // c 500, w 2001: edges −500.5 and 1499.5; −200 → (−699.5/2000 + 0.5)·255 = 38.31; 0 → 63.81;
  // 50 → 70.19; 100 → 76.56; 300 → 102.06; 1000 → 191.31
  assert.deepEqual(await grey(path, hash, 1, { center: 500, width: 2001 }), [0, 38, 64, 70, 77, 102, 191, 255]);
  // slice 0 is all 2·500 − 1000 = 0: at the low edge of c 50.5 / w 101 → 0; 63.81 → 64 through c 500
  assert.deepEqual(await grey(path, hash, 0, { center: 500, width: 2001 }), new Array(8).fill(64));
});

test('16-bit grey PNG: the raw values are windowed; alpha is scaled, not windowed', async () => {
  const { path, hash } = put('wide16.png', encode({ width: 4, height: 1, data: Uint16Array.from([1000, 65535, 2000, 0, 3000, 65535, 4000, 32896]), depth: 16, channels: 2 }));
  // the import window spans the 0.5..99.5 percentiles 1015..3985 (c 2500.5, w 2971): 2000 → (−500/2970 + 0.5)·255 = 84.6 → 85
  assert.deepEqual(await grey(path, hash, 0), [0, 255, 85, 0, 170, 255, 255, 128]);
  // c 2000, w 1000: edges 1500 and 2499; 2000 → (0.5/999 + 0.5)·255 = 127.63
  assert.deepEqual(await grey(path, hash, 0, { center: 2000, width: 1000 }), [0, 255, 128, 0, 255, 255, 255, 128]);
});

test('8-bit PNG: the identity window changes nothing; another windows grey and colour, keeps alpha', async () => {
  const levels = [50, 80, 100, 124, 200];
  const g = put('grey8.png', encode({ width: 5, height: 1, data: Uint8Array.from(levels), depth: 8, channels: 1 }));
  assert.deepEqual(await grey(g.path, g.hash, 0, { center: 128, width: 256 }), levels);
  // c 100, w 50: edges 75 and 124; 80 → (−19.5/49 + 0.5)·255 = 26.02; 100 → 130.10; 124 → 255
  assert.deepEqual(await grey(g.path, g.hash, 0, { center: 100, width: 50 }), [0, 26, 130, 255, 255]);
  const rgba = put('rgba8.png', encode({ width: 1, height: 1, data: Uint8Array.from([80, 100, 200, 77]), depth: 8, channels: 4 }));
  assert.deepEqual(await grey(rgba.path, rgba.hash, 0, { center: 100, width: 50 }), [26, 130, 255, 77]);
  assert.deepEqual(await grey(rgba.path, rgba.hash, 0, { center: 128, width: 256 }), [80, 100, 200, 77]);
});

test('an unusable window is a WindowError naming the problem, before the file is read', async () => {
  const missing = join(root, 'not-there.dcm');
  const bad: [unknown, RegExp][] = [
    [{ center: Number.NaN, width: 400 }, /center must be a finite number, got NaN/],
    [{ center: 40, width: 0.5 }, /width must be a finite number ≥ 1, got 0\.5/],
    [{ center: 40, width: Number.POSITIVE_INFINITY }, /width must be a finite number ≥ 1, got Infinity/],
    [{ center: '40', width: 400 }, /center must be a finite number, got "40"/],
    [{ center: 40 }, /width must be a finite number ≥ 1, got nothing/],
  ];
  for (const [window, message] of bad) {
    await assert.rejects(loadSourceFrame(missing, 'x'.repeat(64), 0, window as { center: number; width: number }), (e: Error) => {
      assert.ok(e instanceof WindowError && e instanceof RangeError, String(e));
      assert.match(e.message, message);
      assert.match(e.message, /not-there\.dcm: display window/);
      return true;
    });
  }
});

test('the decoded file is reused across windows until its size or mtime changes', async () => {
  const original = ct('MONOCHROME2');
  const { path, hash } = put('cached.dcm', original);
  const when = 1_700_000_000; // whole seconds, so setting it again gives the very same mtimeMs
  utimesSync(path, when, when);
  await loadSourceFrame(path, hash, 0, BONE);
  // same size, same mtime, different bytes: only a cached decode can still answer (with the new window)
  const altered = original.slice();
  altered[altered.length - 1] ^= 0xff;
  writeFileSync(path, altered);
  utimesSync(path, when, when);
  assert.equal(statSync(path).size, original.length);
  assert.deepEqual(await grey(path, hash, 0, LUNG), [60, 128, 202, 230, 233, 236, 255, 255]);
  // a new mtime sends it back to the file, whose hash no longer matches
  utimesSync(path, when, when + 5);
  await assert.rejects(loadSourceFrame(path, hash, 0, LUNG), SourceChangedError);
});

test("an imported item's loadFrame takes a window too", async () => {
  const { path } = put('item.dcm', ct('MONOCHROME2'));
  const entries = [];
  for await (const e of scanImport([path])) entries.push(e);
  const item = entries[0] as ImportItem;
  assert.deepEqual(item.window, { center: 40, width: 400 });
  assert.deepEqual([...(await item.loadFrame(0, LUNG)).data], [60, 128, 202, 230, 233, 236, 255, 255]);
});
