// Safetensors: the writer against an independent byte-level parse, float16/bfloat16/float64
// conversion against hand-computed values, every corrupt-file case, and the tiny CLIPSeg fixture.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  readRawTensor,
  readSafetensorsHeader,
  readTensors,
  SafetensorsError,
  writeSafetensors,
} from '../../main/engine/model/safetensors.ts';
import { buildSafetensors, f32le, f64le, i64le, safetensorsFromHeader, u16le } from '../helpers/safetensors-bytes.ts';

const dir = mkdtempSync(join(tmpdir(), 'delineate-safetensors-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const file = (bytes: Uint8Array): string => {
  const p = join(dir, `t${counter++}.safetensors`);
  writeFileSync(p, bytes);
  return p;
};
const fixture = new URL('../fixtures/clipseg-tiny/model.safetensors', import.meta.url).pathname;

/** Asserts a SafetensorsError for `path` whose message matches `pattern`. */
function assertCorrupt(fn: () => unknown, path: string, pattern: RegExp, label = ''): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SafetensorsError, `${label}: expected SafetensorsError, got ${String(err)}`);
    assert.equal(err.path, path);
    assert.ok(err.message.startsWith(`${path}: `), err.message);
    assert.match(err.message, pattern, label);
    return true;
  }, `${label}: no error thrown`);
}

const bits = (a: Float32Array): number[] => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];

test('writeSafetensors: sorted keys, space-padded 8-aligned header, F32 little-endian data (independent parse)', () => {
  const path = join(dir, 'written.safetensors');
  const big = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1e3);
  writeSafetensors(path, new Map([
    ['zeta', { shape: [2, 3], data: Float32Array.of(1, -2.5, 0, -0, Infinity, NaN) }],
    ['alpha.scalar', { shape: [], data: Float32Array.of(3.25) }],
    ['mid.big', { shape: [10, 100], data: big }],
    ['empty', { shape: [0, 4], data: new Float32Array(0) }],
  ]), { format: 'pt', note: 'ünïcode' });

  const bytes = readFileSync(path);
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal(n % 8, 0, 'header length is a multiple of 8');
  const text = bytes.subarray(8, 8 + n).toString('utf8');
  assert.match(text, /^\{.*\} *$/s, 'padding is trailing spaces');
  const header = JSON.parse(text);
  assert.deepEqual(Object.keys(header), ['__metadata__', 'alpha.scalar', 'empty', 'mid.big', 'zeta']);
  assert.deepEqual(header.__metadata__, { format: 'pt', note: 'ünïcode' });
  // Packed in sorted order: 4 + 0 + 4000 + 24 bytes.
  assert.deepEqual(header['alpha.scalar'], { dtype: 'F32', shape: [], data_offsets: [0, 4] });
  assert.deepEqual(header.empty, { dtype: 'F32', shape: [0, 4], data_offsets: [4, 4] });
  assert.deepEqual(header['mid.big'], { dtype: 'F32', shape: [10, 100], data_offsets: [4, 4004] });
  assert.deepEqual(header.zeta, { dtype: 'F32', shape: [2, 3], data_offsets: [4004, 4028] });
  assert.equal(bytes.length, 8 + n + 4028);
  const data = 8 + n;
  assert.equal(bytes.readFloatLE(data), 3.25);
  assert.equal(bytes.readFloatLE(data + 4 + 4 * 7), Math.fround(Math.sin(7) * 1e3));
  assert.equal(bytes.readFloatLE(data + 4004 + 4), -2.5);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('partial')), [], 'no temporary file left behind');

  // And our reader gets back exactly what was written, bit for bit (NaN and -0 included).
  const h = readSafetensorsHeader(path);
  assert.equal(h.dataOffset, data);
  assert.equal(h.fileSize, bytes.length);
  assert.deepEqual(h.metadata, { format: 'pt', note: 'ünïcode' });
  assert.deepEqual(h.tensors.get('zeta'), { dtype: 'F32', shape: [2, 3], begin: 4004, end: 4028 });
  const t = readTensors(path);
  assert.deepEqual([...t.keys()].sort(), ['alpha.scalar', 'empty', 'mid.big', 'zeta']);
  assert.deepEqual(bits(t.get('zeta')!.data), bits(Float32Array.of(1, -2.5, 0, -0, Infinity, NaN)));
  assert.deepEqual(t.get('mid.big')!.data, big);
  assert.deepEqual(t.get('mid.big')!.shape, [10, 100]);
  assert.deepEqual(t.get('empty')!.data.length, 0);
  assert.deepEqual([...readTensors(path, { names: ['zeta'] }).keys()], ['zeta']);
});

test('writeSafetensors accepts a record, writes no metadata when none is given, and rejects bad input', () => {
  const path = join(dir, 'record.safetensors');
  writeSafetensors(path, { b: { shape: [2], data: Float32Array.of(1, 2) }, a: { shape: [1], data: Float32Array.of(7) } });
  const bytes = readFileSync(path);
  const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString());
  assert.deepEqual(Object.keys(header), ['a', 'b']);
  assert.deepEqual(readTensors(path).get('b')!.data, Float32Array.of(1, 2));
  // Whatever the JSON length, the header is padded so the data starts 8-aligned.
  for (let len = 1; len <= 8; len++) {
    writeSafetensors(path, { ['k'.repeat(len)]: { shape: [1], data: Float32Array.of(len) } });
    const b = readFileSync(path);
    const n = Number(b.readBigUInt64LE(0));
    assert.equal(n % 8, 0, `name length ${len}: header length ${n}`);
    assert.equal(b.readFloatLE(8 + n), len);
  }
  writeSafetensors(path, { b: { shape: [2], data: Float32Array.of(1, 2) }, a: { shape: [1], data: Float32Array.of(7) } });

  assertCorrupt(() => writeSafetensors(path, { x: { shape: [2, 2], data: new Float32Array(3) } }), path, /tensor "x": data has 3 elements, shape \[2, 2\] needs 4/);
  assertCorrupt(() => writeSafetensors(path, { __metadata__: { shape: [1], data: new Float32Array(1) } }), path, /invalid tensor name "__metadata__"/);
  assertCorrupt(() => writeSafetensors(path, { x: { shape: [-1], data: new Float32Array(0) } }), path, /shape \[-1\] is not a list of non-negative integers/);
  // The failed writes left the earlier file in place.
  assert.deepEqual(readTensors(path).get('a')!.data, Float32Array.of(7));
});

test('F16 converts exactly: normals, the largest finite, subnormals, signed zero, infinities, NaN', () => {
  // [bits, value] pairs computed by hand from the IEEE binary16 layout.
  const cases: [number, number][] = [
    [0x3c00, 1.0], [0xc100, -2.5], [0x7bff, 65504], [0x0001, 2 ** -24], [0x03ff, 1023 * 2 ** -24],
    [0x0400, 2 ** -14], [0x3555, 0.333251953125], [0x0000, 0], [0x8000, -0], [0x7c00, Infinity],
    [0xfc00, -Infinity], [0xc000, -2], [0x3800, 0.5],
  ];
  const path = file(buildSafetensors([
    { name: 'h', dtype: 'F16', shape: [cases.length], bytes: u16le(cases.map(([b]) => b)) },
    { name: 'nan', dtype: 'F16', shape: [2], bytes: u16le([0x7e00, 0xfe01]) },
  ]));
  const t = readTensors(path);
  assert.deepEqual([...t.get('h')!.data], cases.map(([, v]) => v));
  assert.ok(Object.is(t.get('h')!.data[8], -0));
  const nan = t.get('nan')!.data;
  assert.ok(Number.isNaN(nan[0]) && Number.isNaN(nan[1]));
  // Sign and payload are kept: 0xfe01 → sign 1, quiet bit and payload bit 0 shifted by 13.
  assert.deepEqual(bits(nan), [0x7fc00000, 0xffc02000]);
});

test('BF16 is the upper half of a float32; F64 rounds to the nearest float32', () => {
  const bf: [number, number][] = [
    [0x3f80, 1.0], [0xc020, -2.5], [0x4049, 3.140625], [0x7f7f, (2 - 2 ** -7) * 2 ** 127], [0x0001, 2 ** -133],
    [0x8000, -0], [0x7f80, Infinity], [0xff80, -Infinity],
  ];
  const f64 = [0.1, 1.5, -1e-3, 1e300, -1e300, 1e-50, 16777217];
  const path = file(buildSafetensors([
    { name: 'b', dtype: 'BF16', shape: [bf.length], bytes: u16le(bf.map(([b]) => b)) },
    { name: 'bnan', dtype: 'BF16', shape: [1], bytes: u16le([0x7fc1]) },
    { name: 'd', dtype: 'F64', shape: [f64.length], bytes: f64le(f64) },
  ]));
  const t = readTensors(path);
  assert.deepEqual([...t.get('b')!.data], bf.map(([, v]) => v));
  assert.deepEqual(bits(t.get('bnan')!.data), [0x7fc10000]);
  assert.deepEqual([...t.get('d')!.data], [Math.fround(0.1), 1.5, Math.fround(-1e-3), Infinity, -Infinity, 0, 16777216]);
});

test('F16 and BF16 tensors bigger than the scratch buffer convert every element', () => {
  // All 65536 bit patterns, 9 times (1.2 MB of F16, more than the 1 MB scratch), against the
  // binary16 definition evaluated here in float64.
  const n = 65536 * 9;
  const pattern = Array.from({ length: n }, (_, i) => (i * 40503) & 0xffff); // odd multiplier: a permutation per block
  const path = file(buildSafetensors([
    { name: 'h', dtype: 'F16', shape: [9, 65536], bytes: u16le(pattern) },
    { name: 'b', dtype: 'BF16', shape: [n], bytes: u16le(pattern) },
  ]));
  const t = readTensors(path);
  const h = t.get('h')!.data;
  const b = t.get('b')!.data;
  const view = new DataView(new ArrayBuffer(4));
  for (let i = 0; i < n; i++) {
    const p = pattern[i];
    const e = (p >> 10) & 31;
    const m = p & 1023;
    const s = p & 0x8000 ? -1 : 1;
    const want = e === 31 ? (m ? NaN : s * Infinity) : e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
    if (!(Object.is(h[i], want) || (Number.isNaN(want) && Number.isNaN(h[i])))) assert.fail(`F16 ${p.toString(16)} → ${h[i]}, expected ${want}`);
    view.setUint32(0, p * 65536);
    const bw = view.getFloat32(0);
    if (!(Object.is(b[i], bw) || (Number.isNaN(bw) && Number.isNaN(b[i])))) assert.fail(`BF16 ${p.toString(16)} → ${b[i]}, expected ${bw}`);
  }
});

test('integer tensors: skipped by default, an error when asked for as floats, readable raw', () => {
  const path = file(buildSafetensors([
    { name: 'w', dtype: 'F32', shape: [2], bytes: f32le([0.5, -4]) },
    { name: 'position_ids', dtype: 'I64', shape: [1, 3], bytes: i64le([0n, 1n, -9007199254740993n]) },
  ]));
  assert.deepEqual([...readTensors(path).keys()], ['w']);
  assertCorrupt(() => readTensors(path, { names: ['w', 'position_ids'] }), path, /unsupported dtype I64 for tensor "position_ids" \(float expected\)/);
  assertCorrupt(() => readTensors(path, { names: ['nope'] }), path, /no tensor named "nope"/);
  const raw = readRawTensor(path, readSafetensorsHeader(path), 'position_ids');
  assert.equal(raw.dtype, 'I64');
  assert.deepEqual(raw.shape, [1, 3]);
  assert.deepEqual([...new BigInt64Array(raw.bytes.buffer)], [0n, 1n, -9007199254740993n]);
});

test('truncating a valid file anywhere is reported precisely', () => {
  const whole = buildSafetensors([
    { name: 'a', dtype: 'F32', shape: [3], bytes: f32le([1, 2, 3]) },
    { name: 'b', dtype: 'F16', shape: [2, 2], bytes: u16le([0x3c00, 0x3c00, 0x3c00, 0x3c00]) },
  ]);
  const hl = Number(Buffer.from(whole).readBigUInt64LE(0));
  const dataBytes = whole.length - 8 - hl; // 20
  assert.equal(dataBytes, 20);
  const cut = (len: number): string => {
    const p = file(whole);
    truncateSync(p, len);
    return p;
  };
  for (const len of [0, 1, 7]) {
    const p = cut(len);
    assertCorrupt(() => readSafetensorsHeader(p), p, new RegExp(`file is ${len} bytes, shorter than the 8-byte header length`));
  }
  for (const len of [8, 9, 8 + hl - 1]) {
    const p = cut(len);
    assertCorrupt(() => readSafetensorsHeader(p), p, new RegExp(`header length ${hl} runs past the end of the file \\(${len} bytes\\)`));
  }
  for (const len of [8 + hl, 8 + hl + 5, whole.length - 1]) {
    const p = cut(len);
    const have = len - 8 - hl;
    assertCorrupt(() => readTensors(p), p, new RegExp(`truncated: expected 20 bytes of tensor data, file has ${have} \\(tensor "b" ends at 20\\)`));
  }
  assert.deepEqual([...readTensors(file(whole)).get('b')!.data], [1, 1, 1, 1]);
});

test('corrupt headers: length, JSON, shape of the header, entries, sizes, offsets, dtypes', () => {
  const ok = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
  const data8 = new Uint8Array(8);
  const cases: [string, Uint8Array, RegExp][] = [
    ['absurd length', (() => { const b = safetensorsFromHeader({ a: ok }, data8); new DataView(b.buffer, b.byteOffset).setBigUint64(0, 1n << 40n, true); return b; })(),
      /header length 1099511627776 is absurd \(limit 100000000 bytes\)/],
    ['length just over the file', (() => { const b = safetensorsFromHeader({ a: ok }, data8); new DataView(b.buffer, b.byteOffset).setBigUint64(0, BigInt(b.length - 7), true); return b; })(),
      /runs past the end of the file/],
    ['bad JSON', safetensorsFromHeader(null, data8, '{"a": {"dtype": "F32",'), /header is not valid JSON/],
    ['not UTF-8', safetensorsFromHeader(null, data8, '{}').fill(0xff, 8, 9), /header is not valid JSON/],
    ['array header', safetensorsFromHeader([1, 2]), /header is not a JSON object \(got an array\)/],
    ['null header', safetensorsFromHeader(null), /header is not a JSON object \(got null\)/],
    ['string header', safetensorsFromHeader('x'), /header is not a JSON object \(got string\)/],
    ['entry not an object', safetensorsFromHeader({ a: [1] }), /tensor "a": entry is not an object/],
    ['missing dtype', safetensorsFromHeader({ a: { shape: [2], data_offsets: [0, 8] } }, data8), /tensor "a": dtype is missing or not a string/],
    ['unknown dtype', safetensorsFromHeader({ a: { ...ok, dtype: 'F33' } }, data8), /tensor "a": unknown dtype "F33"/],
    ['negative dim', safetensorsFromHeader({ a: { ...ok, shape: [-2] } }, data8), /tensor "a": shape \[-2\] is not a list of non-negative integers/],
    ['fractional dim', safetensorsFromHeader({ a: { ...ok, shape: [1.5] } }, data8), /tensor "a": shape \[1.5\]/],
    ['shape not a list', safetensorsFromHeader({ a: { ...ok, shape: 2 } }, data8), /tensor "a": shape 2 is not a list/],
    ['offsets not a pair', safetensorsFromHeader({ a: { ...ok, data_offsets: [0] } }, data8), /tensor "a": data_offsets \[0\] is not a pair/],
    ['negative offset', safetensorsFromHeader({ a: { ...ok, data_offsets: [-8, 0] } }, data8), /tensor "a": data_offsets \[-8,0\] is not a pair of non-negative integers/],
    ['end before begin', safetensorsFromHeader({ a: { ...ok, data_offsets: [8, 0] } }, data8), /tensor "a": data_offsets \[8, 0\] out of range: end before begin/],
    ['wrong byte size', safetensorsFromHeader({ a: { ...ok, shape: [3] } }, data8), /tensor "a": byte size 8 does not match shape \[3\] × F32 \(4 bytes\) = 12/],
    ['wrong byte size F16', safetensorsFromHeader({ a: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 8] } }, data8), /byte size 8 does not match shape \[2, 3\] × F16 \(2 bytes\) = 12/],
    ['offsets past the data', safetensorsFromHeader({ a: { ...ok, data_offsets: [4, 12] } }, data8), /truncated: expected 12 bytes of tensor data, file has 8 \(tensor "a" ends at 12\)/],
    ['overlap', safetensorsFromHeader({ a: ok, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data8),
      /tensors "a" \[0, 8\) and "b" \[4, 8\) overlap/],
    ['metadata not strings', safetensorsFromHeader({ __metadata__: { n: 1 }, a: ok }, data8), /__metadata__ value for "n" is not a string/],
    ['metadata not an object', safetensorsFromHeader({ __metadata__: 'x', a: ok }, data8), /__metadata__ is not an object/],
  ];
  for (const [what, bytes, pattern] of cases) {
    const p = file(bytes);
    assertCorrupt(() => readSafetensorsHeader(p), p, pattern, what);
  }
  // A file that does not exist is a SafetensorsError too.
  const missing = join(dir, 'absent.safetensors');
  assertCorrupt(() => readSafetensorsHeader(missing), missing, /cannot open/);
  // Sanity: the valid variants of these bytes read fine (empty tensors may share an offset).
  const p = file(safetensorsFromHeader({ a: ok, e: { dtype: 'F32', shape: [0], data_offsets: [4, 4] } }, f32le([5, 6])));
  assert.deepEqual([...readTensors(p).get('a')!.data], [5, 6]);
});

test('the tiny CLIPSeg fixture reads with the metadata, offsets and values an independent reader saw', () => {
  const h = readSafetensorsHeader(fixture);
  assert.equal(h.tensors.size, 206);
  assert.deepEqual(h.metadata, { format: 'pt', seed: '20240611' });
  assert.equal(h.dataOffset, 8 + 22704);
  assert.equal(h.fileSize, 534048);
  assert.ok([...h.tensors.values()].every((t) => t.dtype === 'F32'));
  assert.deepEqual(h.tensors.get('clip.logit_scale'), { dtype: 'F32', shape: [], begin: 0, end: 4 });
  const t = readTensors(fixture, { names: ['clip.logit_scale', 'decoder.transposed_convolution.4.bias', 'decoder.transposed_convolution.2.weight'] });
  // logit_scale keeps config.json's logit_scale_init_value; the bias value is from Python's struct.
  assert.equal(t.get('clip.logit_scale')!.data[0], Math.fround(2.6592));
  assert.equal(t.get('decoder.transposed_convolution.4.bias')!.data[0], 0.05238569527864456);
  assert.deepEqual(t.get('decoder.transposed_convolution.2.weight')!.shape, [16, 8, 4, 4]);
  const all = readTensors(fixture);
  let total = 0;
  for (const v of all.values()) total += v.data.length;
  assert.equal(total, (534048 - 8 - 22704) / 4);
});
