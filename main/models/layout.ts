// What a model folder holds (HuggingFace snapshot layout) and how installed models are named.
// Import, download and inspection all read these lists, so they agree on what "complete" means.

/** Files every model needs, whatever its tokenizer format. */
export const REQUIRED_FILES = ['config.json', 'preprocessor_config.json', 'model.safetensors', 'tokenizer_config.json', 'special_tokens_map.json'] as const;

/** Acceptable tokenizers: a fast-tokenizer file, or the byte-level BPE pair (either is enough). */
export const TOKENIZER_CHOICES: readonly (readonly string[])[] = [['tokenizer.json'], ['vocab.json', 'merges.txt']];

/** Every file Delineate takes from a model folder or repository; anything else is left behind. */
export const MODEL_FILES: readonly string[] = [...REQUIRED_FILES, ...new Set(TOKENIZER_CHOICES.flat())];

/** The small record Delineate keeps inside each installed model folder. */
export const MANIFEST_FILE = 'delineate-model.json';

export const WEIGHTS_FILE = 'model.safetensors';

export const DEFAULT_REPO = 'CIDAS/clipseg-rd64-refined';

/** How the tokenizer requirement reads in error messages. */
export const TOKENIZER_RULE = 'a tokenizer: tokenizer.json, or vocab.json + merges.txt';

/** The model files in `present` that Delineate would use, in MODEL_FILES order. */
export const pickModelFiles = (present: ReadonlySet<string>): string[] => MODEL_FILES.filter((f) => present.has(f));

/** The tokenizer choice `present` satisfies, or undefined. */
export function tokenizerChoice(present: ReadonlySet<string>): readonly string[] | undefined {
  return TOKENIZER_CHOICES.find((choice) => choice.every((f) => present.has(f)));
}

/**
 * Names of what is missing from `present`: each absent required file, then the tokenizer as one
 * item when no choice is complete (naming the half of the pair that is missing, if one half is there).
 */
export function missingModelFiles(present: ReadonlySet<string>): string[] {
  const missing: string[] = REQUIRED_FILES.filter((f) => !present.has(f));
  if (!tokenizerChoice(present)) {
    const partial = TOKENIZER_CHOICES.find((choice) => choice.some((f) => present.has(f)));
    missing.push(partial ? `${partial.filter((f) => !present.has(f)).join(', ')} (${TOKENIZER_RULE})` : TOKENIZER_RULE);
  }
  return missing;
}

/** `CIDAS/clipseg-rd64-refined` → `CIDAS--clipseg-rd64-refined` (the HF cache's convention). */
export const modelNameFromRepo = (repo: string): string => repo.split('/').join('--');

/**
 * Why `name` cannot name an installed model, or undefined when it can. Names become folder names,
 * so they stay portable; a leading dot is reserved for staging folders, which listings skip.
 */
export function invalidModelName(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > 100) return 'it is longer than 100 characters';
  if (name.startsWith('.')) return 'it starts with a dot (reserved for temporary folders)';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return 'only letters, digits, ".", "_" and "-" are allowed';
  return undefined;
}
