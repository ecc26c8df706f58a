// The int8 self-check a model gets when it is installed, imported or first used: the bundled
// sample images (resources/demo/images, each with the prompt of a shape it shows) through fp32 and
// int8 (precision-check.ts). The images are synthetic shapes, not anatomy: the check asks whether
// int8 changes this model's decisions, which any image with a real object answers.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClipSegModel } from '../engine/model/clipseg-model.ts';
import { preprocess } from '../engine/model/preprocess.ts';
import { decodeImage } from '../io/image-decode.ts';
import { checkInt8Fidelity, type PrecisionCheck, type PrecisionSample } from './precision-check.ts';

/** The sample folder shipped with Delineate (DELINEATE_RESOURCES: the packaged app's resources). */
export const bundledSamplesDir = (): string =>
  join(process.env.DELINEATE_RESOURCES || fileURLToPath(new URL('../../resources/', import.meta.url)), 'demo', 'images');

/** The annotated (image, prompt) pairs of the samples' test split, preprocessed for `model`. */
export function precisionSamples(model: Pick<ClipSegModel, 'preprocess'>, dir = bundledSamplesDir()): PrecisionSample[] {
  const anns = JSON.parse(readFileSync(join(dir, 'anns', 'test.json'), 'utf8')) as { img_name: string; prompts: { p1: string } }[];
  const decoded = new Map<string, Float32Array>();
  return anns.map((a) => {
    let pixels = decoded.get(a.img_name);
    if (!pixels) {
      const path = join(dir, 'images', a.img_name);
      pixels = preprocess(decodeImage(readFileSync(path), path), model.preprocess);
      decoded.set(a.img_name, pixels);
    }
    return { name: a.img_name, prompt: a.prompts.p1, pixels };
  });
}

export function runPrecisionSelfCheck(model: ClipSegModel, dir?: string): Promise<PrecisionCheck> {
  return checkInt8Fidelity(model.segmenter, precisionSamples(model, dir));
}
