// A MedVLSM split as the trainer's SampleSource: samples decoded once and kept (up to a byte
// budget, beyond which they are decoded again on each access), prompts drawn by the paper's rule.

import type { PreprocessConfig } from '../engine/model/preprocess.ts';
import { loadSample, type TrainingSplit } from './dataset.ts';
import { randomInt, type Rng } from '../common/rng.ts';
import type { SampleSource, TrainSample } from './run-types.ts';

export function datasetSource(split: TrainingSplit, preprocess: PreprocessConfig, o: { cacheBytes?: number } = {}): SampleSource {
  const kept = new Map<number, TrainSample>();
  let bytes = 0;
  const budget = o.cacheBytes ?? 2 * 2 ** 30;
  return {
    length: split.records.length,
    async load(i) {
      const hit = kept.get(i);
      if (hit) return hit;
      const record = split.records[i];
      const s = await loadSample(record, preprocess);
      const sample = { key: `${split.root}|${record.imageName}`, pixels: s.pixels, mask: s.mask };
      const size = sample.pixels.byteLength + sample.mask.byteLength;
      if (bytes + size <= budget) { kept.set(i, sample); bytes += size; }
      return sample;
    },
    prompt(i: number, rng: Rng) {
      const choices = split.records[i].prompts;
      const c = choices.length === 1 ? choices[0] : choices[randomInt(rng, choices.length)];
      return c.alternatives.length === 1 ? c.alternatives[0] : c.alternatives[randomInt(rng, c.alternatives.length)];
    },
    prompts: (i) => split.records[i].prompts.flatMap((c) => c.alternatives),
  };
}
