// Pulled and received DICOM files (<data>/pacs/retrieved/<study>/<series>/<sop>.dcm) are the
// source files of the images imported from them, so they stay while an image refers to them. When
// a project is deleted, the files only its images used go too (a series pulled into two projects
// stays for the other); files no image refers to at all — a pull still retrieving, a listener
// batch not imported yet — are never touched here.

import { readdirSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, sep } from 'node:path';
import { pacsPaths } from '../pacs/connections.ts';
import type { Store } from '../store/store.ts';

/** The retrieved files a project's images (and their slices) are read from. */
export function retrievedFilesOf(store: Store, projectId: number): string[] {
  const root = pacsPaths.retrieved(store.dataDir) + sep;
  const rows = store.db.prepare(`SELECT source_path AS p FROM images WHERE project_id = ?
    UNION SELECT s.source_path FROM image_slices s JOIN images i ON i.id = s.image_id WHERE i.project_id = ?`).all(projectId, projectId) as { p: string }[];
  return rows.map((r) => r.p).filter((p) => p.startsWith(root) && p.endsWith('.dcm'));
}

/** Deletes those of `paths` that no image or slice refers to now, and series/study folders left empty. */
export function releaseRetrieved(store: Store, paths: readonly string[]): number {
  const root = pacsPaths.retrieved(store.dataDir);
  const used = store.db.prepare('SELECT 1 FROM images WHERE source_path = ? UNION ALL SELECT 1 FROM image_slices WHERE source_path = ? LIMIT 1');
  let removed = 0;
  const folders = new Set<string>();
  for (const p of paths) {
    if (used.get(p, p)) continue;
    rmSync(p, { force: true });
    removed++;
    folders.add(dirname(p));
  }
  for (const series of folders) {
    for (const folder of [series, dirname(series)]) {
      if (folder === root || !folder.startsWith(root + sep)) continue;
      try {
        if (readdirSync(folder).length === 0) rmdirSync(folder);
      } catch {
        /* gone already, or not empty */
      }
    }
  }
  return removed;
}
