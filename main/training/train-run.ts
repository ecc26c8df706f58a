// One training run on an opened model: the variant's adapter set and initial parameters, the
// trainer, and the provenance the output file records. Shared by `delineate train` and the app's
// adapt job.

import type { ClipSegModel } from '../engine/model/clipseg-model.ts';
import { type AdapterDims, type AdapterForm, type AdapterSet } from '../engine/model/adapters.ts';
import { trainAdapterSet, trainedParams } from '../engine/train/clipseg-train-graph.ts';
import { initialParams, type ParamMap } from './adapter-init.ts';
import type { AdapterProvenance } from './adapter-output.ts';
import { Trainer, type TrainerOptions, type TrainResult } from './trainer.ts';

/** What a run adds to the trainer's options: the model it trains and where its parameters start. */
export interface TrainRunOptions extends Pick<TrainerOptions, 'engine' | 'variant' | 'recipe' | 'train' | 'val' | 'checkpoint' | 'cacheFeatures' | 'signal' | 'onProgress' | 'onEpoch'> {
  model: ClipSegModel;
  /** model.safetensors of the model (initial values of the decoder / full baselines) */
  weightsPath: string;
  baseModelSha256: string | null;
  dims?: AdapterDims;
  form?: AdapterForm;
  /** an adapter (or baseline) file to start from */
  init?: string;
}

export interface TrainRun {
  result: TrainResult;
  set: AdapterSet | null;
  trainedCount: number;
  provenance: (which: 'best' | 'last') => AdapterProvenance;
}

export async function trainRun(o: TrainRunOptions): Promise<TrainRun> {
  const { config } = o.model;
  const size = o.model.preprocess.height;
  const set = trainAdapterSet(o.variant, config, o.dims, o.form);
  const trained = trainedParams(config, o.variant, set, size);
  const init: ParamMap = initialParams(o.variant, set, { seed: o.recipe.seed, modelWeights: o.weightsPath, trained, init: o.init });
  const { model, weightsPath: _w, baseModelSha256: _s, dims: _d, form: _f, init: _i, ...trainerOptions } = o;
  const trainer = new Trainer({ ...trainerOptions, config, size, tokenizer: model.tokenizer, set, init });
  let result: TrainResult;
  try {
    result = await trainer.run();
  } finally {
    await trainer.close();
  }
  const trainedCount = [...trained.values()].reduce((s, shape) => s + shape.reduce((a, b) => a * b, 1), 0);
  const provenance = (which: 'best' | 'last'): AdapterProvenance => ({
    variant: o.variant,
    baseModelSha256: o.baseModelSha256,
    form: set?.form ?? 'reference',
    training: {
      recipe: o.recipe, dims: set ? { adapter: [...set.modules.values()][0]?.bottleneck, cond: set.modules.get('cond_adapter')?.bottleneck ?? null } : null,
      trainable_parameters: trainedCount, train_samples: o.train.length, val_samples: o.val.length, epochs: result.epochs, steps: result.steps,
      stopped_by: result.stoppedBy, init: o.init ?? null, parameters: which, loss: '1.5*Dice + 1.0*BCE-with-logits (not the reference code\'s double sigmoid)',
    },
    validation: which === 'best'
      ? { dice: result.bestValDice, epoch: result.bestEpoch }
      : { dice: result.history.at(-1)?.valDice ?? null, epoch: result.history.at(-1)?.epoch ?? null },
  });
  return { result, set, trainedCount, provenance };
}
