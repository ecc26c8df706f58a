// Adapter packs (.dlad): one safetensors file that carries an adapter from one site to another.
// The tensors are the VLSM-Adapter modules under the reference implementation's names; the
// header's metadata holds the adapter-file keys every reader of ours already checks (variant,
// adapter_form, base_model_sha256) plus `delineate_pack`, a JSON provenance record built only from
// chosen fields (numbers, label names and prompts, a note): never a path, image name or mask.
// A pack is therefore also a valid adapter file. Plain safetensors files with the reference
// trainer's names (scripts/ckpt_to_adapter.py) are read here too, as kind 'reference'.

import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import type { AdapterPackInfo } from '../contract/contract.ts';
import { AdapterError, type AdapterSet, describeAdapters, isAdapterParam } from '../engine/model/adapters.ts';
import type { ClipSegConfig } from '../engine/model/config.ts';
import { type FloatTensor, readSafetensorsHeader, readTensors, SafetensorsError, type SafetensorsHeader } from '../engine/model/safetensors.ts';
import { writeAdapterFile } from './adapter-output.ts';

/** The pack format this build writes and reads. */
export const PACK_VERSION = 1;
export const PACK_EXTENSION = '.dlad';

/** A pack or adapter file import refuses; names the file and what is wrong. */
export class AdapterPackError extends Error {
  constructor(readonly file: string, message: string) {
    super(message);
    this.name = 'AdapterPackError';
  }
}
/** Unreadable, truncated, or its bytes do not match the checksum it records. */
export class PackCorruptError extends AdapterPackError {
  override name = 'PackCorruptError';
}
/** Made on other base-model weights than the model in use. */
export class PackBaseModelError extends AdapterPackError {
  override name = 'PackBaseModelError';
}
/** Its modules do not make the variant it declares, or do not fit the model in use. */
export class PackLayoutError extends AdapterPackError {
  override name = 'PackLayoutError';
}

/** The shape of an adapter set read from its tensors alone (no model needed). */
export interface PackLayout {
  variant: string;
  dims: { adapter: number; cond: number | null };
  /** widths the adapters work on: the model's vision and text hidden sizes and its projection dim */
  widths: { vision: number; text: number | null; cond: number | null };
  /** vision modules: encoder blocks with dense adapters, or extracted layers with shallow ones */
  blocks: number;
}

/** What a pack records besides its tensors (the `delineate_pack` metadata entry). */
export interface PackRecord extends Omit<AdapterPackInfo, 'fileName' | 'kind' | 'variant' | 'dims' | 'weightsSha256' | 'baseModelSha256'> {
  packVersion: number;
  layout: PackLayout;
  baseModelSha256: string;
  form: 'reference' | 'identity';
  weightsSha256: string;
}

/** The model a pack is checked against. */
export interface PackModel {
  config: ClipSegConfig;
  sha256: string;
}

export interface ReadPack {
  path: string;
  info: AdapterPackInfo;
  set: AdapterSet;
  weights: Map<string, FloatTensor>;
  /** sha256 of the whole file as read, to check a copy against */
  fileSha256: string;
}

const MODULE = /^(v_attn|v_out|l_attn|l_out|vision_extract|text_extract)_adapters\.(\d+)$|^cond_adapter$/;

/** Kind, variant, bottlenecks and widths from tensor shapes; throws PackLayoutError for anything that is not a VLSM-Adapter set. */
export function packLayout(shapes: Map<string, readonly number[]>, file: string): PackLayout {
  const strange = [...shapes.keys()].filter((n) => !isAdapterParam(n) || !MODULE.test(n.replace(/\.fc[12]\.(weight|bias)$/, '')));
  if (strange.length) throw new PackLayoutError(file, `${file}: holds tensors that are not VLSM-Adapter modules: ${strange.slice(0, 5).join(', ')}${strange.length > 5 ? ` … (${strange.length} in all)` : ''}`);
  const fc1 = (prefix: RegExp) => [...shapes].filter(([n]) => prefix.test(n) && n.endsWith('.fc1.weight')).map(([, s]) => s);
  const dense = fc1(/^v_(attn|out)_adapters\./);
  const shallow = fc1(/^vision_extract_adapters\./);
  if (dense.length && shallow.length) throw new PackLayoutError(file, `${file}: mixes dense (v_attn_adapters…) and shallow (vision_extract_adapters…) adapters`);
  const vision = dense.length ? dense : shallow;
  if (!vision.length) throw new PackLayoutError(file, `${file}: has no vision adapters (v_attn_adapters.N… or vision_extract_adapters.K…), which every VLSM-Adapter variant has`);
  const text = fc1(dense.length ? /^l_(attn|out)_adapters\./ : /^text_extract_adapters\./);
  const cond = shapes.get('cond_adapter.fc1.weight');
  const l = text.length > 0;
  return {
    variant: `${dense.length ? 'da' : 'sa'}-v${l ? 'l' : ''}${cond ? 'c' : ''}`,
    dims: { adapter: vision[0][0], cond: cond ? cond[0] : null },
    widths: { vision: vision[0][1], text: l ? text[0][1] : null, cond: cond ? cond[1] : null },
    blocks: dense.length ? dense.length / 2 : shallow.length,
  };
}

const describeLayout = (l: PackLayout): string =>
  `${l.variant}, bottleneck ${l.dims.adapter}${l.dims.cond === null ? '' : `/${l.dims.cond}`}, ${l.blocks} ${l.variant.startsWith('da') ? 'blocks' : 'extracted layers'}, vision width ${l.widths.vision}${l.widths.text === null ? '' : `, text width ${l.widths.text}`}`;

const sameLayout = (a: PackLayout, b: PackLayout): boolean => describeLayout(a) === describeLayout(b) && a.widths.cond === b.widths.cond;

/** sha256 of the tensor data as `writeSafetensors` lays it out (names sorted, float32 little-endian). */
export function weightsSha256(weights: Map<string, FloatTensor>): string {
  const h = createHash('sha256');
  for (const name of [...weights.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const d = weights.get(name)!.data;
    h.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }
  return h.digest('hex');
}

/** sha256 of the whole file and of its data section, read in chunks. */
function fileHashes(path: string, dataOffset: number): { file: string; data: string } {
  const whole = createHash('sha256');
  const data = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(1 << 20);
    let at = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, at);
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      whole.update(chunk);
      if (at + n > dataOffset) data.update(chunk.subarray(Math.max(0, dataOffset - at)));
      at += n;
    }
  } finally {
    closeSync(fd);
  }
  return { file: whole.digest('hex'), data: data.digest('hex') };
}

/** Writes a pack: the adapter tensors and `record` (whose weightsSha256 is computed here). */
export function writeAdapterPack(path: string, weights: Map<string, FloatTensor>, record: Omit<PackRecord, 'weightsSha256' | 'packVersion' | 'layout'>): PackRecord {
  const layout = packLayout(new Map([...weights].map(([n, t]) => [n, t.shape])), path);
  const full: PackRecord = { packVersion: PACK_VERSION, ...record, layout, weightsSha256: weightsSha256(weights) };
  writeAdapterFile(path, weights, {
    variant: layout.variant,
    baseModelSha256: record.baseModelSha256,
    form: record.form,
    training: { recipe: record.recipe, train_samples: record.counts.trainCorrections, val_samples: record.counts.heldOutCorrections },
    validation: { ...record.metrics },
    extra: { delineate_pack: JSON.stringify(full) },
  });
  return full;
}

// ----- reading -----

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The pack record of a header, checked field by field; null when the file is not a pack. */
function packRecord(header: SafetensorsHeader, file: string): PackRecord | null {
  const text = header.metadata.delineate_pack;
  if (text === undefined) return null;
  const bad = (what: string) => new PackCorruptError(file, `${file}: its pack record (delineate_pack metadata) is damaged: ${what}`);
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch (e) {
    throw bad(`not JSON (${(e as Error).message})`);
  }
  if (!isObject(r)) throw bad('not an object');
  if (r.packVersion !== PACK_VERSION) {
    throw new PackCorruptError(file, `${file}: pack format version ${JSON.stringify(r.packVersion)}; this Delineate reads version ${PACK_VERSION}${typeof r.packVersion === 'number' && r.packVersion > PACK_VERSION ? ' (the pack was made by a newer Delineate: update this one)' : ''}`);
  }
  if (typeof r.baseModelSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.baseModelSha256)) throw bad('baseModelSha256 is not a sha256');
  if (typeof r.weightsSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.weightsSha256)) throw bad('weightsSha256 is not a sha256');
  if (r.form !== 'reference' && r.form !== 'identity') throw bad(`form ${JSON.stringify(r.form)} is neither reference nor identity`);
  const layout = r.layout;
  if (!isObject(layout) || typeof layout.variant !== 'string' || !isObject(layout.dims) || !isObject(layout.widths) || typeof layout.blocks !== 'number') throw bad('layout is missing or incomplete');
  const labels = Array.isArray(r.labels) ? r.labels.filter(isObject).map((l) => ({ name: String(l.name ?? ''), prompts: Array.isArray(l.prompts) ? l.prompts.filter((p): p is string => typeof p === 'string') : [] })) : [];
  const counts = isObject(r.counts) ? r.counts : {};
  const metrics = isObject(r.metrics) ? r.metrics : {};
  return {
    packVersion: PACK_VERSION,
    name: strOrNull(r.name),
    layout: layout as unknown as PackLayout,
    baseModelSha256: r.baseModelSha256,
    form: r.form,
    labels,
    recipe: isObject(r.recipe) ? r.recipe : {},
    counts: { trainCorrections: numOrNull(counts.trainCorrections), heldOutCorrections: numOrNull(counts.heldOutCorrections), images: numOrNull(counts.images), corrections: numOrNull(counts.corrections) },
    metrics: { dsc: numOrNull(metrics.dsc), iou: numOrNull(metrics.iou), hd95: numOrNull(metrics.hd95), heldOut: numOrNull(metrics.heldOut) },
    delineateVersion: strOrNull(r.delineateVersion),
    createdAt: strOrNull(r.createdAt),
    note: strOrNull(r.note),
    weightsSha256: r.weightsSha256,
  };
}

/**
 * Reads a pack, or a reference-trainer safetensors file, and checks it against `model`:
 * readable and complete (PackCorruptError, also for a checksum mismatch), made on the same base
 * weights (PackBaseModelError), and a VLSM-Adapter layout that is what it declares and fits the
 * model (PackLayoutError). A reference file without a base_model_sha256 entry cannot be checked
 * for its base model: it is assumed to be the model in use, and `info.baseModelSha256` is null.
 */
export function readAdapterPack(path: string, model: PackModel): ReadPack {
  const fileName = basename(path);
  let header: SafetensorsHeader;
  try {
    header = readSafetensorsHeader(path);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new PackCorruptError(path, `${e.message} (not a complete adapter pack or safetensors file)`);
    throw e;
  }
  const record = packRecord(header, path);
  const dataEnd = Math.max(0, ...[...header.tensors.values()].map((t) => t.end));
  if (header.fileSize !== header.dataOffset + dataEnd) {
    throw new PackCorruptError(path, `${path}: ${header.fileSize - header.dataOffset - dataEnd} bytes after its last tensor; the file is damaged`);
  }
  const hashes = fileHashes(path, header.dataOffset);
  if (record && hashes.data !== record.weightsSha256) {
    throw new PackCorruptError(path, `${path}: its tensor bytes do not match the checksum the pack records (sha256 ${hashes.data.slice(0, 12)}…, recorded ${record.weightsSha256.slice(0, 12)}…); the file is damaged`);
  }
  const shapes = new Map([...header.tensors].map(([n, t]) => [n, t.shape]));
  const layout = packLayout(shapes, path);
  if (record && !sameLayout(record.layout, layout)) {
    throw new PackLayoutError(path, `${path}: its record declares ${describeLayout(record.layout)}, but its tensors make ${describeLayout(layout)}`);
  }
  const declared = header.metadata.variant;
  if (!record && declared && declared !== layout.variant) throw new PackLayoutError(path, `${path}: its metadata says variant ${declared} but its tensors make ${layout.variant}`);

  const made = record?.baseModelSha256 ?? (/^[0-9a-f]{64}$/.test(header.metadata.base_model_sha256 ?? '') ? header.metadata.base_model_sha256 : null);
  if (made && made !== model.sha256) {
    throw new PackBaseModelError(path, `${path}: made for base model ${made.slice(0, 12)}…, but the model in use is ${model.sha256.slice(0, 12)}…; import it where that model is installed`);
  }
  let set: AdapterSet;
  try {
    set = describeAdapters(shapes, model.config, path);
  } catch (e) {
    if (!(e instanceof AdapterError)) throw e;
    const c = model.config;
    throw new PackLayoutError(path, `${path}: made for a model with ${describeLayout(layout)}; the model in use has vision width ${c.vision.hiddenSize}, text width ${c.text.hiddenSize} and extract layers [${c.extractLayers.join(', ')}], so its adapters do not fit:\n${e.message}`);
  }
  const form = record?.form ?? header.metadata.adapter_form ?? 'reference';
  if (form !== 'reference' && form !== 'identity') throw new PackLayoutError(path, `${path}: unknown adapter_form '${form}' (expected reference or identity)`);
  set.form = form;
  let weights: Map<string, FloatTensor>;
  try {
    weights = readTensors(path, { header });
  } catch (e) {
    if (e instanceof SafetensorsError) throw new PackCorruptError(path, e.message);
    throw e;
  }
  const info: AdapterPackInfo = record
    ? {
      fileName, kind: 'pack', name: record.name, variant: layout.variant, dims: layout.dims, createdAt: record.createdAt, delineateVersion: record.delineateVersion,
      note: record.note, baseModelSha256: record.baseModelSha256, labels: record.labels, recipe: record.recipe, counts: record.counts, metrics: record.metrics, weightsSha256: hashes.data,
    }
    : referenceInfo(fileName, header, layout, made, hashes.data);
  return { path, info, set, weights, fileSha256: hashes.file };
}

/** What a reference file's metadata can say (the converter's entries), the rest unknown. */
function referenceInfo(fileName: string, header: SafetensorsHeader, layout: PackLayout, baseModelSha256: string | null, data: string): AdapterPackInfo {
  const m = header.metadata;
  const int = (k: string) => (m[k] !== undefined && /^\d+$/.test(m[k]) ? Number(m[k]) : null);
  const recipe: Record<string, unknown> = { trainer: 'VLSM-Adapter reference (PyTorch Lightning)' };
  for (const k of ['epoch', 'global_step'] as const) if (int(k) !== null) recipe[k] = int(k);
  return {
    fileName, kind: 'reference', name: m.name ?? null, variant: layout.variant, dims: layout.dims, createdAt: m.created_at ?? null, delineateVersion: null,
    note: m.note ?? null, baseModelSha256, labels: [], recipe, counts: { trainCorrections: null, heldOutCorrections: null, images: null, corrections: null },
    metrics: { dsc: null, iou: null, hd95: null, heldOut: null }, weightsSha256: data,
  };
}
