// Benchmark plumbing: warm up, time repeated calls, report the median as one JSON object.

export interface Measurement {
  bench: string;
  median_ms: number;
  runs: number;
  batch: number;
  /** The vision tower's precision (training and the block bench run fp32). */
  precision: 'fp32' | 'int8';
  gflops?: number;
  [detail: string]: unknown;
}

export async function timeIt(fn: () => Promise<unknown>, opts: { warmup: number; runs: number }): Promise<{ median: number; min: number }> {
  for (let i = 0; i < opts.warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  return { median: times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2, min: times[0] };
}

/** GFLOP/s for `flops` floating-point operations done in `ms` milliseconds. */
export const gflopsPerSecond = (flops: number, ms: number): number => flops / (ms * 1e6);

export function formatMeasurement(m: Measurement, json: boolean): string {
  if (json) return JSON.stringify(m);
  const extra = m.gflops !== undefined ? `  ${m.gflops.toFixed(1)} GFLOP/s` : '';
  return `${m.bench.padEnd(16)} ${m.median_ms.toFixed(2).padStart(9)} ms (median of ${m.runs})${extra}`;
}
