// `delineate train`: the paper's recipe on a MedVLSM dataset, from the command line; with --init,
// --no-shuffle, --prompt-key and --max-steps a run is deterministic and comparable step for step
// with a PyTorch run of the same recipe.

import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeAdapterFile } from '../engine/model/adapter-file.ts';
import type { AdapterForm } from '../engine/model/adapters.ts';
import { openClipSegModel } from '../engine/model/clipseg-model.ts';
import type { ClipSegConfig } from '../engine/model/config.ts';
import { Engine } from '../engine/runtime/engine.ts';
import { isTrainVariant, TRAIN_VARIANTS } from '../engine/train/clipseg-train-graph.ts';
import { resolveModel } from '../models/registry.ts';
import { dataFolder, dataPaths } from '../fs/data-folder.ts';
import { writeAdapterFile } from '../training/adapter-output.ts';
import { openTrainingSplit } from '../training/dataset.ts';
import { datasetSource } from '../training/dataset-source.ts';
import { defaultRecipe } from '../training/recipe.ts';
import { trainRun } from '../training/train-run.ts';
import type { TrainProgress } from '../training/trainer.ts';
import { intOption, numberOption, parse, providerOption, UsageError } from './args.ts';

const help = `usage: delineate train --data DATASET --variant V [--model DIR|NAME] [options]

  --data DIR          MedVLSM dataset (images/, masks/, anns/{train,val}.json)
  --variant V         ${TRAIN_VARIANTS.join(' | ')}
                      (da-*: dense adapters, sa-*: shallow; decoder: decoder only; full: every weight)
  --adapter-dim N     adapter bottleneck (default 64 dense, 512 shallow)
  --cond-dim N        conditional adapter bottleneck (default 256)
  --identity-init     adapters start as the identity (fc2 zero, no outer ReLU) instead of the paper's form
  --lr X              learning rate (default 1e-3; 3e-4 for sa-*)
  --weight-decay X    AdamW's decoupled weight decay (default 1e-3)
  --max-grad-norm X   clip the global gradient norm to X, or 'none' (default 0.5)
  --batch-size N      samples per optimiser step (default 32)
  --micro-batch N     samples per graph run; gradients accumulate over a batch (default by variant)
  --max-epochs N      (default 200)      --min-epochs N   (default 10)
  --max-steps N       stop after N optimiser steps
  --seed N            (default 42)       --no-shuffle     keep the annotation order
  --prompt-key pK     always use this prompt key (default: a random key but p0 per access)
  --init FILE         start from this adapter (or baseline) file
  --out FILE          the best-by-validation-Dice parameters (default adapter-<variant>.safetensors)
  --save-last FILE    also the parameters after the final step
  --checkpoint FILE   checkpoint after each epoch and resume from it (default: beside --out)
  --no-cache          do not cache frozen encoder outputs (sa-*, decoder)
  --data-dir DIR      Delineate's data folder (for installed models)
  --provider P        auto | cuda | webgpu | cpu      --threads N
  --json              one JSON line per epoch and a final JSON summary on stdout`;

export async function trainCommand(argv: string[]): Promise<void> {
  const { values, flags } = parse(argv, {
    data: { type: 'string' }, variant: { type: 'string' }, model: { type: 'string' }, 'adapter-dim': { type: 'string' }, 'cond-dim': { type: 'string' },
    'identity-init': { type: 'boolean' }, lr: { type: 'string' }, 'weight-decay': { type: 'string' }, 'max-grad-norm': { type: 'string' }, 'batch-size': { type: 'string' }, 'micro-batch': { type: 'string' },
    'max-epochs': { type: 'string' }, 'min-epochs': { type: 'string' }, 'max-steps': { type: 'string' }, seed: { type: 'string' },
    'no-shuffle': { type: 'boolean' }, 'prompt-key': { type: 'string' }, init: { type: 'string' }, out: { type: 'string' }, 'save-last': { type: 'string' },
    checkpoint: { type: 'string' }, 'no-cache': { type: 'boolean' }, 'data-dir': { type: 'string' }, provider: { type: 'string' }, threads: { type: 'string' }, json: { type: 'boolean' },
  }, help);
  if (!values.data) throw new UsageError(`--data is required\n\n${help}`);
  const variant = values.variant ?? '';
  if (!isTrainVariant(variant)) throw new UsageError(`--variant must be one of ${TRAIN_VARIANTS.join(', ')}, got '${variant}'`);
  const engineProvider = providerOption(values.provider);
  const recipe = defaultRecipe(variant, { gpu: engineProvider === 'cuda' });
  recipe.lr = numberOption(values.lr, 'lr', recipe.lr);
  recipe.weightDecay = Number(values['weight-decay']) === 0 ? 0 : numberOption(values['weight-decay'], 'weight-decay', recipe.weightDecay);
  recipe.maxGradNorm = values['max-grad-norm'] === 'none' ? null : numberOption(values['max-grad-norm'], 'max-grad-norm', recipe.maxGradNorm ?? 0.5);
  recipe.batchSize = intOption(values['batch-size'], 'batch-size', recipe.batchSize);
  recipe.microBatch = Math.min(intOption(values['micro-batch'], 'micro-batch', recipe.microBatch), recipe.batchSize);
  recipe.maxEpochs = intOption(values['max-epochs'], 'max-epochs', recipe.maxEpochs);
  recipe.minEpochs = Math.min(intOption(values['min-epochs'], 'min-epochs', recipe.minEpochs, 0), recipe.maxEpochs);
  recipe.maxSteps = values['max-steps'] === undefined ? null : intOption(values['max-steps'], 'max-steps', 1);
  recipe.seed = intOption(values.seed, 'seed', recipe.seed, 0);
  recipe.shuffle = !flags['no-shuffle'];
  recipe.promptKey = values['prompt-key'] ?? null;
  const out = values.out ?? `adapter-${variant}.safetensors`;
  const checkpoint = values.checkpoint ?? `${out}.checkpoint`;
  const info = resolveModel(values.model, dataPaths.models(dataFolder(values['data-dir'])));
  const engine = new Engine({ provider: engineProvider, threads: values.threads ? intOption(values.threads, 'threads', 2) : undefined });
  const controller = new AbortController();
  const onSignal = (): void => { process.stderr.write('\nstopping after this step (the last finished epoch is checkpointed)…\n'); controller.abort(); };
  process.once('SIGINT', onSignal);
  try {
    const model = await openClipSegModel(info.dir, engine, { imageCacheBytes: 0 });
    const size = model.preprocess.height;
    const promptKey = recipe.promptKey ?? undefined;
    const [trainSplit, valSplit] = await Promise.all([openTrainingSplit(values.data, 'train', { size, promptKey }), openTrainingSplit(values.data, 'val', { size, promptKey })]);
    if (existsSync(checkpoint)) process.stderr.write(`resuming from ${checkpoint}\n`);
    // An --init adapter brings its own dims and form (read from its tensors and metadata).
    const initSet = values.init && isAdapterVariant(variant) ? initAdapterShape(values.init, model.config, info.sha256) : undefined;
    const run = await trainRun({
      model, engine, weightsPath: join(info.dir, 'model.safetensors'), baseModelSha256: info.sha256, variant,
      dims: {
        adapter: values['adapter-dim'] ? intOption(values['adapter-dim'], 'adapter-dim', 64) : initSet?.adapter,
        cond: values['cond-dim'] ? intOption(values['cond-dim'], 'cond-dim', 256) : initSet?.cond,
      },
      form: flags['identity-init'] ? 'identity' : initSet?.form ?? 'reference', recipe, init: values.init,
      train: datasetSource(trainSplit, model.preprocess), val: datasetSource(valSplit, model.preprocess), checkpoint,
      cacheFeatures: flags['no-cache'] ? false : undefined, signal: controller.signal,
      onProgress: flags.json ? undefined : progressBar(),
      onEpoch: (e) => {
        if (flags.json) console.log(JSON.stringify({ type: 'epoch', ...e }));
        else process.stderr.write(`\repoch ${e.epoch + 1}: train loss ${e.trainLoss.toFixed(4)}  val loss ${e.valLoss.toFixed(4)}  val DSC ${(e.valDice * 100).toFixed(2)}  lr ${e.lr.toExponential(1)}  (${e.seconds.toFixed(1)} s)\x1b[K\n`);
      },
    });
    const { result } = run;
    if (result.bestEpoch < 0) throw new UsageError(`training stopped before its first epoch finished (${result.stoppedBy}); nothing to write`);
    writeAdapterFile(out, result.best, run.provenance('best'));
    if (values['save-last']) writeAdapterFile(values['save-last'], result.last, run.provenance('last'));
    if (result.stoppedBy !== 'cancelled') rmSync(checkpoint, { force: true });
    const summary = { type: 'result', variant, trainable: run.trainedCount, epochs: result.epochs, steps: result.steps, stoppedBy: result.stoppedBy, bestEpoch: result.bestEpoch, bestValDice: result.bestValDice, out, last: values['save-last'] ?? null, resumedFrom: result.resumedFrom };
    if (flags.json) console.log(JSON.stringify(summary));
    else console.log(`${variant}: ${run.trainedCount.toLocaleString('en')} trained parameters; ${result.epochs} epochs, ${result.steps} steps (${result.stoppedBy}); best val DSC ${(result.bestValDice * 100).toFixed(2)} at epoch ${result.bestEpoch + 1} → ${out}`);
    if (result.stoppedBy === 'cancelled') process.exitCode = 130;
  } finally {
    process.off('SIGINT', onSignal);
    await engine.close();
  }
}

const isAdapterVariant = (v: string): boolean => v !== 'decoder' && v !== 'full';

/** The dims and form an --init adapter file declares (its header only; the trainer reads its tensors). */
function initAdapterShape(path: string, config: ClipSegConfig, baseModelSha256: string): { adapter?: number; cond?: number; form: AdapterForm } {
  const { set } = describeAdapterFile(path, config, baseModelSha256);
  return {
    adapter: [...set.modules].find(([name]) => name !== 'cond_adapter')?.[1].bottleneck,
    cond: set.modules.get('cond_adapter')?.bottleneck,
    form: set.form ?? 'reference',
  };
}

function progressBar(): (p: TrainProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 200 && p.done !== p.total) return;
    last = now;
    const eta = p.eta === null ? '' : `  eta ≤ ${Math.round(p.eta)} s`;
    const what = p.phase === 'caching' ? `caching encoder outputs ${p.done}/${p.total}`
      : p.phase === 'validating' ? `epoch ${p.epoch + 1}/${p.maxEpochs} validating`
        : `epoch ${p.epoch + 1}/${p.maxEpochs} step ${p.done}/${p.total} (total ${p.step})  loss ${p.loss?.toFixed(4) ?? '—'}  lr ${p.lr.toExponential(1)}${p.valDice === null ? '' : `  val DSC ${(p.valDice * 100).toFixed(2)}`}${eta}`;
    process.stderr.write(`\r${what}\x1b[K`);
  };
}
