// Delineate's cold `segment` and ORT on a plain export of CLIPSeg, timed in turns in one run:
// each side lives in its own process (no shared memory or thread pools), and the parent asks them
// for one image + prompt in alternating order, so the machine's drift (large on shared VMs) hits
// both alike. Reports both medians and the median of the per-round ratios.
// With --bench encode, Delineate's vision graph alone against an export of the vision tower and
// its reduces (clipseg_torch.py --vision-only).
//   node --import tsx scripts/anchors/bench-paired.ts FILE.onnx [--rounds 40] [--precision fp32|int8] [--bench segment|encode]

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { openClipSegBench } from '../../main/bench/clipseg.ts';
import { openExport } from './export-session.ts';
import { parsePrecision } from '../../main/contract/precision.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string', default: '40' }, warmup: { type: 'string', default: '3' }, precision: { type: 'string', default: 'fp32' }, bench: { type: 'string', default: 'segment' }, child: { type: 'string' } } });

if (values.child) {
  // A side: answers each message with the milliseconds of one call.
  let call: () => Promise<unknown>;
  if (values.child === 'export') {
    // spinning stops when run() returns, so its threads do not steal the other side's cores between turns
    call = await openExport(positionals[0], { force_spinning_stop: '1' });
  } else {
    const rig = await openClipSegBench({ threads: 2, runs: 0, warmup: 0, provider: 'cpu', precision: parsePrecision(values.precision!) });
    const which = values.bench === 'encode' ? 'encode' : 'segment';
    call = rig.call(which);
  }
  process.on('message', async () => {
    const t0 = performance.now();
    await call();
    process.send!(performance.now() - t0);
  });
  process.send!('ready');
} else {
  const file = positionals[0];
  if (!file) throw new Error('usage: bench-paired.ts FILE.onnx [--rounds N] [--precision fp32|int8]');
  const self = fileURLToPath(import.meta.url);
  const side = (name: string) => {
    const p = fork(self, [file, '--child', name, '--precision', values.precision!, '--bench', values.bench!], { execArgv: ['--import', 'tsx'] });
    const ready = new Promise<void>((resolve) => p.once('message', () => resolve()));
    const once = () => new Promise<number>((resolve) => { p.once('message', (ms) => resolve(ms as number)); p.send('go'); });
    return { p, ready, once };
  };
  const exp = side('export');
  await exp.ready; // one at a time: building the graph cache must not overlap the export's load
  const ours = side('delineate');
  await ours.ready;
  const E: number[] = [], D: number[] = [], R: number[] = [];
  const rounds = Number(values.rounds), warmup = Number(values.warmup);
  for (let i = 0; i < warmup + rounds; i++) {
    let e: number, d: number; // the order alternates too
    if (i % 2) { e = await exp.once(); d = await ours.once(); } else { d = await ours.once(); e = await exp.once(); }
    if (i < warmup) continue;
    E.push(e); D.push(d); R.push(d / e);
  }
  exp.p.kill(); ours.p.kill();
  const q = (x: number[], f: number) => [...x].sort((a, b) => a - b)[Math.min(x.length - 1, Math.floor(f * x.length))];
  console.log(JSON.stringify({ bench: `${values.bench}-vs-export`, precision: values.precision, batch: 1, rounds, export_median_ms: q(E, 0.5), delineate_median_ms: q(D, 0.5), ratio_median: q(R, 0.5), ratio_q25: q(R, 0.25), ratio_q75: q(R, 0.75), rounds_faster: R.filter((r) => r < 1).length, threads: 2, onnxruntime: ort.env.versions.common }));
}
