// The core's implementation of DelineateApi: each operation validates its request, calls the
// store, the job queue or the model, and turns any failure into an ApiError value. Electron's IPC
// and the web host are thin transports over this object.

import { isAbsolute } from 'node:path';
import { ImageDecodeError } from '../io/raster.ts';
import { encodePng } from '../io/image-decode.ts';
import { FolderListingError, listFolder } from '../io/folder-listing.ts';
import { loadImageFrame, SourceChangedError } from '../io/import-scan.ts';
import { windowProblem } from '../io/window.ts';
import type { InferenceService } from '../inference/service.ts';
import type { JobQueue } from '../jobs/queue.ts';
import { DataPathError, DuplicateError, InvalidValueError, MaskSizeError, NotFoundError, StoreError } from '../store/errors.ts';
import { libraryPage, nextSuggestion, NO_COUNTS, projectCounts } from '../store/library.ts';
import type { Store } from '../store/store.ts';
import type { Adapter } from '../store/adapters.ts';
import { AdapterPackError } from '../training/adapter-pack.ts';
import { exportAdapterPack, importAdapterPack, inspectAdapterPacks, originOf, packModelAt } from '../training/adapter-pack-exchange.ts';
import { adapterReport, galleryImage } from '../training/adapter-report.ts';
import type { Job } from '../store/jobs.ts';
import { PacsConnections, type PacsConnection } from '../pacs/connections.ts';
import { testPacsConnection } from '../pacs/test-connection.ts';
import type { InboxService } from '../jobs/pacs-inbox.ts';
import { releaseRetrieved, retrievedFilesOf } from '../jobs/pacs-retrieved.ts';
import { PacsError } from '../pacs/errors.ts';
import { pacsPullConfig, pacsPushConfig } from '../jobs/runners/pacs.ts';
import type { PacsConnectionInfo } from '../contract/contract.ts';
import type { AdapterInfo, ApiError, ApiErrorCode, ApiResult, AppInfo, DelineateApi, JobInfo, JobKind, ProjectSummary } from '../contract/contract.ts';

export interface ApiDeps {
  store: Store;
  queue: JobQueue;
  /** The model, when one is installed; the function is called on first use (opening is lazy). */
  inference: () => InferenceService;
  /** Job kinds this build has runners for (adapter training arrives with its own issue). */
  jobKinds: readonly JobKind[];
  /** What appInfo answers (the core knows its data folder and model choice); absent: 'unavailable'. */
  appInfo?: () => AppInfo | Promise<AppInfo>;
  /** The C-STORE listener (the core's); absent: this host cannot receive studies. */
  inbox?: InboxService;
}

/** A failure with an API code, thrown inside handlers and turned into an ApiError. */
export class ApiFailure extends Error {
  constructor(readonly code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'ApiFailure';
  }
}

const modelProblems = new Set(['ModelRegistryError', 'ModelFolderError', 'WeightsError', 'SafetensorsError', 'ConfigError', 'PreprocessConfigError', 'TokenizerError', 'ManifestError']);

function toApiError(e: unknown): ApiError {
  if (e instanceof ApiFailure) return { code: e.code, message: e.message };
  // PacsError messages name the server by host and port only, never a secret (pacs/errors.ts)
  if (e instanceof PacsError) return { code: e.failure === 'config' ? 'invalid' : 'pacs', message: e.message };
  if (e instanceof NotFoundError) return { code: 'not-found', message: e.message };
  if (e instanceof DuplicateError) return { code: 'conflict', message: e.message };
  if (e instanceof InvalidValueError || e instanceof MaskSizeError || e instanceof RangeError || e instanceof FolderListingError || e instanceof DataPathError) return { code: 'invalid', message: e.message };
  if (e instanceof SourceChangedError || e instanceof ImageDecodeError) return { code: 'source', message: e.message };
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT' || err?.code === 'EACCES') return { code: 'source', message: err.message };
  // The model cannot be used: none installed, or its files are broken (the message names the file).
  if (modelProblems.has(err?.name)) return { code: 'no-model', message: err.message };
  if (err?.name === 'AdapterError') return { code: 'invalid', message: err.message };
  if (e instanceof AdapterPackError) return { code: 'invalid', message: e.message };
  if (e instanceof StoreError) return { code: 'invalid', message: e.message };
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

async function result<T>(fn: () => T | Promise<T>): Promise<ApiResult<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    return { ok: false, error: toApiError(e) };
  }
}

const need = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new ApiFailure('not-found', `${what} does not exist`);
  return value;
};

const jobInfo = (j: Job): JobInfo => ({
  id: j.id, kind: j.kind, projectId: j.projectId, state: j.state, progress: j.progress, error: j.error, result: j.result,
  createdAt: j.createdAt, startedAt: j.startedAt, finishedAt: j.finishedAt,
});

/** How long a search or "Test connection" waits for the PACS before saying it did not answer. */
const PACS_TIMEOUT_MS = 15_000;

const pacsInfo = (c: PacsConnection, secretSet: boolean): PacsConnectionInfo => ({
  name: c.name, dicomweb: c.dicomweb, auth: c.auth, username: c.username ?? null, caFile: c.caFile ?? null, secretSet, dimse: c.dimse ?? null,
});

const adapterInfo = (a: Adapter): AdapterInfo => ({
  id: a.id, projectId: a.projectId, name: a.name, variant: a.variant, parentId: a.parentId, metrics: a.metrics, active: a.active, createdAt: a.createdAt, origin: originOf(a),
});


export function createApi(deps: ApiDeps): DelineateApi {
  const { store, queue } = deps;

  const image = (id: number) => need(store.images.get(id), `image ${id}`);
  const inbox = () => deps.inbox ?? (() => {
    throw new ApiFailure('unavailable', 'this host cannot receive studies from a PACS');
  })();
  const frameOf = (img: { frames: number; id: number }, frame: number | undefined): number => {
    const k = frame ?? Math.floor(img.frames / 2);
    if (!Number.isInteger(k) || k < 0 || k >= img.frames) throw new ApiFailure('invalid', `image ${img.id} has slices 0..${img.frames - 1}, not ${k}`);
    return k;
  };
  const summary = (id: number): ProjectSummary => {
    const p = need(store.projects.get(id), `project ${id}`);
    const counts = projectCounts(store.db).get(id) ?? NO_COUNTS;
    return { id: p.id, name: p.name, createdAt: p.createdAt, ...counts };
  };
  const threshold = (t: number | undefined): number => {
    const v = t ?? 0.5;
    if (!(v >= 0 && v <= 1)) throw new ApiFailure('invalid', `threshold must be in [0, 1], got ${t}`);
    return v;
  };
  /** The adapter that applies to a project's images: its own active one, else the site-wide one. */
  const activeAdapter = (projectId: number) => {
    const a = store.adapters.effective(projectId);
    return a ? { id: a.id, path: store.adapters.filePath(a.id) } : null;
  };
  /** The model packs are checked against: the one previews use. */
  const packModel = () => {
    const access = deps.inference().model?.();
    if (!access) throw new ApiFailure('no-model', 'no model is available to check adapter packs against');
    return packModelAt(access.dir, access.sha256);
  };
  const absolutePath = (p: unknown, what: string): string => {
    if (typeof p !== 'string' || !isAbsolute(p)) throw new ApiFailure('invalid', `${what} must be an absolute path, got ${JSON.stringify(p)}`);
    return p;
  };
  const labelCheck = (imageProject: number, labelId: number | null | undefined): number | null => {
    if (labelId == null) return null;
    const label = need(store.labels.get(labelId), `label ${labelId}`);
    if (label.projectId !== imageProject) throw new ApiFailure('invalid', `label ${labelId} belongs to another project`);
    return labelId;
  };

  return {
    listProjects: () => result(() => {
      const counts = projectCounts(store.db);
      return store.projects.list().map((p) => ({ id: p.id, name: p.name, createdAt: p.createdAt, ...(counts.get(p.id) ?? NO_COUNTS) }));
    }),
    createProject: ({ name }) => result(() => summary(store.projects.create(name.trim()).id)),
    renameProject: ({ projectId, name }) => result(() => summary(store.projects.rename(projectId, name.trim()).id)),
    deleteProject: ({ projectId }) => result(() => {
      const pulled = retrievedFilesOf(store, projectId);
      if (!store.projects.remove(projectId)) throw new ApiFailure('not-found', `project ${projectId} does not exist`);
      releaseRetrieved(store, pulled); // the DICOM files only its images were read from
    }),

    listImages: (q) => result(() => {
      need(store.projects.get(q.projectId), `project ${q.projectId}`);
      const page = libraryPage(store.db, q);
      return { total: page.total, images: page.rows };
    }),
    nextSuggestion: (q) => result(() => {
      need(store.projects.get(q.projectId), `project ${q.projectId}`);
      return nextSuggestion(store.db, { projectId: q.projectId, labelId: q.labelId, exclude: q.exclude });
    }),
    getThumbnail: ({ imageId }) => result(() => {
      image(imageId);
      const png = store.images.thumbnail(imageId);
      if (!png) throw new ApiFailure('not-found', `image ${imageId} has no thumbnail`);
      return png;
    }),
    getImageFrame: ({ imageId, frame, window }) => result(async () => {
      const img = image(imageId);
      const k = frameOf(img, frame);
      const problem = window == null ? null : windowProblem(window);
      if (problem) throw new ApiFailure('invalid', `the window for image ${img.id}: ${problem}`);
      const raster = await loadImageFrame(store.images.frameSource(img.id, k), window ?? undefined);
      return { width: raster.width, height: raster.height, png: encodePng(raster) };
    }),

    listLabels: ({ projectId }) => result(() => {
      need(store.projects.get(projectId), `project ${projectId}`);
      return store.labels.list(projectId).map(({ id, name, color, prompts }) => ({ id, name, color, prompts }));
    }),
    createLabel: ({ projectId, name, color, prompts }) => result(() => {
      need(store.projects.get(projectId), `project ${projectId}`);
      const l = store.labels.create({ projectId, name: name.trim(), color: color ?? '#ff3b30', prompts: prompts ?? [name.trim()] });
      return { id: l.id, name: l.name, color: l.color, prompts: l.prompts };
    }),

    previewMask: (req) => result(async () => {
      const img = image(req.imageId);
      const inference = deps.inference();
      const p = await inference.predict(store.images.readable(img), frameOf(img, req.frame), req.prompt, threshold(req.threshold), activeAdapter(img.projectId));
      return { width: p.width, height: p.height, pixels: p.mask, threshold: p.threshold, cached: p.cached, ms: p.ms, modelId: inference.modelId, adapterId: p.adapterId };
    }),
    saveModelMask: (req) => result(async () => {
      const img = image(req.imageId);
      const frame = frameOf(img, req.frame);
      const labelId = labelCheck(img.projectId, req.labelId);
      const p = await deps.inference().predict(store.images.readable(img), frame, req.prompt, threshold(req.threshold), activeAdapter(img.projectId));
      return (store.masks.save({ imageId: img.id, labelId, frame, kind: 'model', width: p.width, height: p.height, pixels: p.mask, prompt: req.prompt, threshold: p.threshold, adapterId: p.adapterId }));
    }),
    saveCorrectedMask: (req) => result(() => {
      const img = image(req.imageId);
      const frame = frameOf(img, req.frame);
      const labelId = labelCheck(img.projectId, req.labelId);
      const { width, height, pixels } = req.mask;
      if (width !== img.width || height !== img.height) throw new ApiFailure('invalid', `the mask is ${width}×${height} but image ${img.id} is ${img.width}×${img.height}`);
      return (store.masks.save({ imageId: img.id, labelId, frame, kind: 'corrected', width, height, pixels, prompt: req.prompt ?? null, author: req.author ?? null }));
    }),
    currentMasks: ({ imageId }) => result(() => {
      image(imageId);
      return store.masks.listCurrent({ imageId });
    }),
    getMask: ({ maskId }) => result(() => {
      const m = need(store.masks.get(maskId), `mask ${maskId}`);
      return m;
    }),
    maskHistory: ({ imageId, labelId, frame, kind }) => result(() => {
      const img = image(imageId);
      return store.masks.history({ imageId, labelId: labelId ?? null, frame: frameOf(img, frame), kind });
    }),

    startJob: ({ kind, projectId, config }) => result(() => {
      need(store.projects.get(projectId), `project ${projectId}`);
      if (!deps.jobKinds.includes(kind)) throw new ApiFailure('unavailable', `this build cannot run '${kind}' jobs (available: ${deps.jobKinds.join(', ') || 'none'})`);
      return jobInfo(queue.enqueue(kind, { ...(config ?? {}), projectId }, { projectId }));
    }),
    cancelJob: ({ jobId }) => result(() => {
      need(store.jobs.get(jobId), `job ${jobId}`);
      return { cancelled: queue.cancel(jobId) };
    }),
    listJobs: ({ projectId, limit }) => result(() => store.jobs.list({ projectId, limit: limit ?? 50 }).map(jobInfo)),
    jobLog: ({ jobId, afterId }) => result(() => {
      need(store.jobs.get(jobId), `job ${jobId}`);
      return store.jobs.log(jobId, { afterId }).map(({ id, at, line }) => ({ id, at, line }));
    }),

    listAdapters: ({ projectId }) => result(() => {
      need(store.projects.get(projectId), `project ${projectId}`);
      return store.adapters.list({ projectId, includeSiteWide: true }).map(adapterInfo);
    }),
    activateAdapter: ({ adapterId }) => result(() => {
      need(store.adapters.get(adapterId), `adapter ${adapterId}`);
      return adapterInfo(store.adapters.activate(adapterId));
    }),
    rollbackAdapter: ({ projectId }) => result(() => {
      need(store.projects.get(projectId), `project ${projectId}`);
      const a = store.adapters.rollback(projectId);
      return a ? adapterInfo(a) : null;
    }),

    exportAdapterPack: ({ adapterId, outPath, note }) => result(() => {
      need(store.adapters.get(adapterId), `adapter ${adapterId}`);
      const r = exportAdapterPack(store, adapterId, absolutePath(outPath, 'the pack file'), { note });
      return { path: r.path, bytes: r.bytes };
    }),
    inspectAdapterPacks: ({ path }) => result(() => inspectAdapterPacks(absolutePath(path, 'the pack file or folder'), packModel())),
    importAdapterPack: ({ path, projectId, siteWide, name }) => result(() => {
      need(store.projects.get(projectId), `project ${projectId}`);
      const file = absolutePath(path, 'the pack file');
      return adapterInfo(importAdapterPack(store, file, { model: packModel(), projectId: siteWide ? null : projectId, name }));
    }),
    adapterReport: ({ adapterId, projectId }) => result(() => {
      need(store.adapters.get(adapterId), `adapter ${adapterId}`);
      return adapterReport(store, deps.inference(), adapterId, { projectId });
    }),
    adapterReportImage: ({ adapterId, imageId, frame, projectId }) => result(() => {
      need(store.adapters.get(adapterId), `adapter ${adapterId}`);
      return galleryImage(store, deps.inference(), adapterId, imageId, frame, { projectId });
    }),

    exportMasks: ({ projectId, outDir, format, kind }) => result(() => {
      need(store.projects.get(projectId), `project ${projectId}`);
      if (!outDir) throw new ApiFailure('invalid', 'choose a folder to export into');
      if (!deps.jobKinds.includes('export')) throw new ApiFailure('unavailable', 'this build cannot run export jobs');
      return jobInfo(queue.enqueue('export', { projectId, outDir, format, kind: kind ?? 'corrected' }, { projectId }));
    }),

    appInfo: () => result(() => {
      if (!deps.appInfo) throw new ApiFailure('unavailable', 'this core was opened without app information');
      return deps.appInfo();
    }),
    modelRuntime: () => result(() => deps.inference().runtime?.() ?? null),
    setPrecision: ({ precision }) => result(() => {
      if (precision !== null && precision !== 'fp32' && precision !== 'int8') throw new ApiFailure('invalid', `precision must be fp32, int8 or null (automatic), got ${JSON.stringify(precision)}`);
      const inference = deps.inference();
      if (!inference.setPrecision) throw new ApiFailure('unavailable', 'this model cannot change precision');
      return inference.setPrecision(precision);
    }),
    importPaths: ({ projectId, paths }) => result(() => {
      need(store.projects.get(projectId), `project ${projectId}`);
      if (!Array.isArray(paths) || paths.length === 0) throw new ApiFailure('invalid', 'choose at least one file or folder to import');
      // relative paths would resolve against the server's working folder, which the user never sees
      const bad = paths.find((p) => typeof p !== 'string' || !isAbsolute(p));
      if (bad !== undefined) throw new ApiFailure('invalid', `import paths must be absolute, got ${JSON.stringify(bad)}`);
      if (!deps.jobKinds.includes('import')) throw new ApiFailure('unavailable', 'this build cannot run import jobs');
      return jobInfo(queue.enqueue('import', { projectId, paths }, { projectId }));
    }),
    listDir: (req) => result(() => listFolder(req?.path)),

    listPacsConnections: () => result(() => {
      const connections = new PacsConnections(store.dataDir);
      return connections.list().map((c) => pacsInfo(c, connections.hasSecret(c.name)));
    }),
    savePacsConnection: (req) => result(() => {
      const connections = new PacsConnections(store.dataDir);
      const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
      const username = text(req.username);
      const caFile = text(req.caFile);
      if (caFile !== undefined && !isAbsolute(caFile)) throw new ApiFailure('invalid', `the CA file must be an absolute path, got ${JSON.stringify(caFile)}`);
      const connection: PacsConnection = {
        name: typeof req.name === 'string' ? req.name.trim() : req.name,
        dicomweb: text(req.dicomweb) ?? null,
        auth: req.auth,
        ...(req.auth === 'basic' && username ? { username } : {}),
        ...(caFile ? { caFile } : {}),
        ...(req.dimse ? { dimse: { host: text(req.dimse.host) ?? '', port: Number(req.dimse.port), calledAeTitle: text(req.dimse.calledAeTitle) ?? '', callingAeTitle: text(req.dimse.callingAeTitle) ?? 'DELINEATE' } } : {}),
      };
      const secret = req.auth === 'basic' ? { password: req.password || undefined } : req.auth === 'bearer' ? { token: req.token || undefined } : {};
      const saved = connections.save(connection, secret, { keepSecret: true });
      return pacsInfo(saved, connections.hasSecret(saved.name));
    }),
    getPacsListener: () => result(() => inbox().state()),
    savePacsListener: (req) => result(() => inbox().apply({
      enabled: req.enabled === true,
      aeTitle: String(req.aeTitle ?? ''),
      host: String(req.host ?? '').trim(),
      port: Number(req.port),
      allowedAeTitles: (req.allowedAeTitles ?? []).map(String).filter((a) => a.trim() !== ''),
      allowedHosts: (req.allowedHosts ?? []).map((h) => String(h).trim()).filter(Boolean),
      inboxProject: String(req.inboxProject ?? ''),
    })),
    removePacsConnection: ({ name }) => result(() => {
      if (!new PacsConnections(store.dataDir).remove(name)) throw new ApiFailure('not-found', `no PACS connection named '${name}'`);
    }),
    testPacsConnection: ({ name }) => result(() => testPacsConnection(new PacsConnections(store.dataDir), name, PACS_TIMEOUT_MS)),
    findPacsStudies: ({ connection, query }) => result(() => {
      const client = new PacsConnections(store.dataDir).client(connection, PACS_TIMEOUT_MS);
      const clean = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);
      return client.searchStudies({
        patientId: clean(query?.patientId), accessionNumber: clean(query?.accessionNumber), studyDate: clean(query?.studyDate),
        modality: clean(query?.modality)?.toUpperCase(), limit: query?.limit ?? 50, offset: query?.offset,
      });
    }),
    findPacsSeries: ({ connection, studyUid, modality }) => result(() => {
      const client = new PacsConnections(store.dataDir).client(connection, PACS_TIMEOUT_MS);
      return client.searchSeries(studyUid, { modality: modality?.trim() ? modality.trim().toUpperCase() : undefined });
    }),
    pullFromPacs: ({ projectId, connection, studyUid, seriesUid }) => result(() => {
      need(store.projects.get(projectId), `project ${projectId}`);
      if (!deps.jobKinds.includes('import')) throw new ApiFailure('unavailable', 'this build cannot run import jobs');
      const name = new PacsConnections(store.dataDir).get(connection).name;
      const config = pacsPullConfig({ projectId, pacs: { connection: name, studyUid, ...(seriesUid ? { seriesUid } : {}) } });
      return jobInfo(queue.enqueue('import', { ...config }, { projectId }));
    }),
    pushToPacs: ({ projectId, connection, seriesUids }) => result(() => {
      need(store.projects.get(projectId), `project ${projectId}`);
      if (!deps.jobKinds.includes('export')) throw new ApiFailure('unavailable', 'this build cannot run export jobs');
      const name = new PacsConnections(store.dataDir).get(connection).name;
      const config = pacsPushConfig({ projectId, pacs: { connection: name, ...(seriesUids?.length ? { seriesUids } : {}) } });
      return jobInfo(queue.enqueue('export', { ...config }, { projectId }));
    }),

    onJobEvent: (listener) => queue.subscribe((e) => {
      if (e.type === 'state') listener({ type: 'state', job: jobInfo(e.job) });
      else if (e.type === 'progress') listener({ type: 'progress', jobId: e.jobId, progress: e.progress });
      else listener({ type: 'log', jobId: e.jobId, line: e.line.line, at: e.line.at });
    }),
  };
}
