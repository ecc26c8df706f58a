// Writes a synthetic MedVLSM dataset of named shapes (main/training/synthetic.ts) for trying
// training without medical data:
//   npx tsx scripts/make-synthetic-dataset.ts --out DIR --domain source|target --size 64 \
//     --train 200 --val 50 --test 50 --seed 1

import { intOption, parse, UsageError } from '../main/cli/args.ts';
import { writeSyntheticDataset, type SyntheticDomain } from '../main/training/synthetic.ts';

const HELP = `usage: npx tsx scripts/make-synthetic-dataset.ts --out DIR [options]

  --out DIR         new or empty folder to write (images/, masks/, anns/)
  --domain NAME     source (grey, plain names) or target (shifted look, clinical names); default source
  --size N          image side in pixels, at least 16; default 64
  --train N         training images; default 200
  --val N           validation images; default 50
  --test N          test images; default 50
  --seed N          generator seed; the same options give byte-identical files; default 1`;

async function main(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    out: { type: 'string' }, domain: { type: 'string' }, size: { type: 'string' },
    train: { type: 'string' }, val: { type: 'string' }, test: { type: 'string' }, seed: { type: 'string' },
  }, HELP);
  if (!values.out) throw new UsageError(`--out is required\n\n${HELP}`);
  const domain = values.domain ?? 'source';
  if (domain !== 'source' && domain !== 'target') throw new UsageError(`--domain must be source or target, got '${domain}'`);
  const result = await writeSyntheticDataset(values.out, {
    domain: domain as SyntheticDomain,
    size: intOption(values.size, 'size', 64, 16),
    counts: { train: intOption(values.train, 'train', 200, 0), val: intOption(values.val, 'val', 50, 0), test: intOption(values.test, 'test', 50, 0) },
    seed: intOption(values.seed, 'seed', 1, 0),
  });
  console.log(`wrote ${result.dir}: ${result.counts.train} train, ${result.counts.val} val, ${result.counts.test} test (${domain})`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(e instanceof UsageError ? 2 : 1);
});
