// MedVLSM dataset folders, read and written: `images/`, `masks/` (0/255), and
// `anns/{train,val,test}.json`, each a list of {img_name, mask_name, prompts: {p0: "", p1: "...",
// pK: [alternatives]}} (extra keys ignored). This is the layout of the VLSM-Adapter paper's eight
// datasets, so a folder written here trains in the reference code and vice versa.

import { open, mkdir, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { mulberry32 } from '../common/rng.ts';
import { sweepStaleTemporaries, syncFolder, temporaryPath } from '../fs/atomic.ts';
import { decodeImage, encodePng } from './image-decode.ts';
import { rasterHeaderSize } from './file-kind.ts';
import { binaryMaskToPng } from './png-mask.ts';
import type { Raster } from './raster.ts';

export type Split = 'train' | 'val' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/** Prompt key (p0, p1, ...) → one prompt, or a list of alternatives sampled in training. */
export type Prompts = Record<string, string | string[]>;

export interface MedVlsmRecord {
  split: Split;
  /** as written in the annotation file, relative to images/ and masks/ */
  imageName: string;
  maskName: string;
  imagePath: string;
  maskPath: string;
  /** from the image header; the mask has the same size (checked) */
  width: number;
  height: number;
  prompts: Prompts;
}

export interface MedVlsmDataset {
  root: string;
  records: MedVlsmRecord[];
}

/** A dataset that cannot be read or written; names the file (or folder) at fault and why. */
export class DatasetError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'DatasetError';
  }
}

const isDirectory = (p: string) => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;

/** True for a folder laid out as a MedVLSM dataset (anns/, images/ and masks/ all present). */
export function isMedVlsmDatasetFolder(dir: string): boolean {
  return ['anns', 'images', 'masks'].every((d) => isDirectory(join(dir, d)));
}

/**
 * Reads the annotation files and checks every record: image and mask exist inside their folders,
 * have PNG/JPEG headers of the same size, and the record has at least one non-empty prompt. Pixels
 * are not decoded (read masks with readMedVlsmMask when they are needed). A missing split file is
 * allowed (some datasets have only a test split); no split file at all is an error.
 */
export async function readMedVlsmDataset(dir: string, options: { signal?: AbortSignal } = {}): Promise<MedVlsmDataset> {
  const root = resolve(dir);
  const anns = checkLayout(root);
  const present = new Set(await readdir(anns));
  const splits = SPLITS.filter((s) => present.has(`${s}.json`));
  if (splits.length === 0) throw new DatasetError(anns, 'no train.json, val.json or test.json');
  const records: MedVlsmRecord[] = [];
  const sizes = new Map<string, { width: number; height: number }>();
  for (const split of splits) records.push(...(await readSplitRecords(root, split, sizes, options.signal)));
  return { root, records };
}

/**
 * One split of a MedVLSM dataset, checked as readMedVlsmDataset checks it (for training, where a
 * problem in another split must not stop this one). Its annotation file must exist.
 */
export async function readMedVlsmSplit(dir: string, split: Split, options: { signal?: AbortSignal } = {}): Promise<MedVlsmDataset> {
  const root = resolve(dir);
  const anns = checkLayout(root);
  const file = join(anns, `${split}.json`);
  if (!statSync(file, { throwIfNoEntry: false })?.isFile()) throw new DatasetError(file, `missing annotation file (the ${split} split)`);
  return { root, records: await readSplitRecords(root, split, new Map(), options.signal) };
}

/** The annotation folder of a dataset root that has anns/, images/ and masks/. */
function checkLayout(root: string): string {
  const anns = join(root, 'anns');
  if (!isDirectory(anns)) throw new DatasetError(anns, 'missing annotation folder (a MedVLSM dataset has anns/, images/ and masks/)');
  for (const d of ['images', 'masks']) {
    if (!isDirectory(join(root, d))) throw new DatasetError(join(root, d), 'missing folder (a MedVLSM dataset has anns/, images/ and masks/)');
  }
  return anns;
}

async function readSplitRecords(root: string, split: Split, sizes: Map<string, { width: number; height: number }>, signal?: AbortSignal): Promise<MedVlsmRecord[]> {
  const file = join(root, 'anns', `${split}.json`);
  let list: unknown;
  try {
    list = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new DatasetError(file, `not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(list)) throw new DatasetError(file, 'expected a list of records');
  const records: MedVlsmRecord[] = [];
  for (let i = 0; i < list.length; i++) {
    signal?.throwIfAborted();
    const where = `record ${i}`;
    const r = list[i] as Record<string, unknown> | null;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new DatasetError(file, `${where} is not an object`);
    const imageName = r.img_name;
    const maskName = r.mask_name;
    if (typeof imageName !== 'string' || imageName === '') throw new DatasetError(file, `${where} has no img_name`);
    if (typeof maskName !== 'string' || maskName === '') throw new DatasetError(file, `${where} (${imageName}) has no mask_name`);
    const prompts = checkPrompts(r.prompts, `${where} (${imageName})`, file);
    const imagePath = inside(join(root, 'images'), imageName, file, where);
    const maskPath = inside(join(root, 'masks'), maskName, file, where);
    const imageSize = await headerSize(imagePath, sizes, `image of ${where} in ${file}`);
    const maskSize = await headerSize(maskPath, sizes, `mask of ${where} in ${file}`);
    if (imageSize.width !== maskSize.width || imageSize.height !== maskSize.height) {
      throw new DatasetError(maskPath, `mask is ${maskSize.width}×${maskSize.height} but its image ${imagePath} is ${imageSize.width}×${imageSize.height} (${where} in ${file})`);
    }
    records.push({ split, imageName, maskName, imagePath, maskPath, ...imageSize, prompts });
  }
  return records;
}

/** Resolves a name from an annotation file inside its folder; a name that escapes it is refused. */
function inside(folder: string, name: string, file: string, where: string): string {
  const path = resolve(folder, name);
  if (isAbsolute(name) || !path.startsWith(folder + sep)) throw new DatasetError(file, `${where} names '${name}', which is outside ${folder}`);
  return path;
}

async function headerSize(path: string, cache: Map<string, { width: number; height: number }>, what: string) {
  const known = cache.get(path);
  if (known) return known;
  let bytes: Uint8Array;
  try {
    bytes = await readHead(path, 65536);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DatasetError(path, code === 'ENOENT' ? `missing (${what})` : `cannot read (${what}): ${(e as Error).message}`);
  }
  // JPEG frame headers usually sit in the first few KB but can follow a large EXIF block
  const size = rasterHeaderSize(bytes) ?? rasterHeaderSize(await readFile(path));
  if (!size) throw new DatasetError(path, `not a readable PNG or JPEG (${what})`);
  cache.set(path, size);
  return size;
}

async function readHead(path: string, n: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Checks a record's prompts: an object of strings or string lists, not all of them empty. */
export function checkPrompts(value: unknown, where: string, file: string): Prompts {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DatasetError(file, `${where}: prompts must be an object like {"p0": "", "p1": "polyp"}`);
  const prompts: Prompts = {};
  let any = false;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string') {
      prompts[key] = v;
      any ||= v.trim() !== '';
    } else if (Array.isArray(v) && v.every((s) => typeof s === 'string')) {
      prompts[key] = [...v];
      any ||= v.some((s) => s.trim() !== '');
    } else {
      throw new DatasetError(file, `${where}: prompt ${key} must be a string or a list of strings`);
    }
  }
  if (!any) throw new DatasetError(file, `${where}: every prompt is empty`);
  return prompts;
}

export interface BinaryMask {
  width: number;
  height: number;
  /** 0/1, row-major, top row first */
  data: Uint8Array;
}

/** Reads a MedVLSM mask file (PNG or JPEG) as a 0/1 mask. */
export async function readMedVlsmMask(path: string): Promise<BinaryMask> {
  const raster = decodeImage(await readFile(path), path);
  return { width: raster.width, height: raster.height, data: binariseMask(raster) };
}

/**
 * Foreground where the grey value is above half the sample range (as the reference loader does
 * after scaling to [0, 1]), so JPEG ringing around 0/255 edges does not flip pixels. Colour masks
 * are reduced to grey with ITU-R 601 weights (PIL's convert('L')); alpha is ignored. A mask whose
 * largest value is 1 is a 0/1 index mask and is taken as it is, rather than read as all background.
 */
export function binariseMask(raster: Raster): Uint8Array {
  const { width, height, channels, data } = raster;
  const n = width * height;
  const grey = new Float64Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    const v = channels >= 3 ? 0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2] : data[o];
    grey[i] = v;
    if (v > max) max = v;
  }
  const threshold = max === 1 ? 0.5 : (raster.bitDepth === 16 ? 65535 : 255) / 2;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = grey[i] > threshold ? 1 : 0;
  return out;
}

export interface MedVlsmExportItem {
  /** File stem: an internal id or another name the caller knows holds no patient data. */
  name: string;
  /** Pixels, or the bytes of a PNG/JPEG file; written as PNG either way (no metadata carried over). */
  image: Raster | Uint8Array;
  /** 0/1, width × height */
  mask: Uint8Array;
  width: number;
  height: number;
  prompts: Prompts;
  split?: Split;
}

export interface SplitRatios {
  train: number;
  val: number;
  test: number;
}

export interface MedVlsmExportOptions {
  /** Split of the items that have none; default 0.8 / 0.1 / 0.1. */
  splitRatios?: SplitRatios;
  /** Seed of the split shuffle; same items and seed give the same split. Default 0. */
  seed?: number;
  onProgress?: (written: number, total: number) => void;
  signal?: AbortSignal;
}

export interface MedVlsmExportResult {
  dir: string;
  counts: Record<Split, number>;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/**
 * Writes a MedVLSM dataset folder at outDir, which must not exist or be empty. Everything is
 * written into a temporary sibling folder that is renamed into place at the end, so a crash or a
 * cancel never leaves a half-written dataset under the final name.
 */
export async function exportMedVlsmDataset(outDir: string, items: readonly MedVlsmExportItem[], options: MedVlsmExportOptions = {}): Promise<MedVlsmExportResult> {
  const dir = resolve(outDir);
  checkItems(items);
  await checkTarget(dir);
  const splits = assignSplits(items, options.splitRatios ?? { train: 0.8, val: 0.1, test: 0.1 }, options.seed ?? 0);
  sweepStaleTemporaries(dir);
  const tmp = temporaryPath(dir);
  try {
    for (const d of ['images', 'masks', 'anns']) await mkdir(join(tmp, d), { recursive: true });
    const anns: Record<Split, { img_name: string; mask_name: string; prompts: Prompts }[]> = { train: [], val: [], test: [] };
    for (let i = 0; i < items.length; i++) {
      options.signal?.throwIfAborted();
      const item = items[i];
      const file = `${item.name}.png`;
      await writeDurable(join(tmp, 'images', file), imagePng(item));
      await writeDurable(join(tmp, 'masks', file), binaryMaskToPng(item.mask, item, { name: `mask of ${item.name}` }));
      anns[splits[i]].push({ img_name: file, mask_name: file, prompts: item.prompts });
      options.onProgress?.(i + 1, items.length);
    }
    for (const s of SPLITS) await writeDurable(join(tmp, 'anns', `${s}.json`), JSON.stringify(anns[s], null, 1) + '\n');
    for (const d of ['images', 'masks', 'anns']) syncFolder(join(tmp, d));
    options.signal?.throwIfAborted();
    await checkTarget(dir);
    await rmdir(dir).catch(() => undefined); // an empty folder left for us; rename cannot replace it
    await rename(tmp, dir);
    syncFolder(dirname(dir));
    return { dir, counts: { train: anns.train.length, val: anns.val.length, test: anns.test.length } };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

function checkItems(items: readonly MedVlsmExportItem[]): void {
  const seen = new Set<string>();
  for (const item of items) {
    if (!SAFE_NAME.test(item.name) || item.name.endsWith('.')) {
      throw new DatasetError(item.name, 'not a safe file name (letters, digits, _ . - up to 100; pass an internal id, never a source file name)');
    }
    // case-insensitive file systems (Windows, macOS) would merge these
    const key = item.name.toLowerCase();
    if (seen.has(key)) throw new DatasetError(item.name, 'two items have this name');
    seen.add(key);
    if (item.split !== undefined && !SPLITS.includes(item.split)) throw new DatasetError(item.name, `unknown split '${item.split}'`);
    checkPrompts(item.prompts, 'prompts', item.name);
  }
}

async function checkTarget(dir: string): Promise<void> {
  const s = await stat(dir).catch(() => null);
  if (!s) return;
  if (!s.isDirectory() || (await readdir(dir)).length > 0) throw new DatasetError(dir, 'already exists; export into a new or empty folder');
}

function imagePng(item: MedVlsmExportItem): Uint8Array {
  const raster = item.image instanceof Uint8Array ? decodeImage(item.image, `image of ${item.name}`) : item.image;
  if (raster.width !== item.width || raster.height !== item.height) {
    throw new DatasetError(item.name, `image is ${raster.width}×${raster.height} but the item declares ${item.width}×${item.height}`);
  }
  return encodePng(raster);
}

async function writeDurable(path: string, data: Uint8Array | string): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Items with a split keep it; the others are shuffled with a seeded generator (in name order
 * first, so the input order does not matter) and cut by the ratios, rounding so the counts add up.
 */
export function assignSplits(items: readonly { name: string; split?: Split }[], ratios: SplitRatios, seed: number): Split[] {
  const weights = SPLITS.map((s) => ratios[s]);
  const total = weights.reduce((a, b) => a + b, 0);
  if (!weights.every((w) => Number.isFinite(w) && w >= 0) || total <= 0) throw new RangeError(`split ratios ${JSON.stringify(ratios)} must be non-negative and not all zero`);
  const out: Split[] = items.map((it) => it.split ?? 'train');
  const free = items.map((it, i) => ({ name: it.name, i })).filter(({ i }) => items[i].split === undefined);
  free.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rand = mulberry32(seed);
  for (let k = free.length - 1; k > 0; k--) {
    const j = Math.floor(rand() * (k + 1));
    [free[k], free[j]] = [free[j], free[k]];
  }
  const counts = largestRemainder(free.length, weights.map((w) => w / total));
  let at = 0;
  SPLITS.forEach((s, si) => {
    for (let c = 0; c < counts[si]; c++) out[free[at++].i] = s;
  });
  return out;
}

/** Integer counts proportional to the shares that add up to n exactly. */
function largestRemainder(n: number, shares: number[]): number[] {
  const exact = shares.map((s) => s * n);
  const counts = exact.map(Math.floor);
  const order = exact.map((e, i) => ({ r: e - Math.floor(e), i })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; counts.reduce((a, b) => a + b, 0) < n; k++) counts[order[k].i]++;
  return counts;
}
