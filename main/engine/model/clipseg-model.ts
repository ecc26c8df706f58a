// Opens a CLIPSeg model folder (HF snapshot layout) for inference: config, preprocessing, tokenizer
// and weights, handed to a Segmenter on the given engine. Every file's problem is reported by name.

import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import type { Precision } from '../../contract/precision.ts';
import { join } from 'node:path';
import type { Engine } from '../runtime/engine.ts';
import { type ClipSegConfig, ConfigError, parseClipSegConfig } from './config.ts';
import { parsePreprocessConfig, type PreprocessConfig } from './preprocess.ts';
import { Segmenter } from './segmenter.ts';
import { ClipTokenizer } from './tokenizer.ts';
import { loadClipSegWeights } from './weights.ts';

export interface ClipSegModel {
  dir: string;
  config: ClipSegConfig;
  preprocess: PreprocessConfig;
  tokenizer: ClipTokenizer;
  segmenter: Segmenter;
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

export function readModelConfigs(dir: string): { config: ClipSegConfig; preprocess: PreprocessConfig } {
  const configPath = join(dir, 'config.json');
  const config = parseClipSegConfig(readJson(configPath), configPath);
  const preprocessPath = join(dir, 'preprocessor_config.json');
  const preprocess = parsePreprocessConfig(readJson(preprocessPath), preprocessPath);
  if (preprocess.height !== preprocess.width) {
    throw new ConfigError(`${preprocessPath}: the model input must be square, got ${preprocess.width}×${preprocess.height}`);
  }
  return { config, preprocess };
}

export interface OpenModelOptions {
  imageCacheBytes?: number;
  precision?: Precision;
  /**
   * A folder for compiled models with the weights embedded (the data folder's graph cache): with
   * it, a second start loads them from there and reads the checkpoint only if a graph is missing.
   */
  graphCacheDir?: string;
}

export async function openClipSegModel(dir: string, engine: Engine, opts: OpenModelOptions = {}): Promise<ClipSegModel> {
  const { config, preprocess } = readModelConfigs(dir);
  const tokenizer = ClipTokenizer.fromFolder(dir);
  if (tokenizer.vocabSize > config.text.vocabSize) {
    throw new ConfigError(`${dir}: the tokenizer has ${tokenizer.vocabSize} ids but the text model embeds only ${config.text.vocabSize}`);
  }
  const weightsPath = join(dir, 'model.safetensors');
  const common = { size: preprocess.height, imageCacheBytes: opts.imageCacheBytes, precision: opts.precision };
  const segmenter = opts.graphCacheDir
    ? await Segmenter.create(engine, config, () => loadClipSegWeights(weightsPath, config), tokenizer, { ...common, graphCache: { dir: join(opts.graphCacheDir, folderKey(dir)), modelId: weightsIdentity(weightsPath) } })
    : await Segmenter.create(engine, config, loadClipSegWeights(weightsPath, config), tokenizer, common);
  return { dir, config, preprocess, tokenizer, segmenter };
}

/**
 * Identifies a checkpoint file without reading its 600 MB: its real path, size and modification
 * time (a replaced or re-downloaded file changes at least the last).
 */
export function weightsIdentity(path: string): string {
  const st = statSync(path);
  return `${realpathSync(path)}|${st.size}|${st.mtime.getTime()}`; // whole ms: what every tool that copies times keeps
}

/** One cache subfolder per model folder, so one model's stale graphs can be pruned without touching another's. */
function folderKey(dir: string): string {
  return createHash('sha256').update(realpathSync(dir)).digest('hex').slice(0, 16);
}
