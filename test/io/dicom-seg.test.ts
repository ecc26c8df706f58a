// DICOM SEG writer and reader, checked with independent readers: dciodvfy (dicom3tools) validates
// the IOD, pydicom reads back every frame, position, reference and attribute, and the masks are
// compared bit for bit with what was written. Our own reader is then checked against the same
// expectations, and on SEGs written by pydicom (FRACTIONAL; segment in the shared groups).

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { decodeDicomSeg, DicomSegError, encodeDicomSeg, isDicomSeg, LOCAL_CODING_SCHEME, newUid, writeDicomSeg, type SegSegment } from '../../main/io/dicom-seg.ts';
import { dciodvfy, pydicomReadSeg } from '../helpers/dicom-tools.ts';
import { COLUMNS, FIXTURES, ORIENTATION, PIXEL_SPACING, patternMask, ROWS, SLICE_STEP, STACK } from './dicom-seg-fixture.ts';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'delineate-seg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** sRGB (IEC 61966-2-1) → CIELab relative to D50 (Bradford), scaled as PS3.3 C.10.7.1.1: written out here, not dcmjs's. */
function expectedDicomLab(hex: string): number[] {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const x65 = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b;
  const y65 = 0.2126729 * r + 0.7151522 * g + 0.072175 * b;
  const z65 = 0.0193339 * r + 0.119192 * g + 0.9503041 * b;
  const x = 1.0478112 * x65 + 0.0228866 * y65 - 0.050127 * z65;
  const y = 0.0295424 * x65 + 0.9904844 * y65 - 0.0170491 * z65;
  const z = -0.0092345 * x65 + 0.0150436 * y65 + 0.7521316 * z65;
  const f = (t: number) => (t > (6 / 29) ** 3 ? Math.cbrt(t) : t / (3 * (6 / 29) ** 2) + 4 / 29);
  const [fx, fy, fz] = [f(x / 0.96422), f(y / 1.0), f(z / 0.82521)];
  const [L, A, B] = [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
  return [(L * 65535) / 100, ((A + 128) * 65535) / 255, ((B + 128) * 65535) / 255].map(Math.round);
}

const bitsOf = (m: Uint8Array) => Array.from(m, (v) => (v ? '1' : '0')).join('');

// segment 1 (model): slices 0, 2, 4; slice 1 has no mask, slice 3 an empty one
// segment 2 (corrected): slices 1, 3; segment 3 (semi-automatic): slice 2 only
const SEGMENTS: SegSegment[] = [
  { label: 'liver', color: '#ff8000', algorithm: { type: 'AUTOMATIC', name: 'CLIPSeg rd64-refined + adapter site-A', version: 'clipseg@1a2b3c4d' }, masks: [patternMask(1), null, patternMask(3), patternMask(0, true), patternMask(5)] },
  { label: 'Läsion links', color: '#2050c0', algorithm: { type: 'MANUAL' }, masks: [null, patternMask(7), null, patternMask(9), null] },
  { label: 'spleen', color: '#00ff00', algorithm: { type: 'SEMIAUTOMATIC', name: 'CLIPSeg' }, masks: [null, null, patternMask(11), null, null] },
];
/** the frames a SEG of SEGMENTS must hold, in order: (segment, slice) with foreground */
const EXPECTED = [
  [1, 0],
  [1, 2],
  [1, 4],
  [2, 1],
  [2, 3],
  [3, 2],
] as const;

test('a binary SEG of an oblique series: dciodvfy finds no IOD error, pydicom reads back every frame, position and reference', (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'seg.dcm');
  const bytes = encodeDicomSeg(
    STACK.map((path) => ({ path })),
    SEGMENTS,
    { seriesDescription: 'Delineate masks', seriesNumber: 901, now: new Date(2025, 0, 2, 3, 4, 5) },
  );
  writeFileSync(out, bytes);

  const v = dciodvfy(out);
  assert.deepEqual(v.errors, [], `dciodvfy reported IOD errors:\n${v.output}`);

  const seg = pydicomReadSeg(out, STACK);
  // the sources as pydicom reads them: the stack order is their order along the slice normal
  const n = [ORIENTATION[1] * ORIENTATION[5] - ORIENTATION[2] * ORIENTATION[4], ORIENTATION[2] * ORIENTATION[3] - ORIENTATION[0] * ORIENTATION[5], ORIENTATION[0] * ORIENTATION[4] - ORIENTATION[1] * ORIENTATION[3]];
  const along = seg.sources.map((s) => s.position.reduce((a, p, i) => a + p * n[i], 0));
  along.slice(1).forEach((d, k) => assert.ok(Math.abs(d - along[k] - SLICE_STEP) < 1e-4, `fixture slice ${k + 1} is ${SLICE_STEP} mm after slice ${k}`));

  assert.equal(seg.sopClassUID, '1.2.840.10008.5.1.4.1.1.66.4');
  assert.equal(seg.mediaSopInstanceUID, seg.sopInstanceUID);
  assert.equal(seg.transferSyntax, '1.2.840.10008.1.2.1');
  assert.equal(seg.modality, 'SEG');
  assert.equal(seg.segmentationType, 'BINARY');
  assert.equal(seg.bitsAllocated, 1);
  assert.equal(seg.manufacturer, 'Delineate');
  assert.equal(seg.seriesDescription, 'Delineate masks');
  assert.deepEqual([seg.rows, seg.columns], [ROWS, COLUMNS]);
  // 6 frames × 143 bits = 858 bits: 108 bytes (107.25 rounded up, then to even)
  assert.equal(seg.numberOfFrames, EXPECTED.length);
  assert.equal(seg.pixelDataBytes, 108);

  // copied from the source, not invented; new UIDs in the 2.25 arc
  const src = seg.sources[0];
  assert.equal(seg.studyInstanceUID, src.studyInstanceUID);
  assert.equal(seg.frameOfReferenceUID, src.frameOfReferenceUID);
  assert.equal(seg.patientID, src.patientID);
  assert.equal(seg.patientName, 'Müller^Jürgen', 'a Latin-1 name is the same name in the SEG');
  assert.equal(seg.patientName, src.patientName);
  assert.equal(seg.referringPhysicianName, src.referringPhysicianName);
  assert.equal(seg.accessionNumber, 'ACC-7731');
  assert.equal(seg.studyDate, '20240102');
  assert.match(seg.seriesInstanceUID, /^2\.25\.[1-9][0-9]*$/);
  assert.match(seg.sopInstanceUID, /^2\.25\.[1-9][0-9]*$/);
  assert.notEqual(seg.seriesInstanceUID, src.seriesInstanceUID);

  // shared geometry
  seg.orientation.forEach((v, i) => assert.ok(Math.abs(v - ORIENTATION[i]) < 1e-9));
  assert.deepEqual(seg.pixelSpacing, PIXEL_SPACING);
  assert.equal(seg.sliceThickness, 2.5);
  assert.ok(Math.abs(seg.spacingBetweenSlices! - SLICE_STEP) < 1e-5);
  assert.deepEqual(seg.dimensionPointers, [['(0062, 000b)', '(0062, 000a)'], ['(0020, 0032)', '(0020, 9113)']]);

  // the source series and all its instances are referenced
  assert.deepEqual(seg.referencedSeries.map((s) => s.seriesInstanceUID), [src.seriesInstanceUID]);
  assert.deepEqual([...seg.referencedSeries[0].sopInstanceUIDs].sort(), seg.sources.map((s) => s.sopInstanceUID).sort());

  // one frame per (segment, slice) with foreground, empty slices omitted, each voxel equal
  assert.deepEqual(seg.frames.map((f) => [f.segment, seg.sources.findIndex((s) => s.sopInstanceUID === f.sopInstanceUID)]), EXPECTED.map((e) => [...e]));
  EXPECTED.forEach(([segment, slice], i) => {
    const frame = seg.frames[i];
    const source = seg.sources[slice];
    assert.equal(frame.sopClassUID, source.sopClassUID);
    assert.equal(frame.purpose, '121322');
    assert.equal(frame.frameNumber, null);
    assert.deepEqual(frame.position, source.position, `frame ${i + 1} sits at slice ${slice}'s ImagePositionPatient`);
    assert.deepEqual(frame.dimensionIndexValues, [segment, slice + 1]);
    assert.equal(frame.bits, bitsOf(SEGMENTS[segment - 1].masks[slice]!), `frame ${i + 1} (segment ${segment}, slice ${slice}) voxel for voxel`);
  });

  // segments: labels, algorithm types and names, CIELab colours, local codes
  assert.deepEqual(
    seg.segments.map((s) => [s.number, s.label, s.algorithmType, s.algorithmName]),
    [
      [1, 'liver', 'AUTOMATIC', 'CLIPSeg rd64-refined + adapter site-A'],
      [2, 'Läsion links', 'MANUAL', null],
      [3, 'spleen', 'SEMIAUTOMATIC', 'CLIPSeg'],
    ],
  );
  seg.segments.forEach((s, i) => {
    const expected = expectedDicomLab(SEGMENTS[i].color);
    // within 0.03 L and 0.06 a/b units (7-digit matrices here); D65 instead of D50 would be off by > 1 unit
    s.lab.forEach((v, c) => assert.ok(Math.abs(v - expected[c]) <= 16, `segment ${s.number} CIELab ${s.lab} vs ${expected}`));
    assert.deepEqual(s.category[1], LOCAL_CODING_SCHEME);
    assert.deepEqual([s.type[1], s.type[2]], [LOCAL_CODING_SCHEME, SEGMENTS[i].label]);
  });
  assert.notEqual(seg.segments[0].type[0], seg.segments[2].type[0], 'each label its own type code');

  // and our own reader agrees
  const own = decodeDicomSeg(readFileSync(out), out);
  assert.equal(own.segmentationType, 'BINARY');
  assert.deepEqual(own.segments.map((s) => [s.number, s.label, s.algorithm.type, s.color]), [
    [1, 'liver', 'AUTOMATIC', '#ff8000'],
    [2, 'Läsion links', 'MANUAL', '#2050c0'],
    [3, 'spleen', 'SEMIAUTOMATIC', '#00ff00'],
  ]);
  assert.equal(own.frames.length, EXPECTED.length);
  own.frames.forEach((f, i) => {
    const [segment, slice] = EXPECTED[i];
    assert.equal(f.segmentNumber, segment);
    assert.equal(f.referencedSOPInstanceUID, seg.sources[slice].sopInstanceUID);
    assert.deepEqual(f.imagePositionPatient, seg.sources[slice].position);
    assert.equal(bitsOf(f.mask), bitsOf(SEGMENTS[segment - 1].masks[slice]!));
  });
  assert.equal(own.frameOfReferenceUID, src.frameOfReferenceUID);
});

test('writeDicomSeg writes the file atomically with the options given; a UID root is used as the prefix', async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'nested', 'seg.dcm');
  await assert.rejects(writeDicomSeg(out, STACK.map((path) => ({ path })), SEGMENTS.slice(0, 1)), /nested does not exist/, 'a missing folder is an error, not created');
  const flat = join(dir, 'seg.dcm');
  await writeDicomSeg(flat, STACK.map((path) => ({ path })), SEGMENTS.slice(0, 1), { uidRoot: '1.2.826.0.1.3680043.10.777' });
  const seg = pydicomReadSeg(flat);
  assert.match(seg.seriesInstanceUID, /^1\.2\.826\.0\.1\.3680043\.10\.777\.[1-9][0-9]+$/);
  assert.ok(seg.seriesInstanceUID.length <= 64 && seg.sopInstanceUID.length <= 64);
  assert.equal(seg.numberOfFrames, 3);
  assert.deepEqual(dciodvfy(flat).errors, []);
  assert.deepEqual(readdirSync(dir), ['seg.dcm'], 'no temporary file left');
});

test('new UIDs: 2.25 and the decimal of a 128-bit UUID, at most 64 characters, never repeated', () => {
  const uids = Array.from({ length: 1000 }, () => newUid());
  assert.equal(new Set(uids).size, uids.length);
  for (const u of uids) {
    assert.match(u, /^2\.25\.[1-9][0-9]*$/);
    assert.ok(u.length <= 64);
    assert.ok(BigInt(u.slice(5)) < 2n ** 128n);
  }
  assert.throws(() => newUid('1.02.3'), /leading zeros/);
  assert.throws(() => newUid('1.2.' + '3'.repeat(40)), /at most 40/);
});

test('bad input: errors name the file or segment that is wrong', (t) => {
  const sources = STACK.map((path) => ({ path }));
  assert.throws(() => encodeDicomSeg(sources, [{ ...SEGMENTS[0], masks: SEGMENTS[0].masks.slice(0, 4) }]), /segment 1 \("liver"\) has masks for 4 slices, the source stack has 5/);
  assert.throws(() => encodeDicomSeg(sources, [{ ...SEGMENTS[0], masks: [new Uint8Array(10), null, null, null, null] }]), /slice 0: mask has 10 pixels, the source is 13×11 \(143\)/);
  assert.throws(() => encodeDicomSeg(sources, [{ ...SEGMENTS[0], color: 'orange' }]), /segment 1 \("liver"\): colour "orange" is not '#rrggbb'/);
  assert.throws(() => encodeDicomSeg(sources, [{ ...SEGMENTS[0], algorithm: { type: 'AUTOMATIC' } }]), /AUTOMATIC but names no algorithm/);
  assert.throws(() => encodeDicomSeg([...sources, sources[1]], [{ ...SEGMENTS[1], masks: [null, null, null, null, null, null] }]), (e: Error) => e instanceof DicomSegError && /a2\.dcm: slice 5 repeats an instance/.test(e.message));
  // a source from another series (a SEG of the fixture's own SEG is not the same series)
  assert.throws(() => encodeDicomSeg([sources[0], { path: `${FIXTURES}fractional-seg.dcm` }], [{ ...SEGMENTS[1], masks: [null, null] }]), /fractional-seg\.dcm: .*(SeriesInstanceUID|ImageOrientationPatient|PixelSpacing)/);
  const missing = join(tempDir(t), 'gone.dcm');
  assert.throws(() => encodeDicomSeg([{ path: missing }], [{ ...SEGMENTS[1], masks: [null] }]), (e: Error) => e.message.startsWith(`${missing}: cannot read the source file`));
});

test('the reader: a FRACTIONAL SEG written by pydicom, thresholded at half of MaximumFractionalValue', () => {
  const file = `${FIXTURES}fractional-seg.dcm`;
  const seg = decodeDicomSeg(readFileSync(file), file);
  const sources = pydicomReadSeg('-', STACK).sources;
  assert.equal(seg.segmentationType, 'FRACTIONAL');
  assert.deepEqual(seg.segments.map((s) => [s.number, s.label, s.algorithm.type]), [[7, 'kidney', 'MANUAL']]);
  assert.equal(seg.frames.length, 3);
  seg.frames.forEach((f, i) => {
    assert.equal(f.segmentNumber, 7, 'from the shared functional group');
    assert.equal(f.referencedSOPInstanceUID, sources[i].sopInstanceUID);
    assert.deepEqual(f.imagePositionPatient, sources[i].position);
    for (let y = 0; y < ROWS; y++) {
      for (let x = 0; x < COLUMNS; x++) {
        const value = (7 * x + 13 * y + 50 * i) % 201; // MaximumFractionalValue 200
        assert.equal(f.mask[y * COLUMNS + x], value >= 100 ? 1 : 0, `frame ${i} (${x}, ${y}) value ${value}`);
      }
    }
  });
});

test('the reader: a BINARY SEG from pydicom whose 143-pixel frames start inside a byte', () => {
  const file = `${FIXTURES}shared-segment-seg.dcm`;
  const seg = decodeDicomSeg(readFileSync(file), file);
  assert.equal(seg.frames.length, 3);
  seg.frames.forEach((f, i) => {
    for (let y = 0; y < ROWS; y++) for (let x = 0; x < COLUMNS; x++) assert.equal(f.mask[y * COLUMNS + x], (x * y + i) % 3 === 0 ? 1 : 0, `frame ${i} (${x}, ${y})`);
  });
  assert.throws(() => decodeDicomSeg(readFileSync(STACK[0]), STACK[0]), /b7\.dcm: not a DICOM Segmentation \(SOP Class 1\.2\.840\.10008\.5\.1\.4\.1\.1\.2/);
  assert.throws(() => decodeDicomSeg(new Uint8Array(300), 'x.dcm'), /^DicomSegError: x\.dcm: not a readable DICOM file|x\.dcm: not a readable DICOM file/);
});

test('a SEG of an enhanced multi-frame source: each frame refers to its ReferencedFrameNumber and per-frame position', (t) => {
  const source = `${FIXTURES}enhanced-ct.dcm`;
  const out = join(tempDir(t), 'seg.dcm');
  const masks = [patternMask(31), patternMask(32), patternMask(33)];
  // the stack in reverse frame order: slice k is frame 2 − k
  writeFileSync(out, encodeDicomSeg([2, 1, 0].map((frame) => ({ path: source, frame })), [{ label: 'bone', color: '#ffffff', algorithm: { type: 'MANUAL' }, masks }]));
  assert.deepEqual(dciodvfy(out).errors, [], dciodvfy(out).output);
  const seg = pydicomReadSeg(out);
  assert.equal(seg.referencedSeries[0].sopInstanceUIDs.length, 1, 'one instance, referenced once');
  assert.deepEqual(seg.frames.map((f) => f.frameNumber), [3, 2, 1]);
  assert.ok(seg.frames.every((f) => f.sopInstanceUID === seg.referencedSeries[0].sopInstanceUIDs[0]));
  assert.deepEqual(seg.frames.map((f) => f.bits), masks.map(bitsOf));
  // positions: origin + f·3 mm along the normal, as the fixture script wrote them (6 decimals)
  const n = [ORIENTATION[1] * ORIENTATION[5] - ORIENTATION[2] * ORIENTATION[4], ORIENTATION[2] * ORIENTATION[3] - ORIENTATION[0] * ORIENTATION[5], ORIENTATION[0] * ORIENTATION[4] - ORIENTATION[1] * ORIENTATION[3]];
  seg.frames.forEach((f, k) => {
    const frame = 2 - k;
    [-20.5, 31.25, 102.0].forEach((o, i) => assert.ok(Math.abs(f.position[i] - (o + frame * 3 * n[i])) < 2e-6, `slice ${k} position ${f.position}`));
  });
  assert.equal(seg.sliceThickness, 3);
  assert.ok(Math.abs(seg.spacingBetweenSlices! - 3) < 1e-5);
  assert.throws(() => encodeDicomSeg([{ path: source, frame: 3 }], [{ label: 'x', color: '#ffffff', algorithm: { type: 'MANUAL' }, masks: [null] }]), /enhanced-ct\.dcm: slice 0 names frame 3, but the file has frames 0\.\.2/);
});

test('isDicomSeg tells a SEG from an image by its SOP Class', () => {
  assert.equal(isDicomSeg(readFileSync(`${FIXTURES}shared-segment-seg.dcm`)), true);
  assert.equal(isDicomSeg(encodeDicomSeg(STACK.map((path) => ({ path })), SEGMENTS.slice(1, 2))), true);
  assert.equal(isDicomSeg(readFileSync(STACK[0])), false);
  assert.equal(isDicomSeg(new Uint8Array(10)), false);
});
