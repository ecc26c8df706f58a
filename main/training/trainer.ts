// The training loop: epochs of shuffled batches, each batch one optimiser step (one fused graph
// run, or gradients accumulated over micro-batches and then one update run), validation after
// every epoch (loss for the plateau schedule, hard DSC for early stopping and the best
// checkpoint), progress events, cancellation at any step, and a checkpoint after each epoch that a
// killed run resumes from without losing finished epochs.

import { existsSync } from 'node:fs';
import { gradients } from '../engine/graph/autodiff.ts';
import { compile, type CompiledGraph, Graph, mul, type Tensor } from '../engine/graph/index.ts';
import { type AdapterSet } from '../engine/model/adapters.ts';
import { type ClipSegConfig, pooledIndex } from '../engine/model/config.ts';
import { readSafetensorsHeader, readTensors, writeSafetensors } from '../engine/model/safetensors.ts';
import type { PromptTokenizer } from '../engine/model/segmenter.ts';
import type { Engine } from '../engine/runtime/engine.ts';
import type { HostTensor } from '../engine/runtime/host-tensor.ts';
import { type AdamWConfig, emitAdamW, momentNames } from '../engine/train/adamw.ts';
import { canCacheFeatures, featureGraphs, featureNames, trainLoss, type TrainVariant, usesTextSkips } from '../engine/train/clipseg-train-graph.ts';
import { buildTrainStep } from '../engine/train/train-step.ts';
import { TrainState } from '../engine/train/train-state.ts';
import { scoreBatch, summarize } from './metrics.ts';
import { EarlyStopping, type PlateauState, ReduceLrOnPlateau, type StoppingState, type TrainRecipe } from './recipe.ts';
import { deriveSeed, mulberry32, type Rng, shuffle } from '../common/rng.ts';

export interface TrainSample {
  /** identifies the image for the feature cache (content hash, path …) */
  key: string;
  /** normalised CHW pixels, 3·size·size */
  pixels: Float32Array;
  /** 0/1 target at the model's size, size·size */
  mask: Float32Array;
}

export interface SampleSource {
  readonly length: number;
  load(i: number): Promise<TrainSample> | TrainSample;
  /** The prompt of sample i for one access (the paper draws one per access). */
  prompt(i: number, rng: Rng): string;
  /** Every prompt sample i can draw (to size the token length). */
  prompts(i: number): string[];
}

export interface EpochRecord { epoch: number; steps: number; trainLoss: number; valLoss: number; valDice: number; lr: number; seconds: number }

export interface TrainProgress {
  phase: 'caching' | 'training' | 'validating';
  step: number;
  epoch: number;
  maxEpochs: number;
  /** done / total within the phase (samples cached, steps this epoch …) */
  done: number;
  total: number;
  loss: number | null;
  lr: number;
  valDice: number | null;
  valLoss: number | null;
  /** seconds left if training ran to max epochs (an upper bound under early stopping) */
  eta: number | null;
}

export interface TrainerOptions {
  engine: Engine;
  config: ClipSegConfig;
  size: number;
  tokenizer: PromptTokenizer;
  variant: TrainVariant;
  set: AdapterSet | null;
  /** initial values of every trained parameter */
  init: Map<string, { shape: number[]; data: Float32Array }>;
  recipe: TrainRecipe;
  train: SampleSource;
  val: SampleSource;
  /** where to checkpoint after each epoch and resume from (none: no checkpoints) */
  checkpoint?: string;
  /** cache frozen encoder outputs (default: whenever the variant allows it) */
  cacheFeatures?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: TrainProgress) => void;
  onEpoch?: (e: EpochRecord) => void;
}

export interface TrainResult {
  best: Map<string, { shape: number[]; data: Float32Array }>;
  last: Map<string, { shape: number[]; data: Float32Array }>;
  bestEpoch: number;
  bestValDice: number;
  epochs: number;
  steps: number;
  history: EpochRecord[];
  stoppedBy: 'early-stopping' | 'max-epochs' | 'max-steps' | 'cancelled';
  resumedFrom: number | null;
}

export class TrainingError extends Error {
  override name = 'TrainingError';
}

const f32 = (dims: number[], data: Float32Array): HostTensor => ({ dtype: 'float32', dims, data });
const BUCKETS = [8, 12, 16, 24, 32, 48, 64, 77];

interface Batch { samples: number[]; prompts: string[] }

/** Splits n samples into runs of at most m. */
const microSizes = (n: number, m: number): number[] => Array.from({ length: Math.ceil(n / m) }, (_, i) => Math.min(m, n - i * m));

export class Trainer {
  private readonly cached: boolean;
  private readonly length: number;
  private readonly graphs = new Map<string, Promise<CompiledGraph>>();
  private readonly visionFeatures = new Map<string, Float32Array[]>();
  private readonly textFeatures = new Map<string, Float32Array[]>();
  private readonly optimizer: AdamWConfig;
  private readonly tag: string;

  constructor(private readonly o: TrainerOptions) {
    this.cached = o.cacheFeatures ?? canCacheFeatures(o.variant);
    if (this.cached && !canCacheFeatures(o.variant)) throw new TrainingError(`variant ${o.variant} trains inside the encoders: its features cannot be cached`);
    if (o.train.length === 0) throw new TrainingError('no training samples');
    if (o.val.length === 0) throw new TrainingError('no validation samples (early stopping and the best checkpoint need some)');
    const r = o.recipe;
    if (r.batchSize < 1 || r.microBatch < 1) throw new TrainingError(`batch size ${r.batchSize} and micro-batch ${r.microBatch} must be ≥ 1`);
    let longest = 2;
    for (const src of [o.train, o.val]) for (let i = 0; i < src.length; i++) for (const p of src.prompts(i)) longest = Math.max(longest, this.tokens(p).length);
    this.length = BUCKETS.find((b) => b >= longest && b <= o.config.text.maxPositions) ?? o.config.text.maxPositions;
    this.optimizer = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: r.weightDecay, maxGradNorm: r.maxGradNorm };
    this.tag = `train.${o.variant}.${Math.random().toString(36).slice(2, 8)}`;
  }

  private tokens(prompt: string): number[] {
    const max = Math.min(this.o.tokenizer.maxLength ?? this.o.config.text.maxPositions, this.o.config.text.maxPositions);
    return this.o.tokenizer.encode(prompt, { pad: false, maxLength: max }).ids;
  }

  /** Compiles (once) and loads a graph into the engine under a key of its shape. */
  private async graph(name: string, build: () => CompiledGraph): Promise<string> {
    const key = `${this.tag}.${name}`;
    let p = this.graphs.get(key);
    if (!p) {
      p = (async () => {
        const g = build();
        await this.o.engine.load(key, g);
        return g;
      })();
      this.graphs.set(key, p);
    }
    await p;
    return key;
  }

  private lossOf(batch: number) {
    const { config, variant, set, size } = this.o;
    return trainLoss(config, { variant, set, batch, size, length: this.length, cached: this.cached });
  }

  /** Fused: forward + backward + AdamW in one run (a batch that is one micro-batch). */
  private fusedStep(batch: number): Promise<string> {
    return this.graph(`fused.${batch}`, () => buildTrainStep({ loss: this.lossOf(batch).loss, optimizer: this.optimizer, name: 'clipseg-train-step' }).compiled);
  }

  /** Forward + backward of one micro-batch, the loss scaled by its share of the batch. */
  private gradStep(batch: number): Promise<string> {
    return this.graph(`grad.${batch}`, () => {
      const { graph: g, loss } = this.lossOf(batch);
      const params = [...g.feeds.values()].filter((t) => t.kind === 'param' && t.trainable);
      const share = g.input('loss_share', 'float32', []);
      const grads = g.scope('grad', () => gradients(mul(loss, share), params));
      const outputs: Record<string, Tensor> = { loss };
      params.forEach((p, i) => { outputs[`grad.${p.name}`] = grads[i]; });
      return compile(outputs, { name: 'clipseg-grad-step' });
    });
  }

  /** Clipping + AdamW from accumulated gradients. */
  private updateStep(): Promise<string> {
    return this.graph('update', () => {
      const g = new Graph('float32');
      const params = [...this.o.init].map(([n, t]) => g.param(n, t.shape, { trainable: true }));
      const grads = params.map((p) => g.input(`grad.${p.name}`, 'float32', p.shape));
      const update = emitAdamW(g, params, grads, this.optimizer);
      return compile({ grad_norm: update.gradNorm, ...update.outputs }, { name: 'clipseg-update' });
    });
  }

  private evalStep(batch: number): Promise<string> {
    return this.graph(`eval.${batch}`, () => {
      const { loss, logits } = this.lossOf(batch);
      return compile({ loss, logits }, { name: 'clipseg-eval' });
    });
  }

  /** Encoder outputs of one sample and prompt, computed once (cached variants). */
  private async features(sample: TrainSample, prompt: string): Promise<{ vision: Float32Array[]; text: Float32Array[] }> {
    const { config: c, size } = this.o;
    const fg = () => featureGraphs(c, { batch: 1, size, length: this.length });
    let vision = this.visionFeatures.get(sample.key);
    if (!vision) {
      const key = await this.graph('features.vision', () => fg().vision);
      const out = await this.o.engine.run(key, { pixel_values: f32([1, c.vision.numChannels, size, size], sample.pixels) });
      vision = c.extractLayers.map((_, k) => out[featureNames.activation(k)].data as Float32Array);
      this.visionFeatures.set(sample.key, vision);
    }
    let text = this.textFeatures.get(prompt);
    if (!text) {
      const key = await this.graph('features.text', () => fg().text);
      const { ids, pooled } = this.tokenFeeds([prompt]);
      const out = await this.o.engine.run(key, { input_ids: ids, pooled_index: pooled });
      text = [out[featureNames.conditional].data as Float32Array, ...c.extractLayers.map((_, k) => out[featureNames.pooled(k)].data as Float32Array)];
      this.textFeatures.set(prompt, text);
    }
    return { vision, text };
  }

  private tokenFeeds(prompts: string[]): { ids: HostTensor; pooled: HostTensor } {
    const n = prompts.length;
    const ids = new BigInt64Array(n * this.length);
    const pooled = new BigInt64Array(n * 2);
    prompts.forEach((p, b) => {
      const t = this.tokens(p);
      const padded = Array.from({ length: this.length }, (_, i) => t[Math.min(i, t.length - 1)]);
      padded.forEach((id, i) => { ids[b * this.length + i] = BigInt(id); });
      pooled[2 * b] = BigInt(b);
      pooled[2 * b + 1] = BigInt(pooledIndex(padded, this.o.config.text.eosTokenId));
    });
    return { ids: { dtype: 'int64', dims: [n, this.length], data: ids }, pooled: { dtype: 'int64', dims: [n, 2], data: pooled } };
  }

  /** The graph feeds of one micro-batch. */
  private async feeds(src: SampleSource, indices: number[], prompts: string[]): Promise<Record<string, HostTensor>> {
    const { config: c, size } = this.o;
    const n = indices.length;
    const samples = await Promise.all(indices.map((i) => src.load(i)));
    const masks = new Float32Array(n * size * size);
    samples.forEach((s, b) => masks.set(s.mask, b * size * size));
    const feeds: Record<string, HostTensor> = { masks: f32([n, size, size], masks) };
    if (!this.cached) {
      const px = new Float32Array(n * samples[0].pixels.length);
      samples.forEach((s, b) => px.set(s.pixels, b * s.pixels.length));
      const t = this.tokenFeeds(prompts);
      return { ...feeds, pixel_values: f32([n, c.vision.numChannels, size, size], px), input_ids: t.ids, pooled_index: t.pooled };
    }
    const feats: { vision: Float32Array[]; text: Float32Array[] }[] = [];
    for (let b = 0; b < n; b++) feats.push(await this.features(samples[b], prompts[b]));
    const stack = (parts: Float32Array[], dims: number[]): HostTensor => {
      const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
      let at = 0;
      for (const p of parts) { out.set(p, at); at += p.length; }
      return f32([n, ...dims], out);
    };
    const tokens = feats[0].vision[0].length / c.vision.hiddenSize;
    c.extractLayers.forEach((_, k) => { feeds[featureNames.activation(k)] = stack(feats.map((f) => f.vision[k]), [tokens, c.vision.hiddenSize]); });
    feeds[featureNames.conditional] = stack(feats.map((f) => f.text[0]), [c.projectionDim]);
    if (usesTextSkips(this.o.set)) c.extractLayers.forEach((_, k) => { feeds[featureNames.pooled(k)] = stack(feats.map((f) => f.text[1 + k]), [c.text.hiddenSize]); });
    return feeds;
  }

  /** One optimiser step on a batch; returns the batch loss. */
  private async step(state: TrainState, batch: Batch, lr: number): Promise<number> {
    const { microBatch } = this.o.recipe;
    const engine = this.o.engine;
    const sizes = microSizes(batch.samples.length, microBatch);
    if (sizes.length === 1) {
      const key = await this.fusedStep(sizes[0]);
      // Transferred, not copied: the batch is built for this step and the state is replaced by the outputs.
      const r = await state.apply(engine.runner(key, { transfer: true }), await this.feeds(this.o.train, batch.samples, batch.prompts), lr);
      return r.loss;
    }
    const total = batch.samples.length;
    const sums = new Map<string, Float32Array>();
    let loss = 0;
    let at = 0;
    for (const m of sizes) {
      const key = await this.gradStep(m);
      const feeds = await this.feeds(this.o.train, batch.samples.slice(at, at + m), batch.prompts.slice(at, at + m));
      for (const name of this.o.init.keys()) feeds[name] = state.param(name);
      feeds.loss_share = f32([], new Float32Array([m / total]));
      const out = await engine.run(key, feeds);
      loss += Number(out.loss.data[0]) * (m / total);
      for (const name of this.o.init.keys()) {
        const g = out[`grad.${name}`].data as Float32Array;
        const acc = sums.get(name);
        if (!acc) sums.set(name, g);
        else for (let i = 0; i < g.length; i++) acc[i] += g[i];
      }
      at += m;
    }
    const update = await this.updateStep();
    const feeds: Record<string, HostTensor> = {};
    for (const [name, g] of sums) feeds[`grad.${name}`] = f32(this.o.init.get(name)!.shape, g);
    await state.apply(engine.runner(update, { transfer: true }), feeds, lr);
    return loss;
  }

  /** Validation loss (sample-weighted mean of batch losses) and mean hard DSC at σ(z) > 0.5. */
  async validate(params: (name: string) => HostTensor, prompts: string[]): Promise<{ loss: number; dice: number; perImage: number[] }> {
    const src = this.o.val;
    const size = this.o.size;
    let lossSum = 0;
    const dice: number[] = [];
    const all = Array.from({ length: src.length }, (_, i) => i);
    for (let at = 0; at < all.length; at += this.o.recipe.microBatch) {
      const idx = all.slice(at, at + this.o.recipe.microBatch);
      const key = await this.evalStep(idx.length);
      const feeds = await this.feeds(src, idx, idx.map((i) => prompts[i]));
      for (const name of this.o.init.keys()) feeds[name] = params(name);
      const out = await this.o.engine.run(key, feeds);
      lossSum += Number(out.loss.data[0]) * idx.length;
      const scores = scoreBatch(out.logits.data as Float32Array, feeds.masks.data as Float32Array, { batch: idx.length, height: size, width: size });
      dice.push(...scores.map((s) => s.dice));
    }
    return { loss: lossSum / src.length, dice: summarize(dice).mean, perImage: dice };
  }

  async run(): Promise<TrainResult> {
    const { recipe: r, train, val, signal } = this.o;
    const emit = (p: Omit<TrainProgress, 'maxEpochs'>): void => this.o.onProgress?.({ ...p, maxEpochs: r.maxEpochs });
    const params = Object.fromEntries([...this.o.init].map(([n, t]) => [n, f32(t.shape, new Float32Array(t.data))]));
    const state = new TrainState(this.optimizer, params);
    const plateau = new ReduceLrOnPlateau(r.plateau, r.lr);
    const stopping = new EarlyStopping({ ...r.earlyStopping, minEpochs: r.minEpochs });
    let best = new Map([...this.o.init].map(([n, t]) => [n, { shape: t.shape, data: new Float32Array(t.data) }]));
    let bestDice = -Infinity;
    let bestEpoch = -1;
    const history: EpochRecord[] = [];
    let firstEpoch = 0;
    let resumedFrom: number | null = null;
    if (this.o.checkpoint && existsSync(this.o.checkpoint)) {
      const ck = readCheckpoint(this.o.checkpoint, this.o, state);
      plateau.state = ck.plateau;
      stopping.state = ck.stopping;
      best = ck.best as typeof best;
      bestDice = ck.bestDice;
      bestEpoch = ck.bestEpoch;
      history.push(...ck.history);
      firstEpoch = ck.nextEpoch;
      resumedFrom = ck.nextEpoch;
    }
    // Validation prompts are drawn once, so epochs are compared on the same task.
    const valRng = mulberry32(deriveSeed(r.seed, 'validation prompts'));
    const valPrompts = Array.from({ length: val.length }, (_, i) => val.prompt(i, valRng));
    const stepsPerEpoch = Math.ceil(train.length / r.batchSize);
    if (this.cached) await this.warmFeatures(valPrompts, emit, state.step, firstEpoch, plateau.state.lr);
    let stoppedBy: TrainResult['stoppedBy'] = 'max-epochs';
    // ETA: this run's mean step and validation times over what is left (to max epochs / steps).
    let stepMs = 0;
    let stepsThisRun = 0;
    let valMs = 0;
    let validations = 0;
    const eta = (epoch: number, stepsDoneInEpoch: number): number | null => {
      if (stepsThisRun === 0) return null;
      const steps = Math.min((r.maxEpochs - epoch) * stepsPerEpoch - stepsDoneInEpoch, r.maxSteps === null ? Infinity : r.maxSteps - state.step);
      const epochsLeft = Math.ceil((steps + stepsDoneInEpoch) / stepsPerEpoch); // validations still to run
      const perVal = validations ? valMs / validations : 0;
      return Math.max(0, (steps * (stepMs / stepsThisRun) + epochsLeft * perVal) / 1000);
    };
    let lastVal: { loss: number; dice: number } | null = history.length ? { loss: history.at(-1)!.valLoss, dice: history.at(-1)!.valDice } : null;
    epochs: for (let epoch = firstEpoch; epoch < r.maxEpochs; epoch++) {
      const t0 = Date.now();
      const rng = mulberry32(deriveSeed(r.seed, 'epoch', epoch));
      const order = Array.from({ length: train.length }, (_, i) => i);
      if (r.shuffle) shuffle(order, rng);
      const prompts = order.map((i) => train.prompt(i, rng));
      const lr = plateau.state.lr;
      let lossSum = 0;
      let seen = 0;
      for (let s = 0; s < stepsPerEpoch; s++) {
        if (signal?.aborted) { stoppedBy = 'cancelled'; break epochs; }
        if (r.maxSteps !== null && state.step >= r.maxSteps) { stoppedBy = 'max-steps'; break; }
        const samples = order.slice(s * r.batchSize, (s + 1) * r.batchSize);
        const t0Step = Date.now();
        const loss = await this.step(state, { samples, prompts: prompts.slice(s * r.batchSize, (s + 1) * r.batchSize) }, lr);
        stepMs += Date.now() - t0Step;
        if (!Number.isFinite(loss)) throw new TrainingError(`the loss became ${loss} at step ${state.step} (epoch ${epoch + 1}); lower the learning rate`);
        lossSum += loss * samples.length;
        seen += samples.length;
        stepsThisRun++;
        emit({ phase: 'training', step: state.step, epoch, done: s + 1, total: stepsPerEpoch, loss, lr, valDice: lastVal?.dice ?? null, valLoss: lastVal?.loss ?? null, eta: eta(epoch, s + 1) });
      }
      if (seen === 0) break; // max-steps reached exactly at an epoch boundary
      emit({ phase: 'validating', step: state.step, epoch, done: 0, total: val.length, loss: null, lr, valDice: lastVal?.dice ?? null, valLoss: lastVal?.loss ?? null, eta: eta(epoch, Math.ceil(seen / r.batchSize)) });
      const t0Val = Date.now();
      const v = await this.validate((n) => state.param(n), valPrompts);
      valMs += Date.now() - t0Val;
      validations++;
      lastVal = v;
      const nextLr = plateau.step(v.loss);
      const stop = stopping.step(epoch, v.dice);
      if (v.dice > bestDice) {
        bestDice = v.dice;
        bestEpoch = epoch;
        best = new Map([...this.o.init.keys()].map((n) => { const t = state.param(n); return [n, { shape: t.dims, data: new Float32Array(t.data as Float32Array) }]; }));
      }
      const record: EpochRecord = { epoch, steps: state.step, trainLoss: lossSum / seen, valLoss: v.loss, valDice: v.dice, lr, seconds: (Date.now() - t0) / 1000 };
      history.push(record);
      this.o.onEpoch?.(record);
      emit({ phase: 'training', step: state.step, epoch: epoch + 1, done: 0, total: stepsPerEpoch, loss: record.trainLoss, lr: nextLr, valDice: v.dice, valLoss: v.loss, eta: eta(epoch + 1, 0) });
      if (this.o.checkpoint) writeCheckpoint(this.o.checkpoint, this.o, state, { nextEpoch: epoch + 1, plateau: plateau.state, stopping: stopping.state, best, bestDice, bestEpoch, history });
      if (stoppedBy === 'max-steps' || (r.maxSteps !== null && state.step >= r.maxSteps)) { stoppedBy = 'max-steps'; break; }
      if (stop.stop && epoch + 1 < r.maxEpochs) { stoppedBy = 'early-stopping'; break; }
    }
    const last = new Map([...this.o.init.keys()].map((n) => { const t = state.param(n); return [n, { shape: t.dims, data: t.data as Float32Array }]; }));
    return { best, last, bestEpoch, bestValDice: bestDice, epochs: history.length, steps: state.step, history, stoppedBy, resumedFrom };
  }

  /** Computes every sample's encoder outputs before the first step (the expensive part of SA on a CPU). */
  private async warmFeatures(valPrompts: string[], emit: (p: Omit<TrainProgress, 'maxEpochs'>) => void, step: number, epoch: number, lr: number): Promise<void> {
    const total = this.o.train.length + this.o.val.length;
    let done = 0;
    for (const [src, prompt] of [[this.o.train, (i: number) => src0(this.o.train, i)], [this.o.val, (i: number) => valPrompts[i]]] as const) {
      for (let i = 0; i < src.length; i++) {
        if (this.o.signal?.aborted) return;
        const sample = await src.load(i);
        for (const p of src === this.o.val ? [prompt(i)] : src.prompts(i)) await this.features(sample, p);
        emit({ phase: 'caching', step, epoch, done: ++done, total, loss: null, lr, valDice: null, valLoss: null, eta: null });
      }
    }
  }

  /** Releases the graphs this trainer loaded. */
  async close(): Promise<void> {
    for (const key of this.graphs.keys()) await this.o.engine.release(key).catch(() => undefined);
    this.graphs.clear();
    this.visionFeatures.clear();
    this.textFeatures.clear();
  }
}

const src0 = (src: SampleSource, i: number): string => src.prompts(i)[0];

interface CheckpointBody {
  nextEpoch: number;
  plateau: PlateauState;
  stopping: StoppingState;
  best: Map<string, { shape: number[]; data: Float32Array }>;
  bestDice: number;
  bestEpoch: number;
  history: EpochRecord[];
}

/** What must match for a checkpoint to be resumed: the run's identity, not its progress. */
function runIdentity(o: TrainerOptions): string {
  const { maxSteps: _m, maxEpochs: _e, ...recipe } = o.recipe;
  return JSON.stringify({ variant: o.variant, modules: o.set ? [...o.set.modules] : null, form: o.set?.form ?? null, recipe, train: o.train.length, val: o.val.length });
}

function writeCheckpoint(path: string, o: TrainerOptions, state: TrainState, body: CheckpointBody): void {
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of state.tensors) tensors.set(`state/${name}`, { shape: t.dims, data: t.data as Float32Array });
  for (const [name, t] of body.best) tensors.set(`best/${name}`, t);
  writeSafetensors(path, tensors, {
    format: 'delineate-training-checkpoint',
    identity: runIdentity(o),
    progress: JSON.stringify({ step: state.step, nextEpoch: body.nextEpoch, plateau: body.plateau, stopping: body.stopping, bestDice: body.bestDice, bestEpoch: body.bestEpoch, history: body.history }),
  });
}

function readCheckpoint(path: string, o: TrainerOptions, state: TrainState): CheckpointBody {
  const header = readSafetensorsHeader(path);
  if (header.metadata.format !== 'delineate-training-checkpoint') throw new TrainingError(`${path}: not a training checkpoint`);
  if (header.metadata.identity !== runIdentity(o)) throw new TrainingError(`${path}: a checkpoint of a different run (variant, adapters, recipe or data differ); delete it to start afresh`);
  const progress = JSON.parse(header.metadata.progress);
  const tensors = readTensors(path, { header });
  for (const name of state.tensors.keys()) {
    const t = tensors.get(`state/${name}`);
    if (!t) throw new TrainingError(`${path}: lacks state/${name}`);
    state.tensors.set(name, f32(t.shape, t.data));
  }
  for (const name of o.init.keys()) if (!state.tensors.has(momentNames(name).m)) throw new TrainingError(`${path}: lacks moments of ${name}`);
  state.step = progress.step;
  const best = new Map([...o.init.keys()].map((n) => [n, tensors.get(`best/${n}`)!]));
  return { nextEpoch: progress.nextEpoch, plateau: progress.plateau, stopping: progress.stopping, best, bestDice: progress.bestDice ?? -Infinity, bestEpoch: progress.bestEpoch, history: progress.history };
}
