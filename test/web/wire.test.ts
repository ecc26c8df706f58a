// The JSON wire format: base64 against Node's Buffer as an independent codec, bytes at any depth,
// and decoding that cannot be tricked into prototype changes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeWire, encodeWire, fromBase64, fromWireJson, toBase64, toWireJson, WireError } from '../../main/contract/wire.ts';

test('base64 matches Node Buffer for every length up to 100 and for 1 MiB', () => {
  let seed = 7;
  const random = (n: number) => new Uint8Array(n).map(() => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 255);
  for (const n of [...Array(101).keys(), 1 << 20]) {
    const bytes = random(n);
    const text = toBase64(bytes);
    assert.equal(text, Buffer.from(bytes).toString('base64'), `length ${n}`);
    assert.deepEqual(fromBase64(text), bytes, `length ${n}`);
  }
  assert.equal(toBase64(new Uint8Array([0xfb, 0xff, 0xbf])), '+/+/');
});

test('malformed base64 is a WireError naming the problem', () => {
  assert.throws(() => fromBase64('abc'), (e: Error) => e instanceof WireError && /divisible by 4, got 3/.test(e.message));
  assert.throws(() => fromBase64('ab$d'), /invalid base64 character "\$" at 2/);
  assert.throws(() => fromBase64('a=bc'), /invalid base64 character "=" at 1/);
  assert.throws(() => fromBase64('ab==cd=='), /invalid base64 character "=" at 2/);
  assert.throws(() => fromBase64('abé='), /invalid base64 character "é"/);
  assert.deepEqual(fromBase64(''), new Uint8Array(0));
});

test('Uint8Arrays travel at any depth and come back as Uint8Arrays; other values unchanged', () => {
  const value = {
    ok: true,
    value: { width: 2, height: 1, pixels: new Uint8Array([0, 1]), list: [new Uint8Array([255]), { deep: new Uint8Array(0) }], name: 'x', none: null, n: 1.5 },
  };
  const json = toWireJson(value);
  assert.deepEqual(JSON.parse(json).value.pixels, { $bytes: 'AAE=' });
  assert.deepEqual(fromWireJson(json), value);
  assert.ok((fromWireJson(json) as typeof value).value.list[0] instanceof Uint8Array);
  // a Buffer is a Uint8Array: it goes out as bytes and comes back as a plain Uint8Array
  assert.deepEqual(decodeWire(encodeWire(Buffer.from([1, 2, 3]))), new Uint8Array([1, 2, 3]));
  // undefined fields are dropped, as JSON does
  assert.deepEqual(encodeWire({ a: undefined, b: 1 }), { b: 1 });
  // an object with more than the $bytes key is data, not bytes
  assert.deepEqual(decodeWire({ $bytes: 'AA==', other: 1 }), { $bytes: 'AA==', other: 1 });
});

test('other binary views and non-plain objects are refused with the path', () => {
  assert.throws(() => encodeWire({ a: { b: new Float32Array(2) } }), /value\.a\.b is a Float32Array; only Uint8Array/);
  assert.throws(() => encodeWire([new Map()]), /value\[0\] is a Map, not plain data/);
  assert.throws(() => encodeWire({ n: 1n }), /value\.n is a bigint/);
});

test('a "__proto__" key stays a plain key and never changes a prototype', () => {
  const decoded = fromWireJson('{"__proto__": {"polluted": true}, "a": {"__proto__": {"x": 1}}}') as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
  assert.equal((decoded as { polluted?: boolean }).polluted, undefined);
  assert.ok(Object.prototype.hasOwnProperty.call(decoded, '__proto__'));
  assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  assert.equal(Object.getPrototypeOf(decoded.a), Object.prototype);
});
