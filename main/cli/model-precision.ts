// The CLI's side of precision: `--precision fp32|int8` (default: the precision recorded for the
// model in the data folder, as the app uses it), the model opened from the data folder's graph
// cache, and the int8 self-check (`delineate model check-precision`, and after install).

import { type ClipSegModel, type OpenModelOptions, openClipSegModel } from '../engine/model/clipseg-model.ts';
import type { Engine } from '../engine/runtime/engine.ts';
import { Engine as EngineClass } from '../engine/runtime/engine.ts';
import { parsePrecision, type Precision } from '../contract/precision.ts';
import { dataFolder, dataPaths } from '../fs/data-folder.ts';
import type { PrecisionCheck } from '../inference/precision-check.ts';
import { PrecisionChoice } from '../inference/precision-choice.ts';
import { runPrecisionSelfCheck } from '../inference/precision-self-check.ts';
import { UsageError } from './args.ts';

export function precisionOption(value: string | undefined): Precision | undefined {
  if (value === undefined) return undefined;
  try {
    return parsePrecision(value, '--precision');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/**
 * Opens `modelDir` for a CLI command the way the app does: graphs from the data folder's cache,
 * at `precision` if given, else the model's recorded precision (fp32 before its self-check).
 */
export async function openCliModel(modelDir: string, engine: Engine, o: { data?: string; precision?: Precision } & Omit<OpenModelOptions, 'precision' | 'graphCacheDir'>): Promise<ClipSegModel & { precisionWhy: string }> {
  const root = dataFolder(o.data);
  const state = new PrecisionChoice(dataPaths.precision(root), modelDir).state();
  const precision = o.precision ?? state.current;
  const model = await openClipSegModel(modelDir, engine, { ...o, precision, graphCacheDir: dataPaths.graphs(root) });
  return { ...model, precisionWhy: o.precision ? '--precision' : state.reason };
}

/** Runs the self-check on `modelDir` and records it in the data folder. */
export async function selfCheckModel(modelDir: string, o: { data?: string; threads?: number } = {}): Promise<PrecisionCheck> {
  const root = dataFolder(o.data);
  const engine = new EngineClass({ threads: o.threads, log: () => {} });
  try {
    const model = await openClipSegModel(modelDir, engine, { graphCacheDir: dataPaths.graphs(root) });
    const check = await runPrecisionSelfCheck(model);
    new PrecisionChoice(dataPaths.precision(root), modelDir).recordCheck(check);
    return check;
  } finally {
    await engine.close();
  }
}

/** The check as a table, one line per sample. */
export function formatCheck(check: PrecisionCheck): string {
  const rows = check.samples.map((s) => `  ${s.name.padEnd(18)} ${JSON.stringify(s.prompt).padEnd(14)} Dice ${s.dice.toFixed(4)}  Δlogit ${(s.relativeLogitError * 100).toFixed(2)} %${s.judged ? '' : '  (speck: not judged)'}`);
  return [...rows, check.summary].join('\n');
}
