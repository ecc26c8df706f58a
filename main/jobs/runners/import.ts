// The 'import' job: walks the files and folders a user picked (scanImport) and adds each new image
// to a project; a MedVLSM dataset folder brings its images, one label per distinct p1 prompt and
// its masks as corrected ground truth. Work is committed in batches, each in one transaction with
// the checkpoint that covers it, so a killed import resumes where its last batch ended and never
// adds a row twice.
//
// Decisions:
// - A file whose content is already in the project is a duplicate (counted, logged), not an error.
// - Dataset labels: one per distinct p1 prompt (the structure's name in the MedVLSM datasets:
//   "polyp", "left ventricle"), or one named after the dataset folder when a record has no p1; an
//   existing label of that name (compared without case) is reused. Every distinct non-empty prompt
//   of its records is kept in the label's prompts, p1 first.
// - The schema has no per-image split column, so a dataset's split is kept in the project's
//   settings as `imageSplits`: { [contentHash]: 'train' | 'val' | 'test' } (the export reads it).
// - A dataset image that is already in the project (an earlier import) gets the dataset's mask all
//   the same; a mask equal to the slot's current one is not saved again (re-imports add nothing).
// - Resume: scanImport cannot skip entries, so the entries before the checkpoint are scanned again
//   (decoded, not written); a file among them that is not in the project yet (the folder changed
//   since) is added, the rest were counted by the earlier attempt and are passed over silently.
//   Datasets before the checkpoint are not scanned again; one stopped mid-way resumes at its record.

import { basename, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { scanImport, type ImportDataset, type ImportEntry, type ImportItem, type ImportSeg } from '../../io/import-scan.ts';
import { readMedVlsmMask, type BinaryMask, type MedVlsmRecord, type Prompts, type Split } from '../../io/medvlsm-dataset.ts';
import { DuplicateError, InvalidValueError, NotFoundError } from '../../store/errors.ts';
import type { Image } from '../../store/images.ts';
import type { Job } from '../../store/jobs.ts';
import type { Label } from '../../store/labels.ts';
import { IMAGE_SPLITS_SETTING } from '../../store/projects.ts';
import type { Store } from '../../store/store.ts';
import { importDicomSeg } from '../seg-import.ts';
import { resumable, type JobContext } from '../runner.ts';

export interface ImportJobConfig {
  projectId: number;
  /** files and folders, absolute or relative to the process's working folder */
  paths: string[];
  /** entries (files, or dataset records) per transaction; default 16 */
  batchSize?: number;
}

export interface ImportResult {
  /** new image rows (dataset images included) */
  imported: number;
  /** files whose content was already in the project (or earlier in this import) */
  duplicates: number;
  /** files, folders and dataset records that could not be read; each is in the job log with its reason */
  failed: number;
  /** the first MAX_LISTED_FAILURES of them with their reasons, for the import dialog to name */
  failures: ImportFailure[];
  /** MedVLSM dataset folders imported */
  datasets: number;
  /** corrected masks saved from datasets */
  masks: number;
  /** labels created for datasets */
  labels: number;
}

export interface ImportFailure {
  path: string;
  reason: string;
}

/** Failures the result lists by name; the log has them all. */
export const MAX_LISTED_FAILURES = 100;

/** Where the committed work ends: entries before `entry` are done, and `record` records of entry `entry` (a dataset). */
interface ImportCheckpoint {
  entry: number;
  record: number;
  counts: ImportResult;
}

const LABEL_COLOURS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45', '#fabed4', '#469990', '#dcbeff', '#9a6324'];

export function importConfig(config: Record<string, unknown>): ImportJobConfig {
  const { projectId, paths, batchSize } = config;
  if (!Number.isInteger(projectId)) throw new InvalidValueError('import config projectId', `must be a project id, got ${JSON.stringify(projectId)}`);
  if (!Array.isArray(paths) || paths.length === 0 || !paths.every((p) => typeof p === 'string' && p !== '')) {
    throw new InvalidValueError('import config paths', `must be a non-empty list of file or folder paths, got ${JSON.stringify(paths)}`);
  }
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && (batchSize as number) >= 1)) {
    throw new InvalidValueError('import config batchSize', `must be an integer ≥ 1, got ${JSON.stringify(batchSize)}`);
  }
  return { projectId: projectId as number, paths: paths as string[], batchSize: batchSize as number | undefined };
}

const zeroCounts = (): ImportResult => ({ imported: 0, duplicates: 0, failed: 0, failures: [], datasets: 0, masks: 0, labels: 0 });

/**
 * Operations prepared outside a transaction (reading and decoding is async) and committed together
 * with the checkpoint of the position they reach.
 */
class Batch {
  private ops: Array<() => void> = [];
  private splits = new Map<string, Split>();
  private position: { entry: number; record: number };

  constructor(
    private readonly ctx: JobContext,
    private readonly projectId: number,
    private readonly counts: ImportResult,
    private readonly size: number,
    start: { entry: number; record: number },
  ) {
    this.position = { ...start };
  }

  /** Queues `op` (run inside the commit's transaction); the position moves to `after` once it is committed. */
  add(op: (() => void) | null, after: { entry: number; record: number }): void {
    if (op) this.ops.push(op);
    this.position = after;
  }

  /** Called by an operation (inside the commit): records an image's dataset split. */
  split(contentHash: string, split: Split): void {
    this.splits.set(contentHash, split);
  }

  get full(): boolean {
    return this.ops.length >= this.size;
  }

  commit(): void {
    const { store } = this.ctx;
    const ops = this.ops;
    this.ops = [];
    store.transaction(() => {
      for (const op of ops) op();
      const splits = this.splits; // filled by the operations just run
      this.splits = new Map();
      if (splits.size > 0) {
        const project = store.projects.get(this.projectId);
        if (!project) throw new NotFoundError('project', this.projectId);
        const known = project.settings[IMAGE_SPLITS_SETTING];
        const merged = { ...(typeof known === 'object' && known !== null ? known : {}), ...Object.fromEntries(splits) };
        store.projects.updateSettings(this.projectId, { [IMAGE_SPLITS_SETTING]: merged });
      }
      this.ctx.checkpoint({ ...this.position, counts: { ...this.counts } } satisfies ImportCheckpoint);
    });
  }
}

/** The import runner (resumable). */
export const importRunner = resumable(async (job: Job, ctx: JobContext): Promise<ImportResult> => {
  const config = importConfig(job.config);
  const { store } = ctx;
  if (!store.projects.get(config.projectId)) throw new NotFoundError('project', config.projectId);
  const saved = job.checkpoint as ImportCheckpoint | null;
  const counts = saved ? { ...zeroCounts(), ...saved.counts } : zeroCounts();
  const resumeAt = saved ? { entry: saved.entry, record: saved.record } : { entry: 0, record: 0 };
  if (saved) ctx.log(`resuming after ${saved.entry} entries${saved.record ? ` and ${saved.record} records of the next` : ''}`);
  else ctx.checkpoint({ ...resumeAt, counts } satisfies ImportCheckpoint); // so even a crash before the first batch resumes
  const batch = new Batch(ctx, config.projectId, counts, config.batchSize ?? 16, resumeAt);
  const importer = new Importer(store, config.projectId, counts, ctx, job.createdAt);
  let total = 0;
  let index = 0;
  const paths = config.paths.map((p) => resolve(p));
  // DICOM SEGs are resolved once the images they refer to are in (their series come at the end of
  // the scan); every time, since a resumed import may have committed the images but not the masks
  const segs: ImportSeg[] = [];
  try {
    for await (const entry of scanImport(paths, { signal: ctx.signal, onProgress: (p) => (total = p.filesTotal ?? total) })) {
      const i = index++;
      const earlier = i < resumeAt.entry;
      if (entry.kind === 'dicom-seg') {
        segs.push(entry);
        batch.add(null, { entry: i + 1, record: 0 });
      } else if (entry.kind === 'medvlsm-dataset') {
        if (!earlier) {
          await importer.dataset(entry, i, i === resumeAt.entry ? resumeAt.record : 0, batch, (r, n) => ctx.progress({ done: i, total, message: `${entry.fileName}: record ${r} of ${n}` }));
        }
      } else {
        batch.add(importer.entryOp(entry, earlier), { entry: i + 1, record: 0 });
      }
      ctx.progress({ done: i + 1, total, message: entry.kind === 'failure' ? basename(entry.path) : entry.fileName });
      if (batch.full) batch.commit();
      ctx.signal.throwIfAborted();
    }
  } catch (e) {
    // keep what was read before a cancel or close; any other error fails the job as it is
    if (ctx.signal.aborted) batch.commit();
    throw e;
  }
  batch.commit();
  for (const seg of segs) {
    ctx.signal.throwIfAborted();
    await importer.seg(seg);
  }
  if (segs.length > 0) batch.commit(); // the counts SEG masks added
  ctx.log(`imported ${counts.imported}, duplicates ${counts.duplicates}, failed ${counts.failed}${counts.datasets ? `, datasets ${counts.datasets} (${counts.masks} masks)` : ''}`);
  return counts;
});

/** Turns scanned entries into store operations; labels are looked up once per import. */
class Importer {
  private labelsByName: Map<string, Label> | null = null;

  constructor(
    private readonly store: Store,
    private readonly projectId: number,
    private readonly counts: ImportResult,
    private readonly ctx: JobContext,
    /** when the job was created: an image imported since from the same path is this job's own */
    private readonly since: string,
  ) {}

  /** The operation for a file entry or a failure; null when there is nothing to write. */
  entryOp(entry: Exclude<ImportEntry, ImportDataset | ImportSeg>, earlier: boolean): (() => void) | null {
    if (entry.kind === 'failure') {
      if (earlier) return null;
      return () => this.fail(entry.path, entry.reason);
    }
    return () => {
      const added = this.addImage(entry);
      if (added.failure !== undefined) {
        if (!earlier) this.fail(entry.sourcePath, added.failure);
      } else if (added.isNew) {
        this.counts.imported++;
        if (entry.note) this.ctx.log(`note ${entry.sourcePath} (${entry.fileName}): ${entry.note}`);
      } else if (!earlier) {
        this.counts.duplicates++;
        this.ctx.log(`duplicate ${entry.sourcePath}: same content as image ${added.image.id} (${added.image.fileName})`);
      }
    };
  }

  private fail(path: string, reason: string): void {
    this.counts.failed++;
    if (this.counts.failures.length < MAX_LISTED_FAILURES) this.counts.failures.push({ path, reason });
    this.ctx.log(`failed ${path}: ${reason}`);
  }

  /** Adds the image, or finds the project's image with the same content. */
  private addImage(item: ImportItem): { image: Image; isNew: boolean; failure?: undefined } | { failure: string } {
    try {
      const image = this.store.images.add({
        projectId: this.projectId,
        sourcePath: item.sourcePath,
        contentHash: item.contentHash,
        fileName: item.fileName,
        width: item.width,
        height: item.height,
        frames: item.frames,
        modality: item.modality,
        pixelSpacing: item.pixelSpacing,
        geometry: item.geometry as unknown as Record<string, unknown>,
        window: item.window ? { center: item.window.center, width: item.window.width } : null,
        thumbnail: item.thumbnail,
        studyUid: item.series?.studyUid ?? null,
        seriesUid: item.series?.seriesUid ?? null,
        frameOfReferenceUid: item.series?.frameOfReferenceUid ?? null,
        seriesDescription: item.series?.description ?? null,
        slices: item.slices ?? null,
      });
      return { image, isNew: true };
    } catch (e) {
      if (e instanceof DuplicateError && e.existingId !== undefined) return { image: this.store.images.get(e.existingId)!, isNew: false };
      if (e instanceof InvalidValueError) return { failure: e.message };
      throw e;
    }
  }

  /**
   * Queues a dataset's records from `start` on, one operation per record; the dataset counts once
   * its last record is committed.
   */
  async dataset(entry: ImportDataset, index: number, start: number, batch: Batch, progress: (record: number, records: number) => void): Promise<void> {
    const { records } = entry.dataset;
    const name = basename(entry.sourcePath);
    if (start === 0) this.ctx.log(`dataset ${entry.sourcePath}: ${records.length} records`);
    const scanned = new Map<string, ImportItem | string>();
    const seen = new Set<string>();
    for (let r = start; r < records.length; r++) {
      this.ctx.signal.throwIfAborted();
      const record = records[r];
      const image = await this.scanOne(record.imagePath, scanned);
      let mask: BinaryMask | string;
      try {
        mask = await readMedVlsmMask(record.maskPath);
      } catch (e) {
        mask = e instanceof Error ? e.message : String(e);
      }
      batch.add(() => {
        if (this.recordOp(record, image, mask, name, seen) && typeof image !== 'string') batch.split(image.contentHash, record.split);
      }, { entry: index, record: r + 1 });
      if (batch.full) batch.commit();
      progress(r + 1, records.length);
    }
    batch.add(() => this.counts.datasets++, { entry: index + 1, record: 0 });
  }

  /** One image file of a dataset, as import describes it (hash, geometry, thumbnail), or why it failed. */
  private async scanOne(path: string, cache: Map<string, ImportItem | string>): Promise<ImportItem | string> {
    const known = cache.get(path);
    if (known) return known;
    let result: ImportItem | string = 'no image found';
    for await (const e of scanImport([path], { signal: this.ctx.signal })) {
      result = e.kind === 'failure' ? e.reason : e.kind === 'medvlsm-dataset' ? 'a dataset folder, not an image' : e.kind === 'dicom-seg' ? 'a DICOM SEG, not an image' : e;
    }
    cache.set(path, result);
    return result;
  }

  /** Adds a record's image, label and mask; false (with the failure logged) when it cannot. */
  private recordOp(record: MedVlsmRecord, item: ImportItem | string, mask: BinaryMask | string, datasetName: string, seen: Set<string>): boolean {
    const fail = (path: string, reason: string) => (this.fail(path, reason), false);
    if (typeof item === 'string') return fail(record.imagePath, item);
    if (typeof mask === 'string') return fail(record.maskPath, mask);
    if (mask.width !== item.width || mask.height !== item.height) {
      return fail(record.maskPath, `mask is ${mask.width}×${mask.height} but its image ${record.imagePath} is ${item.width}×${item.height}`);
    }
    const added = this.addImage(item);
    if (added.failure !== undefined) return fail(record.imagePath, added.failure);
    // an image with several records (one per structure) counts once: later records find it in
    // `seen`, or, after a resume, imported by this job from the same path
    if (!seen.has(item.contentHash)) {
      seen.add(item.contentHash);
      if (added.isNew) this.counts.imported++;
      else if (!(added.image.sourcePath === item.sourcePath && added.image.importedAt >= this.since)) this.counts.duplicates++;
    }
    const prompts = promptList(record.prompts);
    const label = this.label(labelName(record.prompts, datasetName), prompts);
    const slot = { imageId: added.image.id, labelId: label.id, frame: 0, kind: 'corrected' as const };
    const current = this.store.masks.current(slot);
    if (current && sameMask(current.pixels, mask.data)) return true;
    this.store.masks.save({ ...slot, width: mask.width, height: mask.height, pixels: mask.data, source: 'import', prompt: label.name });
    this.counts.masks++;
    return true;
  }

  /**
   * A DICOM SEG's frames as corrected masks of the project's images they were derived from
   * (jobs/seg-import.ts); a SEG that is unreadable or refers to nothing imported fails by name.
   */
  async seg(entry: ImportSeg): Promise<void> {
    try {
      const bytes = await readFile(entry.sourcePath);
      const r = importDicomSeg(this.store, this.projectId, entry.sourcePath, bytes, (name, color) => {
        const known = this.labelsByName?.has(name.toLowerCase()) ?? this.store.labels.list(this.projectId).some((l) => l.name.toLowerCase() === name.toLowerCase());
        const label = this.label(name, [name], color);
        return { label, created: !known };
      });
      this.counts.masks += r.masks;
      this.ctx.log(`DICOM SEG ${entry.sourcePath}: ${r.masks} corrected masks on image${r.imageIds.length === 1 ? '' : 's'} ${r.imageIds.join(', ')}${r.unmatched ? `; ${r.unmatched} of its ${r.matched + r.unmatched} frames refer to images not in the project` : ''}`);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.fail(entry.sourcePath, message.startsWith(`${entry.sourcePath}: `) ? message.slice(entry.sourcePath.length + 2) : message);
    }
  }

  /** The project's label of that name (created on first use, in `color` if given) with `prompts` merged into its prompts. */
  private label(name: string, prompts: string[], color?: string): Label {
    if (!this.labelsByName) this.labelsByName = new Map(this.store.labels.list(this.projectId).map((l) => [l.name.toLowerCase(), l]));
    const key = name.toLowerCase();
    let label = this.labelsByName.get(key);
    if (!label) {
      label = this.store.labels.create({ projectId: this.projectId, name, color: color ?? LABEL_COLOURS[this.labelsByName.size % LABEL_COLOURS.length], prompts: distinct([name, ...prompts]) });
      this.counts.labels++;
    } else {
      const merged = distinct([...label.prompts, ...prompts]);
      if (merged.length > label.prompts.length) label = this.store.labels.update(label.id, { prompts: merged });
    }
    this.labelsByName.set(key, label);
    return label;
  }
}

/** A record's prompts in key order (p0, p1, p2, …), lists flattened, empty ones dropped. */
export function promptList(prompts: Prompts): string[] {
  const order = (k: string) => (/^p\d+$/.test(k) ? Number(k.slice(1)) : Infinity);
  const keys = Object.keys(prompts).sort((a, b) => order(a) - order(b) || (a < b ? -1 : a > b ? 1 : 0));
  return distinct(keys.flatMap((k) => [prompts[k]].flat()).map((p) => p.trim()).filter((p) => p !== ''));
}

/** p1 (its first alternative when it is a list), else the dataset folder's name. */
export function labelName(prompts: Prompts, datasetName: string): string {
  const p1 = [prompts.p1 ?? []].flat().map((p) => p.trim()).find((p) => p !== '');
  return p1 ?? datasetName;
}

function distinct(list: string[]): string[] {
  const seen = new Set<string>();
  return list.filter((p) => {
    const k = p.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function sameMask(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if ((a[i] !== 0) !== (b[i] !== 0)) return false;
  return true;
}
