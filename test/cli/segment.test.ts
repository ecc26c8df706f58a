// `delineate segment` as a user runs it on the tiny model: logits and masks against the PyTorch
// goldens, NIfTI masks that carry the source's geometry (NIfTI and DICOM sources, read back with
// the independent nifti-reader-js), and the errors a user meets.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { decode as decodePng } from 'fast-png';
import * as nifti from 'nifti-reader-js';
import { readNpy } from '../../main/engine/model/npy.ts';
import { makeGeometry } from '../../main/io/geometry.ts';
import { writeGreyImage } from '../../main/io/nifti.ts';
import { decodeImage } from '../../main/io/image-decode.ts';
import { dicomFile, pixelModule } from '../helpers/dicom-writer.ts';

const bin = fileURLToPath(new URL('../../main/delineate.mjs', import.meta.url));
const model = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));
const image = join(model, 'image.png');
const tmp = mkdtempSync(join(tmpdir(), 'delineate-segment-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, 'segment', ...args], { encoding: 'utf8', env: { ...process.env, DELINEATE_PROVIDER: 'cpu', DELINEATE_DATA: join(tmp, 'data') } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

const golden = (): Float32Array => readNpy(join(model, 'golden/none_b1_logits.npy')).data as Float32Array;

function readNifti(path: string): { header: nifti.NIFTI1; voxels: Uint8Array } {
  let bytes = readFileSync(path);
  if (path.endsWith('.gz')) bytes = gunzipSync(bytes);
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const header = nifti.readHeader(buf) as nifti.NIFTI1;
  return { header, voxels: new Uint8Array(nifti.readImage(header, buf)) };
}

test('two prompts on one encoding: logits .npy equal the golden, masks are σ(golden) > 0.5 as 0/255 PNG', () => {
  const r = run('--model', model, '--image', image, '--prompt', 'a polyp in an endoscopy image', '--prompt', 'tumor', '--out', join(tmp, 'masks'), '--logits', join(tmp, 'logits'), '--json');
  assert.equal(r.code, 0, r.err);
  const rows = r.out.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(rows.map((x) => x.prompt), ['a polyp in an endoscopy image', 'tumor']);
  const logits = readNpy(join(tmp, 'logits/01-a-polyp-in-an-endoscopy-image.npy'));
  assert.deepEqual(logits.shape, [64, 64]);
  const g = golden();
  let worst = 0;
  for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs((logits.data as Float32Array)[i] - g[i]));
  assert.ok(worst <= 1e-4, `max |Δ| ${worst}`);
  const png = decodePng(readFileSync(join(tmp, 'masks/01-a-polyp-in-an-endoscopy-image.png')));
  assert.equal(png.width, 64);
  assert.equal(png.channels, 1);
  let inside = 0;
  for (let i = 0; i < g.length; i++) {
    if (Math.abs(g[i]) < 1e-3) continue; // too close to the threshold to call
    assert.equal(png.data[i], g[i] > 0 ? 255 : 0, `pixel ${i}`);
    inside += g[i] > 0 ? 1 : 0;
  }
  assert.ok(Math.abs(rows[0].pixels - inside) <= 5);
});

test('NIfTI source: the mask of slice 1 carries that slice\'s affine (qform = sform)', () => {
  const raster = decodeImage(readFileSync(image), 'image.png');
  const [w, h, d] = [64, 64, 3];
  const values = new Int16Array(w * h * d);
  for (let k = 0; k < d; k++) for (let i = 0; i < w * h; i++) values[k * w * h + i] = raster.data[i * 3] * 4 - 100;
  // A rotated, anisotropic frame: 0.5 mm columns along −x, 0.8 mm rows along +y·cos + z·sin, 2 mm slices.
  const [c, s] = [Math.cos(0.3), Math.sin(0.3)];
  const affine = [[-0.5, 0, 0, 10], [0, 0.8 * c, -2 * s, -20], [0, 0.8 * s, 2 * c, 30], [0, 0, 0, 1]];
  const source = join(tmp, 'volume.nii.gz');
  writeGreyImage(source, values, 'int16', makeGeometry([w, h, d], affine, 1));
  const out = join(tmp, 'slice1.nii.gz');
  const r = run('--model', model, '--image', source, '--frame', '1', '--prompt', 'a polyp', '--out', out);
  assert.equal(r.code, 0, r.err);
  const { header, voxels } = readNifti(out);
  assert.equal(header.datatypeCode, 2);
  assert.equal(header.dims[1], w);
  assert.equal(header.dims[2], h);
  assert.ok(voxels.every((v) => v === 0 || v === 1));
  // slice 1's origin: A · [0, 0, 1, 1]
  const expected = affine.map((row) => [row[0], row[1], row[2], row[2] * 1 + row[3]]);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) assert.ok(Math.abs(header.affine[i][j] - expected[i][j]) < 1e-4, `sform[${i}][${j}]`);
  assert.equal(header.qform_code, header.sform_code);
});

test('DICOM source: the NIfTI mask\'s affine is built from IPP/IOP/PixelSpacing with LPS → RAS', () => {
  const raster = decodeImage(readFileSync(image), 'image.png');
  const pixels = new Uint16Array(64 * 64).map((_, i) => raster.data[i * 3] * 8);
  const file = join(tmp, 'slice.dcm');
  writeFileSync(file, dicomFile([
    { tag: 0x00080060, vr: 'CS', value: 'MR' },
    { tag: 0x00200032, vr: 'DS', value: [-100, -120, 40] },
    { tag: 0x00200037, vr: 'DS', value: [1, 0, 0, 0, 1, 0] },
    { tag: 0x00280030, vr: 'DS', value: [0.9, 0.7] }, // row spacing, column spacing
    ...pixelModule({ rows: 64, columns: 64, bits: 16, photometric: 'MONOCHROME2', pixels }),
  ]));
  const out = join(tmp, 'dicom-mask.nii');
  const r = run('--model', model, '--image', file, '--prompt', 'a polyp', '--out', out);
  assert.equal(r.code, 0, r.err);
  const { header } = readNifti(out);
  // LPS: column i moves +x by 0.7, row j moves +y by 0.9, origin (−100, −120, 40); RAS negates x and y.
  const expected = [[-0.7, 0, 0, 100], [0, -0.9, 0, 120], [0, 0, 1, 40]];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) {
    if (i === 2 && j === 2) continue; // slice thickness of a single slice is a convention
    assert.ok(Math.abs(header.affine[i][j] - expected[i][j]) < 1e-4, `sform[${i}][${j}] = ${header.affine[i][j]}`);
  }
});

test('no model installed: the error says how to install one', () => {
  const r = run('--image', image, '--prompt', 'x');
  assert.equal(r.code, 1);
  assert.match(r.err, /npx delineate model download/);
  assert.match(r.err, /npx delineate model import DIR/);
});

test('bad input: corrupt image, bad threshold, missing prompt', () => {
  const bad = join(tmp, 'broken.png');
  writeFileSync(bad, readFileSync(image).subarray(0, 100));
  const corrupt = run('--model', model, '--image', bad, '--prompt', 'x');
  assert.equal(corrupt.code, 1);
  assert.match(corrupt.err, /broken\.png/);
  assert.equal(run('--model', model, '--image', image, '--prompt', 'x', '--threshold', '2').code, 2);
  const none = run('--model', model, '--image', image);
  assert.equal(none.code, 2);
  assert.match(none.err, /at least one --prompt/);
});

test('--adapter: a dense VLC adapter file changes the logits to the reference\'s da-vlc golden', () => {
  const out = join(tmp, 'adapted.npy');
  const r = run('--model', model, '--image', image, '--prompt', 'a polyp in an endoscopy image', '--adapter', join(model, 'adapters_da.safetensors'), '--logits', out);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /adapter .*: da-vlc/);
  const ours = readNpy(out).data as Float32Array;
  const golden = readNpy(join(model, 'golden/da-vlc_b1_logits.npy')).data as Float32Array;
  let worst = 0;
  for (let i = 0; i < golden.length; i++) worst = Math.max(worst, Math.abs(ours[i] - golden[i]));
  assert.ok(worst <= 1e-4, `max |Δ| ${worst}`);
  const bad = run('--model', model, '--image', image, '--prompt', 'x', '--adapter', join(model, 'model.safetensors'));
  assert.equal(bad.code, 1);
  assert.match(bad.err, /no VLSM-Adapter tensors/);
});

test('output problems are named before anything is written: bad --logits name, missing --out folder', async () => {
  const { existsSync } = await import('node:fs');
  const mask = join(tmp, 'early.png');
  const r = run('--model', model, '--image', image, '--prompt', 'x', '--out', mask, '--logits', join(tmp, 'x.bin'));
  assert.equal(r.code, 2);
  assert.match(r.err, /--logits .*x\.bin: the file name must end in \.npy/);
  assert.equal(existsSync(mask), false, 'no mask written for a run that was refused');
  const missing = run('--model', model, '--image', image, '--prompt', 'x', '--out', join(tmp, 'nosuch', 'm.png'));
  assert.equal(missing.code, 1);
  assert.match(missing.err, /cannot write .*nosuch\/m\.png: the folder .*nosuch does not exist/);
});
