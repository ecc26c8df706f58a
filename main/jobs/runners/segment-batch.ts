// The 'segment-batch' job: runs the model with one prompt over a project's images (or the ones
// named) and saves each result as a model mask. Each mask is saved in its own transaction together
// with the checkpoint, so a resumed job starts after the last saved frame and redoes none.
// Items are taken in (image id, frame) order and the checkpoint is the last one finished, so
// images added to the project before the job starts (or resumes) are included. The frames of one
// volume go through the service's batched predictFrames (prompt embedded once, slices batched
// through the vision graph) where it has one: the workspace's "Segment all slices".

import type { InferenceService } from '../../inference/service.ts';
import { SourceChangedError } from '../../io/import-scan.ts';
import { ImageDecodeError } from '../../io/raster.ts';
import { InvalidValueError, NotFoundError, StoreError } from '../../store/errors.ts';
import type { Image } from '../../store/images.ts';
import type { Job } from '../../store/jobs.ts';
import { resumable, type JobContext, type JobRunner } from '../runner.ts';

export interface SegmentBatchJobConfig {
  projectId: number;
  /** the text prompt; defaults to the label's first prompt, else its name */
  prompt?: string;
  /** probability threshold in [0, 1]; default 0.5 */
  threshold?: number;
  /** the label the masks are saved for; none: free-prompt masks */
  labelId?: number | null;
  /** only these images (of the project); default all */
  imageIds?: number[];
  /** every frame of volumes and series; default only the middle one (the frame the library shows) */
  allFrames?: boolean;
  /** with allFrames: only frames start..end−1 (0-based, end exclusive) of each image that has them */
  slices?: [number, number];
  /** frames per vision-graph run for volumes (default: the CLI's, see volume-segment.ts) */
  batch?: number;
}

export interface SegmentBatchResult {
  /** masks saved */
  segmented: number;
  /** frames that could not be segmented (source missing or changed, model error); each is in the log */
  failed: number;
  /** summed foreground pixels of the saved masks */
  area: number;
}

interface SegmentCheckpoint {
  /** the last finished item, [imageId, frame]; null before the first */
  after: [number, number] | null;
  counts: SegmentBatchResult;
}

export function segmentBatchConfig(config: Record<string, unknown>): SegmentBatchJobConfig {
  const { projectId, prompt, threshold, labelId, imageIds, allFrames, slices, batch } = config;
  if (!Number.isInteger(projectId)) throw new InvalidValueError('segment-batch config projectId', `must be a project id, got ${JSON.stringify(projectId)}`);
  if (prompt !== undefined && (typeof prompt !== 'string' || prompt.trim() === '')) throw new InvalidValueError('segment-batch config prompt', `must be non-empty text, got ${JSON.stringify(prompt)}`);
  if (threshold !== undefined && !(typeof threshold === 'number' && threshold >= 0 && threshold <= 1)) throw new InvalidValueError('segment-batch config threshold', `must be a number in [0, 1], got ${JSON.stringify(threshold)}`);
  if (labelId !== undefined && labelId !== null && !Number.isInteger(labelId)) throw new InvalidValueError('segment-batch config labelId', `must be a label id, got ${JSON.stringify(labelId)}`);
  if (imageIds !== undefined && !(Array.isArray(imageIds) && imageIds.every((id) => Number.isInteger(id)))) throw new InvalidValueError('segment-batch config imageIds', `must be a list of image ids, got ${JSON.stringify(imageIds)}`);
  if (allFrames !== undefined && typeof allFrames !== 'boolean') throw new InvalidValueError('segment-batch config allFrames', `must be true or false, got ${JSON.stringify(allFrames)}`);
  if (slices !== undefined && !(Array.isArray(slices) && slices.length === 2 && slices.every((n) => Number.isInteger(n)) && slices[0] >= 0 && slices[0] < slices[1])) {
    throw new InvalidValueError('segment-batch config slices', `must be [start, end] with 0 ≤ start < end (end exclusive), got ${JSON.stringify(slices)}`);
  }
  if (slices !== undefined && allFrames !== true) throw new InvalidValueError('segment-batch config slices', 'a slice range needs allFrames: true');
  if (batch !== undefined && !(Number.isInteger(batch) && (batch as number) >= 1 && (batch as number) <= 64)) throw new InvalidValueError('segment-batch config batch', `must be an integer in 1..64, got ${JSON.stringify(batch)}`);
  return { projectId: projectId as number, prompt: prompt as string | undefined, threshold: threshold as number | undefined, labelId: (labelId ?? null) as number | null, imageIds: imageIds as number[] | undefined, allFrames: allFrames === true, slices: slices as [number, number] | undefined, batch: batch as number | undefined };
}

/** The frames of an image the job segments: the middle one (as import's thumbnail), or all (those of `slices` [start, end) it has). */
export function framesOf(image: Pick<Image, 'frames'>, allFrames: boolean, slices?: [number, number]): number[] {
  if (!allFrames) return [Math.floor(image.frames / 2)];
  const [start, end] = slices ?? [0, image.frames];
  return Array.from({ length: Math.max(0, Math.min(end, image.frames) - start) }, (_, i) => start + i);
}

const after = (a: [number, number], b: [number, number]) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);

/** The segment-batch runner over `service` (resumable). */
export function segmentBatchRunner(service: InferenceService): JobRunner {
  return resumable(async (job: Job, ctx: JobContext): Promise<SegmentBatchResult> => {
    const config = segmentBatchConfig(job.config);
    const { store } = ctx;
    if (!store.projects.get(config.projectId)) throw new NotFoundError('project', config.projectId);
    const label = config.labelId === null ? null : store.labels.get(config.labelId!);
    if (label === undefined || (label && label.projectId !== config.projectId)) {
      throw new InvalidValueError('segment-batch config labelId', `label ${config.labelId} is not a label of project ${config.projectId}`);
    }
    const prompt = config.prompt?.trim() ?? label?.prompts[0] ?? label?.name;
    if (!prompt) throw new InvalidValueError('segment-batch config prompt', 'give a prompt (or a label with prompts)');
    const threshold = config.threshold ?? 0.5;

    const images = config.imageIds ? config.imageIds.map((id) => imageOf(ctx, id, config.projectId)) : store.images.list(config.projectId);
    const items = images.flatMap((image) => framesOf(image, config.allFrames!, config.slices).map((frame) => ({ image, frame })));
    items.sort((a, b) => a.image.id - b.image.id || a.frame - b.frame);

    const saved = job.checkpoint as SegmentCheckpoint | null;
    const counts: SegmentBatchResult = saved ? { ...saved.counts } : { segmented: 0, failed: 0, area: 0 };
    const todo = saved?.after ? items.filter((it) => after([it.image.id, it.frame], saved.after!)) : items;
    if (saved?.after) ctx.log(`resuming after image ${saved.after[0]} slice ${saved.after[1]}: ${todo.length} of ${items.length} slices left`);
    else ctx.checkpoint({ after: null, counts } satisfies SegmentCheckpoint);
    ctx.log(`segmenting ${todo.length} slices with "${prompt}" (threshold ${threshold}) using ${service.modelId}`);

    // The project's active adapter when the job starts applies to every frame, so one job's masks
    // come from one model.
    const active = store.adapters.effective(config.projectId);
    const adapter = active ? { id: active.id, path: store.adapters.filePath(active.id) } : null;
    if (adapter) ctx.log(`with adapter ${active!.id} (${active!.name}, ${active!.variant})`);
    const done0 = items.length - todo.length;
    let done = done0;
    type Outcome = { mask: Uint8Array; width: number; height: number; threshold: number; adapterId: number | null } | string;
    const record = (image: Image, frame: number, outcome: Outcome): void => {
      let result = outcome;
      store.transaction(() => {
        if (typeof result !== 'string') {
          try {
            const info = store.masks.save({
              imageId: image.id, labelId: config.labelId ?? null, frame, kind: 'model', source: 'model',
              width: result.width, height: result.height, pixels: result.mask, prompt, threshold: result.threshold, adapterId: result.adapterId,
            });
            counts.segmented++;
            counts.area += info.area;
          } catch (e) {
            if (!(e instanceof StoreError)) throw e;
            result = e.message; // e.g. the image was deleted while the job ran
          }
        }
        if (typeof result === 'string') {
          counts.failed++;
          ctx.log(`failed ${whereOf(image, frame)}: ${result}`);
        }
        ctx.checkpoint({ after: [image.id, frame], counts: { ...counts } } satisfies SegmentCheckpoint);
      });
      ctx.progress({ done: ++done, total: items.length, message: whereOf(image, frame) });
    };
    // A problem with an image's source is that image's failure; anything else (no model, a bad
    // adapter, a dead engine) would fail every frame the same way: fail the job once.
    const sourceProblem = (e: unknown): string => {
      if (!isSourceProblem(e)) throw e;
      return e instanceof Error ? e.message : String(e);
    };
    for (let i = 0; i < todo.length;) {
      ctx.signal.throwIfAborted();
      const { image } = todo[i];
      let n = 1;
      while (i + n < todo.length && todo[i + n].image.id === image.id) n++;
      const frames = todo.slice(i, i + n).map((it) => it.frame);
      i += n;
      const withSource = store.images.readable(image);
      if (frames.length > 1 && service.predictFrames) {
        const left = new Set(frames);
        try {
          await service.predictFrames(withSource, frames, prompt, threshold, adapter, (frame, p) => {
            left.delete(frame);
            record(image, frame, p);
          }, { batch: config.batch, signal: ctx.signal });
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          const reason = sourceProblem(e);
          for (const frame of frames) if (left.has(frame)) record(image, frame, reason);
        }
        continue;
      }
      for (const frame of frames) {
        ctx.signal.throwIfAborted();
        let outcome: Outcome;
        try {
          outcome = await service.predict(withSource, frame, prompt, threshold, adapter);
        } catch (e) {
          outcome = sourceProblem(e);
        }
        record(image, frame, outcome);
      }
    }
    return counts;
  });
}

const whereOf = (image: Image, frame: number): string => `image ${image.id} (${image.fileName})${image.frames > 1 ? ` slice ${frame}` : ''}`;

function isSourceProblem(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return e instanceof SourceChangedError || e instanceof ImageDecodeError || e instanceof RangeError || code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR';
}

function imageOf(ctx: JobContext, id: number, projectId: number): Image {
  const image = ctx.store.images.get(id);
  if (!image) throw new NotFoundError('image', id);
  if (image.projectId !== projectId) throw new InvalidValueError('segment-batch config imageIds', `image ${id} belongs to project ${image.projectId}, not ${projectId}`);
  return image;
}
