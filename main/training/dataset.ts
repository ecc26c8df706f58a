// Training samples from a MedVLSM dataset folder (layout: main/io/medvlsm-dataset.ts). Images go
// through the inference preprocessing (PIL bilinear resize, rescale, normalise) so training and
// inference see the same input; masks are binarised at half their maximum and resized with
// torch's nearest rule, as the VLSM-Adapter reference loader does.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeImage } from '../io/image-decode.ts';
import { DatasetError, readMedVlsmSplit, type Prompts, type Split } from '../io/medvlsm-dataset.ts';
import type { Raster } from '../io/raster.ts';
import { resizeNearest } from '../engine/model/postprocess.ts';
import { parsePreprocessConfig, preprocess, type PreprocessConfig } from '../engine/model/preprocess.ts';
import { mulberry32, randomInt, type Rng } from '../common/rng.ts';

/** One prompt key of a record and the texts it may give (one, or a list's non-empty entries). */
export interface PromptChoice {
  key: string;
  alternatives: string[];
}

export interface TrainingRecord {
  /** position in the annotation file */
  index: number;
  annotationFile: string;
  imageName: string;
  maskName: string;
  imagePath: string;
  maskPath: string;
  /** from the file headers; image and mask agree */
  width: number;
  height: number;
  /** the keys a prompt is drawn from: all non-empty keys but p0, or only the fixed key */
  prompts: PromptChoice[];
}

export interface TrainingSplit {
  root: string;
  split: Split;
  size: number;
  promptKey?: string;
  records: TrainingRecord[];
}

export interface OpenTrainingSplitOptions {
  /** model input size (square) */
  size: number;
  /** draw prompts only from this key (e.g. 'p1'); every record must have it non-empty */
  promptKey?: string;
  signal?: AbortSignal;
}

/**
 * Reads and checks one split of a MedVLSM dataset (annotation file, every image and mask present
 * and of equal size per headers, a usable prompt per record). Pixels are read by loadSample.
 */
export async function openTrainingSplit(dir: string, split: Split, options: OpenTrainingSplitOptions): Promise<TrainingSplit> {
  const { size, promptKey } = options;
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`openTrainingSplit: size must be a positive integer, got ${size}`);
  const dataset = await readMedVlsmSplit(dir, split, { signal: options.signal });
  const annotationFile = join(dataset.root, 'anns', `${split}.json`);
  const records = dataset.records.map((r, index): TrainingRecord => {
    const prompts = promptChoices(r.prompts, promptKey);
    if (prompts.length === 0) {
      const why = promptKey === undefined ? 'no usable prompt (every key other than p0 is empty)' : `no usable prompt under ${promptKey} (missing or empty)`;
      throw new DatasetError(annotationFile, `record ${index} (${r.imageName}): ${why}`);
    }
    const { imageName, maskName, imagePath, maskPath, width, height } = r;
    return { index, annotationFile, imageName, maskName, imagePath, maskPath, width, height, prompts };
  });
  return { root: dataset.root, split, size, ...(promptKey === undefined ? {} : { promptKey }), records };
}

/**
 * The keys a prompt may come from. The paper's rule skips p0 (the empty prompt); keys whose
 * value is empty (or a list of empty strings) are skipped too, rather than training on "".
 */
export function promptChoices(prompts: Prompts, promptKey?: string): PromptChoice[] {
  const out: PromptChoice[] = [];
  for (const [key, value] of Object.entries(prompts)) {
    if (promptKey === undefined ? key === 'p0' : key !== promptKey) continue;
    const alternatives = (typeof value === 'string' ? [value] : value).filter((s) => s.trim() !== '');
    if (alternatives.length > 0) out.push({ key, alternatives });
  }
  return out;
}

/**
 * Draws one prompt per access: a key uniformly among the record's choices, then uniformly within
 * a list. With a promptKey only that key is used (its list still drawn from with the seeded RNG);
 * opening the split with the same promptKey checks up front that every record has it.
 */
export class PromptSampler {
  private readonly rng: Rng;
  constructor(seed: number, private readonly options: { promptKey?: string } = {}) {
    this.rng = mulberry32(seed);
  }
  pick(record: { index?: number; prompts: readonly PromptChoice[] }): string {
    const key = this.options.promptKey;
    const choices = key === undefined ? record.prompts : record.prompts.filter((c) => c.key === key);
    if (choices.length === 0) {
      throw new RangeError(`PromptSampler: record ${record.index ?? '?'} has no prompt${key === undefined ? '' : ` under ${key}`} to draw from`);
    }
    const choice = choices.length === 1 ? choices[0] : choices[randomInt(this.rng, choices.length)];
    return choice.alternatives.length === 1 ? choice.alternatives[0] : choice.alternatives[randomInt(this.rng, choice.alternatives.length)];
  }
}

export interface TrainingSample {
  /** model input, float32 [3, size, size], normalised as inference normalises */
  pixels: Float32Array;
  /** 0/1, float32 [size, size] */
  mask: Float32Array;
  /** of the source image (and mask) */
  width: number;
  height: number;
}

/** CLIPSeg's ViTImageProcessor settings (ImageNet mean/std) at a square size. */
export function clipSegPreprocess(size: number): PreprocessConfig {
  return parsePreprocessConfig({ size: { height: size, width: size }, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225] }, 'CLIPSeg preprocessing');
}

/**
 * Decodes one record: the image through `preprocess` (a size means CLIPSeg's mean/std; pass the
 * model's own PreprocessConfig to match it exactly), the mask binarised then nearest-resized.
 */
export async function loadSample(record: TrainingRecord, input: number | PreprocessConfig): Promise<TrainingSample> {
  const config = typeof input === 'number' ? clipSegPreprocess(input) : input;
  const where = `record ${record.index} in ${record.annotationFile}`;
  const image = await decodeFile(record.imagePath, `image of ${where}`);
  const maskRaster = await decodeFile(record.maskPath, `mask of ${where}`);
  if (maskRaster.width !== image.width || maskRaster.height !== image.height) {
    throw new DatasetError(record.maskPath, `mask is ${maskRaster.width}×${maskRaster.height} but its image ${record.imagePath} is ${image.width}×${image.height} (${where})`);
  }
  const binary = binariseHalfMax(maskRaster);
  const resized = resizeNearest(binary, image.height, image.width, config.height, config.width);
  const mask = new Float32Array(resized.length);
  for (let i = 0; i < mask.length; i++) mask[i] = resized[i];
  return { pixels: preprocess(image, config), mask, width: image.width, height: image.height };
}

async function decodeFile(path: string, what: string): Promise<Raster> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DatasetError(path, code === 'ENOENT' ? `missing (${what})` : `cannot read (${what}): ${(e as Error).message}`);
  }
  return decodeImage(bytes, `${path} (${what})`);
}

/**
 * 1 where the mask's grey value is above half its own maximum (the reference loader scales by the
 * maximum and thresholds at 0.5), so JPEG noise around 0 and 255 does not flip pixels and a mask
 * stored as 0/1 or 0/128 still works; an all-zero mask stays empty. Colour is reduced to grey
 * with ITU-R 601 weights (PIL's convert('L')), alpha is ignored. Note that
 * medvlsm-dataset.ts's binariseMask (used for import) thresholds at half the full range instead.
 */
export function binariseHalfMax(raster: Raster): Uint8Array {
  const { width, height, channels, data } = raster;
  const n = width * height;
  if (data.length !== n * channels) throw new RangeError(`binariseHalfMax: ${data.length} values do not make ${width}×${height}×${channels}`);
  const grey = new Float64Array(n);
  let max = 0;
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    const v = channels >= 3 ? 0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2] : data[o];
    grey[i] = v;
    if (v > max) max = v;
  }
  const out = new Uint8Array(n);
  const cut = max / 2;
  for (let i = 0; i < n; i++) out[i] = grey[i] > cut ? 1 : 0;
  return out;
}
