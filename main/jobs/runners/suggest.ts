// "Correct this next": scores every slice of a project's images for how much correcting it would
// teach the adapter (training/informativeness.ts, docs/active-learning.md) and stores the scores
// (store.suggestions). It runs as a 'segment-batch' job with `config.score: true` rather than as a
// job kind of its own: jobs.kind has a CHECK constraint (migration 001), and a new kind would need
// a migration that rebuilds the jobs table and every job-kind list (contract, store, renderer)
// to follow, for a job that reads the same config (project, label, prompt, threshold, images) as
// batch segmentation. PACS pull/push are import/export variants for the same reason.
//
// The maps come from the inference service's probabilities(): the image is encoded once per
// model, and the label's synonyms cost only text + decoder runs on the cached encoding. With an
// active adapter the base model's maps are needed too; switching the segmenter's adapter drops its
// caches and recompiles the adapter's graphs, so items go in chunks: the base model over the
// chunk, then the adapter over it (base maps of one chunk held in memory, ~0.5 MB each at 352²).

import type { InferenceService, SourceImage } from '../../inference/service.ts';
import { imageLook } from '../../common/look.ts';
import { loadImageFrame, SourceChangedError } from '../../io/import-scan.ts';
import { ImageDecodeError } from '../../io/raster.ts';
import { InvalidValueError, NotFoundError } from '../../store/errors.ts';
import type { Image } from '../../store/images.ts';
import type { Job } from '../../store/jobs.ts';
import { informativeness } from '../../training/informativeness.ts';
import { resumable, type JobContext, type JobRunner } from '../runner.ts';

export interface SuggestJobConfig {
  projectId: number;
  /** the label scored (its first prompt is the prompt, the others its synonyms); null: a free prompt; absent: the project's first label */
  labelId?: number | null;
  /** the prompt; default the label's first prompt, else its name */
  prompt?: string;
  /** probability threshold of the masks compared; default 0.5 */
  threshold: number;
  /** only these images (default all of the project) */
  imageIds?: number[];
  /** also score disagreement across the label's other prompts; default true */
  synonyms: boolean;
}

export interface SuggestResult {
  /** slices scored */
  scored: number;
  /** slices that could not be scored (source missing or changed); each is in the log */
  failed: number;
  /** slices left out because their label already has a corrected mask there */
  corrected: number;
  labelId: number | null;
  prompt: string;
  synonyms: string[];
  adapterId: number | null;
  /** the highest scores of this run, best first (at most 5) */
  top: { imageId: number; frame: number; score: number }[];
}

interface SuggestCheckpoint {
  after: [number, number] | null;
  counts: { scored: number; failed: number };
  top: SuggestResult['top'];
}

/** Items per adapter switch (see the header). */
export const SUGGEST_CHUNK = 32;

export function suggestConfig(config: Record<string, unknown>): SuggestJobConfig {
  const { projectId, prompt, threshold, labelId, imageIds, synonyms } = config;
  const bad = (field: string, why: string) => new InvalidValueError(`suggest config ${field}`, why);
  if (!Number.isInteger(projectId)) throw bad('projectId', `must be a project id, got ${JSON.stringify(projectId)}`);
  if (prompt !== undefined && (typeof prompt !== 'string' || prompt.trim() === '')) throw bad('prompt', `must be non-empty text, got ${JSON.stringify(prompt)}`);
  if (threshold !== undefined && !(typeof threshold === 'number' && threshold > 0 && threshold < 1)) throw bad('threshold', `must be a number strictly between 0 and 1, got ${JSON.stringify(threshold)}`);
  if (labelId !== undefined && labelId !== null && !Number.isInteger(labelId)) throw bad('labelId', `must be a label id, got ${JSON.stringify(labelId)}`);
  if (imageIds !== undefined && !(Array.isArray(imageIds) && imageIds.every((id) => Number.isInteger(id)))) throw bad('imageIds', `must be a list of image ids, got ${JSON.stringify(imageIds)}`);
  if (synonyms !== undefined && typeof synonyms !== 'boolean') throw bad('synonyms', `must be true or false, got ${JSON.stringify(synonyms)}`);
  return { projectId: projectId as number, prompt: (prompt as string | undefined)?.trim(), threshold: (threshold as number | undefined) ?? 0.5, labelId: labelId as number | null | undefined, imageIds: imageIds as number[] | undefined, synonyms: synonyms !== false };
}

const after = (a: [number, number], b: [number, number]) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
const whereOf = (image: Image, frame: number): string => `image ${image.id} (${image.fileName})${image.frames > 1 ? ` slice ${frame}` : ''}`;

/** The suggest runner over `service` (resumable); needs service.probabilities. */
export function suggestRunner(service: InferenceService): JobRunner {
  return resumable(async (job: Job, ctx: JobContext): Promise<SuggestResult> => {
    const config = suggestConfig(job.config);
    const { store } = ctx;
    if (!service.probabilities) throw new Error(`the model service (${service.modelId}) cannot give probability maps, which scoring needs`);
    const probabilities = service.probabilities.bind(service);
    if (!store.projects.get(config.projectId)) throw new NotFoundError('project', config.projectId);
    // no label named and no prompt: the project's first label (the library's "Score slices" button)
    const labelId = config.labelId !== undefined ? config.labelId : config.prompt ? null : (store.labels.list(config.projectId)[0]?.id ?? null);
    const label = labelId === null ? null : store.labels.get(labelId);
    if (label === undefined || (label && label.projectId !== config.projectId)) throw new InvalidValueError('suggest config labelId', `label ${config.labelId} is not a label of project ${config.projectId}`);
    // no label at all: the prompt the project's masks were last made with (a free-prompt project)
    const prompt = config.prompt ?? label?.prompts[0] ?? label?.name ?? store.suggestions.latestPrompt(config.projectId);
    if (!prompt) throw new InvalidValueError('suggest config prompt', `project ${config.projectId} has no label and no mask made with a prompt to score by: segment one image with a prompt first (or add a label)`);
    const synonyms = config.synonyms && label ? [...new Set(label.prompts.map((p) => p.trim()))].filter((p) => p !== '' && p.toLowerCase() !== prompt.toLowerCase()) : [];

    const images = config.imageIds ? config.imageIds.map((id) => imageOf(ctx, id, config.projectId)) : store.images.list(config.projectId);
    const corrected = store.suggestions.correctedSlices(config.projectId, labelId);
    const all = images.flatMap((image) => Array.from({ length: image.frames }, (_, frame) => ({ image, frame })));
    const items = all.filter((it) => !corrected.has(`${it.image.id}:${it.frame}`));
    items.sort((a, b) => a.image.id - b.image.id || a.frame - b.frame);

    const saved = job.checkpoint as SuggestCheckpoint | null;
    const counts = saved ? { ...saved.counts } : { scored: 0, failed: 0 };
    let top = saved ? [...saved.top] : [];
    const todo = saved?.after ? items.filter((it) => after([it.image.id, it.frame], saved.after!)) : items;
    if (saved?.after) ctx.log(`resuming after image ${saved.after[0]} slice ${saved.after[1]}: ${todo.length} of ${items.length} slices left`);
    else ctx.checkpoint({ after: null, counts, top } satisfies SuggestCheckpoint);

    const active = store.adapters.effective(config.projectId);
    const adapter = active ? { id: active.id, path: store.adapters.filePath(active.id) } : null;
    ctx.log(`scoring ${todo.length} slices for "${prompt}"${synonyms.length ? ` (synonyms: ${synonyms.map((s) => `"${s}"`).join(', ')})` : ''} with ${service.modelId}${active ? ` and adapter ${active.id} (${active.name})` : ', no adapter'}; ${all.length - items.length} corrected slices left out`);

    let done = items.length - todo.length;
    const sourceOf = (image: Image): SourceImage => store.images.readable(image);
    const fail = (image: Image, frame: number, e: unknown): void => {
      if (!isSourceProblem(e)) throw e; // no model, a bad adapter, a dead engine: every slice would fail alike
      store.transaction(() => {
        counts.failed++;
        ctx.log(`failed ${whereOf(image, frame)}: ${(e as Error).message}`);
        ctx.checkpoint({ after: [image.id, frame], counts: { ...counts }, top } satisfies SuggestCheckpoint);
      });
      ctx.progress({ done: ++done, total: items.length, message: whereOf(image, frame) });
    };

    for (let c = 0; c < todo.length; c += SUGGEST_CHUNK) {
      const chunk = todo.slice(c, c + SUGGEST_CHUNK);
      // The base model's maps first, when an adapter is active (its disagreement term).
      const base = new Map<number, Float32Array | Error>();
      if (adapter) {
        for (const [k, { image, frame }] of chunk.entries()) {
          ctx.signal.throwIfAborted();
          try {
            base.set(k, (await probabilities(sourceOf(image), frame, [prompt], null)).maps[0]);
          } catch (e) {
            if (!isSourceProblem(e)) throw e;
            base.set(k, e as Error);
          }
        }
      }
      for (const [k, { image, frame }] of chunk.entries()) {
        ctx.signal.throwIfAborted();
        const baseMap = base.get(k);
        if (baseMap instanceof Error) {
          fail(image, frame, baseMap);
          continue;
        }
        let result;
        let look: Float32Array;
        try {
          const p = await probabilities(sourceOf(image), frame, [prompt, ...synonyms], adapter);
          result = informativeness({ size: p.modelSize, primary: p.maps[0], base: baseMap ?? null, synonyms: p.maps.slice(1), threshold: config.threshold });
          look = imageLook(await loadImageFrame(store.images.frameSource(image.id, frame))); // for coverage-first suggestions
        } catch (e) {
          fail(image, frame, e);
          continue;
        }
        top = [...top, { imageId: image.id, frame, score: result.score }].sort((a, b) => b.score - a.score).slice(0, 5);
        store.transaction(() => {
          store.suggestions.put({
            imageId: image.id, frame, labelId, prompt, score: result.score, entropy: result.entropy, disagreement: result.disagreement,
            synonymDisagreement: result.synonymDisagreement, adapterId: adapter?.id ?? null, modelId: service.modelId, jobId: job.id, look,
          });
          counts.scored++;
          ctx.checkpoint({ after: [image.id, frame], counts: { ...counts }, top } satisfies SuggestCheckpoint);
        });
        ctx.progress({ done: ++done, total: items.length, message: whereOf(image, frame) });
      }
    }
    ctx.log(`scored ${counts.scored} slices${counts.failed ? `, ${counts.failed} failed` : ''}${top[0] ? `; highest ${top[0].score.toFixed(3)} (image ${top[0].imageId} slice ${top[0].frame})` : ''}`);
    return { ...counts, corrected: all.length - items.length, labelId, prompt, synonyms, adapterId: adapter?.id ?? null, top } satisfies SuggestResult;
  });
}

/** The segment-batch job's runner with its scoring variant: `config.score: true` runs `suggest`. */
export function withSuggest(segment: JobRunner, suggest: JobRunner): JobRunner {
  return resumable((job, ctx) => (job.config.score === true ? suggest(job, ctx) : segment(job, ctx)));
}

function isSourceProblem(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return e instanceof SourceChangedError || e instanceof ImageDecodeError || code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR';
}

function imageOf(ctx: JobContext, id: number, projectId: number): Image {
  const image = ctx.store.images.get(id);
  if (!image) throw new NotFoundError('image', id);
  if (image.projectId !== projectId) throw new InvalidValueError('suggest config imageIds', `image ${id} belongs to project ${image.projectId}, not ${projectId}`);
  return image;
}
