// An adapter's evaluation report (docs/adapter-report.md): its held-out corrected images predicted
// by the app's own inference service under the adapter, the base model and the adapter that was
// active before it, scored at each image's own size against the corrections; paired differences
// with a seeded bootstrap interval and a verdict; DSC under every prompt of each label; and the
// images with the largest gains and losses for the gallery.
//
// Synchronous, not a job: a report predicts 2–3 masks per held-out image (plus one per extra
// prompt, which costs only the text and decoder graphs), and held-out sets are a fifth of the
// corrections — a handful of images, seconds on the real model (docs/adapter-report.md).

import { BOOTSTRAP_RESAMPLES, MIN_JUDGED, verdictOf, type AdapterEvidence, type AdapterReport, type GalleryEntry, type ImageScores, type ModelScores, type PairedDifference, type PromptScores, type ReportComparison, type ReportImage, type ReportMetric } from '../contract/adapter-report.ts';
import { deriveSeed } from '../common/rng.ts';
import { encodePng } from '../io/image-decode.ts';
import type { FrameSource } from '../common/image-source.ts';
import { loadImageFrame } from '../io/import-scan.ts';
import { outlineOverlay, type Rgb } from '../io/outline-overlay.ts';
import type { Adapter } from '../store/adapters.ts';
import { InvalidValueError, NotFoundError } from '../store/errors.ts';
import type { Image } from '../store/images.ts';
import type { Store } from '../store/store.ts';
import { originOf } from './adapter-pack-exchange.ts';
import { bootstrapMean } from './bootstrap.ts';
import { imageMetrics, resizedSpacing, summarize, type ImageMetrics, type Spacing } from './metrics.ts';

/** The slice of the inference service (inference/service.ts) a report needs; the app's own service is passed in. */
export interface MaskPredictor {
  readonly modelId: string;
  predict(image: { id: number; sourcePath: string; contentHash: string; width: number; height: number; frames: number; frameSource?(frame: number): FrameSource }, frame: number, prompt: string, threshold: number, adapter: { id: number; path: string } | null): Promise<{ mask: Uint8Array; width: number; height: number }>;
}

export interface ReportOptions {
  /** probability threshold of every mask (default 0.5, the app's) */
  threshold?: number;
  resamples?: number;
  /** the bootstrap's seed (default 0); each comparison and metric draws its own stream from it */
  seed?: number;
  /** gains and losses shown each (default 3) */
  gallerySize?: number;
  /** the project whose corrections score an imported site-wide adapter */
  projectId?: number;
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
  now?: () => Date;
}

/** Outline colours of the gallery (Okabe–Ito, told apart with colour-vision deficiencies). */
export const GALLERY_COLORS: { base: Rgb; adapter: Rgb; correction: Rgb } = { base: [213, 94, 0], adapter: [86, 180, 233], correction: [240, 228, 66] };

interface Item {
  image: Image;
  frame: number;
  target: Uint8Array;
  label: string | null;
  /** the correction's prompt, its label's prompts, its label's name; the first is the comparison's */
  prompts: string[];
  spacing: Spacing | undefined;
}

interface HeldOut {
  source: AdapterReport['heldOut']['source'];
  recorded: number;
  missing: number;
  items: Item[];
  note: string;
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

function item(store: Store, maskId: number, imageId: number, frame: number): Item | null {
  const image = store.images.get(imageId);
  const mask = store.masks.get(maskId);
  if (!image || !mask || mask.imageId !== imageId || mask.frame !== frame) return null;
  if (mask.width !== image.width || mask.height !== image.height) throw new InvalidValueError(`mask ${mask.id}`, `is ${mask.width}×${mask.height} but image ${image.id} (${image.fileName}) is ${image.width}×${image.height}`);
  const label = mask.labelId === null ? undefined : store.labels.get(mask.labelId);
  const prompts = [...new Set([mask.prompt, ...(label?.prompts ?? []), label?.name].filter((p): p is string => typeof p === 'string' && p.trim() !== ''))];
  if (prompts.length === 0) return null;
  return { image, frame, target: mask.pixels, label: label?.name ?? null, prompts, spacing: resizedSpacing(image.pixelSpacing, image.width, image.height, image.width, image.height) };
}

/** The images an adapter is judged on: the held-out set its adapt job recorded, or, for an imported pack, every correction of its project. */
function heldOutOf(store: Store, a: Adapter, projectId: number | undefined): HeldOut {
  const set = a.metrics.heldOutSet;
  if (Array.isArray(set)) {
    const items: Item[] = [];
    for (const r of set as { imageId?: unknown; frame?: unknown; maskId?: unknown }[]) {
      const it = typeof r?.imageId === 'number' && typeof r.maskId === 'number' ? item(store, r.maskId, r.imageId, typeof r.frame === 'number' ? r.frame : 0) : null;
      if (it) items.push(it);
    }
    const missing = set.length - items.length;
    return {
      source: 'adapt', recorded: set.length, missing, items,
      note: `the ${plural(set.length, 'corrected image')} held out when this adapter was trained${missing ? `; ${missing} of them ${missing === 1 ? 'is' : 'are'} no longer in the project (image or mask deleted)` : ''}`,
    };
  }
  const scope = a.projectId ?? projectId ?? null;
  if (originOf(a) && scope !== null) {
    const items = store.masks.listCurrent({ projectId: scope, kind: 'corrected' })
      .map((m) => item(store, m.id, m.imageId, m.frame)).filter((x): x is Item => x !== null)
      .sort((p, q) => p.image.id - q.image.id || p.frame - q.frame);
    return { source: 'imported', recorded: items.length, missing: 0, items, note: `imported from a pack trained elsewhere: scored on all ${plural(items.length, 'corrected image')} of project ${store.projects.get(scope)?.name ?? scope}, none of which trained it` };
  }
  return {
    source: 'none', recorded: 0, missing: 0, items: [],
    note: originOf(a)
      ? 'imported site-wide: open its report from a project to score it on that project\'s corrected images'
      : `no record of which corrected images adapter ${a.id} held out (it was made before Delineate recorded them, or registered by hand): there is nothing to score it on; a new Adapt run records them`,
  };
}

/** The adapter active before this one: its parent, else the one its adapt job recorded; or why there is none. */
function previousOf(store: Store, a: Adapter, source: HeldOut['source']): { adapter: Adapter | null; note: string | null } {
  const recorded = a.metrics.previousAdapterId;
  const id = a.parentId ?? (typeof recorded === 'number' ? recorded : null);
  if (id !== null) {
    const p = store.adapters.get(id);
    if (!p) return { adapter: null, note: `adapter ${id}, active before this one, has been deleted` };
    if (p.baseModelHash !== a.baseModelHash) return { adapter: null, note: `adapter ${id}, active before this one, was made for another base model` };
    return { adapter: p, note: null };
  }
  if (source === 'imported') return { adapter: null, note: 'imported from a pack: no adapter of this data folder came before it' };
  if (source === 'adapt' && 'previousAdapterId' in a.metrics) return { adapter: null, note: 'the base model was in use before it: the comparison with the base model is the one with what it replaced' };
  return { adapter: null, note: 'not recorded which adapter was active before it' };
}

function summaryOf(per: readonly ImageScores[]): ModelScores {
  const s = (k: ReportMetric) => { const x = summarize(per.map((p) => p[k])); return { mean: x.mean, std: x.std }; };
  return { n: per.length, dsc: s('dsc'), iou: s('iou'), hd95: s('hd95') };
}

/** Per-image differences adapter − other, each metric with its bootstrap interval and verdict. */
export function pairedDifferences(adapter: readonly ImageScores[], other: readonly ImageScores[], o: { resamples: number; seed: number }): Record<ReportMetric, PairedDifference> {
  if (adapter.length !== other.length) throw new RangeError(`pairedDifferences: ${adapter.length} images against ${other.length}`);
  const out = {} as Record<ReportMetric, PairedDifference>;
  for (const k of ['dsc', 'iou', 'hd95'] as const) {
    const d = adapter.map((s, i) => s[k] - other[i][k]);
    const n = d.length;
    const mean = n === 0 ? NaN : d.reduce((x, y) => x + y, 0) / n;
    const interval = n >= MIN_JUDGED ? bootstrapMean(d, { resamples: o.resamples, seed: deriveSeed(o.seed, k) }) : null;
    out[k] = { mean, interval: interval && { low: interval.low, high: interval.high }, verdict: verdictOf(n, interval, k !== 'hd95') };
  }
  return out;
}

function comparison(adapterId: number | null, name: string, adapter: readonly ImageScores[], other: readonly ImageScores[], o: { resamples: number; seed: number }): ReportComparison {
  const differences = pairedDifferences(adapter, other, { resamples: o.resamples, seed: deriveSeed(o.seed, adapterId ?? 'base') });
  return { adapterId, name, scores: summaryOf(other), differences, verdict: differences.dsc.verdict };
}

const imageScores = (m: ImageMetrics, mm: boolean): ImageScores => ({ dsc: m.dice, iou: m.iou, hd95: mm ? m.hd95Mm! : m.hd95 });

/** The largest gains and losses in DSC, `size` of each, biggest first. */
export function galleryOf(images: readonly ReportImage[], size: number): GalleryEntry[] {
  const entries = images.map((r) => ({ imageId: r.imageId, frame: r.frame, fileName: r.fileName, change: r.adapter.dsc - r.base.dsc }));
  const gains = entries.filter((e) => e.change > 0).sort((a, b) => b.change - a.change).slice(0, size).map((e) => ({ ...e, kind: 'gain' as const }));
  const losses = entries.filter((e) => e.change < 0).sort((a, b) => a.change - b.change).slice(0, size).map((e) => ({ ...e, kind: 'loss' as const }));
  return [...gains, ...losses];
}

function adapterRef(store: Store, a: Adapter): { id: number; path: string } {
  return { id: a.id, path: store.adapters.filePath(a.id) };
}

/**
 * The report of adapter `adapterId`, computed with `predictor` (the app's inference service), and
 * its verdicts recorded in the adapter's metrics as `evidence` (see contract AdapterEvidence).
 */
export async function adapterReport(store: Store, predictor: MaskPredictor, adapterId: number, o: ReportOptions = {}): Promise<AdapterReport> {
  const a = store.adapters.get(adapterId);
  if (!a) throw new NotFoundError('adapter', adapterId);
  const threshold = o.threshold ?? 0.5;
  const resamples = o.resamples ?? BOOTSTRAP_RESAMPLES;
  const seed = o.seed ?? 0;
  const held = heldOutOf(store, a, o.projectId);
  const prev = previousOf(store, a, held.source);
  const items = held.items;
  const mm = items.length > 0 && items.every((it) => it.spacing !== undefined);
  const models: { key: 'adapter' | 'base' | 'previous'; ref: { id: number; path: string } | null; all: boolean }[] = [
    { key: 'adapter', ref: adapterRef(store, a), all: true },
    { key: 'base', ref: null, all: true },
    ...(prev.adapter ? [{ key: 'previous' as const, ref: adapterRef(store, prev.adapter), all: false }] : []),
  ];
  const total = models.reduce((n, m) => n + items.reduce((k, it) => k + (m.all ? it.prompts.length : 1), 0), 0);
  let done = 0;
  // scores[model][item][prompt index]; the model is the outer loop: switching adapters drops the encodings.
  const scores = new Map<string, ImageScores[][]>();
  for (const m of models) {
    const per: ImageScores[][] = [];
    for (const it of items) {
      const row: ImageScores[] = [];
      for (const prompt of m.all ? it.prompts : it.prompts.slice(0, 1)) {
        o.signal?.throwIfAborted();
        const p = await predictor.predict(store.images.readable(it.image), it.frame, prompt, threshold, m.ref);
        row.push(imageScores(imageMetrics(p.mask, it.target, it.image.width, it.image.height, it.spacing), mm));
        o.onProgress?.(++done, total);
      }
      per.push(row);
    }
    scores.set(m.key, per);
  }
  const first = (key: string) => (scores.get(key) ?? []).map((r) => r[0]);
  const adapterScores = first('adapter');
  const baseScores = first('base');
  const previousScores = prev.adapter ? first('previous') : null;
  const images: ReportImage[] = items.map((it, i) => ({
    imageId: it.image.id, frame: it.frame, fileName: it.image.fileName, label: it.label, prompt: it.prompts[0],
    adapter: adapterScores[i], base: baseScores[i], previous: previousScores?.[i] ?? null,
  }));
  const n = items.length;
  const base = n === 0 ? null : comparison(null, 'base model', adapterScores, baseScores, { resamples, seed: deriveSeed(seed, 'adapter report', a.id) });
  const previous = n === 0 || !prev.adapter || !previousScores ? null : comparison(prev.adapter.id, prev.adapter.name, adapterScores, previousScores, { resamples, seed: deriveSeed(seed, 'adapter report', a.id) });
  const report: AdapterReport = {
    adapterId: a.id, adapterName: a.name, modelId: predictor.modelId, computedAt: (o.now?.() ?? new Date()).toISOString(),
    heldOut: { source: held.source, recorded: held.recorded, scored: n, missing: held.missing, note: held.note },
    hd95Unit: mm ? 'mm' : 'px', threshold, minJudged: MIN_JUDGED, resamples, seed,
    adapter: n === 0 ? null : summaryOf(adapterScores), base, previous,
    previousNote: previous ? null : n === 0 ? 'no images to compare on' : prev.note,
    images, prompts: promptRows(items, scores.get('base') ?? [], scores.get('adapter') ?? []), gallery: galleryOf(images, o.gallerySize ?? 3),
  };
  const evidence: AdapterEvidence = { modelId: report.modelId, computedAt: report.computedAt, n, vsBase: base?.verdict ?? null, vsPrevious: previous?.verdict ?? null };
  store.adapters.setMetrics(a.id, { evidence });
  return report;
}

/** Mean DSC per (label, prompt) over the images that label names, for base and adapter. */
function promptRows(items: readonly Item[], base: readonly ImageScores[][], adapter: readonly ImageScores[][]): PromptScores[] {
  const rows = new Map<string, { label: string | null; prompt: string; base: number[]; adapter: number[] }>();
  items.forEach((it, i) => it.prompts.forEach((prompt, k) => {
    const key = JSON.stringify([it.label, prompt]);
    const r = rows.get(key) ?? { label: it.label, prompt, base: [], adapter: [] };
    r.base.push(base[i][k].dsc);
    r.adapter.push(adapter[i][k].dsc);
    rows.set(key, r);
  }));
  return [...rows.values()].map((r) => ({ label: r.label, prompt: r.prompt, n: r.base.length, base: summarize(r.base).mean, adapter: summarize(r.adapter).mean }));
}

/**
 * PNG of one held-out image of the report in grey, with the outlines of the base model's mask,
 * the adapter's and the correction (GALLERY_COLORS), the longer side at most `maxSide`.
 */
export async function galleryImage(store: Store, predictor: MaskPredictor, adapterId: number, imageId: number, frame: number, o: { threshold?: number; projectId?: number; maxSide?: number } = {}): Promise<{ width: number; height: number; png: Uint8Array }> {
  const a = store.adapters.get(adapterId);
  if (!a) throw new NotFoundError('adapter', adapterId);
  const it = heldOutOf(store, a, o.projectId).items.find((x) => x.image.id === imageId && x.frame === frame);
  if (!it) throw new InvalidValueError('gallery image', `image ${imageId} slice ${frame} is not among adapter ${adapterId}'s held-out images`);
  const threshold = o.threshold ?? 0.5;
  const image = store.images.readable(it.image);
  const base = await predictor.predict(image, frame, it.prompts[0], threshold, null);
  const adapted = await predictor.predict(image, frame, it.prompts[0], threshold, adapterRef(store, a));
  const raster = await loadImageFrame(store.images.frameSource(it.image.id, frame));
  const overlay = outlineOverlay(raster, [
    { mask: base.mask, color: GALLERY_COLORS.base },
    { mask: adapted.mask, color: GALLERY_COLORS.adapter },
    { mask: it.target, color: GALLERY_COLORS.correction },
  ], o.maxSide ?? 256);
  return { width: overlay.width, height: overlay.height, png: encodePng(overlay) };
}
