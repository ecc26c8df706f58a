// A store in a fresh temporary data folder, removed when the test ends.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { openStore, type Store } from '../../main/store/store.ts';

export function tempDir(t: TestContext, prefix = 'delineate-store-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function tempStore(t: TestContext): { store: Store; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'delineate-store-'));
  const store = openStore(dir);
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, dir };
}

/** A fake but well-formed sha256 hex string, distinct per n. */
export const hash = (n: number) => n.toString(16).padStart(64, '0');
