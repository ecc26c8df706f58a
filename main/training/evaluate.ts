// Scores a set of trained parameters on a SampleSource through the graph training validates with
// (trainLoss of the same variant and adapter set, logits only) and with the trainer's batch feeds,
// so what is measured is exactly what was trained: DSC, IoU and HD95 per image at the model's
// input size (metrics.ts). Parameters that are not given come from the weights already on the
// engine, so `params: null` with the decoder variant scores the loaded model as it is.

import { compile } from '../engine/graph/index.ts';
import type { AdapterSet } from '../engine/model/adapters.ts';
import type { ClipSegConfig } from '../engine/model/config.ts';
import type { FloatTensor } from '../engine/model/safetensors.ts';
import { PromptFeeder, type PromptTokenizer } from '../engine/model/text-feeds.ts';
import type { Engine } from '../engine/runtime/engine.ts';
import { float32, type HostTensor } from '../engine/runtime/host-tensor.ts';
import { trainLoss, type TrainVariant } from '../engine/train/clipseg-train-graph.ts';
import { BatchFeeds } from './batch-feeds.ts';
import { LoadedGraphs } from './loaded-graphs.ts';
import { type ImageMetrics, scoreBatch } from './metrics.ts';
import type { SampleSource } from './run-types.ts';

export interface EvaluateOptions {
  engine: Engine;
  config: ClipSegConfig;
  /** model input side */
  size: number;
  tokenizer: PromptTokenizer;
  variant: TrainVariant;
  set: AdapterSet | null;
  /** trained tensors by name (null: evaluate the weights on the engine) */
  params: Map<string, FloatTensor> | null;
  source: SampleSource;
  /** one prompt per sample */
  prompts: readonly string[];
  /** samples per graph run (default 16) */
  batch?: number;
}

export async function evaluateParams(o: EvaluateOptions): Promise<ImageMetrics[]> {
  const out: ImageMetrics[] = [];
  await forEachBatch(o, 'evaluateParams', (logits, masks, count) => {
    out.push(...scoreBatch(logits, masks, { batch: count, height: o.size, width: o.size }));
  });
  return out;
}

/**
 * The probability maps σ(logits) of each sample (size², row-major) through the same graph and
 * feeds as {@link evaluateParams}: what an informativeness score reads (informativeness.ts).
 */
export async function evaluateProbabilities(o: EvaluateOptions): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  const plane = o.size * o.size;
  await forEachBatch(o, 'evaluateProbabilities', (logits, _masks, count) => {
    for (let b = 0; b < count; b++) {
      const p = new Float32Array(plane);
      for (let i = 0; i < plane; i++) p[i] = 1 / (1 + Math.exp(-logits[b * plane + i]));
      out.push(p);
    }
  });
  return out;
}

/** Runs the logits graph over the source in batches, in order, handing each batch's logits and target masks to `take`. */
async function forEachBatch(o: EvaluateOptions, caller: string, take: (logits: Float32Array, masks: Float32Array, count: number) => void): Promise<void> {
  const { engine, config, size, source } = o;
  if (o.prompts.length !== source.length) throw new RangeError(`${caller}: ${o.prompts.length} prompts for ${source.length} samples`);
  const prompts = new PromptFeeder(o.tokenizer, config);
  const textLength = prompts.lengthForPrompts(o.prompts);
  const batch = Math.max(1, Math.min(o.batch ?? 16, source.length));
  const graphs = new LoadedGraphs(engine, `evaluate.${o.variant}`);
  const batchFeeds = new BatchFeeds({ engine, graphs, config, size, set: o.set, prompts, textLength, cached: false });
  const params: Record<string, HostTensor> = {};
  for (const [name, t] of o.params ?? []) params[name] = float32(t.shape, t.data);
  try {
    for (let at = 0; at < source.length; at += batch) {
      const indices = Array.from({ length: Math.min(batch, source.length - at) }, (_, k) => at + k);
      const count = indices.length;
      const key = await graphs.key(`${count}`, () => {
        const { logits } = trainLoss(config, { variant: o.variant, set: o.set, batch: count, size, length: textLength });
        return compile({ logits }, { name: 'clipseg-evaluate' });
      });
      const { inputs, masks } = await batchFeeds.assemble(source, indices, indices.map((i) => o.prompts[i]));
      const result = await engine.run(key, { ...params, ...inputs });
      take(result.logits.data as Float32Array, masks.data as Float32Array, count);
    }
  } finally {
    await graphs.releaseAll();
  }
}
