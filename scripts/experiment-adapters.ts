// Issue 4's experiment at demo scale: does a dense adapter (VLSM-Adapter DA) adapt a model about
// as well as fine-tuning every weight, with a few percent of the parameters? Starting from the
// demo model (trained on the synthetic *source* domain), each variant is trained on the shifted
// *target* domain (new look, new names: main/training/synthetic.ts) with the paper's recipe at a
// CPU budget, then scored on the target test split with its best-by-validation parameters:
//
//   frozen   the demo model as it is (no training)
//   decoder  the decoder only (the reference's "end-to-end CLIPSeg" baseline in fact)
//   full     every weight the segmentation graph uses
//   sa-vlc   shallow adapters (vision, text, conditional)
//   da-vlc   dense adapters (vision, text, conditional)
//
//   nice npx tsx scripts/experiment-adapters.ts --model resources/demo/model --out docs/experiments.md
//
// Writes the markdown report (table, the run's JSON) and the same JSON beside it (.json).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, join } from 'node:path';
import { intOption, parse, UsageError } from '../main/cli/args.ts';
import type { AdapterDims } from '../main/engine/model/adapters.ts';
import { openClipSegModel } from '../main/engine/model/clipseg-model.ts';
import { expectedClipSegWeights, parameterCount } from '../main/engine/model/weights.ts';
import { Engine } from '../main/engine/runtime/engine.ts';
import type { TrainVariant } from '../main/engine/train/clipseg-train-graph.ts';
import { evaluateParams } from '../main/training/evaluate.ts';
import { type ImageMetrics, summarize } from '../main/training/metrics.ts';
import { defaultRecipe, type TrainRecipe } from '../main/training/recipe.ts';
import { trainRun } from '../main/training/train-run.ts';
import { machine, paperDims, pct, round, TARGET_IMAGE_SIZE, targetSplit, testPrompts, timedLog } from './experiment-common.ts';

const HELP = `usage: nice npx tsx scripts/experiment-adapters.ts [options]

  --model DIR        base model (default resources/demo/model)
  --out FILE         markdown report (default docs/experiments.md); the JSON goes to FILE with .json
  --train N          target-domain training images (default 256)
  --val N            validation images (default 64)      --test N   test images (default 128)
  --max-epochs N     (default 30)                         --batch N  (default 16)
  --seeds LIST       comma-separated (default 41,42,43)
  --variants LIST    comma-separated (default frozen,decoder,full,sa-vlc,da-vlc)
  --data-seed N      target dataset seed (default 2024)
  --threads N        engine threads (default: all cores)`;

type Variant = 'frozen' | TrainVariant;
const METRICS = ['dice', 'iou', 'hd95'] as const;

interface SeedResult {
  seed: number;
  seconds: number;
  epochs: number;
  steps: number;
  stoppedBy: string;
  bestEpoch: number;
  bestValDice: number;
  test: Record<(typeof METRICS)[number], { mean: number; std: number }>;
  perImage: ImageMetrics[];
}

interface VariantResult {
  variant: Variant;
  trainable: number;
  fraction: number;
  dims: AdapterDims | null;
  lr: number | null;
  seeds: SeedResult[];
}

async function main(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    model: { type: 'string' }, out: { type: 'string' }, train: { type: 'string' }, val: { type: 'string' }, test: { type: 'string' },
    'max-epochs': { type: 'string' }, batch: { type: 'string' }, seeds: { type: 'string' }, variants: { type: 'string' }, 'data-seed': { type: 'string' },
    threads: { type: 'string' },
  }, HELP);
  const modelDir = values.model ?? 'resources/demo/model';
  const out = values.out ?? 'docs/experiments.md';
  const counts = { train: intOption(values.train, 'train', 256, 1), val: intOption(values.val, 'val', 64, 1), test: intOption(values.test, 'test', 128, 1) };
  const maxEpochs = intOption(values['max-epochs'], 'max-epochs', 30, 1);
  const batch = intOption(values.batch, 'batch', 16, 1);
  const seeds = (values.seeds ?? '41,42,43').split(',').map((s) => intOption(s, 'seeds', 0, 0));
  const variants = (values.variants ?? 'frozen,decoder,full,sa-vlc,da-vlc').split(',') as Variant[];
  const dataSeed = intOption(values['data-seed'], 'data-seed', 2024, 0);
  const threads = values.threads ? intOption(values.threads, 'threads', 2, 1) : os.availableParallelism();
  const started = Date.now();
  const log = timedLog();
  keptDiscussion(out); // refuses a file it did not write before the long run, not after it

  const engine = new Engine({ provider: 'cpu', threads, log: () => {} });
  try {
    const model = await openClipSegModel(modelDir, engine, { imageCacheBytes: 0 });
    const { config } = model;
    const size = model.preprocess.height;
    const total = parameterCount(expectedClipSegWeights(config));
    const dims = paperDims(config);
    const train = targetSplit(model, dataSeed, 'train', counts.train);
    const val = targetSplit(model, dataSeed, 'val', counts.val);
    const test = targetSplit(model, dataSeed, 'test', counts.test);
    const prompts = testPrompts(test, dataSeed);
    log(`model ${modelDir}: ${total.toLocaleString('en')} parameters, input ${size}; target data ${counts.train}/${counts.val}/${counts.test} (seed ${dataSeed}); ${threads} threads`);

    const results: VariantResult[] = [];
    for (const variant of variants) {
      if (variant === 'frozen') {
        const t0 = Date.now();
        const scores = await evaluateParams({ engine, config, size, tokenizer: model.tokenizer, variant: 'decoder', set: null, params: null, source: test, prompts });
        const seconds = (Date.now() - t0) / 1000;
        const r: SeedResult = { seed: 0, seconds, epochs: 0, steps: 0, stoppedBy: 'none', bestEpoch: -1, bestValDice: NaN, test: testSummary(scores), perImage: scores };
        results.push({ variant, trainable: 0, fraction: 0, dims: null, lr: null, seeds: [r] });
        log(`frozen: test DSC ${pct(r.test.dice.mean)}`);
        continue;
      }
      const kind = variant.startsWith('da-') ? 'dense' : variant.startsWith('sa-') ? 'shallow' : null;
      const entry: VariantResult = { variant, trainable: 0, fraction: 0, dims: kind ? dims[kind] : null, lr: null, seeds: [] };
      for (const seed of seeds) {
        const recipe: TrainRecipe = { ...defaultRecipe(variant), maxEpochs, batchSize: batch, microBatch: batch, seed };
        entry.lr = recipe.lr;
        const t0 = Date.now();
        const run = await trainRun({
          model, engine, weightsPath: join(modelDir, 'model.safetensors'), baseModelSha256: null, variant, dims: entry.dims ?? undefined, recipe, train, val,
          onEpoch: (e) => log(`  ${variant} seed ${seed} epoch ${e.epoch + 1}: train ${e.trainLoss.toFixed(4)} val ${e.valLoss.toFixed(4)} val DSC ${pct(e.valDice)} lr ${e.lr.toExponential(1)} (${e.seconds.toFixed(1)} s)`),
        });
        const seconds = (Date.now() - t0) / 1000;
        const { result } = run;
        const scores = await evaluateParams({ engine, config, size, tokenizer: model.tokenizer, variant, set: run.set, params: result.best, source: test, prompts });
        entry.trainable = run.trainedCount;
        entry.fraction = run.trainedCount / total;
        const r: SeedResult = {
          seed, seconds, epochs: result.epochs, steps: result.steps, stoppedBy: result.stoppedBy, bestEpoch: result.bestEpoch, bestValDice: result.bestValDice,
          test: testSummary(scores), perImage: scores,
        };
        entry.seeds.push(r);
        log(`${variant} seed ${seed}: ${result.epochs} epochs (${result.stoppedBy}), best val DSC ${pct(result.bestValDice)} at ${result.bestEpoch + 1}; test DSC ${pct(r.test.dice.mean)}  ${seconds.toFixed(0)} s`);
      }
      results.push(entry);
    }
    const wall = (Date.now() - started) / 1000;
    const command = `nice npx tsx scripts/experiment-adapters.ts${argv.length ? ` ${argv.join(' ')}` : ''}`;
    const json: Json = {
      command, machine: machine(threads), model: modelDir, totalParameters: total, data: { domain: 'target', seed: dataSeed, imageSize: TARGET_IMAGE_SIZE, inputSize: size, ...counts },
      recipe: { maxEpochs, batch, note: 'defaultRecipe(variant) otherwise: AdamW wd 1e-3, clip 0.5, lr 1e-3 (3e-4 for sa-*), plateau ×0.3/5, early stopping patience 20 after min 10 epochs' },
      wallSeconds: wall,
      variants: results.map((v) => ({ ...v, summary: variantSummary(v), seeds: v.seeds.map(({ perImage, ...s }) => ({ ...s, perImageDice: perImage.map((m) => round(m.dice, 4)) })) })),
    };
    writeFileSync(out.replace(/\.md$/, '') + '.json', JSON.stringify(json, null, 1) + '\n');
    writeFileSync(out, report(json, results, basename(out).replace(/\.md$/, '') + '.json') + keptDiscussion(out));
    log(`wrote ${out} and its .json (${(wall / 60).toFixed(1)} min)`);
  } finally {
    await engine.close();
  }
}


function testSummary(scores: ImageMetrics[]): SeedResult['test'] {
  const out = {} as SeedResult['test'];
  for (const k of METRICS) {
    const s = summarize(scores.map((m) => m[k]));
    out[k] = { mean: s.mean, std: s.std };
  }
  return out;
}

/** Over images: all seeds' per-image values pooled; over seeds: the spread of the per-seed means. */
function variantSummary(v: VariantResult): Record<(typeof METRICS)[number], { mean: number; stdImages: number; stdSeeds: number }> & { seconds: number } {
  const out = {} as Record<(typeof METRICS)[number], { mean: number; stdImages: number; stdSeeds: number }>;
  for (const k of METRICS) {
    const pooled = summarize(v.seeds.flatMap((s) => s.perImage.map((m) => m[k])));
    const seeds = summarize(v.seeds.map((s) => s.test[k].mean));
    out[k] = { mean: pooled.mean, stdImages: pooled.std, stdSeeds: seeds.std };
  }
  return { ...out, seconds: summarize(v.seeds.map((s) => s.seconds)).mean };
}

interface Json {
  command: string;
  machine: string;
  model: string;
  totalParameters: number;
  data: { inputSize: number } & Record<string, unknown>;
  recipe: { maxEpochs: number; batch: number; note: string };
  wallSeconds: number;
  variants: ({ seeds: ({ perImageDice: number[] } & Record<string, unknown>)[] } & Record<string, unknown>)[];
}

function report(json: Json, results: VariantResult[], jsonName: string): string {
  const rows = results.map((v) => {
    const s = variantSummary(v);
    const seedsCol = v.variant === 'frozen' ? '—' : `± ${pct(s.dice.stdSeeds)}`;
    const dims = v.dims ? `r ${v.dims.adapter}, cond ${v.dims.cond}` : '';
    return `| ${v.variant} | ${v.trainable.toLocaleString('en')} | ${(v.fraction * 100).toFixed(2)} % | ${dims} | ${pct(s.dice.mean)} ± ${pct(s.dice.stdImages)} | ${seedsCol} | ${pct(s.iou.mean)} ± ${pct(s.iou.stdImages)} | ${s.hd95.mean.toFixed(2)} ± ${s.hd95.stdImages.toFixed(2)} | ${v.variant === 'frozen' ? '—' : v.seeds.map((r) => `${r.epochs}`).join(' / ')} | ${s.seconds.toFixed(0)} s |`;
  });
  const perSeed = results.filter((v) => v.variant !== 'frozen').map((v) => `| ${v.variant} | ${v.seeds.map((r) => `${pct(r.test.dice.mean)} (best val ${pct(r.bestValDice)} @ ${r.bestEpoch + 1}, ${r.stoppedBy})`).join(' | ')} |`);
  return `# Experiments

## Adapters vs fine-tuning on a domain shift (demo scale)

<!-- GENERATED by scripts/experiment-adapters.ts down to the END GENERATED mark; the discussion after it is written by hand. -->

Command: \`${json.command}\`
Machine: ${json.machine}. Wall time ${(json.wallSeconds / 60).toFixed(1)} min.

Base model: \`${json.model}\` (${json.totalParameters.toLocaleString('en')} parameters; trained from scratch on the synthetic
*source* domain, see its README). Task: the synthetic *target* domain (tinted, textured, inverted or
low-contrast, noisy images; the shapes renamed "cyst", "implant", "polyp" with clinical synonyms).
Data ${JSON.stringify(json.data)}. Each trained variant runs with seeds ${results.find((v) => v.variant !== 'frozen')?.seeds.map((s) => s.seed).join(', ') ?? '—'} (adapter
init, shuffling, prompt draws; the data are the same), the paper's recipe except the CPU budget
(max epochs and batch in the JSON), and is scored on the target test split with its
best-by-validation-DSC parameters, through the same graph it trained with (\`main/training/evaluate.ts\`), one seeded prompt per image
(the same for every run), σ(z) > 0.5 at the model's input size. Adapter bottlenecks are the paper's
scaled to this model's widths (paper: DA 64 for width 768, SA 512, conditional 256 for a 512
projection).

| variant | trained params | of the model | adapter dims | DSC % (± over images) | DSC ± over seeds | IoU % | HD95 px | epochs per seed | wall time per run |
|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Test DSC % per seed (${results.find((v) => v.variant !== 'frozen')?.seeds.map((s) => `seed ${s.seed}`).join(' | ') ?? ''}):

| variant | ${results.find((v) => v.variant !== 'frozen')?.seeds.map((s) => `seed ${s.seed}`).join(' | ') ?? ''} |
|---|${results.find((v) => v.variant !== 'frozen')?.seeds.map(() => '---').join('|') ?? ''}|
${perSeed.join('\n')}

"± over images": population std of the per-image values of all seeds pooled; "over seeds": std of
the three per-seed means. HD95 in pixels at ${json.data.inputSize}×${json.data.inputSize}, MedPy-style (\`main/training/metrics.ts\`).

<details><summary>The run's JSON (also in ${'`'}${jsonName}${'`'})</summary>

\`\`\`json
${JSON.stringify({ ...json, variants: json.variants.map((v) => ({ ...v, seeds: v.seeds.map(({ perImageDice: _p, ...s }) => s) })) }, null, 1)}
\`\`\`
</details>

${END_GENERATED}
`;
}

const END_GENERATED = '<!-- END GENERATED: the text below is kept when the script rewrites this file -->';

/** What follows the generated part of an existing report (the discussion written by hand). */
function keptDiscussion(path: string): string {
  if (!existsSync(path)) return '\n## Discussion\n\n(to be written)\n';
  const text = readFileSync(path, 'utf8');
  const at = text.indexOf(END_GENERATED);
  if (at < 0) throw new UsageError(`${path} exists but is not a report this script wrote (no END GENERATED mark); choose another --out`);
  return text.slice(at + END_GENERATED.length + 1);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(e instanceof UsageError ? 2 : 1);
});
