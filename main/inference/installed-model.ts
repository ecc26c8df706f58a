// The InferenceService the app uses: it finds the installed model (or the one named) on first
// use, so the app starts, browses and imports without a model, and a missing model surfaces as
// the registry's error with install instructions only when a prediction is asked for.

import type { ModelRuntimeInfo } from '../contract/contract.ts';
import type { Precision } from '../contract/precision.ts';
import type { EngineOptions } from '../engine/runtime/engine.ts';
import { resolveModel } from '../models/registry.ts';
import { ModelInference } from './model-inference.ts';
import type { AdapterRef, InferenceService, MaskPrediction, ModelAccess, ProbabilityMaps, SourceImage } from './service.ts';

export class InstalledModelInference implements InferenceService {
  private inner: ModelInference | null = null;

  constructor(
    private readonly modelsDir: string,
    private readonly modelArg: string | undefined,
    private readonly engineOptions: EngineOptions = {},
    /** the data folder's graph cache and precision record (see ModelInference) */
    private readonly data?: { graphCacheDir: string; precisionDir: string; log?: (line: string) => void },
  ) {}

  private get modelInference(): ModelInference {
    if (!this.inner) {
      const info = resolveModel(this.modelArg, this.modelsDir);
      this.inner = new ModelInference(info.dir, `${info.name}@${info.sha256.slice(0, 12)}`, this.engineOptions, info.sha256, this.data);
    }
    return this.inner;
  }

  model(): ModelAccess {
    return this.modelInference.model();
  }

  get modelId(): string {
    return this.modelInference.modelId;
  }

  predict(image: SourceImage, frame: number, prompt: string, threshold?: number, adapter?: AdapterRef | null): Promise<MaskPrediction> {
    return this.modelInference.predict(image, frame, prompt, threshold, adapter);
  }

  predictFrames(image: SourceImage, frames: number[], prompt: string, threshold: number, adapter: AdapterRef | null, onMask: (frame: number, p: MaskPrediction) => void | Promise<void>, opts?: { batch?: number; signal?: AbortSignal }): Promise<void> {
    return this.modelInference.predictFrames(image, frames, prompt, threshold, adapter, onMask, opts);
  }

  /** Scoring (the suggest job) needs the maps themselves; without this the app's "Score slices" failed. */
  probabilities(image: SourceImage, frame: number, prompts: string[], adapter: AdapterRef | null): Promise<ProbabilityMaps> {
    return this.modelInference.probabilities(image, frame, prompts, adapter);
  }

  runtime(): ModelRuntimeInfo | null {
    try {
      return this.modelInference.runtime();
    } catch {
      return null; // no model installed (previews say how to install one)
    }
  }

  setPrecision(p: Precision | null): ModelRuntimeInfo | null {
    return this.modelInference.setPrecision(p);
  }

  async close(): Promise<void> {
    await this.inner?.close();
    this.inner = null;
  }
}
