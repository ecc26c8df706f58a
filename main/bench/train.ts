// `bench train-da | train-sa | train-sa-cached`: one optimiser step of DA-VLC / SA-VLC at full size
// (rd64-refined architecture, random frozen weights, 352×352, 16-token prompts), timed through the
// real Trainer as the app runs it: fused forward + backward + AdamW, feeds built from samples.
// train-sa runs the encoders every step; train-sa-cached feeds frozen encoder outputs computed
// once per image (the Trainer's CPU path for shallow adapters), so only the caching is excluded.
// A step is the time between two consecutive step events; the first `warmup` steps (graph
// compilation, allocator growth) are not counted. Peak memory is the process's maximum RSS (the
// engine's worker thread included) when the last timed step ends; batch sizes run in increasing
// order, so each figure is that batch size's peak.

import type { ProviderPreference } from '../engine/runtime/providers.ts';
import { Engine } from '../engine/runtime/engine.ts';
import type { ClipSegConfig } from '../engine/model/config.ts';
import { Segmenter } from '../engine/model/segmenter.ts';
import { trainAdapterSet, type TrainVariant } from '../engine/train/clipseg-train-graph.ts';
import { initAdapters } from '../training/adapter-init.ts';
import { defaultRecipe } from '../training/recipe.ts';
import { type SampleSource, Trainer, type TrainSample } from '../training/trainer.ts';
import { randomWeights, rd64Refined, syntheticTokenizer } from './clipseg.ts';
import type { Measurement } from './harness.ts';

export type TrainBenchName = 'train-da' | 'train-sa' | 'train-sa-cached';

export interface TrainBenchOptions {
  threads: number;
  runs: number;
  warmup: number;
  provider: ProviderPreference;
  batches: number[];
  /** another architecture and input size (tests); default rd64-refined at 352 */
  architecture?: { config: ClipSegConfig; size: number };
}

const setups: Record<TrainBenchName, { variant: TrainVariant; cached: boolean }> = {
  'train-da': { variant: 'da-vlc', cached: false },
  'train-sa': { variant: 'sa-vlc', cached: false },
  'train-sa-cached': { variant: 'sa-vlc', cached: true },
};

/**
 * Deterministic samples: noise pixels, a centred disc as the target. `distinct` images repeat
 * over the samples (their encoder outputs are cached once each, which step times do not depend on).
 */
function syntheticSource(count: number, distinct: number, size: number, channels: number): SampleSource {
  const mask = new Float32Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) mask[y * size + x] = (x - size / 2) ** 2 + (y - size / 2) ** 2 < (size / 4) ** 2 ? 1 : 0;
  const sample = (i: number): TrainSample => {
    const pixels = new Float32Array(channels * size * size);
    let s = 1000 + (i % distinct);
    for (let k = 0; k < pixels.length; k++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      pixels[k] = (s / 4294967296) * 4 - 2;
    }
    return { key: `bench-${i % distinct}`, pixels, mask };
  };
  // 8 words + bos/eos: the 16-token graph, as in the inference benches.
  const prompt = (i: number): string => `a polyp number ${i} in an endoscopy image`;
  return { length: count, load: sample, prompt, prompts: (i) => [prompt(i)] };
}

async function benchBatch(name: TrainBenchName, batch: number, config: ClipSegConfig, size: number, o: TrainBenchOptions): Promise<Measurement> {
  const { variant, cached } = setups[name];
  const engine = new Engine({ provider: o.provider, threads: o.threads, log: () => {} });
  try {
    await Segmenter.create(engine, config, randomWeights(config), syntheticTokenizer(config), { size });
    const set = trainAdapterSet(variant, config)!;
    const steps = o.warmup + o.runs;
    const abort = new AbortController();
    const stamps: number[] = [];
    let peakRssMiB = 0;
    const started = process.hrtime.bigint();
    const trainer = new Trainer({
      engine, config, size, tokenizer: syntheticTokenizer(config), variant, set, init: initAdapters(set, 1),
      recipe: { ...defaultRecipe(variant), batchSize: batch, microBatch: batch, maxEpochs: 1, shuffle: false },
      train: syntheticSource(steps * batch, 2 * batch, size, config.vision.numChannels),
      val: syntheticSource(1, 1, size, config.vision.numChannels),
      cacheFeatures: cached,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.phase !== 'training' || p.done === 0) return;
        stamps.push(Number(process.hrtime.bigint() - started) / 1e6);
        if (stamps.length === steps) {
          peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
          abort.abort(); // the remaining epoch work (validation) is not part of a step
        }
      },
    });
    try {
      await trainer.run();
    } finally {
      await trainer.close();
    }
    if (stamps.length < steps) throw new Error(`${name}: only ${stamps.length} of ${steps} steps ran`);
    const timed = stamps.slice(o.warmup).map((t, i) => t - stamps[o.warmup + i - 1]);
    const steps_ms = timed.map(Math.round);
    const times = [...timed].sort((a, b) => a - b);
    const mid = Math.floor(times.length / 2);
    const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
    return {
      bench: name, variant, batch, precision: 'fp32', median_ms: median, min_ms: times[0], per_sample_ms: median / batch, runs: times.length,
      peak_rss_mib: peakRssMiB, cached_features: cached, size, threads: o.threads, provider: engine.provider?.provider ?? 'unknown',
      weights: o.architecture ? 'random' : 'random (rd64-refined architecture)', steps_ms,
    };
  } finally {
    await engine.close();
  }
}

export async function benchTrain(name: TrainBenchName, o: TrainBenchOptions): Promise<Measurement[]> {
  if (o.warmup < 1) throw new Error(`${name}: needs at least one warm-up step (the first step compiles the graph)`);
  const out: Measurement[] = [];
  // CLIPSeg's input is 352 (the processor's size, not CLIP's 224: the position table is interpolated).
  const { config, size } = o.architecture ?? { config: rd64Refined, size: 352 };
  for (const b of [...o.batches].sort((x, y) => x - y)) out.push(await benchBatch(name, b, config, size, o));
  return out;
}
