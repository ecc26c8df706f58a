// The 'adapt' job: fine-tunes VLSM-Adapter adapters on a project's corrected masks (the paper's
// recipe), then scores the new adapter and the one in use on held-out corrections and stores the
// new one, not activated, with those scores. Training runs on its own engine so previews stay
// responsive; a crash or close resumes from the last finished epoch (the trainer's checkpoint).

import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AdaptConfig, AdaptProgress, AdaptResult, SegmentationScores } from '../../contract/contract.ts';
import { readAdapterFile } from '../../engine/model/adapter-file.ts';
import { openClipSegModel, type ClipSegModel } from '../../engine/model/clipseg-model.ts';
import { resizeNearest } from '../../engine/model/postprocess.ts';
import { preprocess } from '../../engine/model/preprocess.ts';
import { Engine, type EngineOptions } from '../../engine/runtime/engine.ts';
import { isTrainVariant, type TrainVariant } from '../../engine/train/clipseg-train-graph.ts';
import type { ModelAccess } from '../../inference/service.ts';
import { loadImageFrame } from '../../io/import-scan.ts';
import { dataPaths } from '../../fs/data-folder.ts';
import { InvalidValueError, NotFoundError } from '../../store/errors.ts';
import type { Job } from '../../store/jobs.ts';
import type { Store } from '../../store/store.ts';
import { writeAdapterFile } from '../../training/adapter-output.ts';
import { resizedSpacing, scoreBatch, summarize, summarizeHd95, type Spacing } from '../../training/metrics.ts';
import { defaultRecipe } from '../../training/recipe.ts';
import { deriveSeed, mulberry32, randomInt, shuffle } from '../../common/rng.ts';
import { trainRun } from '../../training/train-run.ts';
import type { SampleSource, TrainSample } from '../../training/trainer.ts';
import { resumable, type JobContext, type JobRunner } from '../runner.ts';

/** Fewer corrected masks than this cannot give a training and a held-out set worth the name. */
export const MIN_CORRECTIONS = 4;

interface Correction { imageId: number; frame: number; maskId: number; prompts: string[]; key: string }

export function adaptConfig(config: Record<string, unknown>, gpu: boolean): Required<Omit<AdaptConfig, 'initAdapterId' | 'name' | 'adapterDim'>> & AdaptConfig & { projectId: number } {
  const { projectId, variant, adapterDim, maxEpochs, lr, batchSize, seed, initAdapterId, name } = config as unknown as AdaptConfig & { projectId: unknown };
  if (!Number.isInteger(projectId)) throw new InvalidValueError('adapt config projectId', `must be a project id, got ${JSON.stringify(projectId)}`);
  const v = variant ?? (gpu ? 'da-vlc' : 'sa-vlc');
  if (!isTrainVariant(v) || v === 'decoder' || v === 'full') throw new InvalidValueError('adapt config variant', `must be an adapter variant (da-v, da-vl, da-vlc, sa-v, sa-vl, sa-vlc), got ${JSON.stringify(variant)}; the decoder and full baselines are for 'delineate train'`);
  const positive = (what: string, x: unknown, int: boolean): void => {
    if (x !== undefined && !(typeof x === 'number' && x > 0 && (!int || Number.isInteger(x)))) throw new InvalidValueError(`adapt config ${what}`, `must be a positive ${int ? 'integer' : 'number'}, got ${JSON.stringify(x)}`);
  };
  positive('adapterDim', adapterDim, true);
  positive('maxEpochs', maxEpochs, true);
  positive('lr', lr, false);
  positive('batchSize', batchSize, true);
  if (seed !== undefined && !Number.isInteger(seed)) throw new InvalidValueError('adapt config seed', `must be an integer, got ${JSON.stringify(seed)}`);
  const recipe = defaultRecipe(v, { gpu });
  return { projectId: projectId as number, variant: v, adapterDim, maxEpochs: maxEpochs ?? 60, lr: lr ?? recipe.lr, batchSize: batchSize ?? recipe.batchSize, seed: seed ?? 42, initAdapterId: initAdapterId ?? null, name };
}

/** The project's current corrected masks, one per image frame, with the prompts that name them. */
function corrections(store: Store, projectId: number): Correction[] {
  const out: Correction[] = [];
  for (const m of store.masks.listCurrent({ projectId, kind: 'corrected' })) {
    const label = m.labelId === null ? undefined : store.labels.get(m.labelId);
    const prompts = [...new Set([m.prompt, ...(label?.prompts ?? []), label?.name].filter((p): p is string => typeof p === 'string' && p.trim() !== ''))];
    if (prompts.length === 0) continue; // a mask nobody named cannot teach a text-prompted model
    const image = store.images.get(m.imageId)!;
    out.push({ imageId: m.imageId, frame: m.frame, maskId: m.id, prompts, key: `${image.contentHash}:${m.frame}` });
  }
  return out.sort((a, b) => a.imageId - b.imageId || a.frame - b.frame);
}

/** What the adapter learned from, as its default name: "“liver”, “spleen” · 12 corrections, 3 held out". */
export function adapterName(training: readonly Correction[], heldOut: number): string {
  const prompts = [...new Set(training.map((c) => c.prompts[0]))];
  const named = prompts.slice(0, 2).map((p) => `“${p}”`).join(', ') + (prompts.length > 2 ? ` +${prompts.length - 2} more` : '');
  return `${named} · ${training.length} correction${training.length === 1 ? '' : 's'}, ${heldOut} held out`;
}

/** A store-backed SampleSource: the image frame as the model sees it and its corrected mask at the model's size. */
function correctionSource(store: Store, model: ClipSegModel, items: Correction[]): SampleSource {
  const size = model.preprocess.height;
  const kept = new Map<number, TrainSample>();
  return {
    length: items.length,
    async load(i) {
      const hit = kept.get(i);
      if (hit) return hit;
      const c = items[i];
      const image = store.images.get(c.imageId)!;
      const raster = await loadImageFrame(store.images.frameSource(image.id, c.frame));
      const mask = store.masks.get(c.maskId)!;
      const resized = resizeNearest(mask.pixels, mask.height, mask.width, size, size);
      const sample = { key: c.key, pixels: preprocess(raster, model.preprocess), mask: Float32Array.from(resized) };
      kept.set(i, sample);
      return sample;
    },
    prompt: (i, rng) => items[i].prompts[randomInt(rng, items[i].prompts.length)],
    prompts: (i) => items[i].prompts,
  };
}

/** Each correction's pixel spacing on the model's size × size grid (undefined where the image has none). */
function modelGridSpacing(store: Store, items: Correction[], size: number): (i: number) => Spacing | undefined {
  return (i) => {
    const image = store.images.get(items[i].imageId);
    return image ? resizedSpacing(image.pixelSpacing, image.width, image.height, size, size) : undefined;
  };
}

/**
 * DSC / IoU / HD95 of the segmenter as it stands, on `src` with its first prompts, at the model's
 * size; HD95 in mm when every image's spacing is known, else in pixels (hd95Unit says which).
 */
async function score(model: ClipSegModel, src: SampleSource, spacing: (i: number) => Spacing | undefined): Promise<SegmentationScores> {
  const size = model.preprocess.height;
  const per: ReturnType<typeof scoreBatch> = [];
  for (let i = 0; i < src.length; i++) {
    const s = await src.load(i);
    await model.segmenter.encodeImage(s.key, s.pixels);
    per.push(...scoreBatch(await model.segmenter.logits(s.key, src.prompts(i)[0]), s.mask, { batch: 1, height: size, width: size }, { spacing: spacing(i) }));
  }
  const stat = (k: 'dice' | 'iou') => { const x = summarize(per.map((p) => p[k])); return { mean: x.mean, std: x.std }; };
  const hd = summarizeHd95(per);
  return { n: per.length, dsc: stat('dice'), iou: stat('iou'), hd95: { mean: hd.mean, std: hd.std }, hd95Unit: hd.unit };
}

/** `gpu`: whether the engine trains on a GPU (DA and big micro-batches by default); asked per job. */
export function adaptRunner(model: () => ModelAccess, dataDir: string, engineOptions: EngineOptions = {}, o: { gpu?: () => Promise<boolean> } = {}): JobRunner {
  return resumable(async (job: Job, ctx: JobContext): Promise<AdaptResult> => {
    const gpu = (await o.gpu?.()) ?? false;
    const cfg = adaptConfig(job.config, gpu);
    const { store } = ctx;
    if (!store.projects.get(cfg.projectId)) throw new NotFoundError('project', cfg.projectId);
    const items = corrections(store, cfg.projectId);
    if (items.length < MIN_CORRECTIONS) throw new InvalidValueError('adapt', `project ${cfg.projectId} has ${items.length} corrected mask${items.length === 1 ? '' : 's'} with a prompt or label; adapting needs at least ${MIN_CORRECTIONS}`);
    // A fifth of the corrections (at least one) is held out: validation for early stopping and the comparison.
    const order = shuffle(items.map((_, i) => i), mulberry32(deriveSeed(cfg.seed, 'adapt split', job.id)));
    const held = Math.max(1, Math.round(items.length / 5));
    const heldOut = order.slice(0, held).sort((a, b) => a - b).map((i) => items[i]);
    const training = order.slice(held).sort((a, b) => a - b).map((i) => items[i]);
    const access = model();
    const progress = (p: AdaptProgress & { done: number; total: number; message: string }): void => ctx.progress(p as never);
    const base: AdaptProgress = { phase: 'preparing', step: 0, epoch: 0, maxEpochs: cfg.maxEpochs, loss: null, lr: cfg.lr, valDice: null, valLoss: null, eta: null };
    progress({ ...base, done: 0, total: 1, message: `opening the model for ${training.length} training and ${heldOut.length} held-out corrections` });
    const engine = new Engine({ ...engineOptions, log: (line) => ctx.log(line) });
    const dir = dataPaths.adapters(dataDir);
    const checkpoint = join(dir, `job-${job.id}.checkpoint`);
    try {
      const clip = await openClipSegModel(access.dir, engine, { imageCacheBytes: 64 * 2 ** 20 });
      const train = correctionSource(store, clip, training);
      const val = correctionSource(store, clip, heldOut);
      mkdirSync(dir, { recursive: true });
      const recipe = { ...defaultRecipe(cfg.variant as TrainVariant, { gpu }), lr: cfg.lr, batchSize: Math.min(cfg.batchSize, training.length), maxEpochs: cfg.maxEpochs, seed: cfg.seed };
      recipe.microBatch = Math.min(recipe.microBatch, recipe.batchSize);
      recipe.minEpochs = Math.min(recipe.minEpochs, recipe.maxEpochs);
      const init = cfg.initAdapterId == null ? undefined : store.adapters.filePath(cfg.initAdapterId);
      const run = await trainRun({
        model: clip, engine, weightsPath: join(access.dir, 'model.safetensors'), baseModelSha256: access.sha256, variant: cfg.variant as TrainVariant,
        dims: { adapter: cfg.adapterDim }, recipe, init, train, val, checkpoint, signal: ctx.signal,
        onProgress: (p) => progress({ ...p, phase: p.phase === 'validating' ? 'evaluating' : p.phase, maxEpochs: p.maxEpochs, done: p.phase === 'training' ? p.epoch : p.done, total: p.phase === 'training' ? p.maxEpochs : p.total, message: p.phase === 'caching' ? `encoding images ${p.done}/${p.total}` : `epoch ${p.epoch + 1}/${p.maxEpochs}` }),
        onEpoch: (e) => ctx.log(`epoch ${e.epoch + 1}: train loss ${e.trainLoss.toFixed(4)}, held-out loss ${e.valLoss.toFixed(4)}, DSC ${(100 * e.valDice).toFixed(2)} %, lr ${e.lr.toExponential(1)}`),
      });
      if (ctx.signal.aborted) {
        // Cancelled: nothing resumes it. Closing: the queue restarts the job from the checkpoint.
        if ((ctx.signal.reason as { why?: string })?.why === 'cancelled') rmSync(checkpoint, { force: true });
        ctx.signal.throwIfAborted();
      }
      const { result } = run;
      if (result.bestEpoch < 0) throw new Error('training ended before its first epoch');
      progress({ ...base, phase: 'saving', epoch: result.epochs, done: 0, total: 1, message: 'comparing with the adapter in use' });
      const file = join(dir, `project-${cfg.projectId}-job-${job.id}-${cfg.variant}.safetensors`);
      writeAdapterFile(file, result.best, run.provenance('best'));
      // Candidate vs what the project uses now, on the same held-out corrections.
      const current = store.adapters.effective(cfg.projectId) ?? null;
      const a = readAdapterFile(file, clip.config, access.sha256);
      await clip.segmenter.setAdapter({ set: a.set, weights: a.weights });
      const valSpacing = modelGridSpacing(store, heldOut, clip.preprocess.height);
      const candidate = await score(clip, val, valSpacing);
      if (current) {
        const c = readAdapterFile(store.adapters.filePath(current.id), clip.config, access.sha256);
        await clip.segmenter.setAdapter({ set: c.set, weights: c.weights });
      } else await clip.segmenter.setAdapter(null);
      const now = await score(clip, val, valSpacing);
      const adapter = store.adapters.register({
        projectId: cfg.projectId, name: cfg.name ?? adapterName(training, heldOut.length), variant: cfg.variant, baseModelHash: access.sha256, file,
        parentId: current?.id ?? null, metrics: { dsc: candidate.dsc.mean, iou: candidate.iou.mean, hd95: candidate.hd95.mean, hd95Unit: candidate.hd95Unit, heldOut: candidate.n, previous: now,
          // what the adapter report (training/adapter-report.ts) scores again: the held-out corrections, and what was active
          heldOutSet: heldOut.map((c) => ({ imageId: c.imageId, frame: c.frame, maskId: c.maskId })), previousAdapterId: current?.id ?? null },
        config: { ...recipe, adapterDim: cfg.adapterDim ?? null, epochs: result.epochs, bestEpoch: result.bestEpoch, stoppedBy: result.stoppedBy },
      });
      rmSync(checkpoint, { force: true });
      return { adapterId: adapter.id, variant: cfg.variant, epochs: result.epochs, bestEpoch: result.bestEpoch, trainImages: training.length, heldOutImages: heldOut.length, candidate, current: { ...now, adapterId: current?.id ?? null } };
    } finally {
      await engine.close();
    }
  });
}
