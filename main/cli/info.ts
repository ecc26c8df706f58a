// `delineate info`: what a model folder holds and what each training variant would train on it
// (counted from the graphs the trainer builds, so the numbers are the ones a run uses).

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readModelConfigs } from '../engine/model/clipseg-model.ts';
import { expectedClipSegWeights, parameterCount } from '../engine/model/weights.ts';
import { isTrainVariant, TRAIN_VARIANTS, trainAdapterSet, trainedParams } from '../engine/train/clipseg-train-graph.ts';
import { resolveModel } from '../models/registry.ts';
import { dataFolder, dataPaths } from '../fs/data-folder.ts';
import { intOption, parse, UsageError } from './args.ts';

const help = `usage: delineate info [--model DIR|NAME] [--variant V] [--adapter-dim N] [--cond-dim N] [--json]

  Prints the model's parameter counts and, for --variant (default: every variant), how many
  parameters training would update.
  --variant V   ${TRAIN_VARIANTS.join(' | ')}`;

export async function infoCommand(argv: string[]): Promise<void> {
  const { values, flags } = parse(argv, { model: { type: 'string' }, variant: { type: 'string' }, 'adapter-dim': { type: 'string' }, 'cond-dim': { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean' } }, help);
  if (values.variant !== undefined && !isTrainVariant(values.variant)) throw new UsageError(`--variant must be one of ${TRAIN_VARIANTS.join(', ')}, got '${values.variant}'`);
  // Counting needs only the configs, so a folder without weights (yet) works too.
  const configsOnly = values.model !== undefined && existsSync(join(values.model, 'config.json')) && !existsSync(join(values.model, 'model.safetensors'));
  const info = configsOnly ? { dir: resolve(values.model!), sha256: null } : resolveModel(values.model, dataPaths.models(dataFolder(values.data)));
  const { config, preprocess } = readModelConfigs(info.dir);
  const shapes = expectedClipSegWeights(config);
  const total = parameterCount(shapes);
  const dims = { adapter: values['adapter-dim'] ? intOption(values['adapter-dim'], 'adapter-dim', 64) : undefined, cond: values['cond-dim'] ? intOption(values['cond-dim'], 'cond-dim', 256) : undefined };
  const variants = values.variant ? [values.variant] : [...TRAIN_VARIANTS];
  const rows = variants.filter(isTrainVariant).map((variant) => {
    const trained = trainedParams(config, variant, trainAdapterSet(variant, config, dims), preprocess.height);
    const count = [...trained.values()].reduce((s, shape) => s + shape.reduce((a, b) => a * b, 1), 0);
    return { variant, trainable: count, percent: (100 * count) / total };
  });
  const summary = {
    model: info.dir, sha256: info.sha256, size: preprocess.height, parameters: total,
    vision: parameterCount(shapes, 'clip.vision_model.'), text: parameterCount(shapes, 'clip.text_model.'), decoder: parameterCount(shapes, 'decoder.'), variants: rows,
  };
  if (flags.json) {
    console.log(JSON.stringify(summary));
    return;
  }
  const n = (x: number): string => x.toLocaleString('en');
  console.log(`${info.dir}\n  input ${summary.size}×${summary.size}; ${n(total)} parameters (vision ${n(summary.vision)}, text ${n(summary.text)}, decoder ${n(summary.decoder)})`);
  for (const r of rows) console.log(`  ${r.variant.padEnd(8)} trains ${n(r.trainable).padStart(12)} parameters (${r.percent.toFixed(2)} %)`);
}
