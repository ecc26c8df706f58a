// `bench volume`: whole-volume segmentation at full model size, the CLI's loop (segmentVolume):
// a synthetic series of 512×512 grey slices, generated one at a time as a file reader would hand
// them over, preprocessed, batched through the vision graph, decoded with one cached prompt and
// thresholded into a full-grid 0/1 mask volume. Random weights with the rd64-refined architecture
// (timing does not depend on their values). Reports slices/s and the process's peak RSS (worker
// included); run 16 and 64 slices in separate processes to see that the peak does not grow.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Precision } from '../contract/precision.ts';
import { Engine } from '../engine/runtime/engine.ts';
import type { ProviderPreference } from '../engine/runtime/providers.ts';
import { parsePreprocessConfig } from '../engine/model/preprocess.ts';
import { Segmenter } from '../engine/model/segmenter.ts';
import type { Raster } from '../common/raster.ts';
import { segmentVolume, type SliceSource } from '../inference/volume-segment.ts';
import { randomWeights, rd64Refined, syntheticTokenizer } from './clipseg.ts';
import type { Measurement } from './harness.ts';

export interface VolumeBenchOptions { threads: number; provider: ProviderPreference; batches: number[]; slices: number; size: number; precision?: Precision }

/** A CT-like synthetic slice: a body disc with an organ that moves through the stack, plus noise. */
export function syntheticSeries(slices: number, size: number): SliceSource {
  return {
    name: `synthetic ${slices}×${size}×${size} series`,
    width: size,
    height: size,
    slices,
    read: async (k: number): Promise<Raster> => {
      const data = new Uint8Array(size * size);
      let s = (k + 1) * 2654435761;
      const c = size / 2;
      const oy = c + (size / 6) * Math.sin((2 * Math.PI * k) / Math.max(slices, 1));
      const [rBody, rOrgan] = [(0.42 * size) ** 2, (0.08 * size) ** 2];
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          const body = (x - c) ** 2 + (y - c) ** 2 < rBody ? 90 : 10;
          const organ = (x - c * 1.2) ** 2 + (y - oy) ** 2 < rOrgan ? 80 : 0;
          data[y * size + x] = Math.min(255, body + organ + (s >>> 28));
        }
      }
      return { width: size, height: size, channels: 1, bitDepth: 8, data };
    },
  };
}

const modelSize = 352;

/** The volume loop's model on random weights, with its graphs from (or built into) `cacheDir`. */
async function volumeModel(engine: Engine, cacheDir: string, precision?: Precision): Promise<Parameters<typeof segmentVolume>[0]> {
  const config = rd64Refined;
  const segmenter = await Segmenter.create(engine, config, () => randomWeights(config), syntheticTokenizer(config), { size: modelSize, imageCacheBytes: 0, precision, graphCache: { dir: cacheDir, modelId: 'random weights, seed 12345' } });
  return { segmenter, preprocess: parsePreprocessConfig({ size: { height: modelSize, width: modelSize }, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225] }) };
}

/**
 * Builds the graph cache for `batches` (run in a child process by the bench: a first start's
 * build holds the checkpoint and ORT's optimiser copies, which later starts never do, so its peak
 * memory is reported apart from the volume's).
 */
export async function buildVolumeCache(o: { cacheDir: string; batches: number[]; precision?: Precision; threads: number }): Promise<{ peak_rss_mib: number }> {
  const engine = new Engine({ provider: 'cpu', threads: o.threads, log: () => {} });
  try {
    const model = await volumeModel(engine, o.cacheDir, o.precision);
    for (const batch of o.batches) await segmentVolume(model, syntheticSeries(batch, 64), { prompts: ['liver'], threshold: 0.5, batch, onSlice: () => {} });
    return { peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024) };
  } finally {
    await engine.close();
  }
}

export async function benchVolume(o: VolumeBenchOptions): Promise<Measurement[]> {
  // the app's path: embedded, pre-packed models from a graph cache (a temporary one), built first
  // by another process as a first start would
  const cacheDir = mkdtempSync(join(tmpdir(), 'delineate-bench-graphs-'));
  const child = spawnSync(process.execPath, [fileURLToPath(new URL('./volume-cache-child.mjs', import.meta.url)), JSON.stringify({ cacheDir, batches: o.batches, precision: o.precision, threads: o.threads })], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`building the graph cache failed (exit ${child.status}): ${child.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const build = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { peak_rss_mib: number };
  const engine = new Engine({ provider: o.provider, threads: o.threads, log: () => {} });
  try {
    const model = await volumeModel(engine, cacheDir, o.precision);
    const { segmenter } = model;
    const source = syntheticSeries(o.slices, o.size);
    const results: Measurement[] = [];
    for (const batch of o.batches) {
      // warm-up: opens the cached vision graph for this batch size, the text and decoder graphs
      await segmentVolume(model, syntheticSeries(batch, o.size), { prompts: ['liver'], threshold: 0.5, batch, onSlice: () => {} });
      const mask = new Uint8Array(o.slices * o.size * o.size);
      const plane = o.size * o.size;
      const t0 = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      await segmentVolume(model, source, { prompts: ['liver'], threshold: 0.5, batch, onSlice: (k, [m]) => mask.set(m, k * plane) });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      // CPU time of the whole process (main thread, engine worker, ORT pools; spinning is off): the
      // work per slice, which other load on a shared machine inflates far less than wall time
      const cpu = process.cpuUsage(cpu0);
      const cpuMsPerSlice = (cpu.user + cpu.system) / 1000 / o.slices;
      results.push({
        bench: 'volume', median_ms: Math.round(ms), runs: 1, batch, precision: segmenter.precision, slices: o.slices, slice_size: o.size,
        slices_per_s: Math.round((o.slices / (ms / 1000)) * 100) / 100, per_slice_ms: Math.round(ms / o.slices),
        cpu_ms_per_slice: Math.round(cpuMsPerSlice), load_avg_1m: Math.round(os.loadavg()[0] * 100) / 100,
        peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024), cache_build_peak_rss_mib: build.peak_rss_mib, mask_mib: Math.round(mask.byteLength / 2 ** 20),
        threads: o.threads, provider: engine.provider?.provider ?? 'unknown', weights: 'random (rd64-refined architecture)',
      });
    }
    return results;
  } finally {
    await engine.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
