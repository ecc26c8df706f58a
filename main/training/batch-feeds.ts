// The feeds of one batch of samples for the training graphs (trainLoss of a variant): pixels and
// text feeds, or — for variants whose encoders are frozen — the encoders' outputs, computed once
// per image and per prompt and then stacked. Shared by training steps, validation and `evaluate`,
// so what is scored is presented exactly as what was trained.

import type { AdapterSet } from '../engine/model/adapters.ts';
import type { ClipSegConfig } from '../engine/model/config.ts';
import type { PromptFeeder } from '../engine/model/text-feeds.ts';
import type { Engine } from '../engine/runtime/engine.ts';
import { float32, type HostTensor } from '../engine/runtime/host-tensor.ts';
import { featureGraphs, featureNames, usesTextSkips } from '../engine/train/clipseg-train-graph.ts';
import type { LoadedGraphs } from './loaded-graphs.ts';
import type { SampleSource, TrainSample } from './run-types.ts';

export interface BatchFeedsOptions {
  engine: Engine;
  graphs: LoadedGraphs;
  config: ClipSegConfig;
  /** model input side */
  size: number;
  set: AdapterSet | null;
  prompts: PromptFeeder;
  /** token length of every text feed (a bucket of prompts.buckets) */
  textLength: number;
  /** feed cached encoder outputs instead of pixels and tokens */
  cached: boolean;
}

/** Encoder outputs of one image (extract order) and of one prompt (conditional, then pooled per extracted layer). */
interface Features { vision: Float32Array[]; text: Float32Array[] }

export class BatchFeeds {
  private readonly visionFeatures = new Map<string, Float32Array[]>();
  private readonly textFeatures = new Map<string, Float32Array[]>();

  constructor(private readonly options: BatchFeedsOptions) {}

  /** The graph inputs of the samples `indices` of `source` with one prompt each, and their masks [n, size, size]. */
  async assemble(source: SampleSource, indices: readonly number[], prompts: readonly string[]): Promise<{ inputs: Record<string, HostTensor>; masks: HostTensor }> {
    const { config, size } = this.options;
    const count = indices.length;
    const samples = await Promise.all(indices.map((i) => source.load(i)));
    const masks = float32([count, size, size], stack(samples.map((s) => s.mask)));
    if (!this.options.cached) {
      const text = this.options.prompts.promptFeeds(prompts, this.options.textLength);
      const pixels = float32([count, config.vision.numChannels, size, size], stack(samples.map((s) => s.pixels)));
      return { inputs: { pixel_values: pixels, input_ids: text.input_ids, pooled_index: text.pooled_index }, masks };
    }
    const features: Features[] = [];
    for (let b = 0; b < count; b++) features.push(await this.features(samples[b], prompts[b]));
    const inputs: Record<string, HostTensor> = {};
    const tokens = features[0].vision[0].length / config.vision.hiddenSize;
    config.extractLayers.forEach((_, k) => {
      inputs[featureNames.activation(k)] = float32([count, tokens, config.vision.hiddenSize], stack(features.map((f) => f.vision[k])));
    });
    inputs[featureNames.conditional] = float32([count, config.projectionDim], stack(features.map((f) => f.text[0])));
    if (usesTextSkips(this.options.set)) {
      config.extractLayers.forEach((_, k) => {
        inputs[featureNames.pooled(k)] = float32([count, config.text.hiddenSize], stack(features.map((f) => f.text[1 + k])));
      });
    }
    return { inputs, masks };
  }

  /** Encoder outputs of one sample and prompt, computed once (cached variants). */
  async features(sample: TrainSample, prompt: string): Promise<Features> {
    const { engine, graphs, config, size, textLength } = this.options;
    const build = () => featureGraphs(config, { batch: 1, size, length: textLength });
    let vision = this.visionFeatures.get(sample.key);
    if (!vision) {
      const key = await graphs.key('features.vision', () => build().vision);
      const out = await engine.run(key, { pixel_values: float32([1, config.vision.numChannels, size, size], sample.pixels) });
      vision = config.extractLayers.map((_, k) => out[featureNames.activation(k)].data as Float32Array);
      this.visionFeatures.set(sample.key, vision);
    }
    let text = this.textFeatures.get(prompt);
    if (!text) {
      const key = await graphs.key('features.text', () => build().text);
      const out = await engine.run(key, { ...this.options.prompts.promptFeeds([prompt], textLength) });
      text = [out[featureNames.conditional].data as Float32Array, ...config.extractLayers.map((_, k) => out[featureNames.pooled(k)].data as Float32Array)];
      this.textFeatures.set(prompt, text);
    }
    return { vision, text };
  }

  clear(): void {
    this.visionFeatures.clear();
    this.textFeatures.clear();
  }
}

/** Concatenates equal-sized per-sample arrays into one batch array. */
function stack(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
