// The app's own log in the data folder (logs/delineate.log): which execution provider ran, jobs
// starting and ending, errors. Plain lines with a timestamp; rotated at 5 MB to one .1 file, so a
// long-running site install never fills the disk with it. Never holds image data or patient text.

import { appendFileSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { dataPaths } from '../fs/data-folder.ts';

const LIMIT = 5 * 2 ** 20;

export function appLog(dataDir: string, limitBytes = LIMIT): (line: string) => void {
  const dir = dataPaths.logs(dataDir);
  const file = join(dir, 'delineate.log');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return (line) => {
    try {
      if ((statSync(file, { throwIfNoEntry: false })?.size ?? 0) > limitBytes) {
        rmSync(`${file}.1`, { force: true });
        renameSync(file, `${file}.1`);
      }
      appendFileSync(file, `${new Date().toISOString()} ${line.replace(/\n/g, '\n    ')}\n`);
    } catch {
      /* a log that cannot be written (full disk) must not stop the app */
    }
  };
}

/**
 * Removes what a killed model import left behind (`models/.import-*`); download staging folders
 * are kept, since the next download resumes from them.
 */
export function sweepTemporaries(dataDir: string): string[] {
  const models = dataPaths.models(dataDir);
  if (!statSync(models, { throwIfNoEntry: false })?.isDirectory()) return [];
  const removed = readdirSync(models).filter((n) => n.startsWith('.import-')).map((n) => join(models, n));
  for (const path of removed) rmSync(path, { recursive: true, force: true });
  return removed;
}
