// `delineate eval`: DSC, IoU and HD95 of the model (with an adapter or baseline file) on a split of
// a MedVLSM dataset, per image and as mean ± std, at the model's resolution (engine-facts.md).

import { openClipSegModel } from '../engine/model/clipseg-model.ts';
import { readAdapterFile } from '../engine/model/adapter-file.ts';
import { applyBaselineFile, declaredVariant } from '../engine/model/baseline-file.ts';
import { Engine } from '../engine/runtime/engine.ts';
import { resolveModel } from '../models/registry.ts';
import { dataFolder, dataPaths } from '../fs/data-folder.ts';
import { openTrainingSplit } from '../training/dataset.ts';
import { datasetSource } from '../training/dataset-source.ts';
import { scoreBatch, summarize, summarizeHd95 } from '../training/metrics.ts';
import { deriveSeed, mulberry32 } from '../common/rng.ts';
import type { Split } from '../io/medvlsm-dataset.ts';
import { intOption, parse, providerOption, UsageError } from './args.ts';

const help = `usage: delineate eval --data DATASET [--model DIR|NAME] [--split test] [--adapter FILE] [options]

  --split S        train | val | test (default test)
  --adapter FILE   VLSM-Adapter modules, or a decoder/full baseline file from 'delineate train'
  --prompt-key pK  use this prompt key (default: one random key but p0 per image, drawn with --seed)
  --seed N         (default 42)
  --json           per-image metrics and the summary as JSON
  --data-dir DIR   Delineate's data folder      --provider P   --threads N

DSC/IoU: per image at the model's input size, σ(z) > 0.5; an empty ground truth scores 1 when the
prediction is empty too, else 0. HD95: 95th percentile of the symmetric boundary distances at the
model's size, in pixels (MedVLSM datasets carry no pixel spacing; the unit is printed and is
'hd95Unit' in the JSON); both empty 0, one empty the image diagonal.`;

export async function evalCommand(argv: string[]): Promise<void> {
  const { values, flags } = parse(argv, {
    data: { type: 'string' }, model: { type: 'string' }, split: { type: 'string' }, adapter: { type: 'string' }, 'prompt-key': { type: 'string' },
    seed: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' }, provider: { type: 'string' }, threads: { type: 'string' },
  }, help);
  if (!values.data) throw new UsageError(`--data is required\n\n${help}`);
  const split = (values.split ?? 'test') as Split;
  if (!['train', 'val', 'test'].includes(split)) throw new UsageError(`--split must be train, val or test, got '${split}'`);
  const info = resolveModel(values.model, dataPaths.models(dataFolder(values['data-dir'])));
  const engine = new Engine({ provider: providerOption(values.provider), threads: values.threads ? intOption(values.threads, 'threads', 2) : undefined });
  try {
    const model = await openClipSegModel(info.dir, engine, { imageCacheBytes: 64 * 2 ** 20 });
    const size = model.preprocess.height;
    if (values.adapter) {
      const variant = declaredVariant(values.adapter);
      if (variant === 'decoder' || variant === 'full') await applyBaselineFile(engine, model.config, size, values.adapter, info.sha256);
      else {
        const a = readAdapterFile(values.adapter, model.config, info.sha256);
        await model.segmenter.setAdapter({ set: a.set, weights: a.weights });
      }
    }
    const data = await openTrainingSplit(values.data, split, { size, promptKey: values['prompt-key'] });
    const source = datasetSource(data, model.preprocess, { cacheBytes: 0 });
    const rng = mulberry32(deriveSeed(intOption(values.seed, 'seed', 42, 0), 'eval prompts'));
    const perImage: ({ image: string; prompt: string } & ReturnType<typeof scoreBatch>[number])[] = [];
    for (let i = 0; i < source.length; i++) {
      const sample = await source.load(i);
      const prompt = source.prompt(i, rng);
      await model.segmenter.encodeImage(sample.key, sample.pixels);
      const logits = await model.segmenter.logits(sample.key, prompt);
      model.segmenter.clearCaches();
      const [m] = scoreBatch(logits, sample.mask, { batch: 1, height: size, width: size });
      perImage.push({ image: data.records[i].imageName, prompt, ...m });
      if (!flags.json) process.stderr.write(`\r${i + 1}/${source.length}\x1b[K`);
    }
    const stat = (k: 'dice' | 'iou') => summarize(perImage.map((p) => p[k]));
    const { unit: hd95Unit, ...hd95 } = summarizeHd95(perImage);
    const summary = { split, images: perImage.length, adapter: values.adapter ?? null, dsc: stat('dice'), iou: stat('iou'), hd95, hd95Unit };
    if (flags.json) console.log(JSON.stringify({ ...summary, perImage }));
    else {
      const pct = (s: { mean: number; std: number }): string => `${(100 * s.mean).toFixed(2)} ± ${(100 * s.std).toFixed(2)}`;
      process.stderr.write('\r\x1b[K');
      console.log(`${split}: ${perImage.length} images  DSC ${pct(summary.dsc)} %  IoU ${pct(summary.iou)} %  HD95 ${summary.hd95.mean.toFixed(2)} ± ${summary.hd95.std.toFixed(2)} ${hd95Unit}`);
    }
  } finally {
    await engine.close();
  }
}
