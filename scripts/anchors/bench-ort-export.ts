// The anchor a user gets without Delineate: ONNX Runtime (the same onnxruntime-node) running a
// plain torch.onnx.export of CLIPSeg (scripts/anchors/clipseg_torch.py --export), one image +
// prompt per run, the options a user would set (2 intra-op threads, full optimisation). The
// input is already preprocessed: the export does not time preprocessing, Delineate's `segment` does.
//   node --import tsx scripts/anchors/bench-ort-export.ts FILE.onnx [--runs 20] [--warmup 3]

import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { openExport } from './export-session.ts';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: 'string', default: '20' }, warmup: { type: 'string', default: '3' } } });
const file = positionals[0];
if (!file) throw new Error('usage: bench-ort-export.ts FILE.onnx [--runs N] [--warmup N]');
const run = await openExport(file);
const times: number[] = [];
for (let i = 0; i < Number(values.warmup) + Number(values.runs); i++) {
  const t0 = performance.now();
  await run();
  if (i >= Number(values.warmup)) times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ bench: 'ort-export', median_ms: times[Math.floor(times.length / 2)], min_ms: times[0], runs: times.length, threads: 2, precision: 'fp32', batch: 1, onnxruntime: ort.env.versions }));
