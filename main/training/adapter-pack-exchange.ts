// Adapter packs in and out of a data folder: export builds a pack from a stored adapter, its
// project's labels and the numbers its training recorded (never a path, an image name or a mask);
// import checks a pack against the model in use, copies it into the data folder's adapters/ and
// registers it, inactive, with its provenance (the `origin` entry of the adapter's config).

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import type { AdapterOrigin, AdapterPackCandidate } from '../contract/contract.ts';
import { isAdapterParam } from '../engine/model/adapters.ts';
import { readSafetensorsHeader, readTensors, SafetensorsError } from '../engine/model/safetensors.ts';
import { writeFileAtomic } from '../fs/atomic.ts';
import { dataPaths } from '../fs/data-folder.ts';
import type { Adapter } from '../store/adapters.ts';
import { DuplicateError, InvalidValueError, NotFoundError } from '../store/errors.ts';
import type { Store } from '../store/store.ts';
import { readClipSegConfig } from '../models/model-folder.ts';
import { AdapterPackError, PACK_EXTENSION, type PackModel, type PackRecord, readAdapterPack, writeAdapterPack } from './adapter-pack.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
/** A score recorded as a number or as {mean, std}. */
const mean = (v: unknown): number | null => num(v) ?? (isObject(v) ? num(v.mean) : null);

/** Hyper-parameters worth carrying; everything else in an adapter's config (paths, ids) stays home. */
const RECIPE_KEYS = ['lr', 'weightDecay', 'maxGradNorm', 'batchSize', 'microBatch', 'minEpochs', 'maxEpochs', 'maxSteps', 'seed', 'shuffle', 'promptKey', 'adapterDim', 'epochs', 'bestEpoch', 'stoppedBy'] as const;
const NESTED_KEYS = ['plateau', 'earlyStopping'] as const;
const safeScalar = (v: unknown): boolean => v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && /^[\w.+-]{1,32}$/.test(v));

function recipeOf(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of RECIPE_KEYS) if (k in config && safeScalar(config[k])) out[k] = config[k];
  for (const k of NESTED_KEYS) {
    const v = config[k];
    if (isObject(v)) out[k] = Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x === 'number' && Number.isFinite(x)));
  }
  return out;
}

const packageVersion = (): string => (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface ExportedPack {
  path: string;
  bytes: number;
  record: PackRecord;
}

/**
 * Writes adapter `adapterId` as a pack at `out` (a new file: an existing one is left alone). Only
 * VLSM-Adapter adapters travel; the decoder and full baselines are base-model weights, not packs.
 */
export function exportAdapterPack(store: Store, adapterId: number, out: string, o: { note?: string | null; now?: () => Date } = {}): ExportedPack {
  const a = store.adapters.get(adapterId);
  if (!a) throw new NotFoundError('adapter', adapterId);
  if (existsSync(out)) throw new InvalidValueError('pack file', `${out} already exists; choose another name (nothing was overwritten)`);
  if (!statSync(dirname(out), { throwIfNoEntry: false })?.isDirectory()) throw new InvalidValueError('pack file', `cannot write ${out}: the folder ${dirname(out)} does not exist`);
  const file = store.adapters.filePath(adapterId);
  let header;
  try {
    header = readSafetensorsHeader(file);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new AdapterPackError(file, `adapter ${adapterId}'s file cannot be read: ${e.message}`);
    throw e;
  }
  const other = [...header.tensors.keys()].filter((n) => !isAdapterParam(n));
  if (other.length) throw new AdapterPackError(file, `adapter ${adapterId} ("${a.name}") holds base-model tensors (${other.slice(0, 3).join(', ')}…), not VLSM-Adapter modules; only adapters can be packed`);
  const weights = readTensors(file, { header });
  let training: Record<string, unknown> = {};
  try {
    const t = JSON.parse(header.metadata.training ?? '{}');
    if (isObject(t)) training = t;
  } catch { /* an adapter file without readable training metadata still packs; its counts are then unknown */ }
  const origin = originOf(a);
  const corrected = a.projectId === null ? [] : store.masks.listCurrent({ projectId: a.projectId, kind: 'corrected' });
  const usedLabels = new Set(corrected.map((m) => m.labelId));
  const labels = a.projectId === null ? [] : store.labels.list(a.projectId);
  const form = header.metadata.adapter_form === 'identity' ? 'identity' : 'reference';
  const note = o.note?.trim() ? o.note.trim() : null;
  const record = writeAdapterPack(out, weights, {
    name: a.name,
    baseModelSha256: a.baseModelHash,
    form,
    labels: (labels.some((l) => usedLabels.has(l.id)) ? labels.filter((l) => usedLabels.has(l.id)) : labels).map((l) => ({ name: l.name, prompts: [...l.prompts] })),
    recipe: origin ? origin.recipe : recipeOf(a.config),
    counts: origin ? origin.counts : {
      trainCorrections: num(training.train_samples),
      heldOutCorrections: num(training.val_samples) ?? num(a.metrics.heldOut),
      images: a.projectId === null ? null : new Set(corrected.map((m) => m.imageId)).size,
      corrections: a.projectId === null ? null : corrected.length,
    },
    metrics: origin ? origin.metrics : { dsc: mean(a.metrics.dsc), iou: mean(a.metrics.iou), hd95: mean(a.metrics.hd95), heldOut: num(a.metrics.heldOut) },
    delineateVersion: packageVersion(),
    createdAt: (o.now?.() ?? new Date()).toISOString(),
    note,
  });
  return { path: out, bytes: statSync(out).size, record };
}

/** The model packs are checked against: the one in a model folder, with its weights' sha256. */
export const packModelAt = (dir: string, sha256: string): PackModel => ({ config: readClipSegConfig(dir), sha256 });

/** The provenance an imported adapter keeps in its config; null for adapters trained here. */
export function originOf(a: Adapter): AdapterOrigin | null {
  const o = a.config.origin;
  return isObject(o) && typeof o.fileName === 'string' && typeof o.weightsSha256 === 'string' ? (o as unknown as AdapterOrigin) : null;
}

/**
 * Imports a pack or reference file for `projectId` (null: site-wide). The bytes checked are the
 * bytes stored: the copy's sha256 must equal the file's as verified. The new adapter is inactive.
 */
export function importAdapterPack(store: Store, file: string, o: { model: PackModel; projectId: number | null; name?: string; now?: () => Date }): Adapter {
  if (o.projectId !== null && !store.projects.get(o.projectId)) throw new NotFoundError('project', o.projectId);
  const pack = readAdapterPack(file, o.model);
  const same = store.adapters.list().find((a) => originOf(a)?.weightsSha256 === pack.info.weightsSha256 && a.projectId === o.projectId);
  if (same) throw new DuplicateError(`${file}: already imported as adapter ${same.id} ("${same.name}")`);
  const bytes = readFileSync(file);
  if (createHash('sha256').update(bytes).digest('hex') !== pack.fileSha256) throw new AdapterPackError(file, `${file} changed while it was being imported; try again`);
  const dir = dataPaths.adapters(store.dataDir);
  mkdirSync(dir, { recursive: true });
  const stamp = (o.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-');
  const dest = join(dir, `imported-${stamp}-${pack.info.weightsSha256.slice(0, 12)}.safetensors`);
  writeFileAtomic(dest, bytes);
  const origin: AdapterOrigin = { ...pack.info, importedAt: (o.now?.() ?? new Date()).toISOString() };
  const name = o.name?.trim() || pack.info.name || basename(file).replace(/\.(dlad|safetensors)$/i, '');
  try {
    return store.adapters.register({
      projectId: o.projectId, name, variant: pack.set.variant, baseModelHash: o.model.sha256, file: dest,
      metrics: {}, config: { origin }, activate: false,
    });
  } catch (e) {
    rmSync(dest, { force: true });
    throw e;
  }
}

/** Files a folder offers for import (packs and safetensors files), or the one file named, each checked against `model`. */
export function inspectAdapterPacks(path: string, model: PackModel, limit = 200): AdapterPackCandidate[] {
  let files: string[];
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw new InvalidValueError('pack path', `${path} does not exist`);
  if (st.isDirectory()) {
    files = readdirSync(path).filter((n) => !n.startsWith('.') && (n.toLowerCase().endsWith(PACK_EXTENSION) || n.toLowerCase().endsWith('.safetensors')))
      .sort((a, b) => a.localeCompare(b)).slice(0, limit).map((n) => join(path, n));
  } else files = [path];
  return files.map((f) => {
    try {
      return { path: f, fileName: basename(f), info: readAdapterPack(f, model).info, problem: null };
    } catch (e) {
      if (e instanceof AdapterPackError) return { path: f, fileName: basename(f), info: null, problem: e.message };
      throw e;
    }
  });
}
