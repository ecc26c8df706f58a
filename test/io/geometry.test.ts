// Voxel→RAS geometry: DICOM conversion, the raster convention, and NIfTI quaternions checked
// against known rotations and against nifti-reader-js's independent qform→affine.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NIFTI1 } from 'nifti-reader-js';
import { affineFromDicom, affineToQuaternion, defaultRasterAffine, makeGeometry, quaternionToAffine, rasterGeometry, sliceGeometry, voxelToWorld, type Mat4 } from '../../main/io/geometry.ts';
import { rng } from '../helpers/random.ts';

const near = (actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what = '') => {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}] = ${actual[i]}, expected ${expected[i]}`);
};

test('affineFromDicom: LPS→RAS, row spacing along j, a vector slice step kept as given', () => {
  const a = affineFromDicom([5, 6, 7], [1, 0, 0, 0, 1, 0], [2, 3], [0.1, 0.2, 4]);
  // voxel (1, 0, 0) moves 3 mm along LPS +x (patient left) = RAS −x; (0, 1, 0) 2 mm posterior = RAS −y
  assert.deepEqual(voxelToWorld(a, [0, 0, 0]), [-5, -6, 7]);
  assert.deepEqual(voxelToWorld(a, [1, 0, 0]), [-8, -6, 7]);
  assert.deepEqual(voxelToWorld(a, [0, 1, 0]), [-5, -8, 7]);
  near(voxelToWorld(a, [0, 0, 1]), [-5.1, -6.2, 11], 1e-12);
});

test('the raster convention: row 0 anterior (top), column 0 patient right, same as an identity-oriented DICOM', () => {
  const a = defaultRasterAffine(640, 480, 0.25);
  const topLeft = voxelToWorld(a, [0, 0, 0]);
  const bottomLeft = voxelToWorld(a, [0, 479, 0]);
  const topRight = voxelToWorld(a, [639, 0, 0]);
  assert.ok(topLeft[1] > bottomLeft[1], 'row 0 is more anterior: viewers put anterior at the top of an axial view');
  assert.ok(topLeft[0] > topRight[0], 'column 0 is more to the right: radiological viewers put patient right on the left');
  assert.deepEqual(a, affineFromDicom([0, 0, 0], [1, 0, 0, 0, 1, 0], [0.25, 0.25], 0.25));
  const q = affineToQuaternion(a);
  assert.equal(q.qfac, 1, 'a rotation, not a reflection');
  const g = rasterGeometry(640, 480, 0.25);
  assert.deepEqual(g.dims, [640, 480, 1]);
  assert.deepEqual(g.spacing, [0.25, 0.25, 0.25]);
  assert.equal(g.xformCode, 2);
});

test('affineToQuaternion on known rotations and reflections', () => {
  const h = Math.SQRT1_2;
  const cases: [Mat4, { b: number; c: number; d: number; qfac: number; pixdim: number[] }][] = [
    [[[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], { b: 0, c: 0, d: 0, qfac: 1, pixdim: [1, 1, 1] }],
    // 180° about z
    [[[-2, 0, 0, 1], [0, -3, 0, 2], [0, 0, 4, 3], [0, 0, 0, 1]], { b: 0, c: 0, d: 1, qfac: 1, pixdim: [2, 3, 4] }],
    // 90° about z: x → y, y → −x; quaternion (cos 45°, 0, 0, sin 45°)
    [[[0, -1, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], { b: 0, c: 0, d: h, qfac: 1, pixdim: [1, 1, 1] }],
    // a reflection of z alone: R = I with qfac −1
    [[[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, -5, 0], [0, 0, 0, 1]], { b: 0, c: 0, d: 0, qfac: -1, pixdim: [1, 1, 5] }],
    // flip x only: diag(−1,1,1) = diag(−1,1,−1)·diag(1,1,−1): 180° about y with qfac −1
    [[[-1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], { b: 0, c: 1, d: 0, qfac: -1, pixdim: [1, 1, 1] }],
  ];
  for (const [affine, want] of cases) {
    const q = affineToQuaternion(affine);
    near([q.b, q.c, q.d, q.qfac, ...q.pixdim], [want.b, want.c, want.d, want.qfac, ...want.pixdim], 1e-12, JSON.stringify(affine));
    assert.deepEqual(q.qoffset, [affine[0][3], affine[1][3], affine[2][3]]);
  }
});

test('quaternion round trip on random rigid affines with scale and reflection; nifti-reader-js agrees', () => {
  const rand = rng(7);
  const reader = new NIFTI1();
  for (let n = 0; n < 200; n++) {
    // random unit quaternion → rotation
    let [a, b, c, d] = [rand() - 0.5, rand() - 0.5, rand() - 0.5, rand() - 0.5];
    const norm = Math.hypot(a, b, c, d);
    [a, b, c, d] = [a / norm, b / norm, c / norm, d / norm];
    const r = [
      [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
      [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
      [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
    ];
    const scale = [0.2 + 3 * rand(), 0.2 + 3 * rand(), (rand() < 0.5 ? -1 : 1) * (0.2 + 3 * rand())];
    const affine: Mat4 = [0, 1, 2].map((i) => [...[0, 1, 2].map((j) => r[i][j] * scale[j]), 200 * rand() - 100]);
    affine.push([0, 0, 0, 1]);
    const q = affineToQuaternion(affine);
    assert.equal(q.qfac, scale[2] < 0 ? -1 : 1);
    near(q.pixdim, scale.map(Math.abs), 1e-9);
    near(quaternionToAffine(q).flat(), affine.flat(), 1e-9, `ours #${n}`);
    const theirs = reader.convertNiftiQFormToNiftiSForm(q.b, q.c, q.d, ...q.qoffset, ...q.pixdim, q.qfac);
    near(theirs.flat(), affine.flat(), 1e-9, `nifti-reader-js #${n}`);
  }
});

test('a sheared affine gets the nearest rotation (polar decomposition), as nifti1_io does', () => {
  const shear: Mat4 = [[1, 0.3, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
  const q = affineToQuaternion(shear);
  // in-plane: normalise the columns, then the nearest 2-D rotation has angle atan2(m21 − m12, m11 + m22)
  const n = Math.hypot(0.3, 1);
  const theta = Math.atan2(0 - 0.3 / n, 1 + 1 / n);
  near([q.b, q.c, q.d], [0, 0, Math.sin(theta / 2)], 1e-6);
  near(q.pixdim, [1, n, 1], 1e-12);
});

test('sliceGeometry moves the origin to slice k and keeps the axes', () => {
  const g = makeGeometry([4, 4, 10], affineFromDicom([0, 0, 0], [1, 0, 0, 0, 0, -1], [1, 1], 2.5), 1);
  const s = sliceGeometry(g, 3);
  assert.deepEqual(s.dims, [4, 4, 1]);
  assert.deepEqual(voxelToWorld(s.affine, [1, 2, 0]), voxelToWorld(g.affine, [1, 2, 3]));
  assert.throws(() => sliceGeometry(g, 10), /slice 10 is outside 0\.\.9/);
});
