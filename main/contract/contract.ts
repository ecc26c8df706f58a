// The typed contract between the renderer and the core: one operation per user action, each
// answering an ApiResult (errors are values with a code and a readable message, never exceptions
// crossing the boundary), plus job events. Type-only: the renderer imports it for types alone;
// Electron's preload and the web host's bridge both implement DelineateApi.

import type { Precision } from './precision.ts';
import type { AdapterReport } from './adapter-report.ts';

export type ApiErrorCode =
  | 'not-found' // the project, image, mask, label, job or adapter does not exist
  | 'invalid' // a request that cannot be right (wrong mask size, bad threshold, empty name)
  | 'conflict' // would duplicate or contradict something stored
  | 'no-model' // no usable model: none installed (message says how to install one) or its files are broken
  | 'source' // an image's source file is missing, changed since import, or unreadable
  | 'unavailable' // the operation's feature is not available in this build or state
  | 'pacs' // a PACS could not be reached or refused: the message says what (DNS, refused, TLS, 401/403, not DICOMweb)
  | 'internal';

export interface ApiError {
  code: ApiErrorCode;
  message: string;
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export interface ProjectSummary {
  id: number;
  name: string;
  createdAt: string;
  images: number;
  /** mask slots (image, label, frame) with a corrected mask */
  correctedMasks: number;
  /** of those, the ones whose current corrected mask has a prompt or a label: what Adapt can learn from */
  namedCorrections: number;
}

export type ImageFilter = 'all' | 'not-started' | 'model' | 'corrected';

/** The library's order: by file name, or "most informative first" (docs/active-learning.md). */
export type ImageSort = 'name' | 'informative';

/** A stored informativeness score of one slice (docs/active-learning.md); terms in [0, 1]. */
export interface SuggestionScore {
  frame: number;
  labelId: number | null;
  prompt: string;
  /** the mean of the terms present */
  score: number;
  /** mean binary entropy in the predicted boundary's band */
  entropy: number;
  /** 1 − Dice(base model, active adapter); null: no adapter was active */
  disagreement: number | null;
  /** 1 − mean Dice against the label's other prompts; null: the label has one prompt */
  synonymDisagreement: number | null;
  adapterId: number | null;
  scoredAt: string;
}

/** "Correct this next": the highest-scoring slice without a corrected mask, and its image. */
export interface Suggestion extends SuggestionScore {
  image: ImageSummary;
  /**
   * Why this slice: 'coverage' while the scope has fewer than 8 corrections (the slice least like
   * those corrected or just visited), 'score' after (the best informativeness score).
   */
  basis: 'coverage' | 'score';
}

export interface ImageSummary {
  id: number;
  fileName: string;
  width: number;
  height: number;
  /** slices of a volume or stack (frames of a multi-frame file); 1 for a 2-D image */
  frames: number;
  modality: string | null;
  /** [row, column] or [row, column, slice] spacing in mm; null when the file gives none */
  pixelSpacing: number[] | null;
  /** mm between neighbouring slices (from the sorted positions of a DICOM stack, or the NIfTI affine); null for 2-D images */
  sliceSpacing: number | null;
  /** DICOM SeriesDescription (null when absent or not DICOM) */
  seriesDescription: string | null;
  /**
   * Voxel (column, row, slice) → patient RAS+ mm, row-major 4×4, for orienting the view
   * (contract/orientation.ts); null when the file carries no patient orientation (PNG/JPEG, DICOM
   * without ImageOrientationPatient, NIfTI without qform/sform): such images show as stored.
   */
  affine: number[][] | null;
  window: { center: number; width: number } | null;
  status: 'not-started' | 'model' | 'corrected';
  importedAt: string;
  /** the image's best-scoring slice without a corrected mask (for the label asked about, or any); null: none scored */
  suggestion?: SuggestionScore | null;
}

export interface ImagePage {
  total: number;
  images: ImageSummary[];
}

export interface LabelInfo {
  id: number;
  name: string;
  color: string;
  prompts: string[];
}

/** A binary mask on the wire: 0/1 bytes, width × height, row-major, top row first. */
export interface MaskPixels {
  width: number;
  height: number;
  pixels: Uint8Array;
}

export interface PreviewResult extends MaskPixels {
  threshold: number;
  /** the image encoding was cached: only text + decoder ran */
  cached: boolean;
  ms: number;
  modelId: string;
  /** the project's active adapter that was applied (null: the base model) */
  adapterId: number | null;
}

export interface MaskRecord {
  id: number;
  imageId: number;
  labelId: number | null;
  frame: number;
  kind: 'model' | 'corrected';
  source: 'model' | 'editor' | 'import';
  width: number;
  height: number;
  area: number;
  prompt: string | null;
  adapterId: number | null;
  threshold: number | null;
  author: string | null;
  parentId: number | null;
  createdAt: string;
}

export type JobKind = 'adapt' | 'segment-batch' | 'import' | 'export';
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface JobInfo {
  id: number;
  kind: JobKind;
  projectId: number | null;
  state: JobState;
  progress: { done: number; total: number; message?: string; [k: string]: unknown } | null;
  error: string | null;
  result: unknown;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export type JobEvent =
  | { type: 'state'; job: JobInfo }
  | { type: 'progress'; jobId: number; progress: NonNullable<JobInfo['progress']> }
  | { type: 'log'; jobId: number; line: string; at: string };

export interface AdapterInfo {
  id: number;
  projectId: number | null;
  name: string;
  variant: string;
  parentId: number | null;
  metrics: Record<string, unknown>;
  active: boolean;
  createdAt: string;
  /** where an imported adapter came from; null for adapters trained in this data folder */
  origin: AdapterOrigin | null;
}

/** What an adapter pack (or a reference-trainer safetensors file) says about itself; nothing in it names an image or a patient. */
export interface AdapterPackInfo {
  /** the file's name, without its folder */
  fileName: string;
  /** 'pack': a Delineate adapter pack (.dlad); 'reference': a plain safetensors file with the reference trainer's module names */
  kind: 'pack' | 'reference';
  /** the adapter's name at its source; null where not recorded */
  name: string | null;
  variant: string;
  /** bottlenecks of the adapters and of the conditional adapter (null: none) */
  dims: { adapter: number; cond: number | null };
  /** when the source made it; null where not recorded */
  createdAt: string | null;
  delineateVersion: string | null;
  note: string | null;
  /** the base model sha256 the file records; null: not recorded (assumed to be the model in use) */
  baseModelSha256: string | null;
  labels: { name: string; prompts: string[] }[];
  /** the training recipe at the source (hyper-parameters only) */
  recipe: Record<string, unknown>;
  /** at the source: corrections trained on and held out; images and corrections of its project when exported */
  counts: { trainCorrections: number | null; heldOutCorrections: number | null; images: number | null; corrections: number | null };
  /** the source's held-out scores (DSC and IoU as fractions, HD95 in pixels at the model's size); not measured here */
  metrics: { dsc: number | null; iou: number | null; hd95: number | null; heldOut: number | null };
  /** sha256 of the tensor bytes */
  weightsSha256: string;
}

/** An imported adapter's provenance, kept with it in the Adapter versions table. */
export interface AdapterOrigin extends AdapterPackInfo {
  importedAt: string;
}

/** A file offered for import: what it holds, or why import would refuse it. */
export interface AdapterPackCandidate {
  path: string;
  fileName: string;
  info: AdapterPackInfo | null;
  /** why import refuses it, naming the file and what differs; null: it can be imported */
  problem: string | null;
}

/** What an adapt (training) job accepts in `startJob({kind: 'adapt', config})`; everything optional. */
export interface AdaptConfig {
  /** default: 'sa-vlc' on a CPU, 'da-vlc' where a GPU is present */
  variant?: 'da-v' | 'da-vl' | 'da-vlc' | 'sa-v' | 'sa-vl' | 'sa-vlc' | 'decoder' | 'full';
  adapterDim?: number;
  maxEpochs?: number;
  lr?: number;
  batchSize?: number;
  seed?: number;
  /** start from this adapter's weights (default: none, fresh init) */
  initAdapterId?: number | null;
  name?: string;
}

/** Extra fields of an adapt job's progress events (besides done/total/message). */
export interface AdaptProgress {
  phase: 'preparing' | 'caching' | 'training' | 'evaluating' | 'saving';
  step: number;
  epoch: number;
  maxEpochs: number;
  loss: number | null;
  lr: number;
  valDice: number | null;
  valLoss: number | null;
  /** seconds left, estimated */
  eta: number | null;
}

export interface SegmentationScores {
  /** images scored */
  n: number;
  dsc: { mean: number; std: number };
  iou: { mean: number; std: number };
  /** at the model's input size, in hd95Unit */
  hd95: { mean: number; std: number };
  /** mm when every scored image's pixel spacing is known, else pixels; absent (pixels) in results from before it was recorded */
  hd95Unit?: 'mm' | 'px';
}

/** An adapt job's result: the new adapter (stored, not activated) compared with the current one on held-out corrected images. */
export interface AdaptResult {
  adapterId: number;
  variant: string;
  epochs: number;
  bestEpoch: number;
  trainImages: number;
  heldOutImages: number;
  /** the new adapter on the held-out images */
  candidate: SegmentationScores;
  /** what is active now (an adapter or the base model) on the same images */
  current: SegmentationScores & { adapterId: number | null };
}

export type ExportFormat = 'png' | 'png-index' | 'nii' | 'nii.gz' | 'dicom-seg' | 'dataset';

/** What the app runs with: for the status bar and the notice shown when the model is the demo one. */
export interface AppInfo {
  version: string;
  dataDir: string;
  /** the model previews use; null when none is installed (a preview then answers 'no-model' saying how to install one) */
  model: {
    /** `name@sha256-prefix`, as recorded with previews (PreviewResult.modelId) */
    id: string;
    name: string;
    /** installed in the data folder, a folder named at start-up, or the tiny bundled demo model */
    source: 'installed' | 'folder' | 'demo' | null;
    /** bytes of its weights file */
    size: number;
  } | null;
  /** execution providers whose files are present here, best first; 'cpu' is always last */
  providers: string[];
  /** a GPU provider (cuda or webgpu) is among them */
  gpu: boolean;
  /** the model is the bundled demo model: fine for a first look, not for real images */
  demo: boolean;
}

/** How the model runs: its precision and why, and what it is busy with besides predictions. */
export interface ModelRuntimeInfo {
  precision: Precision;
  /** the user's choice; null: automatic (int8 when the self-check agreed with fp32) */
  chosen: Precision | null;
  /** why this precision, in a sentence */
  reason: string;
  /** the int8 self-check on the bundled sample images, once it has run */
  check: { int8Agrees: boolean; minDice: number; maxRelativeLogitError: number; samples: number; summary: string } | null;
  /**
   * opening: reading the model; preparing: building this computer's compiled models (a first
   * start, or a new model); checking: the int8 self-check; idle: none of these.
   */
  work: 'idle' | 'opening' | 'preparing' | 'checking';
}

/** What a folder holds, for choosing what to import where no native dialog exists (the web host). */
export interface DirListing {
  /** the folder listed, absolute */
  path: string;
  /** its parent; null at the root */
  parent: string | null;
  /** sub-folders first, then files import recognises by their bytes; hidden entries left out; each group by name */
  entries: { name: string; path: string; kind: 'folder' | 'png' | 'jpeg' | 'dicom' | 'nifti' }[];
  /** the folder has more entries than one listing returns */
  truncated: boolean;
}

/** A PACS connection as the app shows it: its settings and whether a secret is stored, never the secret. */
export interface PacsConnectionInfo {
  name: string;
  /** the DICOMweb base URL (QIDO-RS, WADO-RS and STOW-RS are under it); null: DIMSE only */
  dicomweb: string | null;
  auth: 'none' | 'basic' | 'bearer';
  /** basic auth's user name */
  username: string | null;
  /** an extra certificate authority (PEM file) trusted for this server */
  caFile: string | null;
  /** a password (basic) or token (bearer) is stored for it */
  secretSet: boolean;
  /** DIMSE (C-FIND, C-GET, C-STORE): used where there is no DICOMweb URL */
  dimse: PacsDimse | null;
}

/** A PACS's DIMSE address: host, port, its AE title (called) and ours (calling). */
export interface PacsDimse {
  host: string;
  port: number;
  calledAeTitle: string;
  callingAeTitle: string;
}

/** The C-STORE listener's settings: off by default; who may send is an allow-list. */
export interface PacsListenerSettings {
  enabled: boolean;
  /** the AE title senders must call */
  aeTitle: string;
  /** the interface address bound: 127.0.0.1 (this computer only), a LAN address, or 0.0.0.0 */
  host: string;
  port: number;
  /** calling AE titles that may send; empty: nobody */
  allowedAeTitles: string[];
  /** sender addresses that may send; empty: any (of an allowed AE title) */
  allowedHosts: string[];
  /** the project received series are imported into (made when missing) */
  inboxProject: string;
}

/** The listener's settings and whether it is listening now. */
export interface PacsListenerState {
  settings: PacsListenerSettings;
  /** the port it listens on; null when off or when it could not start */
  listeningOn: number | null;
  /** why it is not listening although enabled (port taken, address not this computer's) */
  error: string | null;
}

/** What "Test connection" found: each protocol the connection has, checked. */
export interface PacsConnectionTest {
  /** host:port of each server tried */
  server: string;
  /** DICOMweb: whether a study search found any; null where DICOMweb is not set */
  studiesVisible: boolean | null;
  /** one line per protocol checked, e.g. "DIMSE: pacs:104 (AE PACS) accepts DELINEATE for C-ECHO and C-FIND" */
  checked: string[];
}

/** What savePacsConnection accepts; a secret left out keeps the one stored for that connection. */
export interface PacsConnectionInput {
  name: string;
  /** the DICOMweb base URL; empty or null: none (then dimse is needed) */
  dicomweb: string | null;
  dimse?: PacsDimse | null;
  auth: 'none' | 'basic' | 'bearer';
  username?: string | null;
  caFile?: string | null;
  /** basic auth's password (write-only: never returned) */
  password?: string;
  /** bearer auth's token (write-only: never returned) */
  token?: string;
}

/** A study a PACS found (QIDO-RS). */
export interface PacsStudy {
  studyUid: string;
  patientId: string;
  patientName: string;
  /** YYYYMMDD as the server gives it ('' when absent) */
  studyDate: string;
  accessionNumber: string;
  description: string;
  modalities: string[];
  series: number | null;
  instances: number | null;
}

/** A series of a study on a PACS. */
export interface PacsSeries {
  studyUid: string;
  seriesUid: string;
  modality: string;
  description: string;
  number: number | null;
  instances: number | null;
}

/** A study search; every field optional, dates as YYYYMMDD or a range YYYYMMDD-YYYYMMDD (either end open). */
export interface PacsStudyQuery {
  patientId?: string;
  accessionNumber?: string;
  /** YYYYMMDD, or a range YYYYMMDD-YYYYMMDD (either end may be open) */
  studyDate?: string;
  /** a modality in the study (CT, MR, …) */
  modality?: string;
  limit?: number;
  offset?: number;
}

/** A push job's result (an export job with config.pacs): one entry per SEG sent. */
export interface PacsPushResult {
  connection: string;
  objects: { imageId: number; seriesUid: string; sopInstanceUid: string; stored: boolean; reason?: string; attempts: number }[];
  stored: number;
  failed: number;
  /** SEGs stored before with the same masks (not sent again) */
  unchanged: number;
  /** SEGs of images not pulled from a PACS (or not of the series asked for) */
  leftOut: number;
}

export interface DelineateApi {
  listProjects(): Promise<ApiResult<ProjectSummary[]>>;
  createProject(req: { name: string }): Promise<ApiResult<ProjectSummary>>;
  renameProject(req: { projectId: number; name: string }): Promise<ApiResult<ProjectSummary>>;
  deleteProject(req: { projectId: number }): Promise<ApiResult<void>>;

  /** `sort: 'informative'`: best suggestion score first (of `labelId`'s scores when given; null: free prompts), unscored and fully corrected images after, by name. */
  listImages(req: { projectId: number; filter?: ImageFilter; search?: string; offset?: number; limit?: number; sort?: ImageSort; labelId?: number | null }): Promise<ApiResult<ImagePage>>;
  /** The slice to correct next: highest score, no corrected mask for its label, not in `exclude`; null when none is scored (run a segment-batch job with config.score). */
  nextSuggestion(req: { projectId: number; labelId?: number | null; exclude?: { imageId: number; frame: number }[] }): Promise<ApiResult<Suggestion | null>>;
  /** PNG bytes of the image's thumbnail. */
  getThumbnail(req: { imageId: number }): Promise<ApiResult<Uint8Array>>;
  /**
   * One frame as the viewer shows it, PNG bytes (8-bit): through the import's window
   * (ImageSummary.window), or through `window` when given, applied exactly to the raw values
   * (DICOM's linear VOI function, in ImageSummary.window's units: modality values after rescale;
   * for images whose window is null, the 8-bit levels, where {center: 128, width: 256} is the
   * identity). A window without a finite center and a finite width ≥ 1 is 'invalid'.
   */
  getImageFrame(req: { imageId: number; frame?: number; window?: { center: number; width: number } }): Promise<ApiResult<{ width: number; height: number; png: Uint8Array }>>;

  listLabels(req: { projectId: number }): Promise<ApiResult<LabelInfo[]>>;
  createLabel(req: { projectId: number; name: string; color?: string; prompts?: string[] }): Promise<ApiResult<LabelInfo>>;

  /** The model's mask for a prompt, not saved (the preview while typing). */
  previewMask(req: { imageId: number; frame?: number; prompt: string; threshold?: number }): Promise<ApiResult<PreviewResult>>;
  /** Saves the model's mask for a prompt as kind 'model' (what the user started from). */
  saveModelMask(req: { imageId: number; frame?: number; labelId?: number | null; prompt: string; threshold?: number }): Promise<ApiResult<MaskRecord>>;
  /** Saves the user's mask as kind 'corrected' (the training data); a new version in its history. */
  saveCorrectedMask(req: { imageId: number; frame?: number; labelId?: number | null; mask: MaskPixels; prompt?: string | null; author?: string | null }): Promise<ApiResult<MaskRecord>>;
  currentMasks(req: { imageId: number }): Promise<ApiResult<MaskRecord[]>>;
  getMask(req: { maskId: number }): Promise<ApiResult<MaskRecord & MaskPixels>>;
  maskHistory(req: { imageId: number; labelId?: number | null; frame?: number; kind: 'model' | 'corrected' }): Promise<ApiResult<MaskRecord[]>>;

  startJob(req: { kind: JobKind; projectId: number; config?: Record<string, unknown> }): Promise<ApiResult<JobInfo>>;
  cancelJob(req: { jobId: number }): Promise<ApiResult<{ cancelled: boolean }>>;
  listJobs(req: { projectId?: number; limit?: number }): Promise<ApiResult<JobInfo[]>>;
  jobLog(req: { jobId: number; afterId?: number }): Promise<ApiResult<{ id: number; at: string; line: string }[]>>;

  listAdapters(req: { projectId: number }): Promise<ApiResult<AdapterInfo[]>>;
  activateAdapter(req: { adapterId: number }): Promise<ApiResult<AdapterInfo>>;
  /** Re-activates the active adapter's parent (or none). */
  rollbackAdapter(req: { projectId: number }): Promise<ApiResult<AdapterInfo | null>>;
  /** Writes an adapter pack (a single .dlad file: weights and provenance, no image or patient data) to `outPath`, a new file. */
  exportAdapterPack(req: { adapterId: number; outPath: string; note?: string | null }): Promise<ApiResult<{ path: string; bytes: number }>>;
  /** The packs in a folder (.dlad and .safetensors files), or the one file named, each checked against the model in use. */
  inspectAdapterPacks(req: { path: string }): Promise<ApiResult<AdapterPackCandidate[]>>;
  /** Imports a pack (or a reference-trainer safetensors file) for the project, or site-wide; it stays inactive until activated. */
  importAdapterPack(req: { path: string; projectId: number; siteWide?: boolean; name?: string }): Promise<ApiResult<AdapterInfo>>;
  /**
   * The adapter's evaluation report (contract/adapter-report.ts, docs/adapter-report.md): its
   * held-out corrected images under the adapter, the base model and the adapter active before it;
   * its verdicts are recorded in the adapter's metrics ('evidence'). `projectId`: the project whose
   * corrections score an adapter imported site-wide.
   */
  adapterReport(req: { adapterId: number; projectId?: number }): Promise<ApiResult<AdapterReport>>;
  /** PNG of one of the report's images: the frame in grey with the outlines of the base model's mask, the adapter's and the correction. */
  adapterReportImage(req: { adapterId: number; imageId: number; frame: number; projectId?: number }): Promise<ApiResult<{ width: number; height: number; png: Uint8Array }>>;

  /** Starts an export job; progress arrives as job events. */
  exportMasks(req: { projectId: number; outDir: string; format: ExportFormat; kind?: 'corrected' | 'model' }): Promise<ApiResult<JobInfo>>;

  appInfo(): Promise<ApiResult<AppInfo>>;
  /** The model's precision and work (null: no model opened yet, or none installed). */
  modelRuntime(): Promise<ApiResult<ModelRuntimeInfo | null>>;
  /** Chooses the precision (null: automatic); applies from the next prediction. */
  setPrecision(req: { precision: Precision | null }): Promise<ApiResult<ModelRuntimeInfo | null>>;
  /** Starts an import job of files and folders (absolute paths) into a project; progress arrives as job events. */
  importPaths(req: { projectId: number; paths: string[] }): Promise<ApiResult<JobInfo>>;
  /** Sub-folders and importable files of a folder (default: the user's home folder). */
  listDir(req: { path?: string }): Promise<ApiResult<DirListing>>;

  /** The PACS connections (docs/pacs.md); secrets never come back, only whether one is set. */
  listPacsConnections(): Promise<ApiResult<PacsConnectionInfo[]>>;
  /** Adds or replaces (same name, any case) a connection; no network call. */
  savePacsConnection(req: PacsConnectionInput): Promise<ApiResult<PacsConnectionInfo>>;
  /** The C-STORE listener's settings and state. */
  getPacsListener(): Promise<ApiResult<PacsListenerState>>;
  /** Saves the listener's settings and starts, restarts or stops it to match. */
  savePacsListener(req: PacsListenerSettings): Promise<ApiResult<PacsListenerState>>;
  removePacsConnection(req: { name: string }): Promise<ApiResult<void>>;
  /** One QIDO-RS search; an error (code 'pacs') says what failed: DNS, refused, TLS, 401/403, not DICOMweb. */
  testPacsConnection(req: { name: string }): Promise<ApiResult<PacsConnectionTest>>;
  findPacsStudies(req: { connection: string; query: PacsStudyQuery }): Promise<ApiResult<PacsStudy[]>>;
  findPacsSeries(req: { connection: string; studyUid: string; modality?: string }): Promise<ApiResult<PacsSeries[]>>;
  /** Starts a pull of a study (every series) or one series into the project: an import job with config.pacs. */
  pullFromPacs(req: { projectId: number; connection: string; studyUid: string; seriesUid?: string }): Promise<ApiResult<JobInfo>>;
  /** Starts sending the project's SEGs of pulled series (all, or those of seriesUids): an export job with config.pacs; its result is a PacsPushResult. */
  pushToPacs(req: { projectId: number; connection: string; seriesUids?: string[] }): Promise<ApiResult<JobInfo>>;

  /** Job state, progress and log events; returns the unsubscribe function. */
  onJobEvent(listener: (e: JobEvent) => void): () => void;
}
