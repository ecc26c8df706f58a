// `delineate-model.json`: written into a model folder when it is installed, it records where the
// model came from and each file's size and sha256, so listing models does not re-hash hundreds of
// MB, and a later edit of the folder is noticed (sizes are compared on every inspection).

import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.ts';
import { MANIFEST_FILE } from './layout.ts';

export interface ManifestFile {
  size: number;
  sha256: string;
  /** The file's mtime when hashed: a cached sha256 is trusted only while size and mtime match. */
  mtime_ms: number;
}

export type ModelSource =
  | { kind: 'huggingface'; endpoint: string; repo: string; revision: string; commit?: string }
  | { kind: 'import'; path: string; link: boolean };

export interface ModelManifest {
  format: 1;
  name: string;
  files: Record<string, ManifestFile>;
  source: ModelSource;
  imported_at: string;
}

export class ManifestError extends Error {
  override name = 'ManifestError';
}

const HASH_CHUNK = 1 << 20;

/** sha256 (hex) of a file, read in 1 MiB chunks so a large checkpoint never sits in memory. */
export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(HASH_CHUNK);
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Size, sha256 and mtime of each of `files` in `dir` (symlinks are followed). */
export function describeFiles(dir: string, files: readonly string[]): Record<string, ManifestFile> {
  const out: Record<string, ManifestFile> = {};
  for (const f of files) {
    const path = join(dir, f);
    const before = statSync(path);
    const sha256 = sha256File(path);
    const after = statSync(path);
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) throw new ManifestError(`${path} changed while it was being hashed`);
    out[f] = { size: after.size, sha256, mtime_ms: after.mtimeMs };
  }
  return out;
}

/** The manifest in `dir`, or undefined when there is none; a damaged one is an error naming it. */
export function readManifest(dir: string): ModelManifest | undefined {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ManifestError(`${path} is not valid JSON (${(err as Error).message}); delete it and import the model again`);
  }
  const m = json as Partial<ModelManifest> | null;
  if (!m || typeof m !== 'object' || m.format !== 1 || typeof m.files !== 'object' || m.files === null || typeof m.source !== 'object') {
    throw new ManifestError(`${path} is not a Delineate model manifest (format 1 with files and source)`);
  }
  for (const [f, rec] of Object.entries(m.files)) {
    if (!rec || typeof rec.size !== 'number' || typeof rec.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(rec.sha256)) {
      throw new ManifestError(`${path}: entry for ${f} lacks a size and a sha256`);
    }
  }
  return m as ModelManifest;
}

export function writeManifest(dir: string, manifest: ModelManifest): void {
  writeFileAtomic(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
}

/** True when two file records describe the same bytes (mtimes differ between copies). */
export function sameFiles(a: Record<string, ManifestFile>, b: Record<string, ManifestFile>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k].size === b[k].size && a[k].sha256 === b[k].sha256);
}
