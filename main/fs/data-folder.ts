import { existsSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/** A path that would leave the data folder (absolute elsewhere, `..`, or a symbolic link out). */
export class DataPathError extends Error {
  override name = 'DataPathError';
}

/**
 * The one folder that holds everything the app writes (database, image cache, models, adapters,
 * exports' temporaries, logs). Precedence: an explicit path (CLI --data or the app's setting),
 * then DELINEATE_DATA, then the platform's per-user application-data folder.
 */
export function dataFolder(explicit?: string): string {
  if (explicit) return resolve(explicit);
  const env = process.env.DELINEATE_DATA;
  if (env) return resolve(env);
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Delineate');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Delineate');
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'delineate');
}

/** Sub-folders of the data folder, named once here. */
export const dataPaths = {
  database: (root: string) => join(root, 'delineate.sqlite'),
  models: (root: string) => join(root, 'models'),
  adapters: (root: string) => join(root, 'adapters'),
  cache: (root: string) => join(root, 'cache'),
  /** compiled models with their weights embedded and optimised, per model folder (a cache: safe to delete) */
  graphs: (root: string) => join(root, 'cache', 'graphs'),
  /** per model: the int8 self-check's result and the user's precision choice */
  precision: (root: string) => join(root, 'precision'),
  logs: (root: string) => join(root, 'logs'),
};

/**
 * Resolves `path` (relative to the data folder, or absolute inside it) and returns it both ways.
 * Rows store the relative form with `/` so the folder can be moved or copied to another OS.
 * Throws DataPathError when the path would leave the folder, including through a symbolic link
 * (checked when the file exists).
 */
export function insideDataFolder(root: string, path: string, what: string): { absolute: string; relative: string } {
  if (!path || path.includes('\0')) throw new DataPathError(`${what}: empty or invalid path '${path}'`);
  const base = resolve(root);
  const absolute = resolve(base, path);
  const rel = relative(base, absolute);
  if (rel === '') throw new DataPathError(`${what}: '${path}' names the data folder itself, not a file in it`);
  const escapes = (r: string) => r === '..' || r.startsWith(`..${sep}`) || isAbsolute(r);
  if (escapes(rel)) throw new DataPathError(`${what}: '${path}' is outside the data folder ${base}`);
  if (existsSync(absolute)) {
    const real = relative(realpathSync(base), realpathSync(absolute));
    if (escapes(real)) throw new DataPathError(`${what}: '${path}' leads outside the data folder ${base} through a symbolic link`);
  }
  return { absolute, relative: rel.split(sep).join('/') };
}
