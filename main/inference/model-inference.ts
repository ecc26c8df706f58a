// InferenceService on the real model: one engine worker, the model opened on first use, image
// encodings cached by content hash and frame, so the same image under another prompt (or in
// another project) is not encoded again.

import { Engine, type EngineOptions } from '../engine/runtime/engine.ts';
import { type ClipSegModel, openClipSegModel } from '../engine/model/clipseg-model.ts';
import { logitsToMask, probabilities } from '../engine/model/postprocess.ts';
import { preprocess } from '../engine/model/preprocess.ts';
import type { FrameSource } from '../common/image-source.ts';
import { loadImageFrame } from '../io/import-scan.ts';
import { readAdapterFile } from '../engine/model/adapter-file.ts';
import type { ModelRuntimeInfo } from '../contract/contract.ts';
import type { Precision } from '../contract/precision.ts';
import { PrecisionChoice } from './precision-choice.ts';
import { runPrecisionSelfCheck } from './precision-self-check.ts';
import type { AdapterRef, InferenceService, MaskPrediction, ModelAccess, ProbabilityMaps, SourceImage } from './service.ts';
import { defaultVolumeBatch, segmentVolume, type SliceSource } from './volume-segment.ts';

/** Frames of a predictFrames call run between two chances for a preview to go first. */
const framesPerTurn = 8;

export class ModelInference implements InferenceService {
  private engine: Engine | null = null;
  private opened: Promise<ClipSegModel> | null = null;
  /** One prediction at a time: the engine serialises runs anyway, and a preview must not interleave encodes. */
  private chain: Promise<unknown> = Promise.resolve();

  /** The adapter the segmenter holds; 'unknown' after a switch that failed half-way (forces the next switch). */
  private adapterId: number | null | 'unknown' = null;

  /** The int8 self-check is running, or queued to run after the prediction in progress. */
  private checking = false;
  /** The self-check failed in this session (it is not retried after every prediction). */
  private checkFailed = false;
  private choiceOf: PrecisionChoice | null = null;

  /**
   * `baseModelSha256` lets adapter files made for other base weights be refused. With `data`, the
   * model runs from the data folder's graph cache at the precision recorded there, and gets its
   * int8 self-check after its first prediction.
   */
  constructor(
    readonly modelDir: string,
    readonly modelId: string,
    private readonly engineOptions: EngineOptions = {},
    private readonly baseModelSha256?: string,
    private readonly data?: { graphCacheDir: string; precisionDir: string; log?: (line: string) => void },
  ) {}

  private get choice(): PrecisionChoice | null {
    if (!this.choiceOf && this.data) this.choiceOf = new PrecisionChoice(this.data.precisionDir, this.modelDir);
    return this.choiceOf;
  }

  /**
   * The automatic precision this session started with: a self-check that finishes mid-session
   * applies from the next start, so masks made in one session do not change precision under the
   * user (a choice made in the settings applies at once: the user asked for it).
   */
  private sessionPrecision: Precision | null = null;

  private currentPrecision(): Precision {
    const state = this.choice?.state();
    if (!state) return 'fp32';
    if (state.chosen) return state.chosen;
    this.sessionPrecision ??= state.current;
    return this.sessionPrecision;
  }

  runtime(): ModelRuntimeInfo {
    const recorded = this.choice?.state() ?? { current: 'fp32' as const, chosen: null, check: null, reason: 'fp32 (no data folder to record a precision in)' };
    const current = this.currentPrecision();
    const state = current === recorded.current ? recorded
      : { ...recorded, current, reason: `${recorded.reason}; ${recorded.current} from the next start (this session stays on ${current}, so its masks do not change under you)` };
    const c = state.check;
    const work = this.checking ? 'checking' : this.segmenterNow?.preparing ? 'preparing' : this.opened && !this.segmenterNow ? 'opening' : 'idle';
    return {
      precision: state.current, chosen: state.chosen, reason: state.reason, work,
      check: c && { int8Agrees: c.int8Agrees, minDice: c.minDice, maxRelativeLogitError: c.maxRelativeLogitError, samples: c.samples.length, summary: c.summary },
    };
  }

  setPrecision(p: Precision | null): ModelRuntimeInfo {
    if (!this.choice) throw new RangeError('this model has no data folder to record a precision in');
    this.choice.choose(p);
    this.sessionPrecision = this.choice.state().current; // asked for: applies now
    return this.runtime();
  }

  /** The segmenter once the model is open (for runtime(), which must not wait). */
  private segmenterNow: ClipSegModel['segmenter'] | null = null;

  /** Runs the int8 self-check after what is queued, once per model (its result is recorded). */
  private scheduleSelfCheck(): void {
    if (this.checking || this.checkFailed || !this.choice?.needsCheck()) return;
    this.checking = true;
    const log = this.data?.log ?? (() => {});
    const run = this.chain.then(async () => {
      try {
        const check = await runPrecisionSelfCheck(await this.open());
        this.choice!.recordCheck(check);
        log(`int8 self-check: ${check.summary}`);
      } catch (e) {
        this.checkFailed = true;
        log(`int8 self-check failed (the model stays at fp32): ${(e as Error).message}`);
      } finally {
        this.checking = false;
      }
    });
    this.chain = run;
  }

  get baseSha256(): string | undefined { return this.baseModelSha256; }

  model(): ModelAccess {
    if (!this.baseModelSha256) throw new Error(`${this.modelDir}: the model's sha256 is unknown`);
    return { dir: this.modelDir, sha256: this.baseModelSha256, id: this.modelId };
  }

  private open(): Promise<ClipSegModel> {
    if (!this.opened) {
      const engine = new Engine(this.engineOptions);
      this.engine = engine;
      this.adapterId = null;
      this.opened = openClipSegModel(this.modelDir, engine, { graphCacheDir: this.data?.graphCacheDir, precision: this.currentPrecision() });
      this.opened.then((m) => { this.segmenterNow = m.segmenter; }, () => {});
      // A model that cannot open (truncated weights, bad config) must not leave its worker behind.
      this.opened.catch(() => this.reset(engine));
    }
    return this.opened;
  }

  /** Drops the engine (and the model opened on it); the next prediction starts afresh. */
  private reset(engine: Engine): void {
    if (this.engine !== engine) return;
    this.engine = null;
    this.opened = null;
    this.segmenterNow = null;
    this.adapterId = null;
    void engine.close();
  }

  predict(image: SourceImage, frame: number, prompt: string, threshold = 0.5, adapter: AdapterRef | null = null): Promise<MaskPrediction> {
    const run = this.chain.then(() => this.predictNow(image, frame, prompt, threshold, adapter));
    this.chain = run.catch(() => undefined);
    run.then(() => this.scheduleSelfCheck(), () => {});
    return run;
  }

  private async predictNow(image: SourceImage, frame: number, prompt: string, threshold: number, adapter: AdapterRef | null): Promise<MaskPrediction> {
    if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`threshold must be in [0, 1], got ${threshold}`);
    if (!(Number.isInteger(frame) && frame >= 0 && frame < image.frames)) throw new RangeError(`image ${image.id}: slice ${frame} is outside 0..${image.frames - 1}`);
    const t0 = performance.now();
    const engine = this.engine;
    try {
      return await this.run(await this.open(), image, frame, prompt, threshold, adapter, t0);
    } catch (e) {
      // A dead worker (crash, out of memory) fails every later call: start a new one next time.
      if (engine && (e as Error).name === 'EngineError' && /not running|worker (crashed|exited)/.test((e as Error).message)) this.reset(engine);
      throw e;
    }
  }

  /**
   * Several frames of one image with one prompt (a volume's "segment all slices"): the prompt is
   * embedded once and the frames go through the vision graph `batch` at a time, without filling
   * the encoding cache. `onMask` gets each frame's prediction in `frames` order. Previews are let
   * in between chunks of {@link framesPerTurn} frames rather than waiting for the whole volume.
   */
  async predictFrames(image: SourceImage, frames: number[], prompt: string, threshold: number, adapter: AdapterRef | null, onMask: (frame: number, p: MaskPrediction) => void | Promise<void>, opts: { batch?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`threshold must be in [0, 1], got ${threshold}`);
    for (const k of frames) if (!(Number.isInteger(k) && k >= 0 && k < image.frames)) throw new RangeError(`image ${image.id}: slice ${k} is outside 0..${image.frames - 1}`);
    const source: SliceSource = {
      name: `image ${image.id}`, width: image.width, height: image.height, slices: image.frames,
      read: (k) => loadImageFrame(frameSourceOf(image, k)),
    };
    for (let i = 0; i < frames.length; i += framesPerTurn) {
      opts.signal?.throwIfAborted();
      const chunk = frames.slice(i, i + framesPerTurn);
      const turn = this.chain.then(async () => {
        const engine = this.engine;
        try {
          const model = await this.open();
          await this.useAdapter(model, adapter);
          const size = model.preprocess.height;
          let t0 = performance.now();
          await segmentVolume(model, source, {
            prompts: [prompt], threshold, slices: chunk, batch: opts.batch ?? defaultVolumeBatch, signal: opts.signal,
            onSlice: async (k, [mask]) => {
              await onMask(k, { width: image.width, height: image.height, mask, threshold, modelSize: size, adapterId: adapter?.id ?? null, cached: false, ms: performance.now() - t0 });
              t0 = performance.now();
            },
          });
        } catch (e) {
          if (engine && (e as Error).name === 'EngineError' && /not running|worker (crashed|exited)/.test((e as Error).message)) this.reset(engine);
          throw e;
        }
      });
      this.chain = turn.catch(() => undefined);
      await turn;
    }
  }

  /** σ(logits) for one frame under each prompt (see InferenceService.probabilities); the encoding goes through the cache as predict()'s does. */
  probabilities(image: SourceImage, frame: number, prompts: string[], adapter: AdapterRef | null = null): Promise<ProbabilityMaps> {
    if (!(Number.isInteger(frame) && frame >= 0 && frame < image.frames)) return Promise.reject(new RangeError(`image ${image.id}: slice ${frame} is outside 0..${image.frames - 1}`));
    if (prompts.length === 0) return Promise.reject(new RangeError(`image ${image.id}: probabilities need at least one prompt`));
    const run = this.chain.then(async () => {
      const engine = this.engine;
      try {
        const model = await this.open();
        await this.useAdapter(model, adapter);
        const { key, cached } = await this.encoded(model, image, frame);
        const maps: Float32Array[] = [];
        for (const prompt of prompts) maps.push(probabilities(await model.segmenter.logits(key, prompt)));
        return { modelSize: model.preprocess.height, maps, adapterId: adapter?.id ?? null, cached };
      } catch (e) {
        if (engine && (e as Error).name === 'EngineError' && /not running|worker (crashed|exited)/.test((e as Error).message)) this.reset(engine);
        throw e;
      }
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** The frame's encoding in the segmenter's cache (encoded now if it is not there). */
  private async encoded(model: ClipSegModel, image: SourceImage, frame: number): Promise<{ key: string; cached: boolean }> {
    const key = frameKey(image, frame);
    const cached = model.segmenter.hasImage(key);
    if (!cached) await model.segmenter.encodeImage(key, await framePixels(model, image, frame));
    return { key, cached };
  }

  /** The segmenter at the chosen precision, with `adapter` (null: the base model). */
  private async useAdapter(model: ClipSegModel, adapter: AdapterRef | null): Promise<void> {
    await model.segmenter.setPrecision(this.currentPrecision());
    const wanted = adapter?.id ?? null;
    if (wanted === this.adapterId) return;
    // Read and check the file before touching the segmenter, so a bad file changes nothing.
    const file = adapter ? readAdapterFile(adapter.path, model.config, this.baseModelSha256) : null;
    this.adapterId = 'unknown';
    await model.segmenter.setAdapter(file);
    this.adapterId = wanted;
  }

  private async run(model: ClipSegModel, image: SourceImage, frame: number, prompt: string, threshold: number, adapter: AdapterRef | null, t0: number): Promise<MaskPrediction> {
    const wanted = adapter?.id ?? null;
    await this.useAdapter(model, adapter);
    const key = frameKey(image, frame);
    const cached = model.segmenter.hasImage(key);
    const logits = await model.segmenter.segment(key, () => framePixels(model, image, frame), prompt);
    const size = model.preprocess.height;
    const mask = logitsToMask(logits, size, size, image.height, image.width, threshold);
    return { width: image.width, height: image.height, mask, threshold, modelSize: size, adapterId: wanted, cached, ms: performance.now() - t0 };
  }

  async close(): Promise<void> {
    const engine = this.engine;
    this.engine = null;
    this.opened = null;
    this.segmenterNow = null;
    this.adapterId = null;
    await this.chain.catch(() => undefined);
    await engine?.close();
  }
}

/** Where frame k of an image is read from: the store's answer where given, else the image's own file. */
const frameSourceOf = (image: SourceImage, frame: number): FrameSource => image.frameSource?.(frame) ?? { path: image.sourcePath, contentHash: image.contentHash, frame };

/** The segmenter's cache key of one frame of an image. */
const frameKey = (image: SourceImage, frame: number): string => `${image.contentHash}:${frame}`;

/** One frame read from its file and preprocessed for the model. */
async function framePixels(model: ClipSegModel, image: SourceImage, frame: number): Promise<Float32Array> {
  return preprocess(await loadImageFrame(frameSourceOf(image, frame)), model.preprocess);
}
