// PACS pulls and pushes as variants of the import and export jobs (config.pacs set), so they run,
// resume and show like any import or export. The runners they build on are passed in (runners
// are peers and do not import each other; runners/index.ts wires them):
//
// - pull (import + pacs {connection, studyUid, seriesUid?}): phase 'retrieve' fetches every
//   instance missing from `<data>/pacs/retrieved/<study>/<series>/` over DICOMweb or DIMSE C-GET
//   (pacs/retrieve.ts: atomic
//   per instance, so a stopped pull resumes without duplicates or half-written files); only when
//   every series is complete does phase 'import' run the import runner over those folders, with
//   its own checkpoint inside ours. A pull that fails while retrieving has imported nothing. The
//   retrieved files stay: they are the imported images' source files.
// - push (export + pacs {connection, seriesUids?}): the export runner writes the project's DICOM
//   SEGs (format dicom-seg) into `<data>/pacs/outbox/job-<id>/`; those of images pulled from a PACS
//   (and of the series asked for) are sent one by one with STOW-RS or C-STORE, each tried up to 3 times. A
//   SEG sent earlier whose masks have not changed since is not sent again (project setting
//   `pacsSent`), so running push again retries exactly what failed.

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, sep } from 'node:path';
import { readDicomHeader } from '../../io/dicom.ts';
import { PacsConnections, pacsPaths } from '../../pacs/connections.ts';
import type { PacsClient } from '../../pacs/client.ts';
import { checkUid, type StowOutcome } from '../../pacs/dicomweb.ts';
import { PacsError } from '../../pacs/errors.ts';
import { retrieveSeries, type RetrieveResult } from '../../pacs/retrieve.ts';
import { InvalidValueError, NotFoundError } from '../../store/errors.ts';
import type { Image } from '../../store/images.ts';
import type { Job } from '../../store/jobs.ts';
import type { Store } from '../../store/store.ts';
import { resumable, type JobContext, type JobRunner } from '../runner.ts';

export interface PacsPullConfig {
  projectId: number;
  pacs: { connection: string; studyUid: string; seriesUid?: string };
}

export interface PacsPushConfig {
  projectId: number;
  pacs: { connection: string; seriesUids?: string[] };
}

export interface PacsPullResult {
  /** the import runner's result over the retrieved series */
  [key: string]: unknown;
  pacs: { connection: string; studyUid: string; series: (RetrieveResult & { seriesUid: string })[] };
}

export interface PushedObject {
  imageId: number;
  seriesUid: string;
  sopInstanceUid: string;
  stored: boolean;
  /** why it was not stored (after its last attempt) */
  reason?: string;
  attempts: number;
}

export interface PacsPushResult {
  connection: string;
  objects: PushedObject[];
  stored: number;
  failed: number;
  /** SEGs already sent with the same masks (not sent again) */
  unchanged: number;
  /** SEGs of images that were not pulled from a PACS, or not of the series asked for */
  leftOut: number;
}

/** The project setting recording what was sent: `${connection}/${imageId}` → masks and SOP Instance UID. */
export const PACS_SENT_SETTING = 'pacsSent';
const ATTEMPTS = 3;

type PullCheckpoint = { phase: 'retrieve' } | { phase: 'import'; folders: string[]; series: PacsPullResult['pacs']['series']; import: unknown };

function connectionName(v: unknown): string {
  if (typeof v !== 'string' || v === '') throw new InvalidValueError('pacs config connection', `must be a connection name, got ${JSON.stringify(v)}`);
  return v;
}

export function pacsPullConfig(config: Record<string, unknown>): PacsPullConfig {
  const { projectId, pacs } = config;
  if (!Number.isInteger(projectId)) throw new InvalidValueError('pacs pull config projectId', `must be a project id, got ${JSON.stringify(projectId)}`);
  const p = (pacs ?? {}) as Record<string, unknown>;
  if (typeof p.studyUid !== 'string') throw new InvalidValueError('pacs pull config studyUid', `must be a study UID, got ${JSON.stringify(p.studyUid)}`);
  checkUid(p.studyUid, 'study UID');
  if (p.seriesUid !== undefined && (typeof p.seriesUid !== 'string' || !checkUid(p.seriesUid, 'series UID'))) throw new InvalidValueError('pacs pull config seriesUid', 'must be a series UID');
  return { projectId: projectId as number, pacs: { connection: connectionName(p.connection), studyUid: p.studyUid, ...(p.seriesUid ? { seriesUid: p.seriesUid as string } : {}) } };
}

export function pacsPushConfig(config: Record<string, unknown>): PacsPushConfig {
  const { projectId, pacs } = config;
  if (!Number.isInteger(projectId)) throw new InvalidValueError('pacs push config projectId', `must be a project id, got ${JSON.stringify(projectId)}`);
  const p = (pacs ?? {}) as Record<string, unknown>;
  if (p.seriesUids !== undefined && (!Array.isArray(p.seriesUids) || !p.seriesUids.every((u) => typeof u === 'string' && checkUid(u, 'series UID')))) {
    throw new InvalidValueError('pacs push config seriesUids', `must be a list of series UIDs, got ${JSON.stringify(p.seriesUids)}`);
  }
  return { projectId: projectId as number, pacs: { connection: connectionName(p.connection), ...(p.seriesUids ? { seriesUids: p.seriesUids as string[] } : {}) } };
}

/** A context whose checkpoints are wrapped (the inner runner's resume data inside ours). */
function innerContext(ctx: JobContext, wrap: (data: unknown) => unknown): JobContext {
  return { signal: ctx.signal, store: ctx.store, progress: (p) => ctx.progress(p), log: (l) => ctx.log(l), checkpoint: (d) => ctx.checkpoint(wrap(d)) };
}

/** Names the connection and what was being done in a PACS error; other errors pass as they are. */
function pacsFailure(e: unknown, connection: string, doing: string): unknown {
  if (e instanceof PacsError) return new PacsError(e.failure, `${doing} from PACS '${connection}': ${e.message}`, e.status);
  return e;
}

/** The import runner, or a PACS pull when the job's config has `pacs`. */
export function withPacsPull(importRun: JobRunner): JobRunner {
  return resumable(async (job: Job, ctx: JobContext) => {
    if (job.config.pacs === undefined) return importRun(job, ctx);
    const config = pacsPullConfig(job.config);
    const { connection, studyUid, seriesUid } = config.pacs;
    if (!ctx.store.projects.get(config.projectId)) throw new NotFoundError('project', config.projectId);
    let cp = (job.checkpoint as PullCheckpoint | null) ?? { phase: 'retrieve' as const };
    if (cp.phase === 'retrieve') {
      ctx.checkpoint(cp); // a killed retrieve is resumed, not abandoned
      const client = new PacsConnections(ctx.store.dataDir).client(connection);
      const root = pacsPaths.retrieved(ctx.store.dataDir);
      const series: PacsPullResult['pacs']['series'] = [];
      try {
        const uids = seriesUid ? [seriesUid] : (await allSeries(client, studyUid, ctx.signal));
        if (uids.length === 0) throw new PacsError('bad-response', `study ${studyUid} has no series on the server`);
        ctx.log(`pulling ${uids.length} series of study ${studyUid} from PACS '${connection}'`);
        for (const [i, uid] of uids.entries()) {
          const r = await retrieveSeries(client, root, studyUid, uid, {
            signal: ctx.signal,
            log: (line) => ctx.log(line),
            progress: (done, total) => ctx.progress({ done, total, message: `retrieving series ${i + 1} of ${uids.length}: instance ${done} of ${total}` }),
          });
          ctx.log(`series ${uid}: ${r.retrieved} instances retrieved${r.present ? `, ${r.present} were already here` : ''}`);
          series.push({ seriesUid: uid, ...r });
        }
      } catch (e) {
        throw pacsFailure(e, connection, `pulling study ${studyUid}${seriesUid ? ` series ${seriesUid}` : ''}`);
      }
      cp = { phase: 'import', folders: series.map((s) => s.folder), series, import: null };
      ctx.checkpoint(cp);
    } else ctx.log('every instance was retrieved before the job stopped; resuming the import');
    const importCp = cp;
    const inner: Job = { ...job, config: { projectId: config.projectId, paths: importCp.folders }, checkpoint: importCp.import };
    const result = (await importRun(inner, innerContext(ctx, (d) => ({ ...importCp, import: d })))) as Record<string, unknown>;
    return { ...result, pacs: { connection, studyUid, series: importCp.series } } satisfies PacsPullResult;
  });
}

async function allSeries(client: PacsClient, studyUid: string, signal: AbortSignal): Promise<string[]> {
  const uids: string[] = [];
  const limit = 200;
  for (let offset = 0; ; offset += limit) {
    const found = await client.searchSeries(studyUid, { limit, offset }, signal);
    uids.push(...found.map((s) => checkUid(s.seriesUid, 'a series UID the server listed')));
    if (found.length < limit) return [...new Set(uids)];
  }
}

interface SegManifest {
  files: { file: string; imageId: number; segments: { maskIds: number[] }[] }[];
}

/** The export runner, or a PACS push when the job's config has `pacs`. */
export function withPacsPush(exportRun: JobRunner): JobRunner {
  const runner: JobRunner = async (job: Job, ctx: JobContext) => {
    if (job.config.pacs === undefined) return exportRun(job, ctx);
    const config = pacsPushConfig(job.config);
    const { connection } = config.pacs;
    const { store } = ctx;
    const client = new PacsConnections(store.dataDir).client(connection);
    const outbox = pacsPaths.outbox(store.dataDir, job.id);
    rmSync(outbox, { recursive: true, force: true }); // left by an attempt that was killed
    try {
      await exportRun({ ...job, config: { projectId: config.projectId, outDir: outbox, format: 'dicom-seg' } }, ctx);
      const manifest = JSON.parse(readFileSync(join(outbox, 'manifest.json'), 'utf8')) as SegManifest;
      const retrievedRoot = pacsPaths.retrieved(store.dataDir) + sep;
      const wanted = config.pacs.seriesUids ? new Set(config.pacs.seriesUids) : null;
      const sent = sentRecord(store, config.projectId);
      const result: PacsPushResult = { connection, objects: [], stored: 0, failed: 0, unchanged: 0, leftOut: 0 };
      const chosen = manifest.files.filter((f) => {
        const image = store.images.get(f.imageId)!;
        const why = !pulled(store, image, retrievedRoot) ? 'it was not pulled from a PACS' : wanted && !wanted.has(image.seriesUid ?? '') ? 'its series was not asked for' : null;
        if (why) {
          result.leftOut++;
          ctx.log(`left out the SEG of image ${image.id} (${image.fileName}): ${why}`);
        }
        return why === null;
      });
      for (const [i, f] of chosen.entries()) {
        ctx.signal.throwIfAborted();
        const image = store.images.get(f.imageId)!;
        const masks = f.segments.flatMap((s) => s.maskIds).sort((a, b) => a - b).join(',');
        const key = `${connection}/${image.id}`;
        if (sent[key]?.masks === masks) {
          result.unchanged++;
          ctx.log(`image ${image.id}: its masks were sent before as SEG ${sent[key].sopInstanceUid}; not sent again`);
          continue;
        }
        const bytes = readFileSync(join(outbox, f.file));
        const sop = readDicomHeader(bytes, f.file).sopInstanceUID;
        ctx.progress({ done: i, total: chosen.length, message: `sending the SEG of image ${image.id}` });
        const outcome = await storeWithRetry(client, bytes, sop, ctx, connection);
        const object: PushedObject = { imageId: image.id, seriesUid: image.seriesUid ?? '', ...outcome };
        result.objects.push(object);
        if (outcome.stored) {
          result.stored++;
          sent[key] = { masks, sopInstanceUid: sop, at: new Date().toISOString() };
          store.projects.updateSettings(config.projectId, { [PACS_SENT_SETTING]: sent });
          ctx.log(`image ${image.id}: SEG ${sop} stored on PACS '${connection}'${outcome.attempts > 1 ? ` (attempt ${outcome.attempts})` : ''}`);
        } else {
          result.failed++;
          ctx.log(`image ${image.id}: SEG ${sop} NOT stored on PACS '${connection}' after ${outcome.attempts} attempts: ${outcome.reason}`);
        }
      }
      ctx.progress({ done: chosen.length, total: chosen.length });
      if (chosen.length === 0) throw new Error(`nothing to send: no SEG of project ${config.projectId} is of a series pulled from a PACS${wanted ? ' among those asked for' : ''} (see the job log)`);
      return result;
    } finally {
      rmSync(outbox, { recursive: true, force: true });
    }
  };
  return runner;
}

function sentRecord(store: Store, projectId: number): Record<string, { masks: string; sopInstanceUid: string; at: string }> {
  const v = store.projects.get(projectId)?.settings[PACS_SENT_SETTING];
  return typeof v === 'object' && v !== null ? { ...(v as Record<string, { masks: string; sopInstanceUid: string; at: string }>) } : {};
}

/** Whether an image's files are instances pulled from a PACS. */
function pulled(store: Store, image: Image, retrievedRoot: string): boolean {
  const slices = image.stacked ? store.images.slices(image.id) : [];
  const paths = slices.length > 0 ? slices.map((s) => s.sourcePath) : [image.sourcePath];
  return image.seriesUid !== null && paths.every((p) => p.startsWith(retrievedRoot) && existsSync(p));
}

/** STOW-RS of one object, tried up to ATTEMPTS times; credentials refused stop the whole push. */
async function storeWithRetry(client: PacsClient, bytes: Uint8Array, sop: string, ctx: JobContext, connection: string): Promise<StowOutcome & { attempts: number }> {
  let last: StowOutcome = { sopInstanceUid: sop, stored: false, reason: 'not tried' };
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    ctx.signal.throwIfAborted();
    try {
      last = await client.store(bytes, sop, ctx.signal);
    } catch (e) {
      if (e instanceof PacsError && (e.failure === 'auth' || e.failure === 'rejected' || e.failure === 'config' || e.failure === 'tls' || e.failure === 'dns')) throw pacsFailure(e, connection, 'sending');
      if (!(e instanceof PacsError)) throw e;
      last = { sopInstanceUid: sop, stored: false, reason: e.message };
    }
    if (last.stored) return { ...last, attempts: attempt };
    if (attempt < ATTEMPTS) {
      ctx.log(`SEG ${sop}: attempt ${attempt} failed (${last.reason}); trying again`);
      await new Promise((r) => setTimeout(r, 250 * attempt));
    }
  }
  return { ...last, attempts: ATTEMPTS };
}
