// PNG/JPEG decoding against images built here by hand-written writers (node:zlib for PNG, a
// DC-only baseline encoder for grey JPEG), so the expected pixels are known independently of the
// decoders; plus every way a file can be wrong.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32, deflateSync } from 'node:zlib';
import { encode as fastPngEncode } from 'fast-png';
import jpeg from 'jpeg-js';
import { decodeImage, encodePng } from '../../main/io/image-decode.ts';
import { ImageDecodeError, type Raster } from '../../main/io/raster.ts';
import { rng } from '../helpers/random.ts';

// ---- an independent PNG writer ----

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(Buffer.from(type, 'latin1'), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

interface PngSpec {
  width: number;
  height: number;
  depth: number;
  colourType: number;
  /** Unfiltered scanlines, already packed (and big-endian for 16-bit). */
  rows: Uint8Array[];
  palette?: number[][];
  trns?: number[];
  /** Cuts the zlib stream (chunk structure stays valid). */
  truncateIdat?: boolean;
}

const PNG_SIGNATURE = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);

function writePng(spec: PngSpec): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, spec.width);
  v.setUint32(4, spec.height);
  ihdr.set([spec.depth, spec.colourType, 0, 0, 0], 8);
  // Alternate filters None (0) and Sub (1) so unfiltering is exercised too.
  const bpp = Math.max(1, Math.ceil((spec.depth * ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[spec.colourType]) / 8));
  const raw = concat(
    spec.rows.map((row, y) => {
      if (y % 2 === 0) return concat([Uint8Array.of(0), row]);
      const f = row.map((b, i) => (b - (i >= bpp ? row[i - bpp] : 0)) & 0xff);
      return concat([Uint8Array.of(1), f]);
    }),
  );
  let idat: Uint8Array = deflateSync(raw);
  if (spec.truncateIdat) idat = idat.subarray(0, Math.floor(idat.length / 2));
  const parts = [PNG_SIGNATURE, chunk('IHDR', ihdr)];
  if (spec.palette) parts.push(chunk('PLTE', Uint8Array.from(spec.palette.flat())));
  if (spec.trns) parts.push(chunk('tRNS', Uint8Array.from(spec.trns)));
  parts.push(chunk('IDAT', idat), chunk('IEND', new Uint8Array(0)));
  return concat(parts);
}

const rowsOf = (data: ArrayLike<number>, rowLen: number, height: number): Uint8Array[] =>
  Array.from({ length: height }, (_, y) => Uint8Array.from(Array.prototype.slice.call(data, y * rowLen, (y + 1) * rowLen)));

function rows16(values: number[], rowSamples: number, height: number): Uint8Array[] {
  return Array.from({ length: height }, (_, y) => {
    const row = new Uint8Array(rowSamples * 2);
    for (let i = 0; i < rowSamples; i++) {
      const s = values[y * rowSamples + i];
      row[2 * i] = s >> 8;
      row[2 * i + 1] = s & 0xff;
    }
    return row;
  });
}

/** Packs sub-byte samples MSB first, each row padded to a whole byte. */
function packRows(values: number[], width: number, height: number, depth: number): Uint8Array[] {
  return Array.from({ length: height }, (_, y) => {
    const row = new Uint8Array(Math.ceil((width * depth) / 8));
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      row[bit >> 3] |= values[y * width + x] << (8 - depth - (bit % 8));
    }
    return row;
  });
}

function expectDecodeError(bytes: Uint8Array, source: string, reason: RegExp, options = {}): void {
  assert.throws(
    () => decodeImage(bytes, source, options),
    (e: unknown) => {
      assert.ok(e instanceof ImageDecodeError, `expected ImageDecodeError, got ${String(e)}`);
      assert.equal(e.source, source);
      assert.ok(e.message.startsWith(`${source}: `), e.message);
      assert.match(e.message, reason);
      return true;
    },
  );
}

const randomBytes = (seed: number, n: number, max = 256) => {
  const r = rng(seed);
  return Array.from({ length: n }, () => Math.floor(r() * max));
};

// ---- PNG ----

test('8-bit grey, RGB and RGBA PNGs decode to their exact samples', () => {
  const [w, h] = [7, 5];
  for (const [colourType, channels] of [[0, 1], [2, 3], [6, 4], [4, 2]] as const) {
    const data = randomBytes(colourType + 1, w * h * channels);
    const bytes = writePng({ width: w, height: h, depth: 8, colourType, rows: rowsOf(data, w * channels, h) });
    const r = decodeImage(bytes, `img-${colourType}.png`);
    assert.deepEqual([r.width, r.height, r.channels, r.bitDepth], [w, h, channels, 8]);
    assert.ok(r.data instanceof Uint8Array);
    assert.deepEqual(Array.from(r.data), data);
  }
});

test('16-bit grey keeps values above 255; 16-bit RGB keeps all three channels', () => {
  const grey = [0, 255, 256, 1000, 4095, 65535, 32768, 12345, 1];
  const r = decodeImage(writePng({ width: 3, height: 3, depth: 16, colourType: 0, rows: rows16(grey, 3, 3) }), 'ct.png');
  assert.deepEqual([r.channels, r.bitDepth], [1, 16]);
  assert.ok(r.data instanceof Uint16Array);
  assert.deepEqual(Array.from(r.data), grey);

  const rgb = randomBytes(7, 2 * 2 * 3, 65536);
  const c = decodeImage(writePng({ width: 2, height: 2, depth: 16, colourType: 2, rows: rows16(rgb, 6, 2) }), 'rgb16.png');
  assert.deepEqual([c.channels, c.bitDepth], [3, 16]);
  assert.deepEqual(Array.from(c.data), rgb);
});

test('palette PNGs expand to RGB, or RGBA when tRNS gives alpha; 2-bit indices with row padding', () => {
  const palette = [[255, 0, 0], [0, 128, 0], [10, 20, 30]];
  const idx = [0, 1, 2, 2, 1, 0, 1, 1, 0, 2];
  const [w, h] = [5, 2];
  const rgb = decodeImage(writePng({ width: w, height: h, depth: 8, colourType: 3, rows: rowsOf(idx, w, h), palette }), 'pal.png');
  assert.deepEqual([rgb.channels, rgb.bitDepth], [3, 8]);
  assert.deepEqual(Array.from(rgb.data), idx.flatMap((i) => palette[i]));

  const rgba = decodeImage(writePng({ width: w, height: h, depth: 2, colourType: 3, rows: packRows(idx, w, h, 2), palette, trns: [0, 128] }), 'pal2.png');
  assert.equal(rgba.channels, 4);
  const alpha = [0, 128, 255]; // entries past the tRNS list are opaque
  assert.deepEqual(Array.from(rgba.data), idx.flatMap((i) => [...palette[i], alpha[i]]));
});

test('1-, 2- and 4-bit grey scale to 8-bit so the maximum level is 255', () => {
  for (const depth of [1, 2, 4]) {
    const max = (1 << depth) - 1;
    const [w, h] = [5, 3]; // 5 samples never fill whole bytes at these depths
    const values = randomBytes(depth, w * h, max + 1);
    values[0] = max;
    const r = decodeImage(writePng({ width: w, height: h, depth, colourType: 0, rows: packRows(values, w, h, depth) }), `g${depth}.png`);
    assert.deepEqual([r.channels, r.bitDepth], [1, 8]);
    assert.deepEqual(Array.from(r.data), values.map((v) => (v * 255) / max));
  }
});

test('an RGB PNG with a suggested palette stays RGB', () => {
  const data = randomBytes(3, 2 * 2 * 3);
  const bytes = writePng({ width: 2, height: 2, depth: 8, colourType: 2, rows: rowsOf(data, 6, 2), palette: [[1, 2, 3]] });
  const r = decodeImage(bytes, 'sp.png');
  assert.equal(r.channels, 3);
  assert.deepEqual(Array.from(r.data), data);
});

test('Adam7-interlaced PNGs decode', () => {
  const [w, h] = [9, 10];
  const data = Uint8Array.from(randomBytes(11, w * h * 3));
  const bytes = fastPngEncode({ width: w, height: h, data, depth: 8, channels: 3 }, { interlace: 'Adam7' });
  assert.equal(bytes[28], 1, 'the test image is interlaced');
  assert.deepEqual(decodeImage(bytes, 'i.png').data, data);
});

test('encodePng round-trips 8- and 16-bit rasters and writes no text chunks', () => {
  const rasters: Raster[] = [
    { width: 3, height: 2, channels: 1, bitDepth: 8, data: Uint8Array.from(randomBytes(1, 6)) },
    { width: 3, height: 2, channels: 4, bitDepth: 8, data: Uint8Array.from(randomBytes(2, 24)) },
    { width: 2, height: 3, channels: 1, bitDepth: 16, data: Uint16Array.from(randomBytes(3, 6, 65536)) },
  ];
  for (const raster of rasters) {
    const png = encodePng(raster);
    assert.deepEqual(decodeImage(png, 'round-trip.png'), raster);
    const types: string[] = [];
    for (let o = 8; o < png.length; ) {
      const len = new DataView(png.buffer, png.byteOffset).getUint32(o);
      types.push(Buffer.from(png.subarray(o + 4, o + 8)).toString('latin1'));
      o += 12 + len;
    }
    assert.deepEqual(types.filter((t) => t !== 'IDAT'), ['IHDR', 'IEND']);
  }
  assert.throws(() => encodePng({ width: 2, height: 2, channels: 1, bitDepth: 8, data: new Uint8Array(3) }), /expected 2×2×1/);
});

// ---- JPEG ----

test('an RGB JPEG from jpeg-js decodes to 3 channels within JPEG error', () => {
  const [w, h] = [32, 24];
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      rgba.set([x * 8, y * 10, 128 + ((x + y) % 16) * 4, 255], i);
    }
  }
  const bytes = new Uint8Array(jpeg.encode({ width: w, height: h, data: rgba }, 95).data);
  const r = decodeImage(bytes, 'photo.jpg');
  assert.deepEqual([r.width, r.height, r.channels, r.bitDepth], [w, h, 3, 8]);
  let maxErr = 0;
  let sumErr = 0;
  for (let i = 0; i < w * h; i++) {
    for (let c = 0; c < 3; c++) {
      const e = Math.abs(r.data[i * 3 + c] - rgba[i * 4 + c]);
      maxErr = Math.max(maxErr, e);
      sumErr += e;
    }
  }
  assert.ok(maxErr <= 12, `max error ${maxErr}`);
  assert.ok(sumErr / (w * h * 3) < 2, `mean error ${sumErr / (w * h * 3)}`);
});

/**
 * A baseline one-component JPEG of 8×8 blocks of constant grey: quantisation 1 everywhere, only DC
 * coefficients (8·(v − 128) for a constant block), standard DC Huffman table, and an AC table with
 * just end-of-block. Decoding must give back each block's value.
 */
function greyBlockJpeg(blocks: number[][]): Uint8Array {
  const h = blocks.length * 8;
  const w = blocks[0].length * 8;
  const seg = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
  const dcCounts = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
  const dcCodes: { code: number; len: number }[] = [];
  let code = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < dcCounts[len - 1]; i++) dcCodes.push({ code: code++, len });
    code <<= 1;
  }
  const bits: number[] = [];
  const put = (value: number, len: number) => {
    for (let i = len - 1; i >= 0; i--) bits.push((value >> i) & 1);
  };
  let prev = 0;
  for (const row of blocks) {
    for (const v of row) {
      const dc = 8 * (v - 128);
      const diff = dc - prev;
      prev = dc;
      const size = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
      put(dcCodes[size].code, dcCodes[size].len);
      if (size > 0) put(diff > 0 ? diff : diff + (1 << size) - 1, size);
      put(0, 1); // AC: end of block
    }
  }
  while (bits.length % 8) bits.push(1);
  const scan: number[] = [];
  for (let i = 0; i < bits.length; i += 8) {
    const byte = bits.slice(i, i + 8).reduce((a, b) => (a << 1) | b, 0);
    scan.push(byte);
    if (byte === 0xff) scan.push(0); // byte stuffing
  }
  return Uint8Array.from([
    0xff, 0xd8,
    ...seg(0xdb, [0x00, ...new Array(64).fill(1)]),
    ...seg(0xc0, [8, h >> 8, h & 0xff, w >> 8, w & 0xff, 1, 1, 0x11, 0]),
    ...seg(0xc4, [0x00, ...dcCounts, ...Array.from({ length: 12 }, (_, i) => i)]),
    ...seg(0xc4, [0x10, 1, ...new Array(15).fill(0), 0x00]),
    ...seg(0xda, [1, 1, 0x00, 0, 63, 0]),
    ...scan,
    0xff, 0xd9,
  ]);
}

test('a grey JPEG decodes to one channel with each block’s value', () => {
  const blocks = [
    [0, 17, 128, 255],
    [200, 201, 64, 3],
  ];
  const r = decodeImage(greyBlockJpeg(blocks), 'xray.jpeg');
  assert.deepEqual([r.width, r.height, r.channels, r.bitDepth], [32, 16, 1, 8]);
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < 32; x++) {
      const want = blocks[y >> 3][x >> 3];
      const got = r.data[y * 32 + x];
      assert.ok(Math.abs(got - want) <= 1, `pixel ${x},${y}: ${got} vs ${want}`);
    }
  }
});

// ---- failures ----

const goodPng = writePng({ width: 4, height: 4, depth: 8, colourType: 2, rows: rowsOf(randomBytes(5, 48), 12, 4) });

test('empty files, text files named .png and other formats are refused by content', () => {
  expectDecodeError(new Uint8Array(0), 'empty.png', /empty/);
  expectDecodeError(Buffer.from('patient,label\n1,polyp\n'), 'notes.png', /not a PNG or JPEG.*70 61 74/);
  const dicom = new Uint8Array(200);
  dicom.set(Buffer.from('DICM'), 128);
  expectDecodeError(dicom, 'scan.png', /DICOM file, not a PNG or JPEG/);
});

test('corrupt PNG data is an error, not a wrong image', () => {
  const idatAt = Buffer.from(goodPng).indexOf('IDAT');
  const bad = goodPng.slice();
  bad[idatAt + 8] ^= 0x5a; // inside the zlib stream
  expectDecodeError(bad, 'bad.png', /corrupt PNG/);

  const crc = goodPng.slice();
  crc[29] ^= 1; // IHDR CRC
  expectDecodeError(crc, 'crc.png', /corrupt PNG.*CRC/i);

  const badType = goodPng.slice();
  badType[25] = 5;
  expectDecodeError(badType, 'type.png', /unknown colour type 5/);

  const badIndex = writePng({ width: 2, height: 1, depth: 8, colourType: 3, rows: [Uint8Array.of(0, 3)], palette: [[1, 1, 1], [2, 2, 2]] });
  expectDecodeError(badIndex, 'index.png', /palette entry 3 of 2/);

  expectDecodeError(
    writePng({ width: 8, height: 8, depth: 8, colourType: 0, rows: rowsOf(randomBytes(9, 64), 8, 8), truncateIdat: true }),
    'cut-stream.png',
    /corrupt PNG/,
  );
});

test('truncated PNGs are reported as truncated', () => {
  for (const cut of [20, 40, goodPng.length - 20, goodPng.length - 1]) {
    expectDecodeError(goodPng.subarray(0, cut), `cut${cut}.png`, /truncated PNG/);
  }
});

test('huge or empty dimensions are refused from the header, before decoding', () => {
  const header = (w: number, h: number) => {
    const ihdr = new Uint8Array(13);
    new DataView(ihdr.buffer).setUint32(0, w);
    new DataView(ihdr.buffer).setUint32(4, h);
    ihdr.set([8, 0, 0, 0, 0], 8);
    return concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IEND', new Uint8Array(0))]);
  };
  expectDecodeError(header(100_000, 100_000), 'huge.png', /100000×100000 \(10000\.0 MP\), over the limit of 100\.0 MP/);
  expectDecodeError(header(0, 10), 'zero.png', /empty image \(0×10\)/);
  expectDecodeError(goodPng, 'small-limit.png', /over the limit/, { maxPixels: 15 });
  assert.equal(decodeImage(goodPng, 'at-limit.png', { maxPixels: 16 }).width, 4);

  const big = greyBlockJpeg([[1]]);
  big.set([0x4e, 0x20, 0x4e, 0x20], Buffer.from(big).indexOf(Uint8Array.of(0xff, 0xc0)) + 5); // 20000×20000
  expectDecodeError(big, 'huge.jpg', /20000×20000 \(400\.0 MP\)/);
});

test('truncated, corrupt and unsupported JPEGs are errors', () => {
  const rgba = new Uint8Array(16 * 16 * 4).fill(200);
  const good = new Uint8Array(jpeg.encode({ width: 16, height: 16, data: rgba }, 90).data);
  for (const cut of [3, 30, Math.floor(good.length / 2), good.length - 2]) {
    expectDecodeError(good.subarray(0, cut), `cut${cut}.jpg`, /truncated|corrupt/);
  }
  const sof = Buffer.from(good).indexOf(Uint8Array.of(0xff, 0xc0));
  const lossless = good.slice();
  lossless[sof + 1] = 0xc3;
  expectDecodeError(lossless, 'lossless.jpg', /lossless JPEG is not supported/);
  const arithmetic = good.slice();
  arithmetic[sof + 1] = 0xc9;
  expectDecodeError(arithmetic, 'arith.jpg', /arithmetic-coded JPEG is not supported/);
  const twelve = good.slice();
  twelve[sof + 4] = 12;
  expectDecodeError(twelve, 'twelve.jpg', /12-bit JPEG is not supported/);
  const garbage = good.slice();
  garbage.fill(0x00, sof + 20, sof + 200);
  expectDecodeError(garbage, 'garbage.jpg', /corrupt/);
});
