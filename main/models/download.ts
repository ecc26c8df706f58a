// Downloads a CLIPSeg snapshot from the Hugging Face Hub (or a mirror of its API) into the models
// folder. Files land in a hidden staging folder as `<file>.partial`, resume with Range requests
// after a dropped connection or an interrupted run, are checked against the listing's size and
// hash, and only a complete, validated folder is renamed into place.

import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_REPO, missingModelFiles, MODEL_FILES, modelNameFromRepo, WEIGHTS_FILE } from './layout.ts';
import { type ManifestFile, type ModelManifest, sha256File, writeManifest } from './manifest.ts';
import { ModelFolderError, readClipSegConfig, type ModelFolderInfo } from './model-folder.ts';
import { checkModelName, commitStagedModel, differentModelError, inspectExisting, ModelRegistryError, type InstallResult } from './registry.ts';
import { DownloadError, hubGet, isValidRepo, listRepoFiles, resolveUrl, serverMessage, TransientError, type FetchImpl, type HubTarget, type RepoFile } from './hub.ts';
import { acquirePidLock } from '../fs/pid-lock.ts';

export { DownloadError } from './hub.ts';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export interface DownloadProgress {
  status: 'downloading' | 'retrying' | 'verifying';
  file: string;
  fileBytes: number;
  fileTotal: number;
  /** All files together, including what earlier runs left to resume from. */
  bytes: number;
  total: number;
  /** Transfer rate over the last few seconds; 0 until there is a measurement. */
  bytesPerSecond: number;
  /** Seconds left at that rate; undefined while the rate is unknown. */
  etaSeconds?: number;
  /** For 'retrying': what went wrong and when the next try starts. */
  message?: string;
}

export interface DownloadOptions {
  modelsDir: string;
  repo?: string;
  revision?: string;
  /** Hub URL; default HF_ENDPOINT, then https://huggingface.co. */
  endpoint?: string;
  /** Installed name; default from the repo (`CIDAS--clipseg-rd64-refined`). */
  name?: string;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  fetchImpl?: FetchImpl;
  /** Accept plain HTTP from a non-loopback endpoint (a mirror that explicitly serves HTTP). */
  allowHttp?: boolean;
  /** Tries after a failure that made no progress (one that did resets the count). Default 5. */
  retries?: number;
  /** First retry delay, doubling up to 30 s. Default 1000 ms. */
  retryDelayMs?: number;
  /** A connection that delivers nothing for this long is dropped and retried. Default 60 s. */
  idleTimeoutMs?: number;
}

export interface DownloadResult extends InstallResult {
  /** Bytes transferred by this call (not counting what was resumed from disk). */
  downloadedBytes: number;
  /** The commit the revision resolved to, when the server said (X-Repo-Commit). */
  commit?: string;
}

interface Context {
  hub: HubTarget;
  staging: string;
  signal?: AbortSignal;
  retries: number;
  retryDelayMs: number;
  idleTimeoutMs: number;
  progress: ProgressMeter;
  commit?: string;
}

/** Aggregates byte counts into the progress events, with a rate over a sliding window. */
class ProgressMeter {
  private done = 0; // bytes of files already finished
  private samples: [number, number][] = [];
  transferred = 0;

  constructor(readonly total: number, private readonly emit?: (p: DownloadProgress) => void) {}

  fileFinished(size: number): void {
    this.done += size;
  }

  report(status: DownloadProgress['status'], file: string, fileBytes: number, fileTotal: number, message?: string): void {
    if (!this.emit) return;
    const now = performance.now();
    if (this.samples.length === 0 || now - this.samples[this.samples.length - 1][0] >= 100) this.samples.push([now, this.transferred]);
    while (this.samples.length > 2 && now - this.samples[0][0] > 5000) this.samples.shift();
    const [t0, b0] = this.samples[0];
    const bytesPerSecond = now - t0 >= 250 ? ((this.transferred - b0) * 1000) / (now - t0) : 0;
    const bytes = this.done + fileBytes;
    const etaSeconds = bytesPerSecond > 0 ? (this.total - bytes) / bytesPerSecond : undefined;
    this.emit({ status, file, fileBytes, fileTotal, bytes, total: this.total, bytesPerSecond, etaSeconds, message });
  }
}

const partialPath = (ctx: Context, f: RepoFile): string => join(ctx.staging, `${f.path}.partial`);
const sidecarPath = (ctx: Context, f: RepoFile): string => join(ctx.staging, `${f.path}.partial.json`);
const expectation = (f: RepoFile): string => JSON.stringify({ size: f.size, sha256: f.sha256 ?? null, gitOid: f.gitOid ?? null });

/** sha256 of a file, and its git blob id when asked (both in one streamed read). */
async function hashFile(path: string, withGitOid: boolean): Promise<{ sha256: string; gitOid?: string }> {
  const sha256 = createHash('sha256');
  const sha1 = withGitOid ? createHash('sha1').update(`blob ${statSync(path).size}\0`) : undefined;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    sha256.update(chunk as Buffer);
    sha1?.update(chunk as Buffer);
  }
  return { sha256: sha256.digest('hex'), gitOid: sha1?.digest('hex') };
}

/** The mismatch between a file on disk and its listing entry, or undefined when they agree. */
async function mismatch(path: string, f: RepoFile): Promise<{ sha256: string; problem?: string }> {
  const size = statSync(path).size;
  const h = await hashFile(path, f.gitOid !== undefined);
  if (size !== f.size) return { sha256: h.sha256, problem: `size mismatch for ${f.path}: expected ${f.size} bytes, got ${size}` };
  if (f.sha256 && h.sha256 !== f.sha256) return { sha256: h.sha256, problem: `checksum mismatch for ${f.path}: expected sha256 ${f.sha256} got ${h.sha256}` };
  if (f.gitOid && h.gitOid !== f.gitOid) return { sha256: h.sha256, problem: `checksum mismatch for ${f.path}: expected git blob ${f.gitOid} got ${h.gitOid}` };
  return { sha256: h.sha256 };
}

const isAbort = (ctx: Context): boolean => ctx.signal?.aborted === true;

/** Runs `attempt` until it succeeds, retrying transient failures with doubling delays. */
async function withRetries<T>(ctx: Context, what: string, attempt: () => Promise<T>, progressMade: () => boolean, onRetry: (message: string) => void): Promise<T> {
  let failures = 0;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (isAbort(ctx)) throw ctx.signal!.reason;
      if (err instanceof DownloadError || err instanceof ModelFolderError || err instanceof ModelRegistryError) throw err;
      failures = progressMade() ? 1 : failures + 1;
      const reason = describeNetworkError(err);
      if (failures > ctx.retries) throw new DownloadError(`${what} failed ${failures} times in a row (last: ${reason}); run the same command again to resume`);
      const delay = Math.min(30_000, ctx.retryDelayMs * 2 ** (failures - 1));
      onRetry(`${reason}; retrying in ${(delay / 1000).toFixed(1)} s (${failures}/${ctx.retries})`);
      await sleep(delay, undefined, { signal: ctx.signal }).catch(() => {
        throw ctx.signal!.reason;
      });
    }
  }
}

function describeNetworkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  const detail = cause instanceof Error ? `${cause.message}${(cause as NodeJS.ErrnoException).code ? ` (${(cause as NodeJS.ErrnoException).code})` : ''}` : '';
  return detail && !err.message.includes(detail) ? `${err.message}: ${detail}` : err.message;
}

function parseContentRange(value: string | null): { start: number; total?: number } | undefined {
  const m = value?.match(/^bytes (\d+)-(\d+)\/(\d+|\*)$/);
  return m ? { start: Number(m[1]), total: m[3] === '*' ? undefined : Number(m[3]) } : undefined;
}

/**
 * One request for the rest of `f`: appends to the partial file after a 206, starts over after a
 * 200 (a server that ignores Range), accepts a 416 for a partial file that is already complete.
 */
async function transferOnce(ctx: Context, f: RepoFile): Promise<void> {
  const partial = partialPath(ctx, f);
  let have = existsSync(partial) ? statSync(partial).size : 0;
  if (have >= f.size) return; // complete (an oversized one fails the check and is deleted)
  const idle = new AbortController();
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, idle.signal]) : idle.signal;
  let timer = setTimeout(() => idle.abort(), ctx.idleTimeoutMs);
  const touch = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(), ctx.idleTimeoutMs);
  };
  try {
    const url = resolveUrl(ctx.hub, f.path);
    const { res, commit } = await hubGet(ctx.hub, url, have > 0 ? { range: `bytes=${have}-` } : {}, signal);
    ctx.commit ??= commit;
    touch();
    if (res.status === 416 && have > 0) {
      await res.body?.cancel();
      rmSync(partial, { force: true }); // the server says our offset is past its file: start again
      throw new TransientError(`server refused to resume ${f.path} at byte ${have}`);
    }
    if (res.status === 206) {
      const range = parseContentRange(res.headers.get('content-range'));
      if (!range || range.start !== have) {
        await res.body?.cancel();
        throw new DownloadError(`server answered a resume of ${f.path} at byte ${have} with Content-Range '${res.headers.get('content-range')}'`);
      }
      if (range.total !== undefined && range.total !== f.size) {
        await res.body?.cancel();
        throw new DownloadError(`server says ${f.path} is ${range.total} bytes, the listing says ${f.size}`);
      }
    } else if (res.status === 200) {
      have = 0; // Range not honoured: the whole file follows
      const length = res.headers.get('content-length');
      if (length !== null && Number(length) !== f.size) {
        await res.body?.cancel();
        throw new DownloadError(`server sends ${length} bytes for ${f.path}, the listing says ${f.size}`);
      }
    } else {
      const why = await serverMessage(res);
      const error = `HTTP ${res.status} for ${f.path} (${url})${why ? `: ${why}` : ''}`;
      throw res.status >= 500 || res.status === 429 ? new TransientError(error) : new DownloadError(error);
    }
    if (!res.body) throw new TransientError(`empty response body for ${f.path}`);

    const file = await open(partial, have > 0 ? 'a' : 'w');
    try {
      let written = have;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        touch();
        if (written + chunk.length > f.size) throw new DownloadError(`server sent more than the ${f.size} bytes the listing gives for ${f.path}`);
        await file.write(chunk);
        written += chunk.length;
        ctx.progress.transferred += chunk.length;
        ctx.progress.report('downloading', f.path, written, f.size);
      }
      await file.sync();
      if (written < f.size) throw new TransientError(`connection closed after ${written} of ${f.size} bytes of ${f.path}`);
    } finally {
      await file.close();
    }
  } catch (err) {
    if (idle.signal.aborted && !isAbort(ctx)) throw new TransientError(`no data for ${ctx.idleTimeoutMs / 1000} s`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Brings `<file>` in the staging folder to completion and verifies it; returns its record. */
async function fetchFile(ctx: Context, f: RepoFile): Promise<ManifestFile> {
  const final = join(ctx.staging, f.path);
  const partial = partialPath(ctx, f);
  const sidecar = sidecarPath(ctx, f);
  if (existsSync(final)) {
    const check = await mismatch(final, f);
    if (!check.problem) return { size: f.size, sha256: check.sha256, mtime_ms: statSync(final).mtimeMs };
    rmSync(final, { force: true }); // from an earlier run of another revision
  }
  // A partial file is only resumed when it was started for these exact bytes.
  const started = existsSync(sidecar) ? readFileSync(sidecar, 'utf8') : undefined;
  if (started !== expectation(f)) rmSync(partial, { force: true });
  writeFileSync(sidecar, expectation(f));

  if (f.size === 0) writeFileSync(partial, ''); // nothing to request
  const size = (): number => (existsSync(partial) ? statSync(partial).size : 0);
  let before = size();
  ctx.progress.report('downloading', f.path, before, f.size);
  await withRetries(
    ctx,
    `downloading ${f.path}`,
    () => transferOnce(ctx, f),
    () => {
      const now = size();
      const moved = now > before;
      before = now;
      return moved;
    },
    (message) => ctx.progress.report('retrying', f.path, size(), f.size, message),
  );

  ctx.progress.report('verifying', f.path, f.size, f.size);
  const check = await mismatch(partial, f);
  if (check.problem) {
    rmSync(partial, { force: true });
    rmSync(sidecar, { force: true });
    throw new DownloadError(check.problem);
  }
  renameSync(partial, final);
  rmSync(sidecar, { force: true });
  return { size: f.size, sha256: check.sha256, mtime_ms: statSync(final).mtimeMs };
}

/** Holds `<modelsDir>/.staging-<name>.lock` so two downloads never write one staging folder. */
function acquireLock(path: string): () => void {
  const lock = acquirePidLock(path, 'a model download', (owner) =>
    new DownloadError(`another download into the same folder is running (process ${owner.pid}); wait for it, or delete ${path} if it is gone`),
  );
  return lock.release;
}

/** True when the installed model holds exactly the listed files with the listed bytes. */
async function installedMatches(model: ModelFolderInfo, files: RepoFile[]): Promise<boolean> {
  if (model.files.length !== files.length || !files.every((f) => model.files.includes(f.path))) return false;
  for (const f of files) {
    const path = join(model.dir, f.path);
    const rec = model.manifest?.files[f.path];
    if (statSync(path).size !== f.size) return false;
    if (f.sha256 && (rec ? rec.sha256 : f.path === WEIGHTS_FILE ? model.sha256 : sha256File(path)) !== f.sha256) return false;
    if (f.gitOid && (await hashFile(path, true)).gitOid !== f.gitOid) return false;
  }
  return true;
}

/** Codes that mean the endpoint cannot be reached at all: retrying for half a minute would not help. */
const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH']);

/** The listing, with a first contact that finds no server turned into advice for offline machines. */
async function listOrExplain(hub: HubTarget, signal?: AbortSignal): Promise<RepoFile[]> {
  try {
    return await listRepoFiles(hub, signal);
  } catch (err) {
    const code = ((err as { cause?: NodeJS.ErrnoException }).cause ?? (err as NodeJS.ErrnoException)).code;
    if (code && UNREACHABLE.has(code)) {
      throw new DownloadError(
        `cannot reach ${hub.endpoint} (${code}). Without network access, fetch the model folder on another computer ` +
          `and install it with: npx delineate model import DIR`,
      );
    }
    throw err;
  }
}

/**
 * Downloads `repo` at `revision` and installs it as `<modelsDir>/<name>`. Interrupted or failed
 * runs leave only the hidden staging folder, which the next run resumes from.
 */
export async function downloadModel(opts: DownloadOptions): Promise<DownloadResult> {
  const repo = opts.repo ?? DEFAULT_REPO;
  const revision = opts.revision ?? 'main';
  const endpoint = (opts.endpoint ?? process.env.HF_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  if (!isValidRepo(repo)) throw new DownloadError(`'${repo}' is not a repository id (expected OWNER/NAME, e.g. ${DEFAULT_REPO})`);
  if (revision === '' || revision.includes('..')) throw new DownloadError(`'${revision}' is not a revision`);
  const name = opts.name ?? modelNameFromRepo(repo);
  checkModelName(name);
  const hub: HubTarget = { endpoint, repo, revision, fetchImpl: opts.fetchImpl ?? fetch, allowHttp: opts.allowHttp ?? false };
  const ctx: Context = {
    hub,
    staging: join(opts.modelsDir, `.staging-${name}`),
    signal: opts.signal,
    retries: opts.retries ?? 5,
    retryDelayMs: opts.retryDelayMs ?? 1000,
    idleTimeoutMs: opts.idleTimeoutMs ?? 60_000,
    progress: new ProgressMeter(0),
  };

  const listing = await withRetries(ctx, `listing ${repo}`, () => listOrExplain(hub, opts.signal), () => false, () => {});
  const present = new Set(listing.map((f) => f.path));
  const missing = missingModelFiles(present);
  if (missing.length > 0) {
    const hasBin = present.has('pytorch_model.bin') && !present.has(WEIGHTS_FILE) ? ' (it has pytorch_model.bin, which Delineate cannot read: it needs model.safetensors)' : '';
    throw new DownloadError(`${repo} at '${revision}' is not a model Delineate can use: it lacks ${missing.join('; ')}${hasBin}`);
  }
  // Small files first: config.json shows whether this is a CLIPSeg before the weights are fetched.
  const files = MODEL_FILES.map((p) => listing.find((f) => f.path === p)).filter((f): f is RepoFile => f !== undefined);
  files.sort((a, b) => Number(a.path === WEIGHTS_FILE) - Number(b.path === WEIGHTS_FILE));

  const dest = join(opts.modelsDir, name);
  if (existsSync(dest)) {
    const existing = inspectExisting(dest);
    if (await installedMatches(existing, files)) return { model: existing, unchanged: true, downloadedBytes: 0 };
    throw differentModelError(name, dest); // refused before fetching hundreds of MB
  }

  mkdirSync(ctx.staging, { recursive: true });
  const release = acquireLock(join(opts.modelsDir, `.staging-${name}.lock`));
  try {
    // Whatever an earlier run left that this listing does not account for goes.
    const keep = new Set(files.flatMap((f) => [f.path, `${f.path}.partial`, `${f.path}.partial.json`]));
    for (const entry of readdirSync(ctx.staging)) if (!keep.has(entry)) rmSync(join(ctx.staging, entry), { recursive: true, force: true });

    ctx.progress = new ProgressMeter(files.reduce((a, f) => a + f.size, 0), opts.onProgress);
    const records: Record<string, ManifestFile> = {};
    for (const f of files) {
      if (f.path === WEIGHTS_FILE) {
        try {
          readClipSegConfig(ctx.staging);
        } catch (err) {
          rmSync(ctx.staging, { recursive: true, force: true });
          throw new DownloadError(`${repo} at '${revision}' is not a CLIPSeg model: ${(err as Error).message}`);
        }
      }
      records[f.path] = await fetchFile(ctx, f);
      ctx.progress.fileFinished(f.size);
    }

    const manifest: ModelManifest = {
      format: 1,
      name,
      files: records,
      source: { kind: 'huggingface', endpoint, repo, revision, ...(ctx.commit ? { commit: ctx.commit } : {}) },
      imported_at: new Date().toISOString(),
    };
    writeManifest(ctx.staging, manifest);
    let result: InstallResult;
    try {
      result = commitStagedModel(ctx.staging, opts.modelsDir, name, manifest);
    } catch (err) {
      // Complete but unusable (e.g. weights that do not fit the config): nothing to resume.
      if (err instanceof ModelFolderError) {
        rmSync(ctx.staging, { recursive: true, force: true });
        throw new DownloadError(`${repo} at '${revision}' downloaded but is not a usable model: ${err.message}`);
      }
      throw err;
    }
    return { ...result, downloadedBytes: ctx.progress.transferred, commit: ctx.commit };
  } finally {
    release();
  }
}
