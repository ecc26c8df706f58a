// DICOM decoding against files built byte by byte in the test, with expectations worked out by
// hand from the standard (rescale, LPS→RAS geometry, VOI window, YBR conversion).

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeDicom, dicomDisplayFrame, DicomError, openDicom, readDicom, readDicomHeader, UnsupportedTransferSyntaxError } from '../../main/io/dicom.ts';
import { dicomFile, EXPLICIT_LE, IMPLICIT_LE, pixelModule, type El } from '../helpers/dicom-writer.ts';

const near = (actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-6, what = '') => {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}] = ${actual[i]}, expected ${expected[i]}`);
};
const nearMatrix = (actual: number[][], expected: number[][]) => near(actual.flat(), expected.flat(), 1e-9, 'affine');

// 3 × 2 CT slice; stored values chosen to cover negative, zero and large
const ctStored = Int16Array.from([0, 1024, 1064, -1000, 3000, 24]);
const ct: El[] = [
  { tag: 0x00080060, vr: 'CS', value: 'CT' },
  { tag: 0x00100010, vr: 'PN', value: 'Doe^Jane' },
  { tag: 0x00100020, vr: 'LO', value: 'MRN-0042' },
  { tag: 0x00180050, vr: 'DS', value: [2.5] },
  { tag: 0x00200032, vr: 'DS', value: [-250, -250, -100] },
  { tag: 0x00200037, vr: 'DS', value: [1, 0, 0, 0, 1, 0] },
  { tag: 0x00280030, vr: 'DS', value: [0.7, 0.6] },
  { tag: 0x00281050, vr: 'DS', value: [40, -600] },
  { tag: 0x00281051, vr: 'DS', value: [400, 1500] },
  { tag: 0x00281052, vr: 'DS', value: [-1024] },
  { tag: 0x00281053, vr: 'DS', value: [1] },
  ...pixelModule({ rows: 2, columns: 3, bits: 16, signed: true, photometric: 'MONOCHROME2', pixels: ctStored }),
];

for (const [name, syntax] of [['explicit', EXPLICIT_LE], ['implicit', IMPLICIT_LE]] as const) {
  test(`16-bit signed CT (${name} VR little endian): HU, first window, RAS affine, no patient text`, () => {
    const image = decodeDicom(dicomFile(ct, syntax), 'ct.dcm');
    assert.equal(image.width, 3);
    assert.equal(image.height, 2);
    assert.equal(image.samplesPerPixel, 1);
    assert.equal(image.modality, 'CT');
    assert.equal(image.frames.length, 1);
    near(image.frames[0], [-1024, 0, 40, -2024, 1976, -1000]);
    assert.deepEqual(image.window, { center: 40, width: 400 });
    assert.equal(image.monochrome1, false);
    assert.deepEqual(image.pixelSpacing, [0.7, 0.6]);
    assert.equal(image.pixelSpacingSource, 'PixelSpacing');
    // LPS columns: row dir (1,0,0)×0.6, column dir (0,1,0)×0.7, normal (0,0,1)×2.5; x and y negated
    nearMatrix(image.geometry.affine, [
      [-0.6, 0, 0, 250],
      [0, -0.7, 0, 250],
      [0, 0, 2.5, -100],
      [0, 0, 0, 1],
    ]);
    assert.deepEqual(image.geometry.dims, [3, 2, 1]);
    assert.equal(image.geometry.xformCode, 1);
    const text = JSON.stringify(image, (_k, v) => (ArrayBuffer.isView(v) ? undefined : v));
    assert.doesNotMatch(text, /Doe|Jane|MRN/);
  });
}

test('a malformed or invalid window is ignored (display falls back to the full range), not fatal', () => {
  for (const [center, width] of [['abc', '400'], ['40', '0.5']]) {
    const els = [...ct.filter((e) => e.tag !== 0x00281050 && e.tag !== 0x00281051), { tag: 0x00281050, vr: 'DS', value: center }, { tag: 0x00281051, vr: 'DS', value: width }];
    const image = decodeDicom(dicomFile(els), 'ct.dcm');
    assert.equal(image.window, undefined);
    // full range −2024..1976: −2024 → 0, 1976 → 255
    const shown = dicomDisplayFrame(image);
    assert.deepEqual([shown[3], shown[4]], [0, 255]);
  }
});

test('sagittal orientation: the affine follows ImageOrientationPatient, row spacing first', () => {
  const els = ct.filter((e) => ![0x00200032, 0x00200037, 0x00280030, 0x00180050].includes(e.tag));
  els.push(
    { tag: 0x00200032, vr: 'DS', value: [-10, -20, 30] },
    { tag: 0x00200037, vr: 'DS', value: [0, 1, 0, 0, 0, -1] },
    { tag: 0x00280030, vr: 'DS', value: [0.5, 0.8] },
    { tag: 0x00180050, vr: 'DS', value: [2] },
  );
  const image = decodeDicom(dicomFile(els), 'sag.dcm');
  // LPS: i → (0,1,0)·0.8, j → (0,0,−1)·0.5, normal (0,1,0)×(0,0,−1) = (−1,0,0)·2; RAS negates x, y
  nearMatrix(image.geometry.affine, [
    [0, 0, 2, 10],
    [-0.8, 0, 0, 20],
    [0, -0.5, 0, 30],
    [0, 0, 0, 1],
  ]);
  assert.deepEqual(image.geometry.spacing, [0.8, 0.5, 2]);
});

test('MONOCHROME1 radiograph: ImagerPixelSpacing, BitsStored 12 masking, values kept, display inverted', () => {
  // 0xF123 has junk above bit 11: only 0x123 = 291 is the pixel
  const stored = Uint16Array.from([0, 4095, 2048, 0xf123]);
  const file = dicomFile([
    { tag: 0x00080060, vr: 'CS', value: 'CR' },
    { tag: 0x00181164, vr: 'DS', value: [0.143, 0.15] },
    { tag: 0x00281050, vr: 'DS', value: [2048] },
    { tag: 0x00281051, vr: 'DS', value: [4096] },
    ...pixelModule({ rows: 2, columns: 2, bits: 16, bitsStored: 12, photometric: 'MONOCHROME1', pixels: stored }),
  ]);
  const image = decodeDicom(file, 'cr.dcm');
  assert.equal(image.monochrome1, true);
  assert.equal(image.modality, 'CR');
  near(image.frames[0], [0, 4095, 2048, 291]);
  assert.deepEqual(image.pixelSpacing, [0.143, 0.15]);
  assert.equal(image.pixelSpacingSource, 'ImagerPixelSpacing');
  assert.equal(image.geometry.xformCode, 2);
  nearMatrix(image.geometry.affine, [
    [-0.15, 0, 0, 0],
    [0, -0.143, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ]);
  // c = 2048, w = 4096: low edge 0, high edge 4095; 2048 → ((0.5/4095) + 0.5)·255 = 127.53 → 128;
  // 291 → ((291 − 2047.5)/4095 + 0.5)·255 = 18.12 → 18; then inverted
  assert.deepEqual([...dicomDisplayFrame(image)], [255, 0, 255 - 128, 255 - 18]);
});

test('8-bit multi-frame: NumberOfFrames frames in order, dims count them', () => {
  const pixels = Uint8Array.from([1, 2, 3, 4, 10, 20, 30, 40, 100, 150, 200, 250]);
  const image = decodeDicom(dicomFile([{ tag: 0x00080060, vr: 'CS', value: 'US' }, ...pixelModule({ rows: 2, columns: 2, bits: 8, photometric: 'MONOCHROME2', frames: 3, pixels })]), 'cine.dcm');
  assert.equal(image.frames.length, 3);
  near(image.frames[0], [1, 2, 3, 4]);
  near(image.frames[2], [100, 150, 200, 250]);
  assert.deepEqual(image.geometry.dims, [2, 2, 3]);
  assert.equal(image.window, undefined);
  assert.equal(image.pixelSpacing, null);
  // full-range default window: 100 → 0, 250 → 255, 150 → (50/150)·255 = 85
  assert.deepEqual([...dicomDisplayFrame(image, 2)], [0, 85, 170, 255]);
  assert.throws(() => dicomDisplayFrame(image, 3), RangeError);
});

test('RGB: interleaved and planar configurations decode to the same interleaved pixels', () => {
  const rgb = [255, 0, 0, 0, 128, 255];
  const interleaved = decodeDicom(dicomFile(pixelModule({ rows: 1, columns: 2, bits: 8, samples: 3, photometric: 'RGB', planar: 0, pixels: Uint8Array.from(rgb) })), 'i.dcm');
  const planar = decodeDicom(dicomFile(pixelModule({ rows: 1, columns: 2, bits: 8, samples: 3, photometric: 'RGB', planar: 1, pixels: Uint8Array.from([255, 0, 0, 128, 0, 255]) })), 'p.dcm');
  assert.equal(interleaved.samplesPerPixel, 3);
  near(interleaved.frames[0], rgb);
  near(planar.frames[0], rgb);
  assert.deepEqual([...dicomDisplayFrame(planar)], rgb);
});

test('YBR_FULL converts to RGB by the BT.601 full-range formula', () => {
  const image = decodeDicom(dicomFile(pixelModule({ rows: 1, columns: 2, bits: 8, samples: 3, photometric: 'YBR_FULL', pixels: Uint8Array.from([100, 128, 128, 128, 128, 200]) })), 'ybr.dcm');
  // (128,128,200): R = 128 + 1.402·72, G = 128 − 0.714136·72, B = 128
  near(image.frames[0], [100, 100, 100, 128 + 1.402 * 72, 128 - 0.714136 * 72, 128], 1e-4);
});

test('enhanced multi-frame: spacing, orientation, positions, rescale and window from functional groups', () => {
  const shared: El[] = [
    { tag: 0x00289110, vr: 'SQ', value: [[{ tag: 0x00280030, vr: 'DS', value: [0.5, 0.4] }, { tag: 0x00180050, vr: 'DS', value: [9] }]] },
    { tag: 0x00209116, vr: 'SQ', value: [[{ tag: 0x00200037, vr: 'DS', value: [1, 0, 0, 0, 1, 0] }]] },
    { tag: 0x00289132, vr: 'SQ', value: [[{ tag: 0x00281050, vr: 'DS', value: [50] }, { tag: 0x00281051, vr: 'DS', value: [350] }]] },
    { tag: 0x00289145, vr: 'SQ', value: [[{ tag: 0x00281052, vr: 'DS', value: [-5] }, { tag: 0x00281053, vr: 'DS', value: [2] }]] },
  ];
  const frame = (p: number[]): El[] => [{ tag: 0x00209113, vr: 'SQ', value: [[{ tag: 0x00200032, vr: 'DS', value: p }]] }];
  const bytes = dicomFile([
    { tag: 0x52009229, vr: 'SQ', value: [shared] },
    { tag: 0x52009230, vr: 'SQ', value: [frame([10, 20, 30]), frame([11, 22, 33])] },
    ...pixelModule({ rows: 1, columns: 2, bits: 16, photometric: 'MONOCHROME2', frames: 2, pixels: Uint16Array.from([0, 1, 10, 100]) }),
  ]);
  const image = decodeDicom(bytes, 'enhanced.dcm');
  near(image.frames[1], [15, 195]);
  // the header gives each frame its own position and the shared values
  const header = readDicomHeader(bytes, 'enhanced.dcm');
  assert.deepEqual(
    header.frames?.map((f) => [f.imagePositionPatient, f.imageOrientationPatient, f.pixelSpacing, f.sliceThickness, f.rescale]),
    [
      [[10, 20, 30], [1, 0, 0, 0, 1, 0], [0.5, 0.4], 9, { slope: 2, intercept: -5 }],
      [[11, 22, 33], [1, 0, 0, 0, 1, 0], [0.5, 0.4], 9, { slope: 2, intercept: -5 }],
    ],
  );
  // a per-frame rescale wins over the shared one, frame by frame
  const perFrameRescale = (intercept: number): El => ({ tag: 0x00289145, vr: 'SQ', value: [[{ tag: 0x00281052, vr: 'DS', value: [intercept] }, { tag: 0x00281053, vr: 'DS', value: [1] }]] });
  const varying = openDicom(
    dicomFile([
      { tag: 0x52009229, vr: 'SQ', value: [shared.filter((e) => e.tag !== 0x00289145)] },
      { tag: 0x52009230, vr: 'SQ', value: [[...frame([10, 20, 30]), perFrameRescale(0)], [...frame([11, 22, 33]), perFrameRescale(-1000)]] },
      ...pixelModule({ rows: 1, columns: 2, bits: 16, photometric: 'MONOCHROME2', frames: 2, pixels: Uint16Array.from([0, 1, 10, 100]) }),
    ]),
    'varying.dcm',
  );
  near(varying.decodeFrame(0), [0, 1]);
  near(varying.decodeFrame(1), [-990, -900]);
  assert.deepEqual(image.window, { center: 50, width: 350 });
  assert.deepEqual(image.rescale, { slope: 2, intercept: -5 });
  // the step between frames is the position difference (1,2,3) LPS, not SliceThickness
  nearMatrix(image.geometry.affine, [
    [-0.4, 0, -1, -10],
    [0, -0.5, -2, -20],
    [0, 0, 3, 30],
    [0, 0, 0, 1],
  ]);
});

test('damaged and unsupported files fail with an error naming the file and the reason', () => {
  const good = dicomFile(ct);
  const cases: [Uint8Array, RegExp][] = [
    [good.subarray(0, good.length - 5), /ct\.dcm: cannot decode image: truncated or corrupt DICOM/],
    [good.subarray(0, 150), /ct\.dcm: cannot decode image: truncated in the file meta information/],
    [dicomFile([...ct.filter((e) => e.tag !== 0x7fe00010), { tag: 0x7fe00010, vr: 'OW', value: new Int16Array(4) }]), /ct\.dcm: .*truncated PixelData: 12 bytes needed, 8 present/],
    [new TextEncoder().encode('\x89PNG\r\n\x1a\n not a dicom file at all, just text '.repeat(8)), /ct\.dcm: cannot decode image: not a DICOM Part 10 file/],
    [dicomFile(ct.filter((e) => e.tag !== 0x7fe00010)), /ct\.dcm: .*missing PixelData \(7FE0,0010\)/],
    [dicomFile(ct.filter((e) => e.tag !== 0x00280010)), /ct\.dcm: .*missing Rows \(0028,0010\)/],
    [dicomFile([...ct.filter((e) => e.tag !== 0x00200037), { tag: 0x00200037, vr: 'DS', value: [1, 0, 0, 0, 1] }]), /ct\.dcm: .*ImageOrientationPatient \(0020,0037\) does not hold 6 numbers/],
    [dicomFile([...ct.filter((e) => e.tag !== 0x00280100), { tag: 0x00280100, vr: 'US', value: [12] }]), /ct\.dcm: .*unsupported BitsAllocated 12/],
    [dicomFile([...ct.filter((e) => e.tag !== 0x00280004), { tag: 0x00280004, vr: 'CS', value: 'PALETTE COLOR' }]), /ct\.dcm: .*unsupported PhotometricInterpretation PALETTE COLOR/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(() => decodeDicom(bytes, 'ct.dcm'), (e: unknown) => e instanceof DicomError && message.test(e.message), String(message));
  }
  const video = dicomFile([...ct.filter((e) => e.tag !== 0x7fe00010), { tag: 0x7fe00010, vr: 'OB', value: { fragments: [Uint8Array.from([0, 0, 1, 0xb3])] } }], '1.2.840.10008.1.2.4.102');
  assert.throws(
    () => decodeDicom(video, 'h264.dcm'),
    (e: unknown) => e instanceof UnsupportedTransferSyntaxError && e.message === 'h264.dcm: cannot decode image: unsupported transfer syntax 1.2.840.10008.1.2.4.102 (MPEG-4 AVC/H.264)',
  );
});

test('readDicom reads from disk and names a missing file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'delineate-dicom-'));
  try {
    const path = join(dir, 'ct.dcm');
    writeFileSync(path, dicomFile(ct));
    near(readDicom(path).frames[0], [-1024, 0, 40, -2024, 1976, -1000]);
    assert.throws(() => readDicom(join(dir, 'absent.dcm')), (e: unknown) => e instanceof DicomError && e.message.includes('absent.dcm'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
