// `bench encode | prompt | segment`: CLIPSeg inference at full size through the engine worker, as
// the app runs it. encode = one image through the vision graph; prompt = a new prompt on a cached
// image (text + decoder); segment = cold: a 512×512 RGB image preprocessed (PIL-exact resize to
// 352) and encoded with a new prompt (Segmenter.segment: the prompt embedded first), logits out.
// With --model DIR the real checkpoint is loaded the app's way (so peak memory includes loading);
// otherwise weights are random with the rd64-refined architecture: timing does not depend on their
// values, and the command runs on a machine that cannot download the checkpoint.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Precision } from '../contract/precision.ts';
import { Engine } from '../engine/runtime/engine.ts';
import type { ProviderPreference } from '../engine/runtime/providers.ts';
import { type ClipSegConfig, parseClipSegConfig } from '../engine/model/config.ts';
import { expectedClipSegWeights } from '../engine/model/weights.ts';
import { openClipSegModel } from '../engine/model/clipseg-model.ts';
import type { FloatTensor } from '../engine/model/safetensors.ts';
import { Segmenter } from '../engine/model/segmenter.ts';
import { visionGraph } from '../engine/model/clipseg-graphs.ts';
import type { PromptTokenizer } from '../engine/model/text-feeds.ts';
import { parsePreprocessConfig, preprocess } from '../engine/model/preprocess.ts';
import type { Raster } from '../io/raster.ts';
import { type Measurement, timeIt } from './harness.ts';

export interface ClipSegBenchOptions {
  threads: number; runs: number; warmup: number; provider: ProviderPreference; model?: string; precision?: Precision;
  /** Feed the frozen weights per run (the path before the graph cache) instead of the app's embedded models. */
  fed?: boolean;
}

/** CIDAS/clipseg-rd64-refined's architecture (HF defaults plus the refined head). */
export const rd64Refined: ClipSegConfig = parseClipSegConfig({ model_type: 'clipseg', use_complex_transposed_convolution: true });

/** Small uniform weights (layer-norm scales near 1): no denormals, deterministic. */
export function randomWeights(config: ClipSegConfig): Map<string, FloatTensor> {
  const out = new Map<string, FloatTensor>();
  let s = 12345;
  for (const [name, shape] of expectedClipSegWeights(config)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const isScale = /(layer_?norm\d?|layrnorm)\.weight$/.test(name);
    for (let i = 0; i < data.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const u = (s / 4294967296) * 2 - 1;
      data[i] = isScale ? 1 + 0.1 * u : 0.02 * u;
    }
    out.set(name, { shape, data });
  }
  return out;
}

/** Word-hash token ids: the cost of the text graph depends only on the token count. */
export const syntheticTokenizer = (c: ClipSegConfig): PromptTokenizer => ({
  encode: (text) => {
    const words = text.toLowerCase().split(/\s+/).filter(Boolean).map((w) => [...w].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % (c.text.vocabSize - 2), 7));
    return { ids: [c.text.vocabSize - 2, ...words, c.text.vocabSize - 1] };
  },
});

/** A 512×512 RGB photo-sized input for the cold path, which includes PIL-exact preprocessing. */
function raster(seed: number): Raster {
  const data = new Uint8Array(512 * 512 * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s >>> 24;
  }
  return { width: 512, height: 512, channels: 3, bitDepth: 8, data };
}

function pixels(size: number, seed: number): Float32Array {
  const p = new Float32Array(3 * size * size);
  let s = seed;
  for (let i = 0; i < p.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    p[i] = (s / 4294967296) * 4 - 2;
  }
  return p;
}

/** What the encode / prompt / segment benches time, on the app's path (see the file comment). */
export interface ClipSegBenchRig {
  segmenter: Segmenter;
  detail: { size: number; threads: number; weights_fed: boolean; vision_weights_mib: number; weights: string; provider: string };
  /** One timed call of the bench: a new image and/or a new prompt each time. */
  call(which: 'encode' | 'prompt' | 'segment'): () => Promise<unknown>;
  /** The execution provider the engine chose. */
  provider(): string;
  close(): Promise<void>;
}

/** The segmenter the benches time (random rd64-refined weights unless `o.model`), with a graph cache built here. */
export async function openClipSegBench(o: ClipSegBenchOptions): Promise<ClipSegBenchRig> {
  const engine = new Engine({ provider: o.provider, threads: o.threads, log: () => {} });
  // the app's path: models with the weights embedded, from a graph cache (built here, before the
  // timed runs, in a temporary folder), packed in memory after their first run (the warm-up)
  const cacheDir = o.fed ? undefined : mkdtempSync(join(tmpdir(), 'delineate-bench-graphs-'));
  const close = async (): Promise<void> => {
    await engine.close();
    if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  };
  try {
    const model = o.model ? await openClipSegModel(o.model, engine, { imageCacheBytes: 64 * 2 ** 20, precision: o.precision, graphCacheDir: cacheDir }) : undefined;
    const config = model?.config ?? rd64Refined;
    const size = model?.preprocess.height ?? 352;
    const graphCache = cacheDir ? { dir: cacheDir, modelId: 'random weights, seed 12345' } : undefined;
    const segmenter = model?.segmenter ?? await Segmenter.create(engine, config, () => randomWeights(config), syntheticTokenizer(config), { size, imageCacheBytes: 64 * 2 ** 20, precision: o.precision, graphCache });
    let n = 0;
    const prompt = (): string => `a polyp number ${n++} in an endoscopy image`; // 8 words + bos/eos → the 16-token graph
    // the vision tower's weights as the session holds them (int8 values + scales, or fp32)
    const dtypeBytes = { float32: 4, int8: 1 } as Record<string, number>;
    const visionWeightMiB = Math.round(visionGraph(config, { batch: 1, size, precision: segmenter.precision }).inputs
      .filter((s) => s.kind === 'param').reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * (dtypeBytes[s.dtype] ?? 8), 0) / 2 ** 20 * 10) / 10;
    const detail = { size, threads: o.threads, weights_fed: o.fed ?? false, vision_weights_mib: visionWeightMiB, weights: o.model ?? 'random (rd64-refined architecture)', provider: '' };
    const pre = model?.preprocess ?? parsePreprocessConfig({ size: { height: size, width: size }, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225] });
    const inputs = [raster(1), raster(2)];
    let opened = false;
    const call = (which: 'encode' | 'prompt' | 'segment'): (() => Promise<unknown>) => {
      if (which === 'encode') return () => segmenter.encodeImage(`image-${n++}`, pixels(size, n));
      if (which === 'prompt') {
        return async () => {
          if (!opened) { await segmenter.encodeImage('open-image', pixels(size, 1)); opened = true; }
          return segmenter.logits('open-image', prompt());
        };
      }
      return () => {
        const key = `image-${n++}`;
        const input = inputs[n % 2];
        return segmenter.segment(key, () => preprocess(input, pre), prompt());
      };
    };
    return { segmenter, detail, call, provider: () => engine.provider?.provider ?? 'unknown', close };
  } catch (e) {
    await close();
    throw e;
  }
}

export async function benchClipSeg(which: 'encode' | 'prompt' | 'segment', o: ClipSegBenchOptions): Promise<Measurement[]> {
  const rig = await openClipSegBench(o);
  try {
    const fn = rig.call(which);
    if (which === 'prompt') await fn(); // opens the image outside the timed runs
    const t = await timeIt(fn, o);
    rig.detail.provider = rig.provider();
    const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
    return [{ bench: which, median_ms: t.median, min_ms: t.min, runs: o.runs, batch: 1, precision: rig.segmenter.precision, peak_rss_mib: peakRssMiB, ...rig.detail }];
  } finally {
    await rig.close();
  }
}
