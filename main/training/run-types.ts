// What the trainer, its checkpoints, its feed assembly and the evaluator share: the samples they
// read, one epoch's record, and the error a run fails with.

import type { Rng } from '../common/rng.ts';

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

export class TrainingError extends Error {
  override name = 'TrainingError';
}
