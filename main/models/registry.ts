// The installed models: one sub-folder of the models folder each. Installing (import or download)
// always builds the model in a hidden sibling folder and renames it into place, so a crash or a
// failed check never leaves a half-written model where listModels/resolveModel would find it.

import { copyFileSync, closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { syncFolder } from '../fs/atomic.ts';
import { dataFolder, dataPaths } from '../fs/data-folder.ts';
import { DEFAULT_REPO, invalidModelName, modelNameFromRepo } from './layout.ts';
import { describeFiles, sameFiles, writeManifest, type ManifestFile, type ModelManifest } from './manifest.ts';
import { inspectModelFolder, ModelFolderError, type ModelFolderInfo } from './model-folder.ts';

/** A model cannot be found, named, or installed where asked; the message says what to do. */
export class ModelRegistryError extends Error {
  override name = 'ModelRegistryError';
}

export interface InstalledModel {
  name: string;
  dir: string;
  /** Present when the folder is a valid model. */
  info?: ModelFolderInfo;
  /** Why the folder is not a usable model, when it is not. */
  error?: string;
}

export interface InstallResult {
  model: ModelFolderInfo;
  /** True when the same model (same files, same bytes) was already installed under that name. */
  unchanged: boolean;
}

/** Every sub-folder of `modelsDir` except hidden (staging) ones, valid or not, sorted by name. */
export function listModels(modelsDir: string): InstalledModel[] {
  if (!existsSync(modelsDir)) return [];
  const out: InstalledModel[] = [];
  for (const name of readdirSync(modelsDir).sort()) {
    if (name.startsWith('.')) continue;
    const dir = join(modelsDir, name);
    try {
      if (!statSync(dir).isDirectory()) continue;
      out.push({ name, dir, info: inspectModelFolder(dir) });
    } catch (err) {
      out.push({ name, dir, error: (err as Error).message });
    }
  }
  return out;
}

const shellQuote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The commands that install a model into `modelsDir`, with --data when it is not the default. */
export function installHint(modelsDir: string): string {
  const root = dirname(resolve(modelsDir));
  const isDataFolder = dataPaths.models(root) === resolve(modelsDir);
  const data = isDataFolder && root !== dataFolder() ? ` --data ${shellQuote(root)}` : '';
  const lines = [
    `No model is installed in ${modelsDir}. Install one with:`,
    `  npx delineate model download${data}      (${DEFAULT_REPO} from Hugging Face, about 600 MB)`,
    `  npx delineate model import DIR${data}    (a local folder with config.json, model.safetensors and tokenizer files)`,
  ];
  if (!isDataFolder) lines.push(`(${modelsDir} is not a data folder's models/ folder: pass the matching --data)`);
  return lines.join('\n');
}

const looksLikePath = (arg: string): boolean => isAbsolute(arg) || arg.includes('/') || arg.includes('\\') || arg.startsWith('.');

/**
 * The model `arg` names: an installed model's name, or a model folder's path. Without `arg`, the
 * default model (CIDAS--clipseg-rd64-refined) if installed, else the only installed one.
 */
export function resolveModel(arg: string | undefined, modelsDir: string): ModelFolderInfo {
  if (arg !== undefined && invalidModelName(arg) === undefined && existsSync(join(modelsDir, arg))) return inspectModelFolder(join(modelsDir, arg));
  if (arg !== undefined && (looksLikePath(arg) || existsSync(arg))) return inspectModelFolder(arg);

  const models = listModels(modelsDir);
  const usable = models.filter((m) => m.info);
  const broken = models.filter((m) => m.error).map((m) => `\n  ${m.name}: ${m.error}`).join('');
  if (arg !== undefined) {
    if (usable.length === 0) throw new ModelRegistryError(`no model named '${arg}' is installed.\n${installHint(modelsDir)}${broken}`);
    throw new ModelRegistryError(`no model named '${arg}' is installed in ${modelsDir}; installed: ${usable.map((m) => m.name).join(', ')}`);
  }
  if (usable.length === 0) throw new ModelRegistryError(installHint(modelsDir) + (broken ? `\nUnusable folders there:${broken}` : ''));
  const preferred = usable.find((m) => m.name === modelNameFromRepo(DEFAULT_REPO)) ?? (usable.length === 1 ? usable[0] : undefined);
  if (!preferred) throw new ModelRegistryError(`several models are installed in ${modelsDir} (${usable.map((m) => m.name).join(', ')}); name one with --model NAME`);
  return preferred.info!;
}

/** Throws unless `name` can name an installed model. */
export function checkModelName(name: string): void {
  const why = invalidModelName(name);
  if (why) throw new ModelRegistryError(`'${name}' cannot name a model: ${why}`);
}

/** Refusal to replace the model already installed at `dest` with different content. */
export function differentModelError(name: string, dest: string): ModelRegistryError {
  return new ModelRegistryError(
    `a different model named '${name}' is already installed at ${dest}; it was left as it is. ` +
      `Install this one under another name (--name NEW) or delete ${dest} first`,
  );
}

/** The model installed at `dest`; a folder there that is no valid model blocks the install. */
export function inspectExisting(dest: string): ModelFolderInfo {
  try {
    return inspectModelFolder(dest);
  } catch (err) {
    if (err instanceof ModelFolderError) throw new ModelRegistryError(`${dest} already exists but is not a usable model (${err.message}); delete it or choose another --name`);
    throw err;
  }
}

/** The files record of an installed model: its manifest's, or hashed now if it has none. */
function installedFiles(model: ModelFolderInfo): Record<string, ManifestFile> {
  return model.manifest?.files ?? describeFiles(model.dir, model.files);
}

/**
 * Moves a complete, manifest-bearing staging folder to `<modelsDir>/<name>` after validating it.
 * An installed model with the same bytes makes this a no-op (the staging folder is removed);
 * one with different bytes is never replaced.
 */
export function commitStagedModel(staging: string, modelsDir: string, name: string, manifest: ModelManifest): InstallResult {
  const dest = join(modelsDir, name);
  inspectModelFolder(staging); // the staged copy itself must be a valid model
  const differs = (): ModelRegistryError => differentModelError(name, dest);
  if (existsSync(dest)) {
    const existing = inspectExisting(dest);
    if (!sameFiles(installedFiles(existing), manifest.files)) throw differs();
    rmSync(staging, { recursive: true, force: true });
    return { model: existing, unchanged: true };
  }
  try {
    renameSync(staging, dest);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EPERM') throw differs(); // appeared meanwhile
    throw err;
  }
  syncFolder(modelsDir);
  return { model: inspectModelFolder(dest), unchanged: false };
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The folder's name, except for a snapshot in the HF cache
 * (`models--CIDAS--clipseg-rd64-refined/snapshots/<commit>`), which is named for its repo.
 */
export function defaultImportName(src: string): string {
  const parent = dirname(src);
  const repoDir = basename(dirname(parent));
  if (basename(parent) === 'snapshots' && repoDir.startsWith('models--')) return repoDir.slice('models--'.length);
  return basename(src);
}

export interface ImportOptions {
  /** Link to the source files instead of copying them (the source must stay where it is). */
  link?: boolean;
  /** Installed name; default defaultImportName(srcDir). */
  name?: string;
}

/**
 * Installs the model folder `srcDir` into `modelsDir`: validates it, copies (or links) the model
 * files into a hidden temporary sibling, records a manifest with their sha256, validates the copy
 * and renames it into place. Files Delineate does not use (pytorch_model.bin, README…) are skipped.
 */
export function importModel(srcDir: string, modelsDir: string, opts: ImportOptions = {}): InstallResult {
  const src = resolve(srcDir);
  const source = inspectModelFolder(src);
  const name = opts.name ?? defaultImportName(src);
  checkModelName(name);
  mkdirSync(modelsDir, { recursive: true });
  const staging = mkdtempSync(join(modelsDir, `.import-${name}-`));
  try {
    for (const f of source.files) {
      const from = join(src, f);
      const to = join(staging, f);
      if (opts.link) symlinkSync(from, to, 'file');
      else {
        copyFileSync(from, to);
        fsyncFile(to);
      }
    }
    const manifest: ModelManifest = {
      format: 1,
      name,
      files: describeFiles(staging, source.files),
      source: { kind: 'import', path: src, link: opts.link ?? false },
      imported_at: new Date().toISOString(),
    };
    writeManifest(staging, manifest);
    syncFolder(staging);
    return commitStagedModel(staging, modelsDir, name, manifest);
  } finally {
    rmSync(staging, { recursive: true, force: true }); // gone already after a successful rename
  }
}
