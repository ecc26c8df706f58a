import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { DatasetError } from '../../main/io/medvlsm-dataset.ts';
import { parsePreprocessConfig } from '../../main/engine/model/preprocess.ts';
import { readTensors } from '../../main/engine/model/safetensors.ts';
import { binariseHalfMax, loadSample, openTrainingSplit, PromptSampler, promptChoices } from '../../main/training/dataset.ts';

const fixture = (name: string) => new URL(`../fixtures/clipseg-tiny/${name}`, import.meta.url).pathname;

interface Rec { img_name: string; mask_name: string; prompts: unknown; [extra: string]: unknown }

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'delineate-trainset-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** A MedVLSM folder: `files` maps images/… and masks/… to bytes, `anns` split → records. */
function writeDataset(dir: string, files: Record<string, Uint8Array>, anns: Record<string, Rec[] | string>): void {
  for (const d of ['images', 'masks', 'anns']) mkdirSync(join(dir, d), { recursive: true });
  for (const [path, bytes] of Object.entries(files)) writeFileSync(join(dir, path), bytes);
  for (const [split, list] of Object.entries(anns)) writeFileSync(join(dir, 'anns', `${split}.json`), typeof list === 'string' ? list : JSON.stringify(list));
}

const rgbPng = (w: number, h: number, rgb: [number, number, number]) =>
  encodePng({ width: w, height: h, channels: 3, depth: 8, data: Uint8Array.from({ length: w * h * 3 }, (_, i) => rgb[i % 3]) });
const greyPng = (w: number, h: number, values: number[]) => encodePng({ width: w, height: h, channels: 1, depth: 8, data: Uint8Array.from(values) });

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

test('a dataset opens with its records and prompt choices, and samples load normalised as inference', withDir(async (dir) => {
  // mask 5 wide × 3 high; to 4×4 torch's nearest reads rows ⌊i·3/4⌋ = 0,0,1,2 and columns ⌊i·5/4⌋ = 0,1,2,3
  const mask = [
    0, 255, 0, 0, 255,
    0, 0, 255, 0, 0,
    255, 0, 0, 0, 0,
  ];
  writeDataset(dir, {
    'images/a.png': rgbPng(5, 3, [10, 128, 250]),
    'masks/a.png': greyPng(5, 3, mask),
    'images/b.png': rgbPng(2, 2, [0, 0, 0]),
    'masks/b.png': greyPng(2, 2, [0, 0, 0, 0]),
  }, {
    train: [
      { img_name: 'a.png', mask_name: 'a.png', prompts: { p0: '', p1: 'polyp', p2: ['', 'a small polyp', 'pink polyp'], p3: '' }, bbox: [1, 2] },
      { img_name: 'b.png', mask_name: 'b.png', prompts: { p0: '', p5: ['lesion'] } },
    ],
    val: [{ img_name: 'b.png', mask_name: 'b.png', prompts: { p1: 'x' } }],
  });
  const split = await openTrainingSplit(dir, 'train', { size: 4 });
  assert.equal(split.split, 'train');
  assert.equal(split.records.length, 2);
  const [a, b] = split.records;
  assert.equal(a.index, 0);
  assert.equal(a.imagePath, join(dir, 'images', 'a.png'));
  assert.equal(a.maskPath, join(dir, 'masks', 'a.png'));
  assert.equal(a.annotationFile, join(dir, 'anns', 'train.json'));
  assert.deepEqual([a.width, a.height], [5, 3]);
  assert.deepEqual(a.prompts, [{ key: 'p1', alternatives: ['polyp'] }, { key: 'p2', alternatives: ['a small polyp', 'pink polyp'] }]);
  assert.deepEqual(b.prompts, [{ key: 'p5', alternatives: ['lesion'] }]);

  const s = await loadSample(a, 4);
  assert.deepEqual([s.width, s.height], [5, 3]);
  assert.deepEqual(Array.from(s.mask), [
    0, 1, 0, 0,
    0, 1, 0, 0,
    0, 0, 1, 0,
    1, 0, 0, 0,
  ]);
  // a flat image stays flat through PIL's bilinear resize: every pixel is (v/255 − mean) / std
  assert.equal(s.pixels.length, 3 * 16);
  const rgb = [10, 128, 250];
  for (let c = 0; c < 3; c++) {
    const want = (rgb[c] / 255 - MEAN[c]) / STD[c];
    for (let i = 0; i < 16; i++) assert.ok(Math.abs(s.pixels[c * 16 + i] - want) < 1e-6, `channel ${c}: ${s.pixels[c * 16 + i]} vs ${want}`);
  }
  const empty = await loadSample(b, 3);
  assert.deepEqual(Array.from(empty.mask), new Array(9).fill(0));
}));

test('the fixture image and mask load to the PyTorch fixture’s pixel_values and masks', withDir(async (dir) => {
  writeDataset(dir, { 'images/i.png': readFileSync(fixture('image.png')), 'masks/i.png': readFileSync(fixture('mask.png')) }, {
    test: [{ img_name: 'i.png', mask_name: 'i.png', prompts: { p0: '', p1: 'thing' } }],
  });
  const [record] = (await openTrainingSplit(dir, 'test', { size: 64 })).records;
  const config = parsePreprocessConfig(readFileSync(fixture('preprocessor_config.json'), 'utf8'));
  const want = readTensors(fixture('inputs_b1.safetensors'), { names: ['pixel_values', 'masks'] });
  for (const input of [config, 64]) {
    const s = await loadSample(record, input);
    const pixels = want.get('pixel_values')!.data;
    let worst = 0;
    for (let i = 0; i < pixels.length; i++) worst = Math.max(worst, Math.abs(s.pixels[i] - pixels[i]));
    assert.ok(worst <= 1e-6, `max |Δ| ${worst}`);
    assert.deepEqual(Array.from(s.mask), Array.from(want.get('masks')!.data));
  }
}));

test('a JPEG-compressed mask binarises at half its maximum back to the clean mask', withDir(async (dir) => {
  const W = 32;
  const H = 24;
  const clean = new Uint8Array(W * H);
  for (let y = 5; y < 17; y++) for (let x = 7; x < 26; x++) clean[y * W + x] = 1;
  const rgba = new Uint8Array(W * H * 4);
  for (let i = 0; i < W * H; i++) rgba.fill(clean[i] * 255, i * 4, i * 4 + 3), (rgba[i * 4 + 3] = 255);
  const jpg = jpeg.encode({ width: W, height: H, data: rgba }, 60).data;
  const decoded = jpeg.decode(jpg, { useTArray: true });
  let noisy = 0;
  for (let i = 0; i < W * H; i++) if (decoded.data[i * 4] !== clean[i] * 255) noisy++;
  assert.ok(noisy > 20, `the JPEG should not be lossless here (${noisy} changed pixels)`);
  writeDataset(dir, { 'images/m.png': rgbPng(W, H, [1, 2, 3]), 'masks/m.jpg': new Uint8Array(jpg) }, {
    train: [{ img_name: 'm.png', mask_name: 'm.jpg', prompts: { p1: 'box' } }],
  });
  const [record] = (await openTrainingSplit(dir, 'train', { size: W })).records;
  const s = await loadSample(record, parsePreprocessConfig({ size: { height: H, width: W } }));
  assert.deepEqual(Array.from(s.mask), Array.from(clean));
}));

test('binarisation thresholds at half the mask’s own maximum', () => {
  // noise 0..40 around the background and 110..200 on the foreground: max 200, cut 100
  const values = [0, 40, 17, 110, 200, 150, 100, 101];
  const want = [0, 0, 0, 1, 1, 1, 0, 1];
  assert.deepEqual(Array.from(binariseHalfMax({ width: 8, height: 1, channels: 1, bitDepth: 8, data: Uint8Array.from(values) })), want);
  assert.deepEqual(Array.from(binariseHalfMax({ width: 3, height: 1, channels: 1, bitDepth: 8, data: Uint8Array.of(0, 1, 0) })), [0, 1, 0], '0/1 masks');
  assert.deepEqual(Array.from(binariseHalfMax({ width: 2, height: 1, channels: 1, bitDepth: 8, data: Uint8Array.of(0, 0) })), [0, 0], 'empty stays empty');
  assert.deepEqual(Array.from(binariseHalfMax({ width: 2, height: 1, channels: 1, bitDepth: 16, data: Uint16Array.of(40000, 20000) })), [1, 0]);
  // RGB: grey = 0.299 R + 0.587 G + 0.114 B against half of white's 255: red 76.2 → 0, green 149.7 → 1
  const rgb = Uint8Array.of(255, 255, 255, 255, 0, 0, 0, 255, 0);
  assert.deepEqual(Array.from(binariseHalfMax({ width: 3, height: 1, channels: 3, bitDepth: 8, data: rgb })), [1, 0, 1]);
});

test('the prompt sampler never picks p0, draws keys then list entries uniformly, and is seeded', () => {
  const record = { prompts: promptChoices({ p0: 'zero', p1: 'a', p2: ['b', 'c', '', 'd'], p3: 'e', p4: '', p5: [] }) };
  assert.deepEqual(record.prompts.map((c) => c.key), ['p1', 'p2', 'p3']);
  const n = 30000;
  const counts: Record<string, number> = {};
  const sampler = new PromptSampler(42);
  const first: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = sampler.pick(record);
    counts[p] = (counts[p] ?? 0) + 1;
    if (i < 50) first.push(p);
  }
  assert.deepEqual(Object.keys(counts).sort(), ['a', 'b', 'c', 'd', 'e']);
  // three keys at 1/3 each; p2's 1/3 split three ways (σ of a share here is under 0.003)
  const share = (k: string) => counts[k] / n;
  for (const k of ['a', 'e']) assert.ok(Math.abs(share(k) - 1 / 3) < 0.015, `${k}: ${share(k)}`);
  for (const k of ['b', 'c', 'd']) assert.ok(Math.abs(share(k) - 1 / 9) < 0.012, `${k}: ${share(k)}`);

  const again = new PromptSampler(42);
  assert.deepEqual(first, Array.from({ length: 50 }, () => again.pick(record)), 'same seed, same draws');
  const other = new PromptSampler(43);
  assert.notDeepEqual(first, Array.from({ length: 50 }, () => other.pick(record)), 'another seed, other draws');

  // a fixed key: only its list, still drawn uniformly and reproducibly
  const fixed = new PromptSampler(7, { promptKey: 'p2' });
  const draws = Array.from({ length: 9000 }, () => fixed.pick(record));
  for (const k of ['b', 'c', 'd']) assert.ok(Math.abs(draws.filter((d) => d === k).length / 9000 - 1 / 3) < 0.03, k);
  assert.ok(draws.every((d) => ['b', 'c', 'd'].includes(d)));
  const fixedAgain = new PromptSampler(7, { promptKey: 'p2' });
  assert.deepEqual(draws.slice(0, 40), Array.from({ length: 40 }, () => fixedAgain.pick(record)));
  assert.throws(() => new PromptSampler(1, { promptKey: 'p9' }).pick({ index: 3, prompts: record.prompts }), /record 3 has no prompt under p9/);
});

test('a fixed prompt key restricts every record to it and is required in each', withDir(async (dir) => {
  writeDataset(dir, { 'images/a.png': rgbPng(2, 2, [1, 1, 1]), 'masks/a.png': greyPng(2, 2, [0, 255, 0, 0]) }, {
    train: [
      { img_name: 'a.png', mask_name: 'a.png', prompts: { p0: '', p1: 'polyp', p7: ['x', 'y'] } },
      { img_name: 'a.png', mask_name: 'a.png', prompts: { p0: '', p1: 'polyp', p7: [''] } },
    ],
  });
  const p1 = await openTrainingSplit(dir, 'train', { size: 8, promptKey: 'p1' });
  assert.equal(p1.promptKey, 'p1');
  assert.deepEqual(p1.records.map((r) => r.prompts), [[{ key: 'p1', alternatives: ['polyp'] }], [{ key: 'p1', alternatives: ['polyp'] }]]);
  await assert.rejects(openTrainingSplit(dir, 'train', { size: 8, promptKey: 'p7' }), (e: unknown) =>
    e instanceof DatasetError && e.message.includes(join(dir, 'anns', 'train.json')) && /record 1 \(a\.png\): no usable prompt under p7/.test(e.message));
}));

// ---- errors ----

async function rejectsWith(dir: string, pattern: RegExp, options: { split?: 'train' | 'val' | 'test'; promptKey?: string } = {}) {
  await assert.rejects(openTrainingSplit(dir, options.split ?? 'train', { size: 8, promptKey: options.promptKey }), (e: unknown) => {
    assert.ok(e instanceof DatasetError, String(e));
    assert.match(e.message, pattern);
    return true;
  });
}

const okFiles = () => ({ 'images/a.png': rgbPng(4, 3, [9, 9, 9]), 'masks/a.png': greyPng(4, 3, new Array(12).fill(255)) });
const okRecord = (extra: Partial<Rec> = {}): Rec => ({ img_name: 'a.png', mask_name: 'a.png', prompts: { p0: '', p1: 'polyp' }, ...extra });

test('missing folders and annotation files are named', withDir(async (dir) => {
  writeDataset(dir, okFiles(), { val: [okRecord()] });
  await rejectsWith(dir, /anns[/\\]train\.json: missing annotation file \(the train split\)/);
  rmSync(join(dir, 'masks'), { recursive: true });
  await rejectsWith(dir, /masks: missing folder/, { split: 'val' });
  rmSync(join(dir, 'images'), { recursive: true });
  await rejectsWith(dir, /images: missing folder/, { split: 'val' });
  rmSync(join(dir, 'anns'), { recursive: true });
  await rejectsWith(dir, /anns: missing annotation folder/, { split: 'val' });
}));

test('bad JSON, missing files, size mismatches and unreadable files name the file and the record', withDir(async (dir) => {
  writeDataset(dir, okFiles(), { train: '[{"img_name": "a.png",' });
  await rejectsWith(dir, /train\.json: not valid JSON/);

  writeDataset(dir, okFiles(), { train: [okRecord(), okRecord({ img_name: 'gone.png' })] });
  await rejectsWith(dir, /images[/\\]gone\.png: missing \(image of record 1 in .*train\.json\)/);

  writeDataset(dir, okFiles(), { train: [okRecord(), okRecord(), okRecord({ mask_name: 'gone.png' })] });
  await rejectsWith(dir, /masks[/\\]gone\.png: missing \(mask of record 2 /);

  writeDataset(dir, { ...okFiles(), 'masks/small.png': greyPng(2, 2, [0, 0, 0, 0]) }, { train: [okRecord({ mask_name: 'small.png' })] });
  await rejectsWith(dir, /small\.png: mask is 2×2 but its image .*a\.png is 4×3 \(record 0 /);

  writeDataset(dir, { ...okFiles(), 'images/junk.png': new TextEncoder().encode('not an image at all') }, { train: [okRecord({ img_name: 'junk.png' })] });
  await rejectsWith(dir, /junk\.png: not a readable PNG or JPEG \(image of record 0 /);
}));

test('records without a usable prompt are refused with their index', withDir(async (dir) => {
  writeDataset(dir, okFiles(), { train: [okRecord(), okRecord({ prompts: {} })] });
  await rejectsWith(dir, /record 1 \(a\.png\): every prompt is empty/);
  writeDataset(dir, okFiles(), { train: [okRecord({ prompts: { p0: '', p1: '', p2: ['', ' '] } })] });
  await rejectsWith(dir, /record 0 \(a\.png\): every prompt is empty/);
  // only p0 has text: the sampling rule never uses p0
  writeDataset(dir, okFiles(), { train: [okRecord(), okRecord(), okRecord({ prompts: { p0: 'polyp', p1: '' } })] });
  await rejectsWith(dir, /train\.json: record 2 \(a\.png\): no usable prompt \(every key other than p0 is empty\)/);
  writeDataset(dir, okFiles(), { train: [okRecord({ prompts: { p1: 3 } })] });
  await rejectsWith(dir, /record 0 \(a\.png\): prompt p1 must be a string or a list of strings/);
}));

test('a file that breaks after opening fails in loadSample, naming the file and the record', withDir(async (dir) => {
  writeDataset(dir, okFiles(), { train: [okRecord()] });
  const [record] = (await openTrainingSplit(dir, 'train', { size: 4 })).records;
  // a PNG cut short keeps its header (so opening passes) but cannot be decoded
  const png = readFileSync(join(dir, 'images', 'a.png'));
  writeFileSync(join(dir, 'images', 'a.png'), png.subarray(0, 40));
  await assert.rejects(loadSample(record, 4), (e: unknown) => e instanceof Error && /a\.png \(image of record 0 in .*train\.json\): cannot decode image: truncated/.test(e.message));
  unlinkSync(join(dir, 'masks', 'a.png'));
  writeFileSync(join(dir, 'images', 'a.png'), png);
  await assert.rejects(loadSample(record, 4), (e: unknown) => e instanceof DatasetError && /masks[/\\]a\.png: missing \(mask of record 0 in /.test(e.message));
  // a mask replaced by one of another size
  writeFileSync(join(dir, 'masks', 'a.png'), greyPng(3, 3, new Array(9).fill(0)));
  await assert.rejects(loadSample(record, 4), (e: unknown) => e instanceof DatasetError && /mask is 3×3 but its image .* is 4×3 \(record 0 /.test(e.message));
}));
