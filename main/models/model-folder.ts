// Checks that a folder is a usable CLIPSeg model (HuggingFace snapshot layout) without reading any
// tensor data: the files are there, the configs parse and describe a CLIPSeg, and the safetensors
// header is intact and holds the weights that config implies.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { ConfigError, parseClipSegConfig, type ClipSegConfig } from '../engine/model/config.ts';
import { isFloatDtype, readSafetensorsHeader, SafetensorsError, type SafetensorsHeader } from '../engine/model/safetensors.ts';
import { checkClipSegWeights, WeightsError } from '../engine/model/weights.ts';
import { MANIFEST_FILE, missingModelFiles, pickModelFiles, REQUIRED_FILES, tokenizerChoice, TOKENIZER_RULE, WEIGHTS_FILE } from './layout.ts';
import { describeFiles, ManifestError, readManifest, sha256File, type ModelManifest } from './manifest.ts';

export class ModelFolderError extends Error {
  override name = 'ModelFolderError';
  constructor(readonly dir: string, problem: string) {
    super(problem);
  }
}

export interface ModelConfigSummary {
  visionLayers: number;
  visionHidden: number;
  patchSize: number;
  textLayers: number;
  textHidden: number;
  vocabSize: number;
  projectionDim: number;
  reduceDim: number;
  extractLayers: number[];
  /** The processor's input size, or undefined when preprocessor_config.json does not say. */
  inputSize?: { width: number; height: number };
  tensors: number;
  /** Elements of the float tensors. */
  parameters: number;
}

export interface ModelFolderInfo {
  dir: string;
  name: string;
  /** The model files present (those Delineate uses), in canonical order. */
  files: string[];
  /** The tokenizer files in use: ['tokenizer.json'] or ['vocab.json', 'merges.txt']. */
  tokenizer: readonly string[];
  config: ModelConfigSummary;
  weightsBytes: number;
  /** sha256 of model.safetensors: from the manifest while it still matches the file, else computed. */
  sha256: string;
  manifest?: ModelManifest;
}

export interface InspectOptions {
  /** Hash every file now instead of trusting the manifest (done on import; `verify` for a check). */
  rehash?: boolean;
}

function readJson(dir: string, file: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  } catch (err) {
    throw new ModelFolderError(dir, `${file} in ${dir} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ModelFolderError(dir, `${file} in ${dir} is not a JSON object`);
  return json as Record<string, unknown>;
}

/** Regular files (or links to them) in `dir`; a dangling link counts as absent. */
function presentFiles(dir: string): Set<string> {
  const present = new Set<string>();
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile()) present.add(e.name);
    else if (e.isSymbolicLink()) {
      try {
        if (statSync(join(dir, e.name)).isFile()) present.add(e.name);
      } catch {
        /* dangling link */
      }
    }
  }
  return present;
}

/** Reads config.json of `dir` and checks it is a CLIPSeg config (download checks it before the weights). */
export function readClipSegConfig(dir: string): ClipSegConfig {
  const json = readJson(dir, 'config.json');
  if (json.model_type !== 'clipseg') {
    const got = json.model_type === undefined ? 'no model_type' : `model_type '${String(json.model_type)}'`;
    throw new ModelFolderError(dir, `config.json in ${dir} is not a CLIPSeg config: it has ${got}, expected 'clipseg' (e.g. CIDAS/clipseg-rd64-refined)`);
  }
  try {
    return parseClipSegConfig(json, join(dir, 'config.json'));
  } catch (err) {
    if (err instanceof ConfigError) throw new ModelFolderError(dir, err.message);
    throw err;
  }
}

/** The input size the processor resizes to, and a check of its normalisation constants. */
function checkPreprocessor(dir: string, channels: number): { width: number; height: number } | undefined {
  const p = readJson(dir, 'preprocessor_config.json');
  for (const key of ['image_mean', 'image_std']) {
    const v = p[key];
    if (v === undefined) continue;
    if (!Array.isArray(v) || v.length !== channels || !v.every((x) => typeof x === 'number' && Number.isFinite(x)) || (key === 'image_std' && v.some((x) => x <= 0))) {
      throw new ModelFolderError(dir, `preprocessor_config.json in ${dir}: ${key} must be ${channels} finite numbers${key === 'image_std' ? ' > 0' : ''}, got ${JSON.stringify(v)}`);
    }
  }
  const size = p.size;
  const isDim = (x: unknown): x is number => Number.isInteger(x) && (x as number) > 0;
  if (isDim(size)) return { width: size, height: size };
  if (size && typeof size === 'object') {
    const s = size as Record<string, unknown>;
    if (isDim(s.width) && isDim(s.height)) return { width: s.width, height: s.height };
    if (isDim(s.shortest_edge)) return { width: s.shortest_edge, height: s.shortest_edge };
  }
  return undefined;
}

/**
 * Reads the safetensors header and compares its keys, shapes and dtypes with what `config`
 * implies, as loadClipSegWeights will (same rules, same WeightsError), but reads no tensor data.
 */
function checkWeights(dir: string, config: ClipSegConfig): SafetensorsHeader {
  const path = join(dir, WEIGHTS_FILE);
  let header: SafetensorsHeader;
  try {
    header = readSafetensorsHeader(path);
  } catch (err) {
    if (err instanceof SafetensorsError) throw new ModelFolderError(dir, err.message); // names the file and the problem
    throw err;
  }
  try {
    checkClipSegWeights(header, config);
  } catch (err) {
    if (err instanceof WeightsError) throw new ModelFolderError(dir, err.message);
    throw err;
  }
  return header;
}

/**
 * Checks that the manifest (when there is one) still describes the folder. Sizes are compared
 * always (cheap, and catches a truncated copy); hashes only with `rehash`.
 */
function checkManifest(dir: string, files: string[], rehash: boolean): { manifest?: ModelManifest; sha256?: string } {
  let manifest: ModelManifest | undefined;
  try {
    manifest = readManifest(dir);
  } catch (err) {
    if (err instanceof ManifestError) throw new ModelFolderError(dir, err.message);
    throw err;
  }
  if (!manifest) return {};
  for (const f of files) {
    const rec = manifest.files[f];
    if (!rec) continue;
    const size = statSync(join(dir, f)).size;
    if (size !== rec.size) throw new ModelFolderError(dir, `${f} in ${dir} is ${size} bytes but ${MANIFEST_FILE} recorded ${rec.size}: the folder changed after it was installed`);
  }
  if (rehash) {
    const now = describeFiles(dir, files.filter((f) => manifest.files[f]));
    for (const [f, rec] of Object.entries(now)) {
      if (rec.sha256 !== manifest.files[f].sha256) {
        throw new ModelFolderError(dir, `${f} in ${dir} does not match ${MANIFEST_FILE}: sha256 ${rec.sha256}, recorded ${manifest.files[f].sha256}`);
      }
    }
    return { manifest, sha256: now[WEIGHTS_FILE]?.sha256 };
  }
  const rec = manifest.files[WEIGHTS_FILE];
  const st = statSync(join(dir, WEIGHTS_FILE));
  // Millisecond resolution: file systems and copy tools keep mtimes to different precisions.
  return { manifest, sha256: rec && Math.trunc(rec.mtime_ms) === Math.trunc(st.mtimeMs) ? rec.sha256 : undefined };
}

/** Validates a model folder and summarises it; throws a ModelFolderError naming what is wrong. */
export function inspectModelFolder(dir: string, opts: InspectOptions = {}): ModelFolderInfo {
  dir = resolve(dir);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new ModelFolderError(dir, `model folder ${dir} does not exist`);
  }
  if (!isDir) throw new ModelFolderError(dir, `${dir} is a file, not a model folder`);

  const present = presentFiles(dir);
  const missing = missingModelFiles(present);
  if (missing.length > 0) {
    throw new ModelFolderError(dir, `${dir} is not a complete model folder: missing ${missing.join('; ')}. A model needs ${REQUIRED_FILES.join(', ')} and ${TOKENIZER_RULE}`);
  }
  const tokenizer = tokenizerChoice(present)!;
  const files = pickModelFiles(present);

  const config = readClipSegConfig(dir);
  const inputSize = checkPreprocessor(dir, config.vision.numChannels);
  for (const f of ['tokenizer_config.json', 'special_tokens_map.json', ...tokenizer.filter((f) => f.endsWith('.json'))]) readJson(dir, f);
  const header = checkWeights(dir, config);

  const cached = checkManifest(dir, files, opts.rehash ?? false);
  const sha256 = cached.sha256 ?? sha256File(join(dir, WEIGHTS_FILE));
  let parameters = 0;
  // Integer buffers such as position_ids are not parameters.
  for (const t of header.tensors.values()) if (isFloatDtype(t.dtype)) parameters += t.shape.reduce((a, b) => a * b, 1);
  return {
    dir,
    name: basename(dir),
    files,
    tokenizer,
    config: {
      visionLayers: config.vision.numLayers,
      visionHidden: config.vision.hiddenSize,
      patchSize: config.vision.patchSize,
      textLayers: config.text.numLayers,
      textHidden: config.text.hiddenSize,
      vocabSize: config.text.vocabSize,
      projectionDim: config.projectionDim,
      reduceDim: config.reduceDim,
      extractLayers: config.extractLayers,
      inputSize,
      tensors: header.tensors.size,
      parameters,
    },
    weightsBytes: header.fileSize,
    sha256,
    manifest: cached.manifest,
  };
}
