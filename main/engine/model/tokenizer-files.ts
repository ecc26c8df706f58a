// Reads a CLIP tokenizer out of a HuggingFace snapshot folder: `tokenizer.json` when present, else
// `vocab.json` + `merges.txt`; special tokens and the length limit come from
// `special_tokens_map.json` / `tokenizer_config.json` (then tokenizer.json, then CLIP's defaults).
// Both layouts become the same TokenizerSpec, so text is tokenised identically whichever was found.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A missing or corrupt tokenizer file; `file` is the path at fault. */
export class TokenizerError extends Error {
  override name = 'TokenizerError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

export interface TokenizerSpec {
  vocab: Map<string, number>;
  /** Merge pairs in rank order (first = applied first). */
  merges: Array<[string, string]>;
  bosToken: string;
  eosToken: string;
  padToken: string;
  unkToken: string;
  /** Positions in an encoded sequence, bos and eos included. */
  maxLength: number;
}

/** HF CLIPTokenizer's defaults and OpenAI CLIP's context length. */
export const CLIP_DEFAULTS = { bosToken: '<|startoftext|>', eosToken: '<|endoftext|>', padToken: '<|endoftext|>', unkToken: '<|endoftext|>', maxLength: 77 } as const;

/** HF reads at most 49152 − 256 − 2 merges from merges.txt (OpenAI's slice of the BPE file). */
const MAX_MERGES = 49152 - 256 - 2;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    throw new TokenizerError(path, `cannot be read (${(e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TokenizerError(path, `is not valid JSON (${(e as Error).message})`);
  }
}

function readJsonObject(path: string): Json {
  const v = readJson(path);
  if (!isObject(v)) throw new TokenizerError(path, 'must hold a JSON object');
  return v;
}

const readOptionalObject = (path: string): Json => (existsSync(path) ? readJsonObject(path) : {});

function parseVocab(v: unknown, file: string, where: string): Map<string, number> {
  if (!isObject(v)) throw new TokenizerError(file, `${where} must be an object mapping token → id`);
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(v)) {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
      throw new TokenizerError(file, `${where}: id of ${JSON.stringify(token)} must be a non-negative integer, got ${JSON.stringify(id)}`);
    }
    vocab.set(token, id);
  }
  if (vocab.size === 0) throw new TokenizerError(file, `${where} is empty`);
  return vocab;
}

/** merges.txt: an optional `#version` header, then one `left right` pair per line. */
function parseMergesText(text: string, file: string): Array<[string, string]> {
  const lines = text.split(/\r?\n/);
  const merges: Array<[string, string]> = [];
  // HF drops line 1 unconditionally; only a header is dropped here, so a headerless file keeps its first merge.
  for (let i = lines[0]?.startsWith('#') ? 1 : 0; i < lines.length && merges.length < MAX_MERGES; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const parts = line.split(/\s+/);
    if (parts.length !== 2) throw new TokenizerError(file, `line ${i + 1} is malformed: expected two symbols separated by a space, got ${JSON.stringify(lines[i])}`);
    merges.push([parts[0], parts[1]]);
  }
  return merges;
}

/** tokenizer.json merges: `"a b"` strings (tokenizers < 0.20) or `["a", "b"]` pairs. */
function parseMergesJson(v: unknown, file: string): Array<[string, string]> {
  if (!Array.isArray(v)) throw new TokenizerError(file, 'model.merges must be an array');
  return v.map((m, i): [string, string] => {
    const parts = typeof m === 'string' ? m.split(' ') : m;
    if (!Array.isArray(parts) || parts.length !== 2 || !parts.every((p) => typeof p === 'string' && p !== '')) {
      throw new TokenizerError(file, `model.merges[${i}] is malformed: expected "a b" or ["a", "b"], got ${JSON.stringify(m)}`);
    }
    return [parts[0], parts[1]];
  });
}

/** A special-token entry is a string or an AddedToken object `{content, …}`; null means "not set". */
function tokenText(v: unknown, file: string, key: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (isObject(v) && typeof v.content === 'string') return v.content;
  throw new TokenizerError(file, `'${key}' must be a string or {"content": string}, got ${JSON.stringify(v)}`);
}

function readMaxLength(config: Json, configFile: string, fallback: number): number {
  const v = config.model_max_length;
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 2) {
    throw new TokenizerError(configFile, `model_max_length must be an integer ≥ 2 (bos + eos), got ${JSON.stringify(v)}`);
  }
  // HF writes int(1e30) for "no limit"; CLIP's position table still caps the length.
  return Number.isSafeInteger(v) ? v : fallback;
}

interface ModelFiles {
  vocab: Map<string, number>;
  merges: Array<[string, string]>;
  /** Where the vocabulary came from, for error messages. */
  vocabFile: string;
  mergesFile: string;
  /** Special tokens and length declared by tokenizer.json itself (lowest-priority source). */
  declared: Partial<Record<'bosToken' | 'eosToken' | 'unkToken', string>> & { maxLength?: number };
}

function readTokenizerJson(file: string): ModelFiles {
  const json = readJsonObject(file);
  const model = json.model;
  if (!isObject(model)) throw new TokenizerError(file, "has no 'model' object");
  // Files written by tokenizers < 0.10 have no model.type; they are BPE when they carry merges.
  const type = model.type ?? (model.merges !== undefined ? 'BPE' : undefined);
  if (type !== 'BPE') throw new TokenizerError(file, `model.type is ${JSON.stringify(type ?? null)}, not a BPE model`);
  if (model.end_of_word_suffix !== '</w>') {
    throw new TokenizerError(file, `model.end_of_word_suffix is ${JSON.stringify(model.end_of_word_suffix ?? null)}; CLIP's BPE marks word ends with "</w>"`);
  }
  if (model.continuing_subword_prefix) {
    throw new TokenizerError(file, `model.continuing_subword_prefix is ${JSON.stringify(model.continuing_subword_prefix)}; CLIP's BPE has none`);
  }
  const vocab = parseVocab(model.vocab, file, 'model.vocab');
  // Special tokens may live only in added_tokens; ordinary added tokens are not supported (see tokenizer.ts).
  const added = json.added_tokens ?? [];
  if (!Array.isArray(added)) throw new TokenizerError(file, 'added_tokens must be an array');
  for (const [i, t] of added.entries()) {
    if (!isObject(t) || typeof t.content !== 'string' || typeof t.id !== 'number' || !Number.isSafeInteger(t.id) || t.id < 0) {
      throw new TokenizerError(file, `added_tokens[${i}] must be {"id": integer, "content": string, …}`);
    }
    if (t.special === true && !vocab.has(t.content)) vocab.set(t.content, t.id);
  }
  const post = isObject(json.post_processor) ? json.post_processor : {};
  const first = (v: unknown): string | undefined => (Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined);
  const truncation = isObject(json.truncation) ? json.truncation : {};
  return {
    vocab,
    merges: parseMergesJson(model.merges, file),
    vocabFile: file,
    mergesFile: file,
    declared: {
      bosToken: first(post.cls),
      eosToken: first(post.sep),
      unkToken: typeof model.unk_token === 'string' ? model.unk_token : undefined,
      maxLength: typeof truncation.max_length === 'number' && Number.isSafeInteger(truncation.max_length) ? truncation.max_length : undefined,
    },
  };
}

function readVocabAndMerges(dir: string): ModelFiles {
  const vocabFile = join(dir, 'vocab.json');
  const mergesFile = join(dir, 'merges.txt');
  for (const f of [vocabFile, mergesFile]) {
    if (!existsSync(f)) throw new TokenizerError(f, 'is missing (a tokenizer needs tokenizer.json, or vocab.json and merges.txt)');
  }
  let mergesText: string;
  try {
    mergesText = readFileSync(mergesFile, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    throw new TokenizerError(mergesFile, `cannot be read (${(e as Error).message})`);
  }
  return { vocab: parseVocab(readJson(vocabFile), vocabFile, 'vocab'), merges: parseMergesText(mergesText, mergesFile), vocabFile, mergesFile, declared: {} };
}

/** Reads and cross-checks a tokenizer folder; throws TokenizerError naming the file at fault. */
export function readTokenizerFolder(dir: string): TokenizerSpec {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new TokenizerError(dir, 'tokenizer folder does not exist or is not a folder');
  const tokenizerJson = join(dir, 'tokenizer.json');
  const files = existsSync(tokenizerJson) ? readTokenizerJson(tokenizerJson) : readVocabAndMerges(dir);

  const configFile = join(dir, 'tokenizer_config.json');
  const mapFile = join(dir, 'special_tokens_map.json');
  const config = readOptionalObject(configFile);
  const map = readOptionalObject(mapFile);
  // As in HF from_pretrained, special_tokens_map.json overrides tokenizer_config.json.
  const special = (key: 'bos' | 'eos' | 'pad' | 'unk'): string => {
    const k = `${key}_token`;
    const field = `${key}Token` as const;
    return tokenText(map[k], mapFile, k) ?? tokenText(config[k], configFile, k) ?? (field === 'padToken' ? undefined : files.declared[field]) ?? CLIP_DEFAULTS[field];
  };
  const spec: TokenizerSpec = {
    vocab: files.vocab,
    merges: files.merges,
    bosToken: special('bos'),
    eosToken: special('eos'),
    padToken: special('pad'),
    unkToken: special('unk'),
    maxLength: readMaxLength(config, configFile, files.declared.maxLength ?? CLIP_DEFAULTS.maxLength),
  };

  for (const [role, token] of [['bos', spec.bosToken], ['eos', spec.eosToken], ['pad', spec.padToken], ['unk', spec.unkToken]] as const) {
    if (!spec.vocab.has(token)) throw new TokenizerError(files.vocabFile, `has no id for the ${role} token ${JSON.stringify(token)}`);
  }
  // A merge whose product is not in the vocabulary means vocab and merges come from different
  // tokenizers; HF would silently emit unk ids for it, which would degrade every prompt unnoticed.
  for (const [i, [a, b]] of spec.merges.entries()) {
    if (!spec.vocab.has(a + b)) {
      throw new TokenizerError(files.mergesFile, `merge ${i + 1} (${JSON.stringify(`${a} ${b}`)}) makes ${JSON.stringify(a + b)}, which ${files.vocabFile} lacks: vocabulary and merges do not belong together`);
    }
  }
  return spec;
}
