// Every transfer syntax against the uncompressed original it was made from by an independent
// encoder (dcmtk, gdcm, OpenJPH; scripts/make-dicom-codec-fixtures.sh): exact for lossless syntaxes,
// within a stated tolerance for lossy ones. The originals are checked against the integer formulas
// the script wrote them from, so a wrong original cannot hide a wrong decoder.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { CorruptFrameError, decodeDicom, DicomError, openDicom, readDicom, readDicomHeader, readDicomHeaderFile, UnsupportedTransferSyntaxError } from '../../main/io/dicom.ts';

const dir = join(import.meta.dirname, '..', 'fixtures', 'dicom-codecs');
const path = (name: string) => join(dir, `${name}.dcm`);
const W = 64;
const H = 48;
const r2 = (x: number, y: number) => (x - 32) ** 2 + (y - 24) ** 2;
const grid = (f: (x: number, y: number) => number[]) => Array.from({ length: H }, (_, y) => Array.from({ length: W }, (_, x) => f(x, y)).flat()).flat();

const PATTERNS: Record<string, number[][]> = {
  ct16s: [grid((x, y) => [-1024 + 2 * r2(x, y) + (x >= 40 && y >= 30 ? 900 : 0) + ((x * 7 + y * 13) % 5)])],
  mr16u: [grid((x, y) => [20 * r2(x, y) + (x < 16 ? 30000 : 0) + ((x * 7 + y * 13) % 5)])],
  mr12u: [grid((x, y) => [2 * r2(x, y) + ((x * 3 + y) % 4)])],
  rgb8: [grid((x, y) => [(x * 4) & 255, y * 5, x + y >= 56 ? 200 : 40])],
  multi8: [0, 1, 2, 3].map((f) => grid((x, y) => [x + 2 * y + 30 * f])),
  seg1: [0, 1, 2].map((f) => Array.from({ length: 7 * 13 }, (_, i) => ((i % 13) + Math.floor(i / 13) + f) % 3 === 0 ? 1 : 0)),
  int32s: [grid((x, y) => [(x - 32) * 100000 + y * 7 - 1])],
  int32u: [grid((x, y) => [Math.fround(x * 60000000 + y)])],
};

/** Largest and mean absolute difference of a frame from the expected values. */
function diff(actual: Float32Array, expected: number[]): { max: number; mean: number } {
  assert.equal(actual.length, expected.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / actual.length };
}

function assertExact(name: string, original: string) {
  const image = readDicom(path(name));
  const expected = PATTERNS[original];
  assert.equal(image.frames.length, expected.length, `${name}: frames`);
  image.frames.forEach((frame, k) => assert.deepEqual(diff(frame, expected[k]), { max: 0, mean: 0 }, `${name} frame ${k}`));
}

test('the uncompressed originals hold the patterns they were written from', () => {
  for (const name of Object.keys(PATTERNS)) assertExact(name, name);
  assert.equal(readDicom(path('seg1')).frames[0].length, 13 * 7);
});

test('lossless syntaxes decode to the original exactly', () => {
  const lossless: [string, string][] = [
    // RLE, JPEG lossless (SV1 and process 14 with predictors 6 and 7), JPEG-LS, JPEG 2000, HTJ2K
    ...['ct16s', 'mr16u', 'rgb8', 'multi8'].flatMap((o) => ['rle', 'jls', 'jpeg-sv1', 'j2k'].map((s): [string, string] => [`${o}.${s}`, o])),
    ['ct16s.jpeg-p14', 'ct16s'],
    ['multi8.jpeg-p14', 'multi8'],
    ['mr16u.htj2k', 'mr16u'],
    ['mr16u.htj2k-rpcl', 'mr16u'],
    ['rgb8.htj2k', 'rgb8'], // YBR_RCT: OpenJPH undoes the reversible colour transform
    // several fragments per frame with an empty Basic Offset Table
    ['multi8.jls.frag-nobot', 'multi8'],
    ['multi8.htj2k-frag-nobot', 'multi8'],
    // explicit big endian (16-bit OW, 8-bit OB, 32-bit, 1-bit) and deflated
    ['ct16s.big', 'ct16s'],
    ['rgb8.big', 'rgb8'],
    ['multi8.big', 'multi8'],
    ['int32s.big', 'int32s'],
    ['seg1.big', 'seg1'],
    ['ct16s.deflated', 'ct16s'],
    ['rgb8.deflated', 'rgb8'],
  ];
  for (const [name, original] of lossless) assertExact(name, original);
});

test('lossy syntaxes decode within their tolerance', () => {
  // [file, original, max abs error, mean abs error]: the bounds are ~1.5× what these encoders give
  const lossy: [string, string, number, number][] = [
    ['mr16u.jls-near', 'mr16u', 3, 3], // JPEG-LS NEAR = 3 is a hard bound
    ['rgb8.jls-near', 'rgb8', 3, 3],
    ['ct16s.j2k-lossy', 'ct16s', 42, 8], // gdcm -q 80 (PSNR): measured max 28, mean 5.2
    ['rgb8.j2k-lossy', 'rgb8', 60, 2], // measured 40, 1.3
    ['mr16u.htj2k-lossy', 'mr16u', 56, 11], // qstep 0.001: measured 37, 7.4
    ['multi8.jpeg-baseline', 'multi8', 2, 0.1], // measured 1, 0.04
    ['multi8.jpeg-baseline.frag', 'multi8', 2, 0.1], // two fragments per frame, offset table present
    ['multi8.jpeg-extended8', 'multi8', 2, 0.1], // 8-bit JPEG extended: libjpeg-turbo decodes it
    ['rgb8.jpeg-baseline-rgb', 'rgb8', 12, 0.3], // RGB stored without colour transform: measured 8, 0.2
    // YBR_FULL_422: chroma halved horizontally, then converted to RGB
    ['rgb8.jpeg-baseline', 'rgb8', 98, 2.8], // measured 65 (at the colour edge), 1.9
  ];
  for (const [name, original, maxBound, meanBound] of lossy) {
    const image = readDicom(path(name));
    const expected = PATTERNS[original];
    assert.equal(image.frames.length, expected.length, name);
    image.frames.forEach((frame, k) => {
      const { max, mean } = diff(frame, expected[k]);
      assert.ok(max <= maxBound && mean <= meanBound, `${name} frame ${k}: max ${max} (≤ ${maxBound}), mean ${mean.toFixed(2)} (≤ ${meanBound})`);
    });
  }
  // the colour conversion is really applied: the blue/red split of the pattern survives
  const rgb = readDicom(path('rgb8.jpeg-baseline'));
  assert.equal(rgb.samplesPerPixel, 3);
  assert.equal(rgb.photometric, 'YBR_FULL_422');
  const at = (x: number, y: number) => Array.from(rgb.frames[0].subarray(3 * (y * W + x), 3 * (y * W + x) + 3));
  for (const [[x, y], [r, g, b]] of [
    [[10, 10], [40, 50, 40]],
    [[50, 40], [200, 200, 200]],
  ] as const) {
    const got = at(x, y);
    assert.ok(Math.abs(got[0] - r) <= 12 && Math.abs(got[1] - g) <= 12 && Math.abs(got[2] - b) <= 12, `rgb at ${x},${y}: ${got}`);
  }
});

test('BitsAllocated 1 and 32 give the stored values, signed and unsigned', () => {
  const seg = readDicom(path('seg1'));
  assert.deepEqual([seg.width, seg.height, seg.frames.length], [13, 7, 3]);
  // frame 1 starts at bit 91, inside a byte: the first pixel of frame 1 is (0 + 0 + 1) % 3 ≠ 0
  assert.deepEqual(Array.from(seg.frames[1].subarray(0, 4)), [0, 0, 1, 0]);
  const s = readDicom(path('int32s')).frames[0];
  assert.equal(s[0], -3200001);
  const u = readDicom(path('int32u')).frames[0];
  assert.equal(u[63], Math.fround(63 * 60000000)); // above 2^31: unsigned
});

test('a multi-frame compressed file decodes frame k alone', () => {
  for (const name of ['multi8.jls', 'multi8.jls.frag-nobot', 'multi8.htj2k-frag-nobot', 'multi8.rle', 'multi8.j2k', 'multi8.jpeg-sv1']) {
    const file = openDicom(readFileSync(path(name)), name);
    assert.equal(file.header.numberOfFrames, 4);
    assert.deepEqual(diff(file.decodeFrame(2), PATTERNS.multi8[2]), { max: 0, mean: 0 }, name);
    assert.throws(() => file.decodeFrame(4), RangeError);
  }
});

test('a corrupt compressed frame is named, and the other frames still decode', () => {
  const name = path('multi8.jls-corrupt-frame2');
  const file = openDicom(readFileSync(name), name);
  assert.deepEqual(diff(file.decodeFrame(3), PATTERNS.multi8[3]), { max: 0, mean: 0 });
  assert.throws(
    () => file.decodeFrame(2),
    (e: unknown) => e instanceof CorruptFrameError && e instanceof DicomError && e.frame === 2 && e.message === `${name}: cannot decode image: frame 2 (JPEG-LS Lossless, 1.2.840.10008.1.2.4.80) is corrupt: Invalid JPEG-LS stream, the encoded bit stream contains a general structural problem`,
  );
  assert.throws(() => readDicom(name), CorruptFrameError);
});

test('unsupported syntaxes and 12-bit JPEG give a named error', () => {
  const mpeg = path('multi8.mpeg2');
  assert.throws(
    () => readDicom(mpeg),
    (e: unknown) => e instanceof UnsupportedTransferSyntaxError && e.uid === '1.2.840.10008.1.2.4.100' && e.message === `${mpeg}: cannot decode image: unsupported transfer syntax 1.2.840.10008.1.2.4.100 (MPEG2 Main Profile)`,
  );
  // its header is still readable, so a series import can report the file in its series
  assert.equal(readDicomHeaderFile(mpeg).pixelsDecodable, false);
  const jpeg12 = path('mr12u.jpeg-extended12');
  assert.throws(
    () => readDicom(jpeg12),
    (e: unknown) => e instanceof UnsupportedTransferSyntaxError && e.message.startsWith(`${jpeg12}: cannot decode image: unsupported transfer syntax 1.2.840.10008.1.2.4.51 (JPEG Extended): 12-bit lossy JPEG`),
  );
});

test('readDicomHeader gives the series keys and geometry without decoding pixels', () => {
  const bytes = readFileSync(path('ct16s.j2k'));
  const h = readDicomHeader(bytes, 'ct16s.j2k');
  assert.equal(h.transferSyntaxUID, '1.2.840.10008.1.2.4.90');
  assert.equal(h.studyInstanceUID, '1.2.826.0.1.3680043.10.1500.1');
  assert.match(h.seriesInstanceUID, /^1\.2\.826\.0\.1\.3680043\.10\.1500\.1\.\d+$/);
  assert.match(h.sopInstanceUID, /^1\.2\.826\.0\.1\.3680043\.10\.1500\./);
  assert.equal(h.sopClassUID, '1.2.840.10008.5.1.4.1.1.7');
  assert.deepEqual([h.rows, h.columns, h.numberOfFrames, h.bitsAllocated, h.pixelRepresentation, h.modality, h.seriesDescription, h.instanceNumber], [48, 64, 1, 16, 'signed', 'CT', 'ct16s', 1]);
  assert.equal(h.frames, null);
  // the pixel data is not needed: a file cut just after the pixel data element's header still reads
  const cut = bytes.subarray(0, bytes.length - 600);
  assert.deepEqual(readDicomHeader(cut, 'cut.dcm').sopInstanceUID, h.sopInstanceUID);
  assert.throws(() => decodeDicom(cut, 'cut.dcm'), DicomError);
  // deflated: the whole dataset is inflated
  assert.equal(readDicomHeaderFile(path('rgb8.deflated')).seriesDescription, 'rgb8');
});
