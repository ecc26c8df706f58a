// The training loop on the tiny fixture model and generated data: gradient accumulation equals one
// big batch, a killed run resumes to the same parameters as an uninterrupted one, cancellation
// stops at a step boundary, validation in the trainer equals `delineate eval` through the
// inference graphs, and the schedule state machines follow PyTorch / the paper.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openClipSegModel, type ClipSegModel } from '../../main/engine/model/clipseg-model.ts';
import { Engine } from '../../main/engine/runtime/engine.ts';
import type { TrainVariant } from '../../main/engine/train/clipseg-train-graph.ts';
import { openTrainingSplit } from '../../main/training/dataset.ts';
import { datasetSource } from '../../main/training/dataset-source.ts';
import { defaultRecipe, EarlyStopping, ReduceLrOnPlateau, type TrainRecipe } from '../../main/training/recipe.ts';
import { writeSyntheticDataset } from '../../main/training/synthetic.ts';
import { trainRun } from '../../main/training/train-run.ts';
import type { SampleSource } from '../../main/training/trainer.ts';
import { scoreBatch } from '../../main/training/metrics.ts';
import type { FloatTensor } from '../../main/engine/model/safetensors.ts';

const modelDir = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));
let dir: string;
let engine: Engine;
let model: ClipSegModel;
let train: SampleSource;
let val: SampleSource;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'delineate-trainer-'));
  await writeSyntheticDataset(join(dir, 'ds'), { domain: 'source', size: 64, counts: { train: 10, val: 4, test: 2 }, seed: 3 });
  engine = new Engine({ provider: 'cpu', threads: 1, log: () => undefined });
  model = await openClipSegModel(modelDir, engine);
  train = datasetSource(await openTrainingSplit(join(dir, 'ds'), 'train', { size: 64 }), model.preprocess);
  val = datasetSource(await openTrainingSplit(join(dir, 'ds'), 'val', { size: 64, promptKey: 'p1' }), model.preprocess);
});

after(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

function recipe(variant: TrainVariant, o: Partial<TrainRecipe>): TrainRecipe {
  return { ...defaultRecipe(variant), minEpochs: 1, maxEpochs: 2, batchSize: 4, microBatch: 4, ...o };
}

const run = (variant: TrainVariant, r: TrainRecipe, extra: Partial<Parameters<typeof trainRun>[0]> = {}) =>
  trainRun({ model, engine, weightsPath: join(modelDir, 'model.safetensors'), baseModelSha256: null, variant, dims: { adapter: 8, cond: 8 }, recipe: r, train, val, ...extra });

function maxDiff(a: Map<string, { data: Float32Array }>, b: Map<string, { data: Float32Array }>): number {
  let worst = 0;
  for (const [name, t] of a) {
    const u = b.get(name)!.data;
    for (let i = 0; i < t.data.length; i++) worst = Math.max(worst, Math.abs(t.data[i] - u[i]));
  }
  return worst;
}

for (const variant of ['da-vlc', 'sa-vlc'] as const) {
  test(`${variant}: micro-batches of 1 and 3 with accumulated gradients give the same steps as the fused batch of 4`, async () => {
    const base = recipe(variant, { maxSteps: 3, shuffle: false });
    const fused = await run(variant, base);
    for (const micro of [1, 3]) {
      const acc = await run(variant, { ...base, microBatch: micro });
      assert.equal(acc.result.steps, 3);
      // Adam divides by √v, so float-rounding differences in near-zero gradients move a parameter by a
      // small fraction of one step (≤ lr = 1e-3 per step): 2e-5 is 2 % of a step.
      assert.ok(maxDiff(fused.result.last, acc.result.last) <= 2e-5, `micro ${micro}: max |Δ| ${maxDiff(fused.result.last, acc.result.last)}`);
    }
    // and the parameters did move
    const init = await run(variant, { ...base, maxSteps: 0 });
    assert.ok(maxDiff(fused.result.last, init.result.last) > 1e-5);
  });
}

/** `delineate eval`'s path: each image through the inference graphs (vision → decoder, text graph at its bucket) with the adapter file's weights. */
async function evalThroughInference(set: NonNullable<Awaited<ReturnType<typeof run>>['set']>, params: Map<string, FloatTensor>, source: SampleSource, prompts: string[]): Promise<{ dice: number; loss: number }> {
  const weights = new Map([...params].map(([name, t]) => [name, { shape: t.shape, data: new Float32Array(t.data) }]));
  await model.segmenter.setAdapter({ set, weights });
  try {
    const size = model.preprocess.height;
    let diceSum = 0;
    let lossSum = 0;
    for (let i = 0; i < source.length; i++) {
      const sample = await source.load(i);
      await model.segmenter.encodeImage(sample.key, sample.pixels);
      const logits = await model.segmenter.logits(sample.key, prompts[i]);
      model.segmenter.clearCaches();
      diceSum += scoreBatch(logits, sample.mask, { batch: 1, height: size, width: size })[0].dice;
      lossSum += referenceLoss(logits, sample.mask);
    }
    return { dice: diceSum / source.length, loss: lossSum / source.length };
  } finally {
    await model.segmenter.setAdapter(null);
  }
}

/** One image's 1.5·soft-Dice + BCE-with-logits, in float64 (engine-facts.md's recipe). */
function referenceLoss(logits: Float32Array, mask: Float32Array): number {
  let inter = 0;
  let sumP = 0;
  let sumY = 0;
  let bce = 0;
  for (let i = 0; i < logits.length; i++) {
    const z = logits[i];
    const y = mask[i];
    const p = 1 / (1 + Math.exp(-z));
    inter += p * y;
    sumP += p;
    sumY += y;
    bce += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
  }
  return 1.5 * (1 - (2 * inter + 1e-5) / (sumY + sumP + 1e-5)) + bce / logits.length;
}

for (const variant of ['da-vlc', 'sa-vlc'] as const) {
  test(`${variant}: the trainer's validation Dice and loss equal \`delineate eval\` through the inference graphs on the same parameters and images`, async () => {
    // One prompt per validation image, so the trainer's draw and eval's agree without sharing a seed.
    const prompts = Array.from({ length: val.length }, (_, i) => { const all = val.prompts(i); assert.equal(all.length, 1); return all[0]; });
    const trained = await run(variant, recipe(variant, { maxEpochs: 1, lr: 3e-3 }));
    assert.equal(trained.result.epochs, 1);
    const [record] = trained.result.history; // validated on the parameters the run ended with
    const evaluated = await evalThroughInference(trained.set!, trained.result.last, val, prompts);
    assert.ok(record.valDice > 0 && record.valDice < 1, `a validation Dice that can tell runs apart: ${record.valDice}`);
    assert.ok(Math.abs(record.valDice - evaluated.dice) <= 1e-9, `trainer ${record.valDice} vs eval ${evaluated.dice}`);
    assert.ok(Math.abs(record.valLoss - evaluated.loss) <= 1e-5, `trainer loss ${record.valLoss} vs eval ${evaluated.loss}`);
    // and the parameters matter: the initial ones score differently
    const untrained = await run(variant, recipe(variant, { maxEpochs: 1, maxSteps: 0 }));
    const before = await evalThroughInference(trained.set!, untrained.result.last, val, prompts);
    assert.notEqual(before.loss.toFixed(6), evaluated.loss.toFixed(6));
  });
}

test('a run killed after its first epoch resumes from the checkpoint to the same result as an uninterrupted run', async () => {
  const r = recipe('da-vlc', { maxEpochs: 3, lr: 3e-3 });
  const straight = await run('da-vlc', r);
  const checkpoint = join(dir, 'resume.ckpt');
  const first = await run('da-vlc', { ...r, maxEpochs: 1 }, { checkpoint });
  assert.equal(first.result.epochs, 1);
  const resumed = await run('da-vlc', r, { checkpoint });
  assert.equal(resumed.result.resumedFrom, 1);
  assert.equal(resumed.result.steps, straight.result.steps);
  assert.deepEqual(resumed.result.history.map((h) => h.valDice), straight.result.history.map((h) => h.valDice));
  assert.ok(maxDiff(straight.result.last, resumed.result.last) <= 1e-6);
  assert.ok(maxDiff(straight.result.best, resumed.result.best) <= 1e-6);
  await assert.rejects(run('sa-vlc', r, { checkpoint }), /checkpoint of a different run/);
});

test('cancelling stops at the next step and reports it', async () => {
  const controller = new AbortController();
  let steps = 0;
  const r = await run('da-vlc', recipe('da-vlc', { maxEpochs: 5, batchSize: 2, microBatch: 2 }), {
    signal: controller.signal,
    onProgress: (p) => { if (p.phase === 'training' && p.done > 0 && ++steps === 7) controller.abort(); },
  });
  assert.equal(r.result.stoppedBy, 'cancelled');
  assert.equal(r.result.steps, 7);
  assert.equal(r.result.epochs, 1); // epoch 1 (5 steps) finished and validated; epoch 2 was cut short
});

test('progress reports caching, training and validation with the step count and learning rate', async () => {
  const seen = new Set<string>();
  let lastStep = 0;
  const r = await run('sa-vlc', recipe('sa-vlc', { maxEpochs: 2 }), { onProgress: (p) => { seen.add(p.phase); lastStep = Math.max(lastStep, p.step); assert.ok(p.lr > 0); } });
  assert.deepEqual([...seen].sort(), ['caching', 'training', 'validating']);
  assert.equal(lastStep, r.result.steps);
  assert.equal(r.result.steps, 2 * Math.ceil(10 / 4));
});

test('progress: after the first step every training and validation event has an ETA, and it reaches 0 at the end', async () => {
  const events: { phase: string; step: number; eta: number | null }[] = [];
  await run('sa-vlc', recipe('sa-vlc', { maxEpochs: 2 }), { onProgress: (p) => events.push({ phase: p.phase, step: p.step, eta: p.eta }) });
  const afterFirst = events.filter((e) => e.phase !== 'caching' && e.step > 0);
  assert.ok(afterFirst.length >= 2 * 3 + 2, `${afterFirst.length} events`);
  for (const e of afterFirst) assert.ok(e.eta !== null && Number.isFinite(e.eta) && e.eta >= 0, `${e.phase} at step ${e.step}: eta ${e.eta}`);
  assert.equal(afterFirst.at(-1)!.eta, 0, 'nothing is left after the last validation');
  const validating = afterFirst.filter((e) => e.phase === 'validating');
  assert.ok(validating[0].eta! > 0, 'before the first validation there is an epoch left');
});

test('ReduceLROnPlateau follows PyTorch: relative threshold, reduction after patience + 1 bad epochs, counter reset', () => {
  const p = new ReduceLrOnPlateau({ factor: 0.3, patience: 2, threshold: 1e-4 }, 1e-3);
  const lrs = [1.0, 0.99995, 0.9999, 0.9999, 0.9999, 0.9999, 0.9999, 0.5].map((v) => p.step(v));
  // 0.99995 is not better than 1·(1 − 1e-4); 0.9999 is not better than 0.9999; 3 bad epochs → reduce.
  assert.deepEqual(lrs.map((x) => Number(x.toExponential(6))), [1e-3, 1e-3, 1e-3, 3e-4, 3e-4, 3e-4, 9e-5, 9e-5]);
});

test('early stopping waits patience epochs without an improvement larger than min_delta, never before min_epochs', () => {
  const s = new EarlyStopping({ patience: 2, minDelta: 0.01, minEpochs: 5 });
  const dice = [0.5, 0.505, 0.509, 0.6, 0.605, 0.606, 0.607];
  const out = dice.map((d, e) => s.step(e, d));
  assert.deepEqual(out.map((o) => o.improved), [true, false, false, true, false, false, false]);
  assert.deepEqual(out.map((o) => o.stop), [false, false, false, false, false, true, true]);
  assert.equal(s.state.bestEpoch, 3);
});
