// Recognising files by their first bytes, and PNG/JPEG sizes from headers alone.

import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { encode } from 'fast-png';
import jpeg from 'jpeg-js';
import { detectFileKind, isDicom, rasterHeaderSize } from '../../main/io/file-kind.ts';

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

function niftiHeader(): Uint8Array {
  const b = new Uint8Array(352);
  new DataView(b.buffer).setInt32(0, 348, true);
  b.set(ascii('n+1\0'), 344);
  return b;
}

test('PNG, JPEG, NIfTI (plain and gzip) and DICOM are recognised by content', () => {
  const png = encode({ width: 2, height: 3, data: new Uint8Array(6), depth: 8, channels: 1 });
  const jpg = new Uint8Array(jpeg.encode({ data: Buffer.alloc(4 * 4 * 4), width: 4, height: 4 }, 80).data);
  assert.equal(detectFileKind(png), 'png');
  assert.equal(detectFileKind(jpg), 'jpeg');
  assert.equal(detectFileKind(niftiHeader()), 'nifti');
  assert.equal(detectFileKind(gzipSync(niftiHeader())), 'nifti');
  const part10 = new Uint8Array(200);
  part10.set(ascii('DICM'), 128);
  assert.equal(detectFileKind(part10), 'dicom');
  assert.equal(detectFileKind(ascii('just some text, not an image')), null);
  assert.equal(detectFileKind(gzipSync(ascii('a gzip that is not NIfTI'))), null);
  assert.equal(detectFileKind(new Uint8Array(0)), null);
});

test('a bare DICOM data set (no preamble) is recognised from a plausible group 0008 start', () => {
  // (0008,0005) CS "ISO_IR 100", explicit VR little endian
  const explicit = Uint8Array.from([0x08, 0x00, 0x05, 0x00, ...ascii('CS'), 10, 0, ...ascii('ISO_IR 100')]);
  assert.ok(isDicom(explicit));
  // (0008,0016) implicit VR: 4-byte length 4, then the value
  const implicit = Uint8Array.from([0x08, 0x00, 0x16, 0x00, 4, 0, 0, 0, ...ascii('1.2\0')]);
  assert.ok(isDicom(implicit));
  // group 0008 but an implausible length and no VR
  assert.ok(!isDicom(Uint8Array.from([0x08, 0x00, 0x16, 0x00, 0xff, 0xff, 0xff, 0x7f, 0, 0])));
  assert.ok(!isDicom(Uint8Array.from([0x10, 0x00, 0x10, 0x00, ...ascii('PN'), 2, 0, 0x41, 0x20])));
});

test('sizes come from the PNG IHDR and the JPEG frame header', () => {
  assert.deepEqual(rasterHeaderSize(encode({ width: 7, height: 3, data: new Uint8Array(21), depth: 8, channels: 1 })), { width: 7, height: 3 });
  const jpg = new Uint8Array(jpeg.encode({ data: Buffer.alloc(24 * 10 * 4), width: 24, height: 10 }, 80).data);
  assert.deepEqual(rasterHeaderSize(jpg), { width: 24, height: 10 });
  // an APP1 block before the frame header is skipped by its length
  const app1 = Uint8Array.from([0xff, 0xe1, 0x00, 0x08, ...ascii('Exif'), 0, 0]);
  const withApp = Uint8Array.from([...jpg.subarray(0, 2), ...app1, ...jpg.subarray(2)]);
  assert.deepEqual(rasterHeaderSize(withApp), { width: 24, height: 10 });
  assert.equal(rasterHeaderSize(jpg.subarray(0, 20)), null);
  assert.equal(rasterHeaderSize(ascii('text')), null);
});
