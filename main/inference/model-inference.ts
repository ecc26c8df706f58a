// InferenceService on the real model: one engine worker, the model opened on first use, image
// encodings cached by content hash and frame, so the same image under another prompt (or in
// another project) is not encoded again.

import { Engine, type EngineOptions } from '../engine/runtime/engine.ts';
import { type ClipSegModel, openClipSegModel } from '../engine/model/clipseg-model.ts';
import { logitsToMask } from '../engine/model/postprocess.ts';
import { preprocess } from '../engine/model/preprocess.ts';
import { loadSourceFrame } from '../io/import-scan.ts';
import { readAdapterFile } from '../engine/model/adapter-file.ts';
import type { AdapterRef, InferenceService, MaskPrediction, SourceImage } from './service.ts';

export class ModelInference implements InferenceService {
  private engine: Engine | null = null;
  private model: Promise<ClipSegModel> | null = null;
  /** One prediction at a time: the engine serialises runs anyway, and a preview must not interleave encodes. */
  private chain: Promise<unknown> = Promise.resolve();

  private adapterId: number | null = null;

  /** `baseModelSha256` lets adapter files made for other base weights be refused. */
  constructor(readonly modelDir: string, readonly modelId: string, private readonly engineOptions: EngineOptions = {}, private readonly baseModelSha256?: string) {}

  private open(): Promise<ClipSegModel> {
    if (!this.model) {
      this.engine = new Engine(this.engineOptions);
      this.model = openClipSegModel(this.modelDir, this.engine);
      this.model.catch(() => { this.model = null; });
    }
    return this.model;
  }

  predict(image: SourceImage, frame: number, prompt: string, threshold = 0.5, adapter: AdapterRef | null = null): Promise<MaskPrediction> {
    const run = this.chain.then(() => this.predictNow(image, frame, prompt, threshold, adapter));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async predictNow(image: SourceImage, frame: number, prompt: string, threshold: number, adapter: AdapterRef | null): Promise<MaskPrediction> {
    if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`threshold must be in [0, 1], got ${threshold}`);
    if (!(Number.isInteger(frame) && frame >= 0 && frame < image.frames)) throw new RangeError(`image ${image.id}: frame ${frame} is outside 0..${image.frames - 1}`);
    const t0 = performance.now();
    const model = await this.open();
    if ((adapter?.id ?? null) !== this.adapterId) {
      this.adapterId = null; // until the new one is in place
      await model.segmenter.setAdapter(adapter ? readAdapterFile(adapter.path, model.config, this.baseModelSha256) : null);
      this.adapterId = adapter?.id ?? null;
    }
    const key = `${image.contentHash}:${frame}`;
    const cached = model.segmenter.hasImage(key);
    if (!cached) {
      const raster = await loadSourceFrame(image.sourcePath, image.contentHash, frame);
      await model.segmenter.encodeImage(key, preprocess(raster, model.preprocess));
    }
    const logits = await model.segmenter.logits(key, prompt);
    const size = model.preprocess.height;
    const mask = logitsToMask(logits, size, size, image.height, image.width, threshold);
    return { width: image.width, height: image.height, mask, threshold, modelSize: size, adapterId: this.adapterId, cached, ms: performance.now() - t0 };
  }

  async close(): Promise<void> {
    const engine = this.engine;
    this.engine = null;
    this.model = null;
    this.adapterId = null;
    await this.chain.catch(() => undefined);
    await engine?.close();
  }
}
