// `delineate segment` on volumes with the tiny model: one full-grid mask whose header geometry is
// the source's (read back with the independent nifti-reader-js), every slice equal to segmenting
// that slice alone (so batching and padding change nothing), --slices ranges, and 4-D NIfTI volume
// choice.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as nifti from 'nifti-reader-js';
import { affineToQuaternion, makeGeometry, type Geometry, type Mat4 } from '../../main/io/geometry.ts';
import { writeNifti } from '../../main/io/nifti.ts';
import { decodeImage } from '../../main/io/image-decode.ts';

const bin = fileURLToPath(new URL('../../main/delineate.mjs', import.meta.url));
const model = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'delineate-segment-volume-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, 'segment', '--model', model, ...args], { encoding: 'utf8', env: { ...process.env, DELINEATE_PROVIDER: 'cpu', DELINEATE_DATA: join(tmp, 'data') } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

function readBack(path: string): { header: nifti.NIFTI1; voxels: Uint8Array } {
  let bytes = readFileSync(path);
  if (nifti.isCompressed(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))) bytes = gunzipSync(bytes);
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const header = nifti.readHeader(buf) as nifti.NIFTI1;
  return { header, voxels: new Uint8Array(nifti.readImage(header, buf)) };
}

const [W, H] = [48, 40];
const plane = W * H;
const photo = decodeImage(readFileSync(join(model, 'image.png')), 'image.png');

/** Slice k: the fixture photo's red channel cropped at an offset that moves with k, scaled to CT-like values. */
function sliceValues(k: number, t = 0): Int16Array {
  const out = new Int16Array(plane);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const sx = Math.min(63, x + k * 2 + t * 5);
    const sy = Math.min(63, y + k + t * 3);
    out[y * W + x] = photo.data[(sy * 64 + sx) * 3] * 4 - 200 + t * 40;
  }
  return out;
}

// An oblique, anisotropic frame whose qform and sform differ (codes 1 and 2): a mask must copy both verbatim.
const [c, s] = [Math.cos(0.4), Math.sin(0.4)];
const sform: Mat4 = [[-0.7, 0, 0, 31.5], [0, 0.9 * c, -2.5 * s, -12.25], [0, 0.9 * s, 2.5 * c, 7.75], [0, 0, 0, 1]];
const q = affineToQuaternion([[-0.7, 0, 0, 30], [0, 0.9, 0, -10], [0, 0, 2.5, 5], [0, 0, 0, 1]]);

function geometry(slices: number, dim: number[]): Geometry {
  const g = makeGeometry([W, H, slices], sform, 2);
  g.nifti = { dim: dim.slice(0, 3), pixdim: [q.qfac, ...q.pixdim, 1.5, 1, 1, 1], qformCode: 1, sformCode: 2, quatern: [q.b, q.c, q.d], qoffset: q.qoffset, srow: sform.slice(0, 3), spatialUnits: 2 };
  return g;
}

function writeVolume(path: string, slices: number, volumes = 1, only?: number): void {
  const data = new Int16Array(plane * slices * volumes);
  for (let t = 0; t < volumes; t++) for (let k = 0; k < slices; k++) data.set(sliceValues(k, only ?? t), (t * slices + k) * plane);
  const dims = volumes > 1 ? [W, H, slices, volumes] : [W, H, slices];
  writeNifti(path, { data, dims, datatype: 'int16', geometry: geometry(slices, dims) });
}

const D = 5;
const source = join(tmp, 'volume.nii.gz');
writeVolume(source, D);

/** The header fields that place voxels in the world, as the independent reader sees them. */
const placement = (h: nifti.NIFTI1) => ({
  qform_code: h.qform_code, sform_code: h.sform_code, quatern: [h.quatern_b, h.quatern_c, h.quatern_d], qoffset: [h.qoffset_x, h.qoffset_y, h.qoffset_z],
  pixDims: h.pixDims.slice(0, 4), affine: h.affine.slice(0, 3), dims: h.dims.slice(0, 4),
});

let full: Uint8Array;

test('every slice of a NIfTI volume, batched (2 + 2 + a padded 1): one full-grid mask with the source\'s qform and sform', () => {
  const out = join(tmp, 'full.nii.gz');
  const r = run('--image', source, '--prompt', 'a polyp', '--batch', '2', '--out', out, '--json');
  assert.equal(r.code, 0, r.err);
  const row = JSON.parse(r.out.trim());
  assert.deepEqual([row.slices, row.range, row.batch, row.written], [D, [0, D], 2, [out]]);
  assert.match(r.err, /\] 5\/5 slices .* slices\/s/, 'the progress line (stderr is a pipe here: plain lines)');
  const { header, voxels } = readBack(out);
  const src = readBack(source).header;
  assert.deepEqual(placement(header), placement(src));
  assert.equal(header.datatypeCode, 2);
  assert.equal(header.intent_code, 1002);
  assert.equal(voxels.length, D * plane);
  assert.ok(voxels.every((v) => v === 0 || v === 1));
  full = voxels;
  const areas = Array.from({ length: D }, (_, k) => full.subarray(k * plane, (k + 1) * plane).reduce((a, b) => a + b, 0));
  assert.ok(areas.some((a) => a > 0), `the prompt finds something: ${areas}`);
  assert.equal(row.voxels, areas.reduce((a, b) => a + b, 0));
});

test('each slice of the full grid equals segmenting that slice alone (--frame k, unbatched)', () => {
  assert.ok(full, 'the full run passed');
  for (let k = 0; k < D; k++) {
    const out = join(tmp, `slice${k}.nii`);
    const r = run('--image', source, '--frame', String(k), '--prompt', 'a polyp', '--out', out);
    assert.equal(r.code, 0, r.err);
    const { header, voxels } = readBack(out);
    assert.deepEqual(header.dims.slice(0, 3), [2, W, H], 'one slice as a 2-D image');
    assert.deepEqual(voxels, full.subarray(k * plane, (k + 1) * plane), `slice ${k}`);
  }
});

test('--slices 1:3 segments slices 1 and 2 (B exclusive) and leaves the rest of the grid zero', () => {
  assert.ok(full, 'the full run passed');
  const out = join(tmp, 'range.nii');
  const r = run('--image', source, '--prompt', 'a polyp', '--slices', '1:3', '--out', out, '--json');
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out).range, [1, 3]);
  const { header, voxels } = readBack(out);
  assert.deepEqual(placement(header), placement(readBack(source).header));
  for (let k = 0; k < D; k++) {
    const got = voxels.subarray(k * plane, (k + 1) * plane);
    if (k === 1 || k === 2) assert.deepEqual(got, full.subarray(k * plane, (k + 1) * plane), `slice ${k}`);
    else assert.ok(got.every((v) => v === 0), `slice ${k} is outside the range`);
  }
  const bad = run('--image', source, '--prompt', 'a polyp', '--slices', '0:9', '--out', join(tmp, 'bad.nii'));
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--slices: slice range '0:9' selects no slices of 0\.\.4/);
});

test('a 4-D NIfTI: without --volume an error naming the volume count; --volume t segments that volume', () => {
  const four = join(tmp, 'four.nii.gz');
  writeVolume(four, D, 3);
  const missing = run('--image', four, '--prompt', 'a polyp', '--out', join(tmp, 'four-mask.nii.gz'));
  assert.equal(missing.code, 2);
  assert.match(missing.err, /four\.nii\.gz is a 4-D NIfTI \(48×40×5×3\) with 3 volumes: pick one with --volume t \(0\.\.2\)/);
  assert.equal(run('--image', four, '--prompt', 'a polyp', '--volume', '3', '--out', join(tmp, 'x.nii')).code, 2);

  const out = join(tmp, 'four-t2.nii.gz');
  const r = run('--image', four, '--volume', '2', '--prompt', 'a polyp', '--batch', '3', '--out', out);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /volume t = 2 of 3/);
  // the same volume written as a 3-D file on its own, segmented one slice per run
  const alone = join(tmp, 't2-alone.nii.gz');
  writeVolume(alone, D, 1, 2);
  const expected = join(tmp, 't2-alone-mask.nii.gz');
  assert.equal(run('--image', alone, '--prompt', 'a polyp', '--batch', '1', '--out', expected).code, 0);
  const got = readBack(out);
  assert.deepEqual(got.voxels, readBack(expected).voxels);
  assert.notDeepEqual(got.voxels, full, 'volume 2 is not volume 0');
  const src = placement(readBack(four).header);
  assert.deepEqual(placement(got.header), { ...src, dims: [3, W, H, D] }, 'the spatial grid of the 4-D source');
});

test('volume mode refuses outputs that cannot hold a volume before running', () => {
  const png = run('--image', source, '--prompt', 'a polyp', '--out', join(tmp, 'mask.png'));
  assert.equal(png.code, 2);
  assert.match(png.err, /a volume's mask is one 3-D file/);
});

test('.dcm: a DICOM SEG of a DICOM source, read back with pydicom and checked by dciodvfy; refused for a NIfTI source', async () => {
  const { dciodvfy, pydicomReadSeg } = await import('../helpers/dicom-tools.ts');
  const ct = fileURLToPath(new URL('../fixtures/dicom-seg/ct/a2.dcm', import.meta.url));
  const out = join(tmp, 'seg.dcm');
  const r = run('--image', ct, '--prompt', 'a polyp', '--threshold', '0.3', '--out', out, '--json');
  assert.equal(r.code, 0, r.err);
  const nii = join(tmp, 'seg-as.nii');
  assert.equal(run('--image', ct, '--prompt', 'a polyp', '--threshold', '0.3', '--out', nii).code, 0);
  const mask = readBack(nii).voxels;
  assert.ok(mask.some((v) => v === 1), 'something to write');
  assert.deepEqual(dciodvfy(out).errors, []);
  const seg = pydicomReadSeg(out, [ct]);
  assert.equal(seg.sopClassUID, '1.2.840.10008.5.1.4.1.1.66.4');
  assert.deepEqual(seg.segments.map((s) => [s.number, s.label, s.algorithmType]), [[1, 'a polyp', 'AUTOMATIC']]);
  assert.match(seg.segments[0].algorithmName ?? '', /^CLIPSeg /);
  assert.equal(seg.frames.length, 1);
  assert.equal(seg.frames[0].sopInstanceUID, seg.sources[0].sopInstanceUID);
  assert.deepEqual(seg.frames[0].position, seg.sources[0].position);
  assert.equal(seg.frames[0].bits, Array.from(mask, String).join(''), 'the SEG frame is the mask segment writes as NIfTI');
  assert.equal(seg.frameOfReferenceUID, seg.sources[0].frameOfReferenceUID);

  const refused = run('--image', source, '--prompt', 'a polyp', '--out', join(tmp, 'nifti-source.dcm'));
  assert.equal(refused.code, 2);
  assert.match(refused.err, /a DICOM SEG refers to DICOM source images, and .*volume\.nii\.gz is NIfTI/);
});

test('a DICOM series folder: the sorted stack\'s affine (not file-name order), each slice as segmented alone, and a SEG whose frames sit on the source slices (pydicom, dciodvfy)', async () => {
  const { dciodvfy, pydicomReadSeg } = await import('../helpers/dicom-tools.ts');
  const { ORIENTATION, PIXEL_SPACING, SLICE_STEP, STACK, FIXTURES, ROWS, COLUMNS } = await import('../io/dicom-seg-fixture.ts');
  const folder = join(FIXTURES, 'ct');
  const out = join(tmp, 'series.nii.gz');
  const r = run('--image', folder, '--prompt', 'a polyp', '--threshold', '0.3', '--batch', '2', '--out', out);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /"oblique 5 slices": 5 slices of 13×11/);
  const seg = join(tmp, 'series.dcm');
  assert.equal(run('--image', folder, '--prompt', 'a polyp', '--threshold', '0.3', '--out', seg).code, 0);
  assert.deepEqual(dciodvfy(seg).errors, []);
  const read = pydicomReadSeg(seg, STACK);

  // the expected affine, by hand from the fixture's geometry and the first stack slice's IPP (LPS → RAS)
  const [rx, ry, rz, cx, cy, cz] = ORIENTATION;
  const n = [ry * cz - rz * cy, rz * cx - rx * cz, rx * cy - ry * cx];
  const ipp = read.sources[0].position;
  const lps = [0, 1, 2].map((i) => [[rx, ry, rz][i] * PIXEL_SPACING[1], [cx, cy, cz][i] * PIXEL_SPACING[0], n[i] * SLICE_STEP, ipp[i]]);
  const expected = [lps[0].map((v) => -v), lps[1].map((v) => -v), lps[2]];
  const { header, voxels } = readBack(out);
  assert.deepEqual(header.dims.slice(0, 4), [3, COLUMNS, ROWS, 5]);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) assert.ok(Math.abs(header.affine[i][j] - expected[i][j]) < 1e-3, `affine[${i}][${j}] ${header.affine[i][j]} vs ${expected[i][j]}`);

  const plane = ROWS * COLUMNS;
  // slice k alone (the series' window, which a lone file does not have, so through the folder), unbatched
  for (const k of [0, 4]) {
    const alone = join(tmp, `stack${k}.nii`);
    assert.equal(run('--image', folder, '--frame', String(k), '--prompt', 'a polyp', '--threshold', '0.3', '--out', alone).code, 0);
    assert.deepEqual(voxels.subarray(k * plane, (k + 1) * plane), readBack(alone).voxels, `slice ${k}`);
  }
  // one SEG frame per non-empty slice, on that slice's source instance and position
  const nonEmpty = [0, 1, 2, 3, 4].filter((k) => voxels.subarray(k * plane, (k + 1) * plane).some((v) => v === 1));
  assert.deepEqual(read.frames.map((f) => f.sopInstanceUID), nonEmpty.map((k) => read.sources[k].sopInstanceUID));
  assert.deepEqual(read.frames.map((f) => f.position), nonEmpty.map((k) => read.sources[k].position));
  assert.deepEqual(read.frames.map((f) => f.bits), nonEmpty.map((k) => Array.from(voxels.subarray(k * plane, (k + 1) * plane), String).join('')));

  const wrong = run('--image', folder, '--series', '1.2.3', '--prompt', 'a polyp', '--out', join(tmp, 'x.nii'));
  assert.equal(wrong.code, 2);
  assert.match(wrong.err, /--series 1\.2\.3: .* holds no such series \(it has: series 2\.25\./);
});
