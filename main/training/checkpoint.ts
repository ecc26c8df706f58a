// The trainer's checkpoint: parameters and AdamW moments, the best parameters so far and the
// schedules' state, in one safetensors file written after each epoch, so a killed run resumes
// without losing finished epochs. A checkpoint resumes only the run it came from (same variant,
// adapters, recipe and data sizes); how far the run may go (max epochs / steps) can change.

import type { AdapterSet } from '../engine/model/adapters.ts';
import { type FloatTensor, readSafetensorsHeader, readTensors, writeSafetensors } from '../engine/model/safetensors.ts';
import { float32 } from '../engine/runtime/host-tensor.ts';
import { momentNames } from '../engine/train/adamw.ts';
import type { TrainVariant } from '../engine/train/clipseg-train-graph.ts';
import type { TrainState } from '../engine/train/train-state.ts';
import type { PlateauState, StoppingState, TrainRecipe } from './recipe.ts';
import { type EpochRecord, TrainingError } from './run-types.ts';

const FORMAT = 'delineate-training-checkpoint';

export interface CheckpointBody {
  nextEpoch: number;
  plateau: PlateauState;
  stopping: StoppingState;
  best: Map<string, FloatTensor>;
  bestDice: number;
  bestEpoch: number;
  history: EpochRecord[];
}

/** What identifies a run: everything but how far it may go. */
export interface RunIdentity {
  variant: TrainVariant;
  set: AdapterSet | null;
  recipe: TrainRecipe;
  trainSamples: number;
  valSamples: number;
}

function identityString(run: RunIdentity): string {
  const { maxSteps: _steps, maxEpochs: _epochs, ...recipe } = run.recipe;
  return JSON.stringify({ variant: run.variant, modules: run.set ? [...run.set.modules] : null, form: run.set?.form ?? null, recipe, train: run.trainSamples, val: run.valSamples });
}

export function writeCheckpoint(path: string, run: RunIdentity, state: TrainState, body: CheckpointBody): void {
  const tensors = new Map<string, FloatTensor>();
  for (const [name, t] of state.tensors) tensors.set(`state/${name}`, { shape: t.dims, data: t.data as Float32Array });
  for (const [name, t] of body.best) tensors.set(`best/${name}`, t);
  writeSafetensors(path, tensors, {
    format: FORMAT,
    identity: identityString(run),
    progress: JSON.stringify({ step: state.step, nextEpoch: body.nextEpoch, plateau: body.plateau, stopping: body.stopping, bestDice: body.bestDice, bestEpoch: body.bestEpoch, history: body.history }),
  });
}

/** Restores `state` (params, moments, step) of the trained parameters `trained` and returns the rest. */
export function readCheckpoint(path: string, run: RunIdentity, trained: Iterable<string>, state: TrainState): CheckpointBody {
  const header = readSafetensorsHeader(path);
  if (header.metadata.format !== FORMAT) throw new TrainingError(`${path}: not a training checkpoint`);
  if (header.metadata.identity !== identityString(run)) throw new TrainingError(`${path}: a checkpoint of a different run (variant, adapters, recipe or data differ); delete it to start afresh`);
  const progress = JSON.parse(header.metadata.progress);
  const tensors = readTensors(path, { header });
  for (const name of state.tensors.keys()) {
    const t = tensors.get(`state/${name}`);
    if (!t) throw new TrainingError(`${path}: lacks state/${name}`);
    state.tensors.set(name, float32(t.shape, t.data));
  }
  const names = [...trained];
  for (const name of names) if (!state.tensors.has(momentNames(name).m)) throw new TrainingError(`${path}: lacks moments of ${name}`);
  state.step = progress.step;
  const best = new Map(names.map((name) => [name, tensors.get(`best/${name}`)!]));
  return { nextEpoch: progress.nextEpoch, plateau: progress.plateau, stopping: progress.stopping, best, bestDice: progress.bestDice ?? -Infinity, bestEpoch: progress.bestEpoch, history: progress.history };
}
