// The built renderer (renderer/dist) and Electron shell (electron/dist): where they are, whether
// they are older than their sources, and building them (scripts/build-renderer.mjs) when they are.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export const rendererDist = join(root, 'renderer', 'dist');
export const electronMain = join(root, 'electron', 'dist', 'main.cjs');
const stamp = join(rendererDist, '.build-stamp');

/** What the bundles are built from. */
const sources = [join(root, 'renderer', 'src'), join(root, 'renderer', 'bridge'), ...['contract.ts', 'operations.ts', 'wire.ts'].map((f) => join(root, 'main', 'api', f)), join(root, 'electron'), join(root, 'scripts', 'build-renderer.mjs'), join(root, 'package.json')];

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = 0;
  for (const e of readdirSync(path)) if (e !== 'dist' && !e.startsWith('dist.tmp-') && !e.startsWith('.')) t = Math.max(t, newest(join(path, e)));
  return t;
}

/** Why the bundles need building, or null when they are up to date. */
export function bundleStaleReason(): string | null {
  if (!existsSync(stamp) || !existsSync(join(rendererDist, 'index.html'))) return 'renderer/dist is missing';
  if (!existsSync(electronMain)) return 'electron/dist is missing';
  const built = statSync(stamp).mtimeMs;
  const changed = sources.find((s) => newest(s) > built);
  return changed ? `${changed.slice(root.length)} changed since the last build` : null;
}

export class BuildError extends Error {
  override name = 'BuildError';
}

/** Builds the bundles when they are missing or stale; `log` hears why. */
export function ensureBundles(log: (line: string) => void = () => {}): void {
  const why = bundleStaleReason();
  if (!why) return;
  log(`building the app bundle (${why})…`);
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-renderer.mjs')], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new BuildError(`building the app bundle failed:\n${(r.stderr || r.stdout || String(r.error)).trim()}`);
}
