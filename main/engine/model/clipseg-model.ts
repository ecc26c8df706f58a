// Opens a CLIPSeg model folder (HF snapshot layout) for inference: config, preprocessing, tokenizer
// and weights, handed to a Segmenter on the given engine. Every file's problem is reported by name.

import { readFileSync } from 'node:fs';
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

export async function openClipSegModel(dir: string, engine: Engine, opts: { imageCacheBytes?: number } = {}): Promise<ClipSegModel> {
  const { config, preprocess } = readModelConfigs(dir);
  const tokenizer = ClipTokenizer.fromFolder(dir);
  if (tokenizer.vocabSize > config.text.vocabSize) {
    throw new ConfigError(`${dir}: the tokenizer has ${tokenizer.vocabSize} ids but the text model embeds only ${config.text.vocabSize}`);
  }
  const weights = loadClipSegWeights(join(dir, 'model.safetensors'), config);
  const segmenter = await Segmenter.create(engine, config, weights, tokenizer, { size: preprocess.height, imageCacheBytes: opts.imageCacheBytes });
  return { dir, config, preprocess, tokenizer, segmenter };
}
