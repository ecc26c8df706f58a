// multipart/related as WADO-RS sends it and STOW-RS takes it: parts with binary bodies (CR LF and
// the boundary's dashes inside), a quoted boundary and a preamble; a body cut short is an error.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMultipart, contentTypeParams, MultipartError, parseMultipart } from '../../main/pacs/multipart.ts';

const a = Buffer.from([0, 1, 2, 0x0d, 0x0a, 0x2d, 0x2d, 255]);
const b = Buffer.from('second\r\n--not-the-boundary\r\n', 'latin1');

test('what buildMultipart writes, parseMultipart reads back byte for byte', () => {
  const { contentType, body } = buildMultipart([a, b]);
  assert.match(contentType, /^multipart\/related; type="application\/dicom"; boundary=delineate-[0-9a-f]{24}$/);
  const parts = parseMultipart(contentType, body);
  assert.deepEqual(parts.map((p) => [p.headers['content-type'], [...p.body]]), [['application/dicom', [...a]], ['application/dicom', [...b]]]);
});

test('a hand-written answer: quoted boundary, preamble, padding after a delimiter, headers of any case', () => {
  const body = Buffer.from('preamble to ignore\r\n--XyZ \r\nCONTENT-TYPE: application/dicom\r\nContent-Location: x\r\n\r\nDICM-ish\r\n--XyZ--\r\nepilogue', 'latin1');
  const parts = parseMultipart('multipart/related; type="application/dicom"; boundary="XyZ"', body);
  assert.equal(parts.length, 1);
  assert.equal(parts[0].body.toString(), 'DICM-ish');
  assert.equal(parts[0].headers['content-location'], 'x');
  assert.deepEqual(contentTypeParams('Multipart/Related; Type="application/dicom"; boundary=abc'), { type: 'multipart/related', params: { type: 'application/dicom', boundary: 'abc' } });
});

test('a body cut short, one without its boundary and a non-multipart answer are errors that say so', () => {
  const { contentType, body } = buildMultipart([a, b]);
  const cut = body.subarray(0, body.length - 20);
  assert.throws(() => parseMultipart(contentType, cut), (e: MultipartError) => e instanceof MultipartError && /no closing boundary: the answer was cut short/.test(e.message));
  assert.throws(() => parseMultipart('multipart/related; boundary=other', body), /no part \(no boundary found\)/);
  assert.throws(() => parseMultipart('multipart/related', body), /no boundary parameter/);
  assert.throws(() => parseMultipart('application/json', body), /application\/json, not multipart/);
});
