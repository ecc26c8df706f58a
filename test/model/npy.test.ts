// .npy: hand-written byte strings, byte-identical rewrites of files NumPy wrote, round trips and
// the errors for what we do not support.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type NpyArray, NpyError, readNpy, writeNpy } from '../../main/engine/model/npy.ts';

const dir = mkdtempSync(join(tmpdir(), 'delineate-npy-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const fixtures = new URL('../fixtures/clipseg-tiny/', import.meta.url).pathname;

/** magic + version + little-endian header length + header text + data, written out by hand. */
function npyBytes(major: number, header: string, data: Uint8Array): Uint8Array {
  const lenBytes = major === 1 ? 2 : 4;
  const pre = Buffer.alloc(8 + lenBytes);
  Buffer.from([0x93, ...Buffer.from('NUMPY'), major, 0]).copy(pre);
  if (major === 1) pre.writeUInt16LE(header.length, 8);
  else pre.writeUInt32LE(header.length, 8);
  return new Uint8Array(Buffer.concat([pre, Buffer.from(header, 'latin1'), data]));
}

test('reads a hand-written v1.0 float32 file', () => {
  const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".padEnd(117, ' ') + '\n';
  const data = Buffer.alloc(24);
  [1, -2.5, 0.5, 65504, -0.125, 3].forEach((v, i) => data.writeFloatLE(v, i * 4));
  const a = readNpy(npyBytes(1, header, data));
  assert.equal(a.dtype, '<f4');
  assert.deepEqual(a.shape, [2, 3]);
  assert.ok(a.data instanceof Float32Array);
  assert.deepEqual([...a.data], [1, -2.5, 0.5, 65504, -0.125, 3]);
});

test('reads hand-written v2.0 int64, bool, float64 and uint8 files, including 1-d and 0-d shapes', () => {
  const i64 = Buffer.alloc(24);
  [-1n, 2n ** 62n, 7n].forEach((v, i) => i64.writeBigInt64LE(v, i * 8));
  const a = readNpy(npyBytes(2, "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }      \n", i64));
  assert.deepEqual(a.shape, [3]);
  assert.ok(a.data instanceof BigInt64Array);
  assert.deepEqual([...a.data], [-1n, 2n ** 62n, 7n]);

  const b = readNpy(npyBytes(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (2, 2), }\n", Uint8Array.of(1, 0, 0, 1)));
  assert.equal(b.dtype, '|b1');
  assert.deepEqual([...b.data], [1, 0, 0, 1]);

  const f64 = Buffer.alloc(8);
  f64.writeDoubleLE(0.1);
  const c = readNpy(npyBytes(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }\n", f64));
  assert.deepEqual(c.shape, []);
  assert.ok(c.data instanceof Float64Array);
  assert.equal(c.data[0], 0.1);

  // Key order is free in the format; an odd data offset must not break the typed view.
  const d = readNpy(npyBytes(1, "{'shape': (1, 3), 'fortran_order': False, 'descr': '|u1'}\n", Uint8Array.of(9, 255, 0)));
  assert.deepEqual(d.shape, [1, 3]);
  assert.deepEqual([...d.data], [9, 255, 0]);
});

test('reads the NumPy-written goldens, and writing them back reproduces the files byte for byte', () => {
  const logitsPath = join(fixtures, 'golden/none_b1_logits.npy');
  const logits = readNpy(logitsPath);
  assert.equal(logits.dtype, '<f4');
  assert.deepEqual(logits.shape, [1, 64, 64]);
  // First values and the sum from the golden's JSON statistics (computed in float64 by PyTorch).
  const first8 = [-0.06310437257915313, -0.21481991171205012, -0.07712318877313928, -0.8764648688802454, 1.049440800213648, 1.0428512897151314, 1.1012106996411564, -0.8229667952428389];
  first8.forEach((v, i) => assert.ok(Math.abs(logits.data[i] as number - v) < 1e-6, `logits[${i}]`));
  const sum = (logits.data as Float32Array).reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(sum - -203.26778091982692) < 1e-3, `sum ${sum}`);

  const imagePath = join(fixtures, 'image_u8.npy');
  const image = readNpy(imagePath);
  assert.equal(image.dtype, '|u1');
  assert.deepEqual(image.shape, [64, 64, 3]);
  // Values NumPy reported for this file: pixel (0,0), pixel (63,63), and the total.
  assert.deepEqual([...image.data.subarray(0, 3)], [72, 28, 77]);
  assert.deepEqual([...image.data.subarray(image.data.length - 3)], [22, 9, 108]);
  assert.equal((image.data as Uint8Array).reduce((s, v) => s + v, 0), 1013378);

  for (const [src, arr] of [[logitsPath, logits], [imagePath, image]] as const) {
    const out = join(dir, 'rewrite.npy');
    writeNpy(out, arr);
    assert.deepEqual(readFileSync(out), readFileSync(src), `rewrite of ${src}`);
  }
});

test('round trips every dtype; the data starts at a multiple of 64', () => {
  const arrays: NpyArray[] = [
    { dtype: '<f4', shape: [3, 1], data: Float32Array.of(1.5, NaN, -Infinity) },
    { dtype: '<f8', shape: [2], data: Float64Array.of(Math.PI, -1e-300) },
    { dtype: '|u1', shape: [2, 2, 1], data: Uint8Array.of(0, 1, 254, 255) },
    { dtype: '|b1', shape: [3], data: Uint8Array.of(1, 0, 1) },
    { dtype: '<i8', shape: [], data: BigInt64Array.of(-(2n ** 63n)) },
    { dtype: '<f4', shape: [0, 5], data: new Float32Array(0) },
  ];
  for (const a of arrays) {
    const p = join(dir, 'rt.npy');
    writeNpy(p, a);
    const bytes = readFileSync(p);
    const headerLength = bytes.readUInt16LE(8);
    assert.equal(bytes[6], 1);
    assert.equal((10 + headerLength) % 64, 0);
    assert.equal(bytes[10 + headerLength - 1], 0x0a);
    const back = readNpy(p);
    assert.equal(back.dtype, a.dtype);
    assert.deepEqual(back.shape, a.shape);
    assert.deepEqual(back.data, a.data);
  }
  // 1-d shapes need the trailing comma of a Python 1-tuple.
  writeNpy(join(dir, 'one.npy'), { dtype: '|u1', shape: [4], data: new Uint8Array(4) });
  assert.match(readFileSync(join(dir, 'one.npy')).toString('latin1', 10, 80), /'shape': \(4,\), \}/);
});

test('unsupported or broken files and bad writes raise NpyError naming the problem', () => {
  const bad = (bytes: Uint8Array, pattern: RegExp): void =>
    assert.throws(() => readNpy(bytes), (e: unknown) => e instanceof NpyError && e.source === '<npy bytes>' && pattern.test(e.message));
  const f4 = new Uint8Array(4);
  bad(npyBytes(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }\n", f4), /Fortran-order arrays are not supported/);
  bad(npyBytes(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }\n", f4), /unsupported dtype '>f4'/);
  bad(npyBytes(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }\n", f4), /unsupported dtype '<i4'/);
  bad(npyBytes(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n", f4), /structured dtypes are not supported/);
  bad(npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", new Uint8Array(20)), /truncated: expected 24 bytes of data for shape \[2, 3\] <f4, file has 20/);
  bad(npyBytes(1, "{'descr': '<f4', 'fortran_order': False, }\n", f4), /no 'shape' tuple/);
  bad(npyBytes(4, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n", f4), /unsupported .npy format version 4\.0/);
  bad(Uint8Array.from(Buffer.from('PK\x03\x04 not numpy at all')), /not an \.npy file/);
  const shortHeader = npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n", f4);
  new DataView(shortHeader.buffer).setUint16(8, 5000, true);
  bad(shortHeader, /header length 5000 runs past the end of the file/);

  const missing = join(dir, 'absent.npy');
  assert.throws(() => readNpy(missing), (e: unknown) => e instanceof NpyError && e.source === missing && /cannot read/.test(e.message));

  const p = join(dir, 'w.npy');
  const badWrite = (fn: () => void, pattern: RegExp): void =>
    assert.throws(fn, (e: unknown) => e instanceof NpyError && e.source === p && pattern.test(e.message));
  badWrite(() => writeNpy(p, { dtype: '<f4', shape: [2], data: new Float64Array(2) }), /dtype <f4 needs a Float32Array, got a Float64Array/);
  badWrite(() => writeNpy(p, { dtype: '<f4', shape: [2, 2], data: new Float32Array(3) }), /data has 3 elements, shape \[2, 2\] needs 4/);
  badWrite(() => writeNpy(p, { dtype: '<i4' as never, shape: [1], data: new Float32Array(1) }), /cannot write dtype "<i4"/);
  writeFileSync(p, 'sentinel');
  badWrite(() => writeNpy(p, { dtype: '|u1', shape: [1.5], data: new Uint8Array(1) }), /shape \[1.5\]/);
  assert.equal(readFileSync(p, 'utf8'), 'sentinel', 'a refused write leaves the old file');
});
