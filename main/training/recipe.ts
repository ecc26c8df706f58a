// The VLSM-Adapter training recipe (engine-facts.md): hyper-parameters per variant, PyTorch's
// ReduceLROnPlateau and the paper's early stopping, as small state machines the trainer steps once
// per epoch and a checkpoint can save and restore.

import type { TrainVariant } from '../engine/train/clipseg-train-graph.ts';

export interface TrainRecipe {
  lr: number;
  weightDecay: number;
  /** global-norm clipping; null: none */
  maxGradNorm: number | null;
  /** samples per optimiser step */
  batchSize: number;
  /** samples per run of the graph (gradients are accumulated over a batch's micro-batches) */
  microBatch: number;
  minEpochs: number;
  maxEpochs: number;
  /** optimiser steps; stops training early when reached (null: no limit) */
  maxSteps: number | null;
  plateau: { factor: number; patience: number; threshold: number };
  earlyStopping: { patience: number; minDelta: number };
  seed: number;
  shuffle: boolean;
  /** a fixed prompt key (pK) instead of the paper's random choice per access */
  promptKey: string | null;
}

/** The paper's recipe; SA trains at 3e-4, everything else at 1e-3. */
export function defaultRecipe(variant: TrainVariant, o: { gpu?: boolean } = {}): TrainRecipe {
  const cached = variant === 'decoder' || variant.startsWith('sa-');
  return {
    lr: variant.startsWith('sa-') ? 3e-4 : 1e-3,
    weightDecay: 1e-3,
    maxGradNorm: 0.5,
    batchSize: 32,
    // Full-size activations for backward: ~1.2 GB per dense sample on a CPU; cached variants are light.
    microBatch: o.gpu ? 32 : cached ? 16 : variant === 'full' ? 2 : 4,
    minEpochs: 10,
    maxEpochs: 200,
    maxSteps: null,
    plateau: { factor: 0.3, patience: 5, threshold: 1e-4 },
    earlyStopping: { patience: 20, minDelta: 1e-4 },
    seed: 42,
    shuffle: true,
    promptKey: null,
  };
}

export interface PlateauState { best: number; badEpochs: number; lr: number }

/** torch.optim.lr_scheduler.ReduceLROnPlateau(mode='min', threshold_mode='rel', cooldown=0, min_lr=0). */
export class ReduceLrOnPlateau {
  state: PlateauState;

  constructor(readonly o: TrainRecipe['plateau'], lr: number, state?: PlateauState) {
    this.state = state ?? { best: Infinity, badEpochs: 0, lr };
  }

  /** Records an epoch's validation loss; returns the learning rate for the next epoch. */
  step(valLoss: number): number {
    const s = this.state;
    if (valLoss < s.best * (1 - this.o.threshold)) {
      s.best = valLoss;
      s.badEpochs = 0;
    } else {
      s.badEpochs++;
    }
    if (s.badEpochs > this.o.patience) {
      s.lr *= this.o.factor;
      s.badEpochs = 0;
    }
    return s.lr;
  }
}

export interface StoppingState { best: number; bestEpoch: number; wait: number }

/**
 * Early stopping on validation Dice (higher is better), Lightning's rule: an epoch improves when
 * it beats the best by more than min_delta; stop after `patience` epochs without one, never before
 * min_epochs.
 */
export class EarlyStopping {
  state: StoppingState;

  constructor(readonly o: TrainRecipe['earlyStopping'] & { minEpochs: number }, state?: StoppingState) {
    this.state = state ?? { best: -Infinity, bestEpoch: -1, wait: 0 };
  }

  /** Records epoch `epoch` (0-based); returns whether it is the new best and whether to stop. */
  step(epoch: number, valDice: number): { improved: boolean; stop: boolean } {
    const s = this.state;
    const improved = valDice > s.best + this.o.minDelta || s.bestEpoch < 0;
    if (improved) {
      s.best = valDice;
      s.bestEpoch = epoch;
      s.wait = 0;
    } else {
      s.wait++;
    }
    return { improved, stop: s.wait >= this.o.patience && epoch + 1 >= this.o.minEpochs };
  }
}
