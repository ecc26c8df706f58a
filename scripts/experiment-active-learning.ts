// Issue 16's measurement: does choosing the next images to correct by the informativeness score
// (main/training/informativeness.ts, docs/active-learning.md) adapt the model faster than choosing
// them at random? On the synthetic target domain of scripts/experiment-adapters.ts, from the demo
// model: an unlabelled pool (the target train split); each round picks k more images to "correct"
// (their ground-truth masks join the training set), trains a dense adapter (da-vlc) from scratch
// on all corrections so far with trainRun, and scores the target test split. The score is computed
// as the app does: σ(logits) of the current model (the base model before the first adapter) under
// the image's prompt, with base-vs-adapter disagreement once an adapter exists.
//
//   nice npx tsx scripts/experiment-active-learning.ts --out docs/experiments.md
//
// Rewrites the "Active learning" section of the report (between its markers, the rest of the file
// is kept), writes the plot (PNG) and the run's JSON beside the report.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, join } from 'node:path';
import { intOption, parse, UsageError } from '../main/cli/args.ts';
import { farthestLook } from '../main/common/look.ts';
import { deriveSeed, mulberry32, shuffle } from '../main/common/rng.ts';
import { openClipSegModel } from '../main/engine/model/clipseg-model.ts';
import type { AdapterSet } from '../main/engine/model/adapters.ts';
import type { FloatTensor } from '../main/engine/model/safetensors.ts';
import { Engine } from '../main/engine/runtime/engine.ts';
import type { TrainVariant } from '../main/engine/train/clipseg-train-graph.ts';
import { evaluateParams, evaluateProbabilities } from '../main/training/evaluate.ts';
import { informativeness } from '../main/training/informativeness.ts';
import { summarize } from '../main/training/metrics.ts';
import { defaultRecipe, type TrainRecipe } from '../main/training/recipe.ts';
import type { SampleSource } from '../main/training/run-types.ts';
import { trainRun } from '../main/training/train-run.ts';
import { machine, paperDims, pct, round, TARGET_IMAGE_SIZE, targetSplit, testPrompts, timedLog } from './experiment-common.ts';
import { linePlotPng } from './png-line-plot.ts';

const HELP = `usage: nice npx tsx scripts/experiment-active-learning.ts [options]

  --model DIR        base model (default resources/demo/model)
  --out FILE         markdown report whose "Active learning" section is rewritten (default docs/experiments.md);
                     the plot goes to FILE-active-learning.png, the JSON to FILE-active-learning.json
  --pool N           unlabelled pool: target train images (default 64)
  --val N            validation images, for best-epoch selection (default 16)   --test N  test images (default 64)
  --k N              corrections per round (default 8)     --rounds N  (default 4)
  --epochs N         epochs per adapt run (default 40)      --lr X      (default 3e-3)
  --seeds LIST       comma-separated (default 41,42,43)
  --data-seed N      target dataset seed (default 2024)
  --threads N        engine threads (default: all cores)`;

const STRATEGIES = ['score', 'random', 'diverse', 'coverage'] as const;
type Strategy = (typeof STRATEGIES)[number];

interface Model { variant: TrainVariant; set: AdapterSet | null; params: Map<string, FloatTensor> | null }
interface Point { corrections: number; testDice: number; picked: number[]; meanScorePicked: number | null; seconds: number }
interface Curve { strategy: Strategy; seed: number; points: Point[] }

/** An image's look as a small vector: each channel's pixels averaged over a 8×8 grid. */
function lookOf(pixels: Float32Array, size: number): Float32Array {
  const g = 8;
  const out = new Float32Array(3 * g * g);
  const cell = size / g;
  for (let c = 0; c < 3; c++) for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) out[c * g * g + Math.min(g - 1, Math.floor(y / cell)) * g + Math.min(g - 1, Math.floor(x / cell))] += pixels[c * size * size + y * size + x];
  return out.map((v) => v / (cell * cell));
}

/**
 * Greedy k-centre: k candidates, each the one least like everything labelled or picked so far
 * (common/look.ts's farthest-first; the first, with nothing labelled, the farthest from the mean).
 */
function kCentre(candidates: readonly number[], labelled: readonly number[], looks: readonly Float32Array[], k: number): number[] {
  const left = [...candidates];
  const picked: number[] = [];
  while (picked.length < k && left.length > 0) {
    const at = farthestLook(left.map((i) => looks[i]), [...labelled, ...picked].map((i) => looks[i]));
    picked.push(...left.splice(at, 1));
  }
  return picked;
}

/** The pool images at `indices`, as a source of their own (the corrections so far). */
function subset(pool: SampleSource, indices: readonly number[]): SampleSource {
  return {
    length: indices.length,
    load: (i) => pool.load(indices[i]),
    prompt: (i, rng) => pool.prompt(indices[i], rng),
    prompts: (i) => pool.prompts(indices[i]),
  };
}

async function main(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    model: { type: 'string' }, out: { type: 'string' }, pool: { type: 'string' }, val: { type: 'string' }, test: { type: 'string' }, k: { type: 'string' },
    rounds: { type: 'string' }, epochs: { type: 'string' }, lr: { type: 'string' }, seeds: { type: 'string' }, 'data-seed': { type: 'string' }, threads: { type: 'string' },
  }, HELP);
  const modelDir = values.model ?? 'resources/demo/model';
  const out = values.out ?? 'docs/experiments.md';
  const counts = { pool: intOption(values.pool, 'pool', 64, 1), val: intOption(values.val, 'val', 16, 1), test: intOption(values.test, 'test', 64, 1) };
  const k = intOption(values.k, 'k', 8, 1);
  const rounds = intOption(values.rounds, 'rounds', 4, 1);
  if (k * rounds > counts.pool) throw new UsageError(`--k ${k} × --rounds ${rounds} needs a pool of at least ${k * rounds}, got ${counts.pool}`);
  const epochs = intOption(values.epochs, 'epochs', 40, 1);
  const lr = values.lr === undefined ? 3e-3 : Number(values.lr);
  if (!(lr > 0)) throw new UsageError(`--lr must be a positive number, got ${values.lr}`);
  const seeds = (values.seeds ?? '41,42,43').split(',').map((s) => intOption(s, 'seeds', 0, 0));
  const dataSeed = intOption(values['data-seed'], 'data-seed', 2024, 0);
  const threads = values.threads ? intOption(values.threads, 'threads', 2, 1) : os.availableParallelism();
  const stem = out.replace(/\.md$/, '') + '-active-learning';
  const started = Date.now();
  const log = timedLog();
  sectionBounds(out); // refuses a report it cannot place the section in before the long run

  const engine = new Engine({ provider: 'cpu', threads, log: () => {} });
  try {
    const model = await openClipSegModel(modelDir, engine, { imageCacheBytes: 0 });
    const { config } = model;
    const size = model.preprocess.height;
    const dims = paperDims(config).dense;
    const pool = targetSplit(model, dataSeed, 'train', counts.pool);
    const val = targetSplit(model, dataSeed, 'val', counts.val);
    const test = targetSplit(model, dataSeed, 'test', counts.test);
    const prompts = testPrompts(test, dataSeed);
    // the prompt each pool image is scored under (the label's prompt in the app), fixed for all runs
    const poolPrompts = testPrompts(pool, dataSeed, 'pool prompts');
    const common = { engine, config, size, tokenizer: model.tokenizer };
    const base: Model = { variant: 'decoder', set: null, params: null };
    const testDice = async (m: Model): Promise<number> => summarize((await evaluateParams({ ...common, ...m, source: test, prompts })).map((s) => s.dice)).mean;
    const maps = (m: Model, indices: readonly number[]) => evaluateProbabilities({ ...common, ...m, source: subset(pool, indices), prompts: indices.map((i) => poolPrompts[i]) });
    const all = Array.from({ length: pool.length }, (_, i) => i);
    const baseMaps = await maps(base, all);
    const baseDice = await testDice(base);
    const looks = await Promise.all(all.map(async (i) => lookOf((await pool.load(i)).pixels, size)));
    log(`model ${modelDir}, input ${size}; pool ${counts.pool}, val ${counts.val}, test ${counts.test} (data seed ${dataSeed}); k ${k} × ${rounds} rounds; da-vlc r ${dims.adapter} cond ${dims.cond}, ${epochs} epochs, lr ${lr}; base test DSC ${pct(baseDice)}`);

    const curves: Curve[] = [];
    for (const seed of seeds) {
      for (const strategy of STRATEGIES) {
        const rng = mulberry32(deriveSeed(seed, 'active learning', strategy));
        const labelled: number[] = [];
        let current = base;
        const points: Point[] = [{ corrections: 0, testDice: baseDice, picked: [], meanScorePicked: null, seconds: 0 }];
        for (let r = 0; r < rounds; r++) {
          const t0 = Date.now();
          const remaining = all.filter((i) => !labelled.includes(i));
          let picked: number[];
          let meanScorePicked: number | null = null;
          if (strategy === 'random') picked = shuffle([...remaining], rng).slice(0, k);
          else if (strategy === 'coverage' || (strategy === 'diverse' && current === base)) picked = kCentre(remaining, labelled, looks, k); // cover the pool's looks (diverse: its warm start)
          else {
            const primary = current === base ? remaining.map((i) => baseMaps[i]) : await maps(current, remaining);
            const scored = remaining.map((i, j) => ({ i, score: informativeness({ size, primary: primary[j], base: current === base ? null : baseMaps[i] }).score }));
            scored.sort((a, b) => b.score - a.score || a.i - b.i);
            // diverse: the k most spread out among the 2k best-scored (score-guided diversity)
            picked = strategy === 'diverse' ? kCentre(scored.slice(0, 2 * k).map((s) => s.i), labelled, looks, k) : scored.slice(0, k).map((s) => s.i);
            meanScorePicked = summarize(scored.filter((s) => picked.includes(s.i)).map((s) => s.score)).mean;
          }
          labelled.push(...picked);
          const recipe: TrainRecipe = { ...defaultRecipe('da-vlc'), lr, batchSize: k, microBatch: k, maxEpochs: epochs, minEpochs: epochs, seed: deriveSeed(seed, 'train', r) };
          const run = await trainRun({
            model, engine, weightsPath: join(modelDir, 'model.safetensors'), baseModelSha256: null, variant: 'da-vlc', dims, recipe, train: subset(pool, labelled), val,
          });
          current = { variant: 'da-vlc', set: run.set, params: run.result.best };
          const dice = await testDice(current);
          points.push({ corrections: labelled.length, testDice: dice, picked, meanScorePicked, seconds: (Date.now() - t0) / 1000 });
          log(`seed ${seed} ${strategy.padEnd(6)} ${String(labelled.length).padStart(3)} corrections: test DSC ${pct(dice)} (best val ${pct(run.result.bestValDice)} @ ${run.result.bestEpoch + 1})`);
        }
        curves.push({ strategy, seed, points });
      }
    }

    const wall = (Date.now() - started) / 1000;
    const command = `nice npx tsx scripts/experiment-active-learning.ts${argv.length ? ` ${argv.join(' ')}` : ''}`;
    const table = summaryTable(curves, seeds, rounds, k);
    const json = {
      command, machine: machine(threads), model: modelDir, wallSeconds: round(wall, 1),
      data: { domain: 'target', seed: dataSeed, imageSize: TARGET_IMAGE_SIZE, inputSize: size, ...counts },
      protocol: { k, rounds, variant: 'da-vlc', dims, epochs, lr, batch: k, note: 'each round trains from the base model on all corrections so far; best-by-validation parameters; score = informativeness() on σ(logits) of the current model, base disagreement once an adapter exists' },
      summary: table,
      curves: curves.map((c) => ({ ...c, points: c.points.map((p) => ({ ...p, testDice: round(p.testDice, 4), meanScorePicked: p.meanScorePicked === null ? null : round(p.meanScorePicked, 4), seconds: round(p.seconds, 1) })) })),
    };
    const png = `${stem}.png`;
    writeFileSync(`${stem}.json`, JSON.stringify(json, null, 1) + '\n');
    writeFileSync(png, plot(table));
    writeSection(out, section(json.command, json.machine, wall, json.data, json.protocol, table, seeds, basename(png), basename(`${stem}.json`)));
    log(`wrote the section of ${out}, ${png} and ${stem}.json (${(wall / 60).toFixed(1)} min)`);
  } finally {
    await engine.close();
  }
}

type Stat = { mean: number; sd: number };
interface Row { corrections: number; score: Stat; random: Stat; diverse: Stat; coverage: Stat; diff: Stat; diverseDiff: Stat; coverageDiff: Stat }

/** Per number of corrections: each strategy's test DSC over seeds, and the paired difference (same seed). */
function summaryTable(curves: readonly Curve[], seeds: readonly number[], rounds: number, k: number): Row[] {
  const at = (strategy: Strategy, seed: number, r: number): number => curves.find((c) => c.strategy === strategy && c.seed === seed)!.points[r].testDice;
  const sd = (xs: number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const stat = (xs: number[]) => ({ mean: round(mean(xs), 4), sd: round(sd(xs), 4) });
  return Array.from({ length: rounds + 1 }, (_, r) => {
    const s = seeds.map((seed) => at('score', seed, r));
    const q = seeds.map((seed) => at('random', seed, r));
    const d = seeds.map((seed) => at('diverse', seed, r));
    const c = seeds.map((seed) => at('coverage', seed, r));
    return {
      corrections: r * k, score: stat(s), random: stat(q), diverse: stat(d), coverage: stat(c),
      diff: stat(s.map((x, i) => x - q[i])), diverseDiff: stat(d.map((x, i) => x - q[i])), coverageDiff: stat(c.map((x, i) => x - q[i])),
    };
  });
}

function plot(rows: readonly Row[]): Uint8Array {
  const ys = rows.flatMap((r) => [r.score, r.random, r.diverse, r.coverage].flatMap((v) => [v.mean + v.sd, v.mean - v.sd]));
  const lo = Math.max(0, Math.floor(Math.min(...ys) * 10) / 10);
  const hi = Math.min(1, Math.ceil(Math.max(...ys) * 10) / 10);
  const last = rows.at(-1)!.corrections;
  return linePlotPng({
    width: 480, height: 320,
    x: { min: 0, max: last, ticks: rows.map((r) => r.corrections) },
    y: { min: lo, max: hi, ticks: Array.from({ length: Math.round((hi - lo) * 10) + 1 }, (_, i) => round(lo + i / 10, 1)) },
    series: [
      { color: [31, 119, 180], points: rows.map((r) => ({ x: r.corrections, y: r.score.mean, band: r.score.sd })) },
      { color: [255, 127, 14], points: rows.map((r) => ({ x: r.corrections, y: r.random.mean, band: r.random.sd })) },
      { color: [44, 160, 44], points: rows.map((r) => ({ x: r.corrections, y: r.diverse.mean, band: r.diverse.sd })) },
      { color: [148, 103, 189], points: rows.map((r) => ({ x: r.corrections, y: r.coverage.mean, band: r.coverage.sd })) },
    ],
  });
}

function section(command: string, mach: string, wall: number, data: object, protocol: object, rows: readonly Row[], seeds: readonly number[], png: string, jsonName: string): string {
  const f = (s: { mean: number; sd: number }) => `${pct(s.mean)} ± ${pct(s.sd)}`;
  const sign = (s: { mean: number; sd: number }) => `${s.mean >= 0 ? '+' : ''}${pct(s.mean)} ± ${pct(s.sd)}`;
  return `## Active learning: the informativeness score vs random choice (demo scale)

<!-- GENERATED by scripts/experiment-active-learning.ts down to the END ACTIVE LEARNING mark -->

Command: \`${command}\`
Machine: ${mach}. Wall time ${(wall / 60).toFixed(1)} min.

Data ${JSON.stringify(data)}; protocol ${JSON.stringify(protocol)}. Seeds ${seeds.join(', ')} (adapter init, shuffling,
prompt draws and the random picks; the data and the test prompts are the same). Test DSC is the mean
over the test images at the model's input size, σ(z) > 0.5; "± " is the sample sd over the ${seeds.length} seeds;
"− random" columns are paired differences per seed. At 0 corrections all are the base model.
Strategies: *score*, the k best informativeness scores; *random*; *diverse*, a warm start (the
first round's k images spread over the pool's looks by greedy k-centre on 8×8 colour averages,
no model), then the k most spread out among the 2k best-scored; *coverage*, greedy k-centre on
the looks in every round (each pick the image least like any corrected so far; no model).

| corrections | score | random | diverse | coverage | score − random (pp) | diverse − random (pp) | coverage − random (pp) |
|---|---|---|---|---|---|---|---|
${rows.map((r) => `| ${r.corrections} | ${f(r.score)} | ${f(r.random)} | ${f(r.diverse)} | ${f(r.coverage)} | ${r.corrections === 0 ? '—' : sign(r.diff)} | ${r.corrections === 0 ? '—' : sign(r.diverseDiff)} | ${r.corrections === 0 ? '—' : sign(r.coverageDiff)} |`).join('\n')}

(test DSC %, mean ± sd over seeds)

![Test DSC against the number of corrections: score (blue), random (orange), diverse (green) and coverage (purple), mean over seeds with a ± sd band](${png})

*Test DSC (y) against the number of corrected images (x); blue: picked by the informativeness
score, orange: at random, green: diverse (warm start, then spread among the best-scored), purple:
coverage (k-centre on looks every round); lines are the mean over seeds, bands ± sd.* Per-seed curves and
the picked pool indices are in \`${jsonName}\`.

${END_SECTION}
`;
}

const BEGIN_SECTION = '## Active learning: the informativeness score vs random choice';
const END_SECTION = '<!-- END ACTIVE LEARNING: the text below is kept when the script rewrites this section -->';

/** Where the section is in the report: [start, end) to replace, or null to append. */
function sectionBounds(path: string): { text: string; start: number; end: number } | null {
  if (!existsSync(path)) return null;
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf(BEGIN_SECTION);
  if (start < 0) return { text, start: text.length, end: text.length };
  const end = text.indexOf(END_SECTION, start);
  if (end < 0) throw new UsageError(`${path} has an "Active learning" section without the ${END_SECTION} mark; fix it or choose another --out`);
  return { text, start, end: end + END_SECTION.length + 1 };
}

function writeSection(path: string, body: string): void {
  const at = sectionBounds(path);
  if (!at) return writeFileSync(path, `# Experiments\n\n${body}`);
  const before = at.text.slice(0, at.start);
  writeFileSync(path, `${before}${before.endsWith('\n\n') || before === '' ? '' : before.endsWith('\n') ? '\n' : '\n\n'}${body}${at.text.slice(at.end)}`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(e instanceof UsageError ? 2 : 1);
});
