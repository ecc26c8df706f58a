// Retrieving a series into the data folder, one instance at a time by SOP Instance UID: each is
// written atomically as `<retrieved>/<study>/<series>/<sop>.dcm`, so a retrieve stopped at any
// point (killed, cancelled, the server gone) leaves only whole instances, and the next one asks
// only for those still missing. Each answer is checked to be the instance asked for. Works over
// either protocol (pacs/client.ts).

import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.ts';
import { processAlive } from '../fs/process-alive.ts';
import { readDicomHeader } from '../io/dicom.ts';
import type { PacsClient } from './client.ts';
import { checkUid } from './dicomweb.ts';
import { PacsError } from './errors.ts';

export interface RetrieveResult {
  folder: string;
  /** instances the server lists */
  total: number;
  /** fetched by this call */
  retrieved: number;
  /** already there from an earlier, stopped retrieve */
  present: number;
}

/** The folder a series is retrieved into. */
export function seriesFolder(retrievedRoot: string, studyUid: string, seriesUid: string): string {
  return join(retrievedRoot, checkUid(studyUid, 'study UID'), checkUid(seriesUid, 'series UID'));
}

/** Removes temporaries (fs/atomic.ts temporaryPath) that a killed retrieve left in `folder`. */
export function sweepPartials(folder: string): number {
  let n = 0;
  for (const name of readdirSync(folder)) {
    const pid = /^\..+\.(\d+)\.[0-9a-f]{8}\.partial$/.exec(name)?.[1];
    if (pid === undefined || processAlive(Number(pid))) continue;
    rmSync(join(folder, name), { force: true });
    n++;
  }
  return n;
}

export async function retrieveSeries(
  client: PacsClient,
  retrievedRoot: string,
  studyUid: string,
  seriesUid: string,
  options: { signal?: AbortSignal; progress?: (done: number, total: number) => void; log?: (line: string) => void } = {},
): Promise<RetrieveResult> {
  const folder = seriesFolder(retrievedRoot, studyUid, seriesUid);
  mkdirSync(folder, { recursive: true });
  const swept = sweepPartials(folder);
  if (swept) options.log?.(`removed ${swept} partly written instance${swept > 1 ? 's' : ''} left by a stopped retrieve`);
  const uids = await client.listInstances(studyUid, seriesUid, options.signal);
  if (uids.length === 0) throw new PacsError('bad-response', `the server lists no instances for series ${seriesUid} of study ${studyUid}`);
  const have = new Set(readdirSync(folder).filter((n) => n.endsWith('.dcm')).map((n) => n.slice(0, -4)));
  const missing = uids.filter((u) => !have.has(u));
  const present = uids.length - missing.length;
  if (present) options.log?.(`series ${seriesUid}: ${present} of ${uids.length} instances already retrieved`);
  let done = present;
  options.progress?.(done, uids.length);
  const expected = new Set(missing);
  if (missing.length > 0) {
    await client.retrieveInstances(studyUid, seriesUid, missing, (sop, bytes) => {
      let header;
      try {
        header = readDicomHeader(bytes, `instance ${sop}`);
      } catch (e) {
        throw new PacsError('bad-response', `the server sent instance ${sop} of series ${seriesUid} unreadable: ${(e as Error).message}`);
      }
      if (header.sopInstanceUID !== sop || header.seriesInstanceUID !== seriesUid) {
        throw new PacsError('bad-response', `asked for instance ${sop} of series ${seriesUid}, the server sent ${header.sopInstanceUID} of series ${header.seriesInstanceUID}`);
      }
      if (!expected.delete(sop)) return; // sent twice, or added to the series since it was listed: not ours to count
      writeFileAtomic(join(folder, `${sop}.dcm`), bytes);
      options.progress?.(++done, uids.length);
    }, options.signal, missing.length === uids.length); // nothing here yet: the whole series (one C-GET)
  }
  if (expected.size > 0) throw new PacsError('bad-response', `the server did not send ${expected.size} of the ${uids.length} instances it lists for series ${seriesUid}`);
  return { folder, total: uids.length, retrieved: missing.length, present };
}
