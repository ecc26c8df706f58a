// MedVLSM dataset folders: export then read back, the seeded split, and the errors a broken
// folder must give (each naming the file at fault). Images are made here with fast-png and
// jpeg-js; read-backs decode with fast-png directly where the writer's path must not be trusted.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { decode, encode } from 'fast-png';
import jpeg from 'jpeg-js';
import {
  assignSplits,
  binariseMask,
  DatasetError,
  exportMedVlsmDataset,
  isMedVlsmDatasetFolder,
  readMedVlsmDataset,
  readMedVlsmMask,
  type MedVlsmExportItem,
} from '../../main/io/medvlsm-dataset.ts';
import type { Raster } from '../../main/io/raster.ts';
import { rng } from '../helpers/random.ts';

const root = mkdtempSync(join(tmpdir(), 'delineate-medvlsm-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `case-${n++}`);

function rgbRaster(width: number, height: number, seed: number): Raster {
  const rand = rng(seed);
  return { width, height, channels: 3, bitDepth: 8, data: Uint8Array.from({ length: width * height * 3 }, () => Math.floor(rand() * 256)) };
}

function randomMask(width: number, height: number, seed: number): Uint8Array {
  const rand = rng(seed);
  return Uint8Array.from({ length: width * height }, () => (rand() < 0.3 ? 1 : 0));
}

test('export then read back gives the same records, masks and image pixels', async () => {
  const jpegPixels = Buffer.alloc(8 * 6 * 4, 128);
  const jpegBytes = new Uint8Array(jpeg.encode({ data: jpegPixels, width: 8, height: 6 }, 90).data);
  const pngRaster = rgbRaster(7, 5, 3);
  const items: MedVlsmExportItem[] = [
    { name: 'img-001', image: rgbRaster(6, 4, 1), mask: randomMask(6, 4, 11), width: 6, height: 4, prompts: { p0: '', p1: 'polyp', p2: ['a polyp', 'small polyp'] }, split: 'test' },
    { name: 'img-002', image: jpegBytes, mask: randomMask(8, 6, 12), width: 8, height: 6, prompts: { p0: '', p1: 'lesion' } },
    { name: 'img-003', image: encode({ ...pngRaster, depth: 8, text: { Patient: 'Jane Doe' } }), mask: randomMask(7, 5, 13), width: 7, height: 5, prompts: { p1: 'tumour' }, split: 'val' },
    { name: 'img-004', image: rgbRaster(3, 9, 4), mask: randomMask(3, 9, 14), width: 3, height: 9, prompts: { p3: ['x', 'y'] } },
  ];
  const dir = fresh();
  const result = await exportMedVlsmDataset(dir, items, { seed: 7, splitRatios: { train: 1, val: 0, test: 0 } });
  assert.deepEqual(result.counts, { train: 2, val: 1, test: 1 });
  assert.ok(isMedVlsmDatasetFolder(dir));
  // file names come from the item names only
  assert.deepEqual(readdirSync(join(dir, 'images')).sort(), ['img-001.png', 'img-002.png', 'img-003.png', 'img-004.png']);
  assert.deepEqual(readdirSync(join(dir, 'masks')).sort(), readdirSync(join(dir, 'images')).sort());
  assert.deepEqual(readdirSync(join(dir, 'anns')).sort(), ['test.json', 'train.json', 'val.json']);
  // the written PNG carries no text chunk from the source bytes
  assert.deepEqual(decode(readFileSync(join(dir, 'images', 'img-003.png'))).text, {});

  const ds = await readMedVlsmDataset(dir);
  const expectedSplit = { 'img-001': 'test', 'img-002': 'train', 'img-003': 'val', 'img-004': 'train' } as const;
  assert.equal(ds.records.length, 4);
  for (const item of items) {
    const rec = ds.records.find((r) => r.imageName === `${item.name}.png`);
    assert.ok(rec, item.name);
    assert.equal(rec.split, expectedSplit[item.name as keyof typeof expectedSplit]);
    assert.equal(rec.maskName, `${item.name}.png`);
    assert.equal(rec.imagePath, join(dir, 'images', `${item.name}.png`));
    assert.equal(rec.maskPath, join(dir, 'masks', `${item.name}.png`));
    assert.deepEqual([rec.width, rec.height], [item.width, item.height]);
    assert.deepEqual(rec.prompts, item.prompts);
    const mask = await readMedVlsmMask(rec.maskPath);
    assert.deepEqual([mask.width, mask.height], [item.width, item.height]);
    assert.deepEqual(mask.data, item.mask);
    // masks on disk are 0/255 grey
    assert.deepEqual(Array.from(decode(readFileSync(rec.maskPath)).data), Array.from(item.mask, (v) => v * 255));
  }
  // lossless image round trip (independent decoder)
  const back = decode(readFileSync(join(dir, 'images', 'img-003.png')));
  assert.deepEqual(Array.from(back.data), Array.from(pngRaster.data));
  const backJpeg = decode(readFileSync(join(dir, 'images', 'img-002.png')));
  const jpegDecoded = jpeg.decode(jpegBytes, { formatAsRGBA: false });
  assert.deepEqual(Array.from(backJpeg.data), Array.from(jpegDecoded.data));
  // the JSON is the MedVLSM shape
  const train = JSON.parse(readFileSync(join(dir, 'anns', 'train.json'), 'utf8'));
  assert.deepEqual(train[0], { img_name: 'img-002.png', mask_name: 'img-002.png', prompts: { p0: '', p1: 'lesion' } });
});

test('the seeded split is deterministic, independent of input order, and follows the ratios', () => {
  const items = Array.from({ length: 10 }, (_, i) => ({ name: `id-${String(i).padStart(2, '0')}` }));
  const ratios = { train: 0.6, val: 0.2, test: 0.2 };
  const a = assignSplits(items, ratios, 42);
  const reversed = assignSplits([...items].reverse(), ratios, 42).reverse();
  assert.deepEqual(a, reversed);
  assert.deepEqual(a, assignSplits(items, ratios, 42));
  const count = (s: string[], k: string) => s.filter((x) => x === k).length;
  assert.deepEqual([count(a, 'train'), count(a, 'val'), count(a, 'test')], [6, 2, 2]);
  assert.notDeepEqual(a, assignSplits(items, ratios, 43));
  // 7 items at 0.8/0.1/0.1: 5.6/0.7/0.7 → floors 5/0/0, the two largest remainders (0.7, 0.7) get one more
  const seven = assignSplits(items.slice(0, 7), { train: 0.8, val: 0.1, test: 0.1 }, 1);
  assert.deepEqual([count(seven, 'train'), count(seven, 'val'), count(seven, 'test')], [5, 1, 1]);
  // items with a split keep it and are not counted in the ratios
  const fixed = assignSplits([{ name: 'a', split: 'test' as const }, { name: 'b' }, { name: 'c' }], { train: 1, val: 0, test: 0 }, 0);
  assert.deepEqual(fixed, ['test', 'train', 'train']);
  assert.throws(() => assignSplits(items, { train: 0, val: 0, test: 0 }, 0), RangeError);
});

test('export refuses unsafe names, wrong sizes and a non-empty target, and leaves nothing behind', async () => {
  const good = (): MedVlsmExportItem => ({ name: 'ok-1', image: rgbRaster(4, 4, 1), mask: new Uint8Array(16), width: 4, height: 4, prompts: { p1: 'liver' } });
  const parent = fresh();
  mkdirSync(parent);
  const dir = join(parent, 'out');
  for (const name of ['Doe^John 1.dcm', '../escape', '.hidden', '']) {
    await assert.rejects(exportMedVlsmDataset(dir, [{ ...good(), name }]), /not a safe file name/);
  }
  await assert.rejects(exportMedVlsmDataset(dir, [good(), { ...good(), name: 'OK-1' }]), /two items have this name/);
  await assert.rejects(exportMedVlsmDataset(dir, [{ ...good(), mask: new Uint8Array(15) }]), /mask of ok-1: .*15 pixels/);
  await assert.rejects(exportMedVlsmDataset(dir, [{ ...good(), width: 5, mask: new Uint8Array(20) }]), /ok-1: image is 4×4 but the item declares 5×4/);
  await assert.rejects(exportMedVlsmDataset(dir, [{ ...good(), prompts: { p0: '', p1: [''] } }]), /every prompt is empty/);
  assert.deepEqual(readdirSync(parent), [], 'no output folder and no temporary folder left');

  mkdirSync(dir);
  writeFileSync(join(dir, 'keep.txt'), 'x');
  await assert.rejects(exportMedVlsmDataset(dir, [good()]), (e: unknown) => e instanceof DatasetError && /already exists/.test(e.message));
  assert.deepEqual(readdirSync(dir), ['keep.txt']);
  rmSync(join(dir, 'keep.txt'));
  await exportMedVlsmDataset(dir, [good()]); // an empty folder is fine
  assert.ok(isMedVlsmDatasetFolder(dir));
});

test('a cancelled export leaves neither the dataset nor its temporary folder', async () => {
  const parent = fresh();
  mkdirSync(parent);
  const controller = new AbortController();
  const items = [1, 2, 3].map((i): MedVlsmExportItem => ({ name: `id${i}`, image: rgbRaster(2, 2, i), mask: new Uint8Array(4), width: 2, height: 2, prompts: { p1: 'x' } }));
  const seen: number[] = [];
  await assert.rejects(
    exportMedVlsmDataset(join(parent, 'out'), items, {
      signal: controller.signal,
      onProgress: (done, total) => {
        seen.push(done, total);
        if (done === 2) controller.abort();
      },
    }),
    { name: 'AbortError' },
  );
  assert.deepEqual(seen, [1, 3, 2, 3]);
  assert.deepEqual(readdirSync(parent), []);
});

// ---- reading a hand-made folder -----------------------------------------------------------

function greyPng(width: number, height: number, value = 0): Uint8Array {
  return encode({ width, height, data: new Uint8Array(width * height).fill(value), depth: 8, channels: 1 });
}

function makeDataset(records: unknown, opts: { files?: Record<string, Uint8Array>; split?: string; raw?: string } = {}): string {
  const dir = fresh();
  for (const d of ['images', 'masks', 'anns']) mkdirSync(join(dir, d), { recursive: true });
  const files = opts.files ?? { 'images/a.png': greyPng(4, 3, 100), 'masks/a.png': greyPng(4, 3, 255) };
  for (const [p, b] of Object.entries(files)) writeFileSync(join(dir, p), b);
  writeFileSync(join(dir, 'anns', `${opts.split ?? 'train'}.json`), opts.raw ?? JSON.stringify(records));
  return dir;
}

const rec = (extra: object = {}) => ({ img_name: 'a.png', mask_name: 'a.png', prompts: { p0: '', p1: 'polyp' }, ...extra });

async function rejectsNaming(dir: string, file: string, reason: RegExp) {
  await assert.rejects(readMedVlsmDataset(dir), (e: unknown) => {
    assert.ok(e instanceof DatasetError, String(e));
    assert.equal(e.file, file);
    assert.match(e.message, reason);
    return true;
  });
}

test('reading keeps extra keys out, reads only the splits present, and sizes from headers', async () => {
  const dir = makeDataset([rec({ sentence: 'ignored', id: 4 })], { split: 'test' });
  const ds = await readMedVlsmDataset(dir);
  assert.deepEqual(ds.records, [
    { split: 'test', imageName: 'a.png', maskName: 'a.png', imagePath: join(dir, 'images', 'a.png'), maskPath: join(dir, 'masks', 'a.png'), width: 4, height: 3, prompts: { p0: '', p1: 'polyp' } },
  ]);
});

test('reading a broken dataset names the file at fault', async () => {
  const noAnns = fresh();
  mkdirSync(join(noAnns, 'images'), { recursive: true });
  mkdirSync(join(noAnns, 'masks'));
  await rejectsNaming(noAnns, join(noAnns, 'anns'), /missing annotation folder/);
  assert.equal(isMedVlsmDatasetFolder(noAnns), false);

  const bad = makeDataset(null, { raw: '[{"img_name": "a.png",' });
  await rejectsNaming(bad, join(bad, 'anns', 'train.json'), /not valid JSON/);

  const notList = makeDataset({ img_name: 'a.png' });
  await rejectsNaming(notList, join(notList, 'anns', 'train.json'), /expected a list/);

  const missingImage = makeDataset([rec({ img_name: 'b.png' })]);
  await rejectsNaming(missingImage, join(missingImage, 'images', 'b.png'), /missing \(image of record 0/);

  const missingMask = makeDataset([rec({ mask_name: 'gone.png' })], { split: 'val' });
  await rejectsNaming(missingMask, join(missingMask, 'masks', 'gone.png'), /missing \(mask of record 0 in .*val\.json\)/);

  const sizes = makeDataset([rec()], { files: { 'images/a.png': greyPng(4, 3), 'masks/a.png': greyPng(3, 4, 255) } });
  await rejectsNaming(sizes, join(sizes, 'masks', 'a.png'), /mask is 3×4 but its image .* is 4×3/);

  const empty = makeDataset([rec(), rec({ prompts: { p0: '', p1: '  ', p2: ['', ''] } })]);
  await rejectsNaming(empty, join(empty, 'anns', 'train.json'), /record 1 \(a\.png\): every prompt is empty/);

  const badPrompt = makeDataset([rec({ prompts: { p1: 3 } })]);
  await rejectsNaming(badPrompt, join(badPrompt, 'anns', 'train.json'), /prompt p1 must be a string/);

  const escape = makeDataset([rec({ img_name: '../masks/a.png' })]);
  await rejectsNaming(escape, join(escape, 'anns', 'train.json'), /outside/);

  const notImage = makeDataset([rec()], { files: { 'images/a.png': new TextEncoder().encode('hello'), 'masks/a.png': greyPng(4, 3) } });
  await rejectsNaming(notImage, join(notImage, 'images', 'a.png'), /not a readable PNG or JPEG/);

  const noSplits = fresh();
  for (const d of ['images', 'masks', 'anns']) mkdirSync(join(noSplits, d), { recursive: true });
  await rejectsNaming(noSplits, join(noSplits, 'anns'), /no train\.json/);
});

test('masks are binarised above half the sample range: JPEG 0/255, 0/1 PNG, colour', async () => {
  // left half 255, right half 0, through lossy JPEG: ringing must not flip any pixel
  const w = 16;
  const h = 8;
  const rgba = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgba.fill(x < 8 ? 255 : 0, (y * w + x) * 4, (y * w + x) * 4 + 3);
  const dir = fresh();
  mkdirSync(dir);
  writeFileSync(join(dir, 'm.jpg'), jpeg.encode({ data: rgba, width: w, height: h }, 50).data);
  const m = await readMedVlsmMask(join(dir, 'm.jpg'));
  assert.deepEqual([m.width, m.height], [w, h]);
  assert.deepEqual(Array.from(m.data), Array.from({ length: w * h }, (_, i) => (i % w < 8 ? 1 : 0)));

  const grey = (data: number[]): Raster => ({ width: data.length, height: 1, channels: 1, bitDepth: 8, data: Uint8Array.from(data) });
  assert.deepEqual(Array.from(binariseMask(grey([0, 127, 128, 255]))), [0, 0, 1, 1]);
  assert.deepEqual(Array.from(binariseMask(grey([0, 1, 1, 0]))), [0, 1, 1, 0], '0/1 index masks');
  assert.deepEqual(Array.from(binariseMask(grey([0, 0]))), [0, 0]);
  // RGB: luma 0.299 R + 0.587 G + 0.114 B; pure red (76) is background, yellow (226) foreground
  const rgb: Raster = { width: 3, height: 1, channels: 3, bitDepth: 8, data: Uint8Array.from([255, 0, 0, 255, 255, 0, 255, 255, 255]) };
  assert.deepEqual(Array.from(binariseMask(rgb)), [0, 1, 1]);
  const deep: Raster = { width: 3, height: 1, channels: 1, bitDepth: 16, data: Uint16Array.from([200, 32767, 32768]) };
  assert.deepEqual(Array.from(binariseMask(deep)), [0, 0, 1]);
});
