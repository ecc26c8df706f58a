// What the experiment scripts share: the synthetic target-domain splits and the test prompts they
// are scored with, the machine line of a report, a timed log, and number formatting.

import os from 'node:os';
import type { AdapterDims } from '../main/engine/model/adapters.ts';
import type { ClipSegModel } from '../main/engine/model/clipseg-model.ts';
import type { ClipSegConfig } from '../main/engine/model/config.ts';
import { deriveSeed, mulberry32 } from '../main/common/rng.ts';
import { type SyntheticSource, syntheticSource } from '../main/training/synthetic-source.ts';

/** Generated image side before the model's own preprocessing (as an imported image would be). */
export const TARGET_IMAGE_SIZE = 256;

/** One split of the synthetic target domain (main/training/synthetic.ts), preprocessed for the model. */
export function targetSplit(model: ClipSegModel, dataSeed: number, split: 'train' | 'val' | 'test', count: number): SyntheticSource {
  return syntheticSource({ domain: 'target', split, count, seed: dataSeed, imageSize: TARGET_IMAGE_SIZE }, model.preprocess);
}

/** One seeded prompt per test image, the same for every variant, strategy and seed. */
export function testPrompts(test: SyntheticSource, dataSeed: number, stream = 'test prompts'): string[] {
  const rng = mulberry32(deriveSeed(dataSeed, stream));
  return Array.from({ length: test.length }, (_, i) => test.prompt(i, rng));
}

/**
 * The paper's bottlenecks are sized for CLIP-B (vision 768, text 512, projection 512): DA 64,
 * SA 512, conditional 256. Scaled by the same ratios to this model's widths.
 */
export function paperDims(config: ClipSegConfig): Record<'dense' | 'shallow', AdapterDims> {
  return {
    dense: { adapter: Math.max(1, Math.round((config.vision.hiddenSize * 64) / 768)), cond: Math.round(config.projectionDim / 2) },
    shallow: { adapter: Math.max(1, Math.round((config.vision.hiddenSize * 512) / 768)), cond: Math.round(config.projectionDim / 2) },
  };
}

export function machine(threads: number): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores available (shared with other work), ${threads} engine threads, ${os.platform()} ${os.arch()}, Node ${process.version}, onnxruntime-node CPU`;
}

/** A stderr logger that prefixes the seconds since it was made. */
export function timedLog(): (s: string) => void {
  const started = Date.now();
  return (s) => console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${s}`);
}

export const round = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d;
export const pct = (x: number): string => (x * 100).toFixed(2);
