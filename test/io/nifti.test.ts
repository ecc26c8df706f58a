// NIfTI reading of files built by hand (each first checked with the independent nifti-reader-js),
// and writing checked by reading the result back with nifti-reader-js.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import * as niftiJs from 'nifti-reader-js';
import { affineFromDicom, makeGeometry, rasterGeometry, type Geometry } from '../../main/io/geometry.ts';
import { decodeNifti, NiftiError, niftiSlice, readNifti, writeGreyImage, writeLabelMask, writeNifti } from '../../main/io/nifti.ts';

const near = (actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-6, what = '') => {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}] = ${actual[i]}, expected ${expected[i]}`);
};
const f32 = (x: number) => Math.fround(x);

// ---- a NIfTI file written field by field from nifti1.h / nifti2.h ----

interface Hand {
  version?: 1 | 2;
  le?: boolean;
  dim: number[];
  datatype: number;
  values: number[];
  pixdim?: number[];
  slope?: number;
  inter?: number;
  qformCode?: number;
  sformCode?: number;
  quatern?: number[];
  qoffset?: number[];
  srow?: number[][];
  magic?: string;
}

const SIZES: Record<number, [number, string]> = { 2: [1, 'Uint8'], 256: [1, 'Int8'], 4: [2, 'Int16'], 512: [2, 'Uint16'], 8: [4, 'Int32'], 768: [4, 'Uint32'], 16: [4, 'Float32'], 64: [8, 'Float64'], 128: [3, 'Uint8'] };

function handNifti(h: Hand): Uint8Array {
  const v2 = h.version === 2;
  const le = h.le ?? true;
  const offset = v2 ? 544 : 352;
  const [bytes, setter] = SIZES[h.datatype];
  const out = new Uint8Array(offset + h.values.length * bytes);
  const v = new DataView(out.buffer) as unknown as Record<string, (o: number, x: number | bigint, le?: boolean) => void>;
  const f = (o: number, x: number) => (v2 ? v.setFloat64(o, x, le) : v.setFloat32(o, x, le));
  const dim = [h.dim.length, ...h.dim, ...Array(7 - h.dim.length).fill(1)];
  const pixdim = h.pixdim ?? [1, 1, 1, 1, 1, 1, 1, 1];
  const srow = h.srow ?? [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]];
  const at = v2
    ? { dim: 16, pixdim: 104, vox: 168, slope: 176, inter: 184, qcode: 344, quatern: 352, srow: 400, units: 500, type: 12, bitpix: 14 }
    : { dim: 40, pixdim: 76, vox: 108, slope: 112, inter: 116, qcode: 252, quatern: 256, srow: 280, units: 123, type: 70, bitpix: 72 };
  const step = v2 ? 8 : 4;
  v.setInt32(0, v2 ? 540 : 348, le);
  dim.forEach((d, i) => (v2 ? v.setBigInt64(at.dim + 8 * i, BigInt(d), le) : v.setInt16(at.dim + 2 * i, d, le)));
  v.setInt16(at.type, h.datatype, le);
  v.setInt16(at.bitpix, bytes * 8, le);
  pixdim.forEach((p, i) => f(at.pixdim + step * i, p));
  if (v2) v.setBigInt64(at.vox, BigInt(offset), le);
  else v.setFloat32(at.vox, offset, le);
  f(at.slope, h.slope ?? 1);
  f(at.inter, h.inter ?? 0);
  if (v2) {
    v.setInt32(at.qcode, h.qformCode ?? 0, le);
    v.setInt32(at.qcode + 4, h.sformCode ?? 0, le);
    v.setInt32(at.units, 2, le);
  } else {
    v.setInt16(at.qcode, h.qformCode ?? 0, le);
    v.setInt16(at.qcode + 2, h.sformCode ?? 0, le);
    out[at.units] = 2;
  }
  [...(h.quatern ?? [0, 0, 0]), ...(h.qoffset ?? [0, 0, 0])].forEach((q, i) => f(at.quatern + step * i, q));
  srow.flat().forEach((s, i) => f(at.srow + step * i, s));
  out.set(Uint8Array.from(h.magic ?? (v2 ? 'n+2\0\r\n\x1a\n' : 'n+1\0'), (c) => c.charCodeAt(0)), v2 ? 4 : 344);
  h.values.forEach((x, i) => v[`set${setter}`](offset + i * bytes, x, le));
  return out;
}

const buffer = (b: Uint8Array) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
const independent = (b: Uint8Array) => {
  let data = buffer(b);
  if (niftiJs.isCompressed(data)) data = niftiJs.decompress(data) as ArrayBuffer;
  assert.ok(niftiJs.isNIFTI(data), 'nifti-reader-js recognises the file');
  const header = niftiJs.readHeader(data);
  return { header, image: niftiJs.readImage(header, data), data };
};

// 3 × 2 × 2 int16 volume, slope 2, intercept −1, oblique sform (scanner) and a matching-ish qform
const volume: Hand = {
  dim: [3, 2, 2],
  datatype: 4,
  values: [-32768, -1, 0, 1, 2, 3, 100, 200, 300, 1000, 32767, 7],
  pixdim: [1, 0.5, 0.75, 2, 1, 1, 1, 1],
  slope: 2,
  inter: -1,
  qformCode: 1,
  sformCode: 1,
  quatern: [0, 0, 1],
  qoffset: [10, 20, -30],
  srow: [[-0.5, 0, 0, 10], [0, -0.75, 0, 20], [0, 0, 2, -30]],
};

test('a hand-built 3-D int16 volume: slope/intercept applied, sform geometry, slices', () => {
  const bytes = handNifti(volume);
  const ref = independent(bytes).header;
  assert.deepEqual(ref.dims.slice(0, 4), [3, 3, 2, 2]);
  assert.equal(ref.scl_slope, 2);
  const v = decodeNifti(bytes, 'vol.nii');
  assert.deepEqual(v.dims, [3, 2, 2]);
  assert.equal(v.volumes, 1);
  assert.equal(v.note, undefined);
  near(v.data, volume.values.map((x) => 2 * x - 1));
  assert.deepEqual(v.geometry.affine, [...volume.srow!, [0, 0, 0, 1]]);
  assert.deepEqual(v.geometry.affine, ref.affine);
  near(v.geometry.spacing, [0.5, 0.75, 2]);
  assert.deepEqual(v.geometry.nifti?.pixdim, volume.pixdim);
  const s = niftiSlice(v, 1);
  assert.equal(s.width, 3);
  assert.equal(s.height, 2);
  near(s.values, [199, 399, 599, 1999, 65533, 13]);
  // slice 1's origin is voxel (0,0,1): (10, 20, −30 + 2)
  assert.deepEqual(s.geometry.affine.map((r) => r[3]), [10, 20, -28, 1]);
  assert.equal(s.geometry.nifti, undefined);
  assert.throws(() => niftiSlice(v, 2), RangeError);
});

test('big endian, qform only: the affine is the qform, as nifti-reader-js computes it', () => {
  const hand: Hand = { dim: [2, 2, 1], datatype: 16, le: false, values: [1.5, -2.25, 3e5, 0], pixdim: [-1, 0.8, 0.9, 3, 1, 1, 1, 1], qformCode: 2, quatern: [0.1, -0.2, 0.3], qoffset: [1, 2, 3] };
  const bytes = handNifti(hand);
  const ref = independent(bytes).header;
  assert.equal(ref.littleEndian, false);
  const v = decodeNifti(bytes, 'be.nii');
  assert.equal(v.header.littleEndian, false);
  near(v.data, hand.values);
  near(v.geometry.affine.flat(), ref.affine.flat(), 1e-6, 'affine');
  assert.equal(v.geometry.xformCode, 2);
});

test('every readable datatype, both byte orders, gzip detected from the content', () => {
  const cases: [number, number[]][] = [
    [2, [0, 1, 128, 255]],
    [256, [-128, -1, 0, 127]],
    [4, [-32768, -2, 2, 32767]],
    [512, [0, 1, 40000, 65535]],
    [8, [-2147483648, -5, 5, 16777216]],
    [768, [0, 1, 3000000, 16777216]],
    [16, [-1.5, 0, 0.25, 1e10]],
    [64, [-1e-3, 0, 0.125, 123456.5]],
  ];
  for (const [datatype, values] of cases) {
    for (const le of [true, false]) {
      const bytes = handNifti({ dim: [2, 2], datatype, values, le });
      const want = values.map(f32);
      near(decodeNifti(bytes, 'x.nii').data, want, 0, `datatype ${datatype} ${le ? 'LE' : 'BE'}`);
      near(decodeNifti(gzipSync(bytes), 'x.nii.gz').data, want, 0, `gz datatype ${datatype}`);
    }
  }
});

test('NIfTI-2: a hand-built file reads as nifti-reader-js reads it', () => {
  const hand: Hand = { version: 2, dim: [2, 3, 1], datatype: 512, values: [1, 2, 3, 4, 5, 60000], pixdim: [1, 0.3, 0.4, 5, 1, 1, 1, 1], slope: 0.5, inter: 10, sformCode: 2, srow: [[0.3, 0, 0, -1], [0, 0.4, 0, -2], [0, 0, 5, -3]] };
  const bytes = handNifti(hand);
  const ref = independent(bytes);
  assert.ok(niftiJs.isNIFTI2(ref.data));
  const v = decodeNifti(bytes, 'two.nii');
  assert.equal(v.header.version, 2);
  assert.deepEqual(v.dims, ref.header.dims.slice(1, 4));
  near(v.data, [...new Uint16Array(ref.image)].map((x) => x * 0.5 + 10));
  assert.deepEqual(v.geometry.affine, ref.header.affine);
});

test('2-D and 4-D files: a 2-D image has one slice; only the first volume of 4-D is read, with a note', () => {
  const flat = decodeNifti(handNifti({ dim: [2, 2], datatype: 2, values: [1, 2, 3, 4] }), 'flat.nii');
  assert.deepEqual(flat.dims, [2, 2]);
  assert.deepEqual(flat.geometry.dims, [2, 2, 1]);
  const four = decodeNifti(handNifti({ dim: [2, 1, 1, 3], datatype: 2, values: [1, 2, 3, 4, 5, 6] }), 'fmri.nii');
  assert.equal(four.volumes, 3);
  near(four.data, [1, 2]);
  assert.match(four.note ?? '', /4-D image with 3 volumes.*only the first volume/);
});

test('damaged or foreign files fail with a NiftiError naming the file and the reason', () => {
  const good = handNifti(volume);
  const cases: [Uint8Array, RegExp][] = [
    [good.subarray(0, good.length - 1), /vol\.nii: .*truncated: the first volume needs 376 bytes, the file has 375/],
    [good.subarray(0, 200), /vol\.nii: .*shorter than a NIfTI header/],
    [new TextEncoder().encode('GIF89a'.repeat(100)), /vol\.nii: .*not a NIfTI file \(sizeof_hdr/],
    [Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5]), /vol\.nii: .*corrupt gzip stream/],
    [gzipSync(good).subarray(0, 100), /vol\.nii: .*corrupt gzip stream/],
    [handNifti({ ...volume, magic: 'ni1\0' }), /vol\.nii: .*\.hdr\/\.img pair/],
    [handNifti({ ...volume, magic: 'xyz\0' }), /vol\.nii: .*bad NIfTI-1 magic/],
    [handNifti({ dim: [1, 1], datatype: 128, values: [0] }), /vol\.nii: .*unsupported datatype 128/],
    [handNifti({ ...volume, dim: [3, 0, 2] }), /vol\.nii: .*bad dimensions 3×0×2/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(() => decodeNifti(bytes, 'vol.nii'), (e: unknown) => e instanceof NiftiError && message.test(e.message), String(message));
  }
  assert.throws(() => readNifti('/nonexistent/dir/scan.nii.gz'), (e: unknown) => e instanceof NiftiError && e.message.includes('/nonexistent/dir/scan.nii.gz'));
});

// ---- writing, read back by nifti-reader-js ----

function withDir(fn: (dir: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'delineate-nifti-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The header fields that place voxels in the world, as nifti-reader-js reads them. */
const placement = (h: niftiJs.NIFTI1 | niftiJs.NIFTI2) => ({
  dims: h.dims,
  pixDims: h.pixDims,
  qform: [h.qform_code, h.quatern_b, h.quatern_c, h.quatern_d, h.qoffset_x, h.qoffset_y, h.qoffset_z],
  sform: [h.sform_code, h.affine],
  units: h.xyzt_units,
});

const srowOf = (b: Uint8Array) => {
  const v = new DataView(b.buffer, b.byteOffset);
  return [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => v.getFloat32(280 + 16 * r + 4 * c, true)));
};

test('a label mask for a PNG: the header the conventions ask for, voxels intact, .nii and .nii.gz', () => {
  withDir((dir) => {
    const [w, h] = [4, 3];
    const geometry = rasterGeometry(w, h, 0.5);
    const mask = Uint8Array.from({ length: w * h }, (_, i) => (i % 5 === 0 ? 1 : i % 7 === 0 ? 2 : 0));
    for (const name of ['mask.nii', 'mask.nii.gz']) {
      const path = join(dir, name);
      writeLabelMask(path, mask, geometry);
      const file = readFileSync(path);
      assert.equal(file[0] === 0x1f && file[1] === 0x8b, name.endsWith('.gz'), 'gzip exactly when the name says so');
      const { header: r, image } = independent(file);
      assert.ok(r instanceof niftiJs.NIFTI1);
      assert.deepEqual(r.dims, [2, 4, 3, 1, 1, 1, 1, 1]);
      assert.equal(r.datatypeCode, 2);
      assert.equal(r.numBitsPerVoxel, 8);
      assert.equal(r.scl_slope, 1);
      assert.equal(r.scl_inter, 0);
      assert.equal(r.intent_code, 1002);
      assert.equal(r.xyzt_units, 2);
      assert.equal(r.qform_code, 2);
      assert.equal(r.sform_code, 2);
      assert.equal(r.description, '');
      assert.equal(r.aux_file, '');
      assert.equal(r.vox_offset, 352);
      assert.equal(r.magic, 'n+1');
      assert.deepEqual(new Uint8Array(image), mask);
      // raster convention: i → −x, j → −y (row 0 anterior, shown at the top), 0.5 mm
      assert.deepEqual(r.affine, [[-0.5, 0, 0, 0], [0, -0.5, 0, 0], [0, 0, 0.5, 0], [0, 0, 0, 1]]);
      near(r.getQformMat().flat(), r.affine.flat(), 1e-7, 'qform = sform');
      assert.deepEqual([r.quatern_b, r.quatern_c, r.quatern_d, r.pixDims[0]], [0, 0, 1, 1]);
      // and our own reader agrees
      const back = readNifti(path);
      near(back.data, mask);
      assert.deepEqual(back.geometry.affine, geometry.affine);
    }
    assert.deepEqual(readdirSync(dir).sort(), ['mask.nii', 'mask.nii.gz'], 'no temporary files left behind');
  });
});

test('the grey image carries the same placement as its mask, in uint8, int16 and float32', () => {
  withDir((dir) => {
    const geometry = rasterGeometry(3, 2);
    writeLabelMask(join(dir, 'mask.nii'), new Uint8Array(6), geometry);
    const mask = independent(readFileSync(join(dir, 'mask.nii'))).header;
    const images: [string, 'uint8' | 'int16' | 'float32', number[], (b: ArrayBuffer) => ArrayLike<number>][] = [
      ['u8.nii', 'uint8', [0, 1, 2, 253, 254, 255], (b) => new Uint8Array(b)],
      ['i16.nii.gz', 'int16', [-32768, -1, 0, 1, 1000, 32767], (b) => new Int16Array(b)],
      ['f32.nii', 'float32', [-1.5, 0, 0.1, 2, 1e6, -3e-4], (b) => new Float32Array(b)],
    ];
    for (const [name, type, values, view] of images) {
      writeGreyImage(join(dir, name), values, type, geometry);
      const { header, image } = independent(readFileSync(join(dir, name)));
      assert.deepEqual(placement(header), placement(mask), name);
      assert.equal(header.intent_code, 0);
      near(view(image), values.map(f32), 0, name);
    }
  });
});

test('a mask for a NIfTI source copies dims, pixdim, qform, sform and codes exactly', () => {
  // qform and sform deliberately disagree (codes 1 and 2, qfac −1): the copy must not "fix" them
  const source: Hand = {
    dim: [2, 3, 2],
    datatype: 64,
    values: Array.from({ length: 12 }, (_, i) => i / 3),
    pixdim: [-1, 0.9, 1.1, 2.5, 0.7, 1, 1, 1],
    qformCode: 1,
    sformCode: 2,
    quatern: [0.2, -0.1, 0.4],
    qoffset: [-90.5, 12.25, 40],
    srow: [[0.9, 0.01, 0, -91], [0, 1.1, 0.02, 12], [0.03, 0, 2.5, 41]],
  };
  withDir((dir) => {
    const src = join(dir, 'ct.nii.gz');
    writeFileSync(src, gzipSync(handNifti(source)));
    const image = readNifti(src);
    const mask = join(dir, 'ct_mask.nii.gz');
    writeLabelMask(mask, Uint8Array.from(image.data, (x) => (x > 2 ? 1 : 0)), image.geometry);
    const a = independent(readFileSync(src)).header;
    const b = independent(readFileSync(mask));
    assert.deepEqual(placement(b.header), placement(a));
    assert.deepEqual(srowOf(new Uint8Array(b.data)), source.srow!.map((r) => r.map(f32)));
    assert.deepEqual([...new Uint8Array(b.image)], [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
  });
});

test('a mask for the first volume of a 4-D source is 3-D with the source geometry', () => {
  withDir((dir) => {
    writeFileSync(join(dir, 'fmri.nii'), handNifti({ dim: [2, 1, 1, 3], datatype: 2, values: [1, 2, 3, 4, 5, 6], pixdim: [1, 2, 2, 2, 3, 1, 1, 1], qformCode: 1, sformCode: 1, srow: [[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 0]] }));
    const v = readNifti(join(dir, 'fmri.nii'));
    writeLabelMask(join(dir, 'm.nii'), [0, 1], v.geometry);
    const r = independent(readFileSync(join(dir, 'm.nii'))).header;
    assert.deepEqual(r.dims.slice(0, 5), [3, 2, 1, 1, 1]);
    assert.deepEqual(r.pixDims.slice(0, 5), [1, 2, 2, 2, 3]);
  });
});

test('geometry from DICOM (oblique, and a reflection): qform and sform both reproduce the affine', () => {
  const c = Math.cos(0.3);
  const s = Math.sin(0.3);
  const affines = [
    affineFromDicom([-120.5, 88, 14], [c, s, 0, 0, 0, -1], [0.7, 0.6], 3),
    affineFromDicom([0, 0, 0], [1, 0, 0, 0, 1, 0], [0.5, 0.5], -2), // slices run inferior: det < 0, qfac −1
  ];
  withDir((dir) => {
    affines.forEach((affine, n) => {
      const geometry: Geometry = makeGeometry([2, 2, 1], affine, 1);
      const path = join(dir, `d${n}.nii`);
      writeNifti(path, { data: [0, 1, 1, 0], dims: [2, 2], datatype: 'uint8', geometry, intent: 'label' });
      const r = independent(readFileSync(path)).header as niftiJs.NIFTI1;
      assert.equal(r.qform_code, 1);
      assert.equal(r.sform_code, 1);
      near(r.affine.flat(), affine.flat(), 1e-5, `sform ${n}`);
      near(r.getQformMat().flat(), affine.flat(), 1e-5, `qform ${n}`);
      assert.equal(r.pixDims[0], n === 1 ? -1 : 1);
    });
  });
});

test('writing refuses bad input, naming the file, and leaves nothing behind', () => {
  withDir((dir) => {
    const geometry = rasterGeometry(2, 2);
    const path = join(dir, 'm.nii');
    const cases: [() => void, RegExp][] = [
      [() => writeLabelMask(join(dir, 'm.png'), new Uint8Array(4), geometry), /m\.png: .*\.nii or \.nii\.gz/],
      [() => writeLabelMask(path, new Uint8Array(5), geometry), /m\.nii: 5 values for dims 2×2/],
      [() => writeLabelMask(path, [0, 1, 300, 0], geometry), /m\.nii: voxel 2 = 300 does not fit uint8/],
      [() => writeGreyImage(path, [0, 0.5, 0, 0], 'int16', geometry), /m\.nii: voxel 1 = 0\.5 does not fit int16/],
      [() => writeNifti(path, { data: new Uint8Array(6), dims: [3, 2], datatype: 'uint8', geometry }), /m\.nii: dims 3×2 do not match the geometry 2×2×1/],
    ];
    for (const [fn, message] of cases) assert.throws(fn, message);
    assert.deepEqual(readdirSync(dir), []);
  });
});
