// `delineate bench NAME [--json]`: one line (or JSON object) per measurement.

import { benchBlock } from '../bench/block.ts';
import { benchClipSeg } from '../bench/clipseg.ts';
import { formatMeasurement, type Measurement } from '../bench/harness.ts';
import { intOption, parse, providerOption, UsageError } from './args.ts';

const benches: Record<string, (o: { threads: number; runs: number; warmup: number; provider: 'auto' | 'cpu' | 'cuda' | 'webgpu'; model?: string }) => Promise<Measurement[]>> = {
  block: benchBlock,
  encode: (o) => benchClipSeg('encode', o),
  prompt: (o) => benchClipSeg('prompt', o),
  segment: (o) => benchClipSeg('segment', o),
};

const help = `usage: delineate bench NAME [--json] [--model DIR] [--threads N] [--runs N] [--warmup N] [--provider cpu|cuda|webgpu|auto]

NAME: ${Object.keys(benches).join(', ')}
  block   one ViT-B/16 layer at CLIPSeg's size vs a plain MatMul (matmul, block-forward, block-backward)
  encode  one 352×352 image through CLIPSeg's vision graph (full size, random weights)
  prompt  a new prompt on a cached image: text + decoder graphs
  segment cold: a new image and a new prompt (vision + text + decoder)
--model DIR (encode, prompt, segment): time a real checkpoint folder instead of random weights.
Defaults: 2 threads, 20 runs after 3 warm-up runs, CPU provider.`;

export async function benchCommand(argv: string[]): Promise<void> {
  const { values, flags, positionals } = parse(argv, {
    json: { type: 'boolean' }, model: { type: 'string' }, threads: { type: 'string' }, runs: { type: 'string' }, warmup: { type: 'string' }, provider: { type: 'string' },
  }, help, true);
  const name = positionals[0];
  if (!name || positionals.length > 1) throw new UsageError(`name one benchmark\n\n${help}`);
  const bench = benches[name];
  if (!bench) throw new UsageError(`unknown benchmark '${name}' (known: ${Object.keys(benches).join(', ')})`);
  const results = await bench({
    threads: intOption(values.threads, 'threads', 2),
    runs: intOption(values.runs, 'runs', 20),
    warmup: intOption(values.warmup, 'warmup', 3, 0),
    provider: providerOption(values.provider) ?? 'cpu',
    model: values.model,
  });
  for (const m of results) console.log(formatMeasurement(m, flags.json ?? false));
}
