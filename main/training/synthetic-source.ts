// Synthetic shape images (synthetic.ts) as the trainer's SampleSource, generated in memory: no
// files, so scripts and tests can train on thousands of images without writing a dataset. Each
// image comes from the same seeded stream as syntheticItems (seed, domain, split, index), so a
// source equals the dataset make-synthetic-dataset.ts writes with the same options. Images may be
// drawn larger than the model input and go through the model's own preprocessing (bilinear
// resize), as an imported image would; masks are nearest-resized like dataset.ts does.

import { resizeNearest } from '../engine/model/postprocess.ts';
import { preprocess, type PreprocessConfig } from '../engine/model/preprocess.ts';
import type { Split } from '../io/medvlsm-dataset.ts';
import { promptChoices } from './dataset.ts';
import { deriveSeed, mulberry32, randomInt, type Rng } from '../common/rng.ts';
import { generateImage, type SyntheticDomain, type SyntheticImage } from './synthetic.ts';
import type { SampleSource, TrainSample } from './run-types.ts';

export interface SyntheticSourceOptions {
  domain: SyntheticDomain;
  split: Split;
  count: number;
  seed: number;
  /** side of the generated image; default the model input size */
  imageSize?: number;
}

export interface SyntheticSource extends SampleSource {
  /** the generated images (at imageSize), for scoring at the original size or writing out */
  readonly images: readonly SyntheticImage[];
}

/** count images of a domain and split, preprocessed for a model whose input is `input`. */
export function syntheticSource(o: SyntheticSourceOptions, input: PreprocessConfig): SyntheticSource {
  const size = o.imageSize ?? input.height;
  return imageSource(syntheticImages({ ...o, imageSize: size }), input, `synthetic|${o.seed}|${o.domain}|${o.split}|${size}`);
}

/** The images syntheticSource would use, without preprocessing (to alter them first). */
export function syntheticImages(o: SyntheticSourceOptions & { imageSize: number }): SyntheticImage[] {
  if (!Number.isInteger(o.count) || o.count < 0) throw new RangeError(`syntheticImages: count must be a non-negative integer, got ${o.count}`);
  return Array.from({ length: o.count }, (_, i) => generateImage(o.domain, o.imageSize, mulberry32(deriveSeed(o.seed, o.domain, o.split, i))));
}

/**
 * Synthetic images as a SampleSource: each preprocessed once for `input`, its mask resized with
 * the nearest rule; `keyPrefix` + the index identifies a sample (the trainer's feature cache).
 */
export function imageSource(images: readonly SyntheticImage[], input: PreprocessConfig, keyPrefix: string): SyntheticSource {
  const samples: TrainSample[] = images.map((g, i) => {
    const { width, height } = g.image;
    const mask = resizeNearest(g.mask, height, width, input.height, input.width);
    return { key: `${keyPrefix}|${i}`, pixels: preprocess(g.image, input), mask: Float32Array.from(mask) };
  });
  const choices = images.map((g) => promptChoices(g.prompts));
  return {
    images,
    length: images.length,
    load: (i) => samples[i],
    // the paper's rule, as datasetSource: a key other than p0 uniformly, then an entry of a list
    prompt(i: number, rng: Rng) {
      const c = choices[i].length === 1 ? choices[i][0] : choices[i][randomInt(rng, choices[i].length)];
      return c.alternatives.length === 1 ? c.alternatives[0] : c.alternatives[randomInt(rng, c.alternatives.length)];
    },
    prompts: (i) => choices[i].flatMap((c) => c.alternatives),
  };
}
