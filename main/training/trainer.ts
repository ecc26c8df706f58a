// The training loop: epochs of shuffled batches, each batch one optimiser step (one fused graph
// run, or gradients accumulated over micro-batches and then one update run), validation after
// every epoch (loss for the plateau schedule, hard DSC for early stopping and the best
// checkpoint), progress events, cancellation at any step, and a checkpoint after each epoch that a
// killed run resumes from without losing finished epochs (checkpoint.ts). Batch feeds, the text
// path included, are assembled as `evaluate` assembles them (batch-feeds.ts).

import { existsSync } from 'node:fs';
import { gradients } from '../engine/graph/autodiff.ts';
import { compile, Graph, mul, type Tensor } from '../engine/graph/index.ts';
import { type AdapterSet } from '../engine/model/adapters.ts';
import type { ClipSegConfig } from '../engine/model/config.ts';
import type { FloatTensor } from '../engine/model/safetensors.ts';
import { PromptFeeder, type PromptTokenizer } from '../engine/model/text-feeds.ts';
import type { Engine } from '../engine/runtime/engine.ts';
import { float32, type HostTensor } from '../engine/runtime/host-tensor.ts';
import { type AdamWConfig, emitAdamW } from '../engine/train/adamw.ts';
import { canCacheFeatures, trainLoss, type TrainVariant } from '../engine/train/clipseg-train-graph.ts';
import { buildTrainStep } from '../engine/train/train-step.ts';
import { TrainState } from '../engine/train/train-state.ts';
import { BatchFeeds } from './batch-feeds.ts';
import { readCheckpoint, type RunIdentity, writeCheckpoint } from './checkpoint.ts';
import { LoadedGraphs } from './loaded-graphs.ts';
import { scoreBatch, summarize } from './metrics.ts';
import { EarlyStopping, ReduceLrOnPlateau, type TrainRecipe } from './recipe.ts';
import { type EpochRecord, type SampleSource, TrainingError } from './run-types.ts';
import { deriveSeed, mulberry32, shuffle } from '../common/rng.ts';

export { type EpochRecord, type SampleSource, type TrainSample, TrainingError } from './run-types.ts';

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
  init: Map<string, FloatTensor>;
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
  best: Map<string, FloatTensor>;
  last: Map<string, FloatTensor>;
  bestEpoch: number;
  bestValDice: number;
  epochs: number;
  steps: number;
  history: EpochRecord[];
  stoppedBy: 'early-stopping' | 'max-epochs' | 'max-steps' | 'cancelled';
  resumedFrom: number | null;
}

interface Batch { samples: number[]; prompts: string[] }

type Emit = (p: Omit<TrainProgress, 'maxEpochs'>) => void;

/** Splits n samples into runs of at most m. */
const microSizes = (n: number, m: number): number[] => Array.from({ length: Math.ceil(n / m) }, (_, i) => Math.min(m, n - i * m));

/** A copy of the trained parameters' current values. */
const snapshot = (state: TrainState, names: Iterable<string>): Map<string, FloatTensor> =>
  new Map([...names].map((name) => { const tensor = state.param(name); return [name, { shape: tensor.dims, data: new Float32Array(tensor.data as Float32Array) }]; }));

export class Trainer {
  private readonly cached: boolean;
  /** token length of every text feed: the bucket of the longest prompt either split can draw */
  private readonly textLength: number;
  private readonly graphs: LoadedGraphs;
  private readonly batchFeeds: BatchFeeds;
  private readonly optimizer: AdamWConfig;
  private readonly identity: RunIdentity;

  constructor(private readonly options: TrainerOptions) {
    const { variant, recipe, train, val } = options;
    this.cached = options.cacheFeatures ?? canCacheFeatures(variant);
    if (this.cached && !canCacheFeatures(variant)) throw new TrainingError(`variant ${variant} trains inside the encoders: its features cannot be cached`);
    if (train.length === 0) throw new TrainingError('no training samples');
    if (val.length === 0) throw new TrainingError('no validation samples (early stopping and the best checkpoint need some)');
    if (recipe.batchSize < 1 || recipe.microBatch < 1) throw new TrainingError(`batch size ${recipe.batchSize} and micro-batch ${recipe.microBatch} must be ≥ 1`);
    const prompts = new PromptFeeder(options.tokenizer, options.config);
    const everyPrompt = [train, val].flatMap((source) => Array.from({ length: source.length }, (_, i) => source.prompts(i)).flat());
    this.textLength = prompts.lengthForPrompts(everyPrompt);
    this.optimizer = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: recipe.weightDecay, maxGradNorm: recipe.maxGradNorm };
    this.graphs = new LoadedGraphs(options.engine, `train.${variant}`);
    this.batchFeeds = new BatchFeeds({
      engine: options.engine, graphs: this.graphs, config: options.config, size: options.size, set: options.set, prompts, textLength: this.textLength, cached: this.cached,
    });
    this.identity = { variant, set: options.set, recipe, trainSamples: train.length, valSamples: val.length };
  }

  private lossOf(batch: number) {
    const { config, variant, set, size } = this.options;
    return trainLoss(config, { variant, set, batch, size, length: this.textLength, cached: this.cached });
  }

  /** Fused: forward + backward + AdamW in one run (a batch that is one micro-batch). */
  private fusedStep(batch: number): Promise<string> {
    return this.graphs.key(`fused.${batch}`, () => buildTrainStep({ loss: this.lossOf(batch).loss, optimizer: this.optimizer, name: 'clipseg-train-step' }).compiled);
  }

  /** Forward + backward of one micro-batch, the loss scaled by its share of the batch. */
  private gradStep(batch: number): Promise<string> {
    return this.graphs.key(`grad.${batch}`, () => {
      const { graph, loss } = this.lossOf(batch);
      const params = [...graph.feeds.values()].filter((t) => t.kind === 'param' && t.trainable);
      const share = graph.input('loss_share', 'float32', []);
      const grads = graph.scope('grad', () => gradients(mul(loss, share), params));
      const outputs: Record<string, Tensor> = { loss };
      params.forEach((p, i) => { outputs[`grad.${p.name}`] = grads[i]; });
      return compile(outputs, { name: 'clipseg-grad-step' });
    });
  }

  /** Clipping + AdamW from accumulated gradients. */
  private updateStep(): Promise<string> {
    return this.graphs.key('update', () => {
      const graph = new Graph('float32');
      const params = [...this.options.init].map(([name, t]) => graph.param(name, t.shape, { trainable: true }));
      const grads = params.map((p) => graph.input(`grad.${p.name}`, 'float32', p.shape));
      const update = emitAdamW(graph, params, grads, this.optimizer);
      return compile({ grad_norm: update.gradNorm, ...update.outputs }, { name: 'clipseg-update' });
    });
  }

  private evalStep(batch: number): Promise<string> {
    return this.graphs.key(`eval.${batch}`, () => {
      const { loss, logits } = this.lossOf(batch);
      return compile({ loss, logits }, { name: 'clipseg-eval' });
    });
  }

  /** The loss graph's feeds of one micro-batch: inputs and masks. */
  private async feeds(source: SampleSource, indices: number[], prompts: string[]): Promise<Record<string, HostTensor>> {
    const { inputs, masks } = await this.batchFeeds.assemble(source, indices, prompts);
    return { ...inputs, masks };
  }

  /** One optimiser step on a batch; returns the batch loss. */
  private async step(state: TrainState, batch: Batch, lr: number): Promise<number> {
    const { engine, train, init } = this.options;
    const sizes = microSizes(batch.samples.length, this.options.recipe.microBatch);
    if (sizes.length === 1) {
      const key = await this.fusedStep(sizes[0]);
      // Transferred, not copied: the batch is built for this step and the state is replaced by the outputs.
      const result = await state.apply(engine.runner(key, { transfer: true }), await this.feeds(train, batch.samples, batch.prompts), lr);
      return result.loss;
    }
    const total = batch.samples.length;
    const gradSums = new Map<string, Float32Array>();
    let loss = 0;
    let at = 0;
    for (const size of sizes) {
      const key = await this.gradStep(size);
      const feeds = await this.feeds(train, batch.samples.slice(at, at + size), batch.prompts.slice(at, at + size));
      for (const name of init.keys()) feeds[name] = state.param(name);
      feeds.loss_share = float32([], new Float32Array([size / total]));
      const out = await engine.run(key, feeds);
      loss += Number(out.loss.data[0]) * (size / total);
      for (const name of init.keys()) {
        const grad = out[`grad.${name}`].data as Float32Array;
        const sum = gradSums.get(name);
        if (!sum) gradSums.set(name, grad);
        else for (let i = 0; i < grad.length; i++) sum[i] += grad[i];
      }
      at += size;
    }
    const update = await this.updateStep();
    const feeds: Record<string, HostTensor> = {};
    for (const [name, grad] of gradSums) feeds[`grad.${name}`] = float32(init.get(name)!.shape, grad);
    await state.apply(engine.runner(update, { transfer: true }), feeds, lr);
    return loss;
  }

  /** Validation loss (sample-weighted mean of batch losses) and mean hard DSC at σ(z) > 0.5. */
  async validate(params: (name: string) => HostTensor, prompts: string[]): Promise<{ loss: number; dice: number; perImage: number[] }> {
    const { val, size, recipe } = this.options;
    let lossSum = 0;
    const dice: number[] = [];
    for (let at = 0; at < val.length; at += recipe.microBatch) {
      const indices = Array.from({ length: Math.min(recipe.microBatch, val.length - at) }, (_, k) => at + k);
      const key = await this.evalStep(indices.length);
      const feeds = await this.feeds(val, indices, indices.map((i) => prompts[i]));
      for (const name of this.options.init.keys()) feeds[name] = params(name);
      const out = await this.options.engine.run(key, feeds);
      lossSum += Number(out.loss.data[0]) * indices.length;
      const scores = scoreBatch(out.logits.data as Float32Array, feeds.masks.data as Float32Array, { batch: indices.length, height: size, width: size });
      dice.push(...scores.map((s) => s.dice));
    }
    return { loss: lossSum / val.length, dice: summarize(dice).mean, perImage: dice };
  }

  async run(): Promise<TrainResult> {
    const { recipe, train, val, signal, init } = this.options;
    const emit: Emit = (p) => this.options.onProgress?.({ ...p, maxEpochs: recipe.maxEpochs });
    const params = Object.fromEntries([...init].map(([name, t]) => [name, float32(t.shape, new Float32Array(t.data))]));
    const state = new TrainState(this.optimizer, params);
    const plateau = new ReduceLrOnPlateau(recipe.plateau, recipe.lr);
    const stopping = new EarlyStopping({ ...recipe.earlyStopping, minEpochs: recipe.minEpochs });
    let best: Map<string, FloatTensor> = new Map([...init].map(([name, t]) => [name, { shape: t.shape, data: new Float32Array(t.data) }]));
    let bestDice = -Infinity;
    let bestEpoch = -1;
    const history: EpochRecord[] = [];
    let firstEpoch = 0;
    let resumedFrom: number | null = null;
    if (this.options.checkpoint && existsSync(this.options.checkpoint)) {
      const checkpoint = readCheckpoint(this.options.checkpoint, this.identity, init.keys(), state);
      plateau.state = checkpoint.plateau;
      stopping.state = checkpoint.stopping;
      best = checkpoint.best;
      bestDice = checkpoint.bestDice;
      bestEpoch = checkpoint.bestEpoch;
      history.push(...checkpoint.history);
      firstEpoch = checkpoint.nextEpoch;
      resumedFrom = checkpoint.nextEpoch;
    }
    // Validation prompts are drawn once, so epochs are compared on the same task.
    const valRng = mulberry32(deriveSeed(recipe.seed, 'validation prompts'));
    const valPrompts = Array.from({ length: val.length }, (_, i) => val.prompt(i, valRng));
    const stepsPerEpoch = Math.ceil(train.length / recipe.batchSize);
    if (this.cached) await this.warmFeatures(valPrompts, emit, state.step, firstEpoch, plateau.state.lr);
    let stoppedBy: TrainResult['stoppedBy'] = 'max-epochs';
    // ETA: this run's mean step and validation times over what is left (to max epochs / steps).
    let stepMs = 0;
    let stepsThisRun = 0;
    let valMs = 0;
    let validations = 0;
    const eta = (epoch: number, stepsDoneInEpoch: number): number | null => {
      if (stepsThisRun === 0) return null;
      const steps = Math.min((recipe.maxEpochs - epoch) * stepsPerEpoch - stepsDoneInEpoch, recipe.maxSteps === null ? Infinity : recipe.maxSteps - state.step);
      const epochsLeft = Math.ceil((steps + stepsDoneInEpoch) / stepsPerEpoch); // validations still to run
      const perVal = validations ? valMs / validations : 0;
      return Math.max(0, (steps * (stepMs / stepsThisRun) + epochsLeft * perVal) / 1000);
    };
    let lastVal: { loss: number; dice: number } | null = history.length ? { loss: history.at(-1)!.valLoss, dice: history.at(-1)!.valDice } : null;
    epochs: for (let epoch = firstEpoch; epoch < recipe.maxEpochs; epoch++) {
      const epochStart = Date.now();
      const rng = mulberry32(deriveSeed(recipe.seed, 'epoch', epoch));
      const order = Array.from({ length: train.length }, (_, i) => i);
      if (recipe.shuffle) shuffle(order, rng);
      const prompts = order.map((i) => train.prompt(i, rng));
      const lr = plateau.state.lr;
      let lossSum = 0;
      let seen = 0;
      for (let stepInEpoch = 0; stepInEpoch < stepsPerEpoch; stepInEpoch++) {
        if (signal?.aborted) { stoppedBy = 'cancelled'; break epochs; }
        if (recipe.maxSteps !== null && state.step >= recipe.maxSteps) { stoppedBy = 'max-steps'; break; }
        const [from, to] = [stepInEpoch * recipe.batchSize, (stepInEpoch + 1) * recipe.batchSize];
        const batch = { samples: order.slice(from, to), prompts: prompts.slice(from, to) };
        const stepStart = Date.now();
        const loss = await this.step(state, batch, lr);
        stepMs += Date.now() - stepStart;
        if (!Number.isFinite(loss)) throw new TrainingError(`the loss became ${loss} at step ${state.step} (epoch ${epoch + 1}); lower the learning rate`);
        lossSum += loss * batch.samples.length;
        seen += batch.samples.length;
        stepsThisRun++;
        emit({ phase: 'training', step: state.step, epoch, done: stepInEpoch + 1, total: stepsPerEpoch, loss, lr, valDice: lastVal?.dice ?? null, valLoss: lastVal?.loss ?? null, eta: eta(epoch, stepInEpoch + 1) });
      }
      if (seen === 0) break; // max-steps reached exactly at an epoch boundary
      emit({ phase: 'validating', step: state.step, epoch, done: 0, total: val.length, loss: null, lr, valDice: lastVal?.dice ?? null, valLoss: lastVal?.loss ?? null, eta: eta(epoch, Math.ceil(seen / recipe.batchSize)) });
      const valStart = Date.now();
      const validation = await this.validate((name) => state.param(name), valPrompts);
      valMs += Date.now() - valStart;
      validations++;
      lastVal = validation;
      const nextLr = plateau.step(validation.loss);
      const stop = stopping.step(epoch, validation.dice);
      if (validation.dice > bestDice) {
        bestDice = validation.dice;
        bestEpoch = epoch;
        best = snapshot(state, init.keys());
      }
      const record: EpochRecord = { epoch, steps: state.step, trainLoss: lossSum / seen, valLoss: validation.loss, valDice: validation.dice, lr, seconds: (Date.now() - epochStart) / 1000 };
      history.push(record);
      this.options.onEpoch?.(record);
      emit({ phase: 'training', step: state.step, epoch: epoch + 1, done: 0, total: stepsPerEpoch, loss: record.trainLoss, lr: nextLr, valDice: validation.dice, valLoss: validation.loss, eta: eta(epoch + 1, 0) });
      if (this.options.checkpoint) writeCheckpoint(this.options.checkpoint, this.identity, state, { nextEpoch: epoch + 1, plateau: plateau.state, stopping: stopping.state, best, bestDice, bestEpoch, history });
      if (stoppedBy === 'max-steps' || (recipe.maxSteps !== null && state.step >= recipe.maxSteps)) { stoppedBy = 'max-steps'; break; }
      if (stop.stop && epoch + 1 < recipe.maxEpochs) { stoppedBy = 'early-stopping'; break; }
    }
    const last = new Map([...init.keys()].map((name) => { const tensor = state.param(name); return [name, { shape: tensor.dims, data: tensor.data as Float32Array }]; }));
    return { best, last, bestEpoch, bestValDice: bestDice, epochs: history.length, steps: state.step, history, stoppedBy, resumedFrom };
  }

  /** Computes every sample's encoder outputs before the first step (the expensive part of SA on a CPU). */
  private async warmFeatures(valPrompts: string[], emit: Emit, step: number, epoch: number, lr: number): Promise<void> {
    const { train, val, signal } = this.options;
    const total = train.length + val.length;
    let done = 0;
    // Training samples with every prompt they can draw; validation samples with the one drawn for them.
    for (const [source, promptsOf] of [[train, (i: number) => train.prompts(i)], [val, (i: number) => [valPrompts[i]]]] as const) {
      for (let i = 0; i < source.length; i++) {
        if (signal?.aborted) return;
        const sample = await source.load(i);
        for (const prompt of promptsOf(i)) await this.batchFeeds.features(sample, prompt);
        emit({ phase: 'caching', step, epoch, done: ++done, total, loss: null, lr, valDice: null, valLoss: null, eta: null });
      }
    }
  }

  /** Releases the graphs this trainer loaded. */
  async close(): Promise<void> {
    await this.graphs.releaseAll();
    this.batchFeeds.clear();
  }
}
