// Scores a set of trained parameters on a SampleSource through the graph training validates with
// (trainLoss of the same variant and adapter set, logits only), so what is measured is exactly
// what was trained: DSC, IoU and HD95 per image at the model's input size (metrics.ts). Parameters
// that are not given come from the weights already on the engine, so `params: null` with the
// decoder variant scores the loaded model as it is.

import { compile } from '../engine/graph/index.ts';
import type { AdapterSet } from '../engine/model/adapters.ts';
import { type ClipSegConfig, pooledIndex } from '../engine/model/config.ts';
import type { PromptTokenizer } from '../engine/model/segmenter.ts';
import type { Engine } from '../engine/runtime/engine.ts';
import type { HostTensor } from '../engine/runtime/host-tensor.ts';
import { trainLoss, type TrainVariant } from '../engine/train/clipseg-train-graph.ts';
import { type ImageMetrics, scoreBatch } from './metrics.ts';
import type { SampleSource } from './trainer.ts';

export interface EvaluateOptions {
  engine: Engine;
  config: ClipSegConfig;
  /** model input side */
  size: number;
  tokenizer: PromptTokenizer;
  variant: TrainVariant;
  set: AdapterSet | null;
  /** trained tensors by name (null: evaluate the weights on the engine) */
  params: Map<string, { shape: number[]; data: Float32Array }> | null;
  source: SampleSource;
  /** one prompt per sample */
  prompts: readonly string[];
  /** samples per graph run (default 16) */
  batch?: number;
}

export async function evaluateParams(o: EvaluateOptions): Promise<ImageMetrics[]> {
  const { engine, config: c, size, source } = o;
  if (o.prompts.length !== source.length) throw new RangeError(`evaluateParams: ${o.prompts.length} prompts for ${source.length} samples`);
  const max = Math.min(o.tokenizer.maxLength ?? c.text.maxPositions, c.text.maxPositions);
  const tokens = o.prompts.map((p) => o.tokenizer.encode(p, { pad: false, maxLength: max }).ids);
  const length = Math.max(2, ...tokens.map((t) => t.length));
  const batch = Math.max(1, Math.min(o.batch ?? 16, source.length));
  const keys = new Map<number, string>();
  const tag = `evaluate.${o.variant}.${Math.random().toString(36).slice(2, 8)}`;
  const graphFor = async (n: number): Promise<string> => {
    let key = keys.get(n);
    if (!key) {
      key = `${tag}.${n}`;
      const { logits } = trainLoss(c, { variant: o.variant, set: o.set, batch: n, size, length });
      await engine.load(key, compile({ logits }, { name: 'clipseg-evaluate' }));
      keys.set(n, key);
    }
    return key;
  };
  const params: Record<string, HostTensor> = {};
  for (const [name, t] of o.params ?? []) params[name] = { dtype: 'float32', dims: t.shape, data: t.data };
  const out: ImageMetrics[] = [];
  try {
    for (let at = 0; at < source.length; at += batch) {
      const idx = Array.from({ length: Math.min(batch, source.length - at) }, (_, k) => at + k);
      const samples = await Promise.all(idx.map((i) => source.load(i)));
      const n = idx.length;
      const pixels = new Float32Array(n * samples[0].pixels.length);
      const masks = new Float32Array(n * size * size);
      const ids = new BigInt64Array(n * length);
      const pooled = new BigInt64Array(n * 2);
      samples.forEach((s, b) => {
        pixels.set(s.pixels, b * s.pixels.length);
        masks.set(s.mask, b * size * size);
        // padded with the last id (end-of-text): the causal mask makes padding irrelevant
        const t = tokens[idx[b]];
        const padded = Array.from({ length }, (_, i) => t[Math.min(i, t.length - 1)]);
        padded.forEach((id, i) => { ids[b * length + i] = BigInt(id); });
        pooled[2 * b] = BigInt(b);
        pooled[2 * b + 1] = BigInt(pooledIndex(padded, c.text.eosTokenId));
      });
      const key = await graphFor(n);
      const result = await engine.run(key, {
        ...params,
        pixel_values: { dtype: 'float32', dims: [n, c.vision.numChannels, size, size], data: pixels },
        input_ids: { dtype: 'int64', dims: [n, length], data: ids },
        pooled_index: { dtype: 'int64', dims: [n, 2], data: pooled },
      });
      out.push(...scoreBatch(result.logits.data as Float32Array, masks, { batch: n, height: size, width: size }));
    }
  } finally {
    for (const key of keys.values()) await engine.release(key).catch(() => undefined);
  }
  return out;
}
