// `delineate bench NAME [--json]`: one line (or JSON object) per measurement.

import { benchBlock } from '../bench/block.ts';
import { benchClipSeg } from '../bench/clipseg.ts';
import { formatMeasurement, type Measurement } from '../bench/harness.ts';
import { benchStartup } from '../bench/startup.ts';
import { benchTrain } from '../bench/train.ts';
import { benchVolume } from '../bench/volume.ts';
import { defaultVolumeBatch } from '../inference/volume-segment.ts';
import { parsePrecision, type Precision } from '../contract/precision.ts';
import { intOption, parse, providerOption, UsageError } from './args.ts';

interface BenchOptions { threads: number; runs: number; warmup: number; provider: 'auto' | 'cpu' | 'cuda' | 'webgpu'; model?: string; batches: number[]; slices: number; size: number; precision: Precision; runsGiven: boolean; fed: boolean }

const benches: Record<string, (o: BenchOptions) => Promise<Measurement[]>> = {
  block: benchBlock,
  encode: (o) => benchClipSeg('encode', o),
  prompt: (o) => benchClipSeg('prompt', o),
  segment: (o) => benchClipSeg('segment', o),
  'train-da': (o) => benchTrain('train-da', trainOptions(o)),
  'train-sa': (o) => benchTrain('train-sa', trainOptions(o)),
  'train-sa-cached': (o) => benchTrain('train-sa-cached', trainOptions(o)),
  startup: (o) => benchStartup({ ...o, runs: o.runsGiven ? o.runs : 2 }),
  volume: (o) => {
    if (o.model) throw new UsageError('bench volume times the full-size architecture with random weights; --model does not apply');
    return benchVolume(o);
  },
};

function trainOptions(o: BenchOptions): BenchOptions & { model: undefined } {
  if (o.model) throw new UsageError('the train-* benches time the full-size architecture with random weights; --model does not apply (step time does not depend on weight values)');
  return { ...o, model: undefined };
}

/** Training steps are seconds each: fewer runs by default. */
const defaultRuns = (name: string): { runs: number; warmup: number } => (name.startsWith('train-') ? { runs: 5, warmup: 2 } : { runs: 20, warmup: 3 });

function batchesOption(value: string | undefined, name: string): number[] {
  if (value === undefined) return name === 'volume' ? [defaultVolumeBatch] : [1, 4];
  const list = value.split(',').map((v) => Number(v.trim()));
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 1)) throw new UsageError(`--batch must be a comma-separated list of integers ≥ 1, got '${value}'`);
  return list;
}

const help = `usage: delineate bench NAME [--json] [--model DIR] [--threads N] [--runs N] [--warmup N] [--batch 1,4] [--provider cpu|cuda|webgpu|auto] [--precision fp32|int8] [--fed]
       delineate bench volume [--slices 64] [--size 512] [--batch N[,N...]] [--json]

NAME: ${Object.keys(benches).join(', ')}
  block   one ViT-B/16 layer at CLIPSeg's size vs a plain MatMul (matmul, block-forward, block-backward)
  encode  one 352×352 image through CLIPSeg's vision graph (full size, random weights)
  prompt  a new prompt on a cached image: text + decoder graphs
  segment cold: a new image and a new prompt (vision + text + decoder)
  train-da         one optimiser step of DA-VLC (dense adapters: forward and backward through both encoders)
  train-sa         one optimiser step of SA-VLC with the encoders run every step
  train-sa-cached  one optimiser step of SA-VLC on cached frozen encoder outputs (the CPU path)
  startup fresh processes open --model DIR and write the first mask: the first start builds the
          graph cache, the next --runs (default 2) load it; wall time from spawn to exit
  volume  whole-volume segmentation: a synthetic --slices × --size² series (default 64 × 512²)
          through segment's volume loop, --batch slices per vision run (default ${defaultVolumeBatch}); one
          timed pass after a one-batch warm-up; slices/s and peak RSS (the process's; with several
          --batch values the peak is the largest so far: time one per process to compare memory)
--precision (encode, prompt, segment, volume): the vision tower's precision (default fp32).
--fed (encode, prompt, segment): feed the frozen weights per run instead of the app's embedded
  graph-cache models (the comparison for the cache).
--model DIR (encode, prompt, segment): time a real checkpoint folder instead of random weights.
--batch (train-*): the batch sizes to time, one measurement each (default 1,4); times are per step,
  per_sample_ms = step / batch, peak_rss_mib = the process's peak memory at that batch size.
Defaults: 2 threads, CPU provider; 20 runs after 3 warm-up runs (train-*: 5 after 2).`;

export async function benchCommand(argv: string[]): Promise<void> {
  const { values, flags, positionals } = parse(argv, {
    json: { type: 'boolean' }, model: { type: 'string' }, threads: { type: 'string' }, runs: { type: 'string' }, warmup: { type: 'string' }, provider: { type: 'string' }, batch: { type: 'string' }, precision: { type: 'string' }, fed: { type: 'boolean' },
    slices: { type: 'string' }, size: { type: 'string' },
  }, help, true);
  const name = positionals[0];
  if (!name || positionals.length > 1) throw new UsageError(`name one benchmark\n\n${help}`);
  const bench = benches[name];
  if (!bench) throw new UsageError(`unknown benchmark '${name}' (known: ${Object.keys(benches).join(', ')})`);
  const d = defaultRuns(name);
  const results = await bench({
    threads: intOption(values.threads, 'threads', 2),
    runs: intOption(values.runs, 'runs', d.runs),
    warmup: intOption(values.warmup, 'warmup', d.warmup, 0),
    batches: batchesOption(values.batch, name),
    slices: intOption(values.slices, 'slices', 64),
    size: intOption(values.size, 'size', 512),
    provider: providerOption(values.provider) ?? 'cpu',
    model: values.model,
    precision: usagePrecision(values.precision),
    runsGiven: values.runs !== undefined,
    fed: flags.fed ?? false,
  });
  for (const m of results) console.log(formatMeasurement(m, flags.json ?? false));
}

function usagePrecision(value: string | undefined): Precision {
  try {
    return parsePrecision(value ?? 'fp32', '--precision');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
