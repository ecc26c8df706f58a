// A graph whose frozen params are embedded as initializers instead of fed on every run: ONNX
// Runtime can then pre-pack them (GEMM operand layouts, int8 weight panels) once per session.
// With a cache file the model is written once — the ONNX file plus its weights as external data
// (page-aligned, so ORT maps them instead of copying) — and a later start loads it from there
// without the checkpoint; the worker packs the GEMM operands in memory after a session's first
// run (worker.ts), since packed operands mapped from the file ran slower.

import { closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { HostArray } from '../graph/dtype.ts';
import { processAlive } from '../../fs/process-alive.ts';
import { type CompiledGraph, embedInitializers, type Initializer } from '../graph/onnx.ts';
import { DerivedWeights } from './derived-weights.ts';
import type { HostTensor } from './host-tensor.ts';
import type { WeightStore } from './session.ts';

export interface EmbedOptions {
  /** Params still fed per run (adapter weights, which change without the graph changing). */
  keepFed: string[];
  /** Where the model with external data is kept (`<file>` + `<file>.weights`); none: built in memory. */
  cacheFile?: string;
}

const ALIGN = 4096;

/** The params of `graph` that `opts` embeds. */
export function embeddedNames(graph: CompiledGraph, opts: EmbedOptions): string[] {
  const fed = new Set(opts.keepFed);
  return graph.inputs.filter((s) => s.kind === 'param' && !fed.has(s.name)).map((s) => s.name);
}

/** The signature a cached model of `graph` runs with. */
export function embeddedSignature(graph: CompiledGraph, opts: EmbedOptions): CompiledGraph {
  const embedded = new Set(embeddedNames(graph, opts));
  return { ...graph, bytes: new Uint8Array(0), inputs: graph.inputs.filter((s) => !embedded.has(s.name)) };
}

export const hasCachedModel = (file: string): boolean => existsSync(file) && existsSync(`${file}.weights`);

function bytesOf(data: HostArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function resolve(names: string[], store: WeightStore): HostTensor[] {
  const derived = new DerivedWeights(store);
  return names.map((name) => {
    const stored = store.get(name);
    if (stored) return { dtype: stored.type as HostTensor['dtype'], dims: [...stored.dims], data: stored.data as HostArray };
    const made = derived.get(name);
    if (!made) throw new Error(`cannot embed '${name}': the engine holds no such weight`);
    return made;
  });
}

/** The model with its params embedded inline (no cache file). */
export function embedInMemory(graph: CompiledGraph, store: WeightStore, opts: EmbedOptions): CompiledGraph {
  const names = embeddedNames(graph, opts);
  const tensors = resolve(names, store);
  return embedInitializers(graph, names.map((name, k) => ({ name, dtype: tensors[k].dtype, dims: tensors[k].dims, data: bytesOf(tensors[k].data) })));
}

/**
 * Writes the model and its external weights to `file` (temporaries renamed into place, weights
 * first: a model file is only ever there with its weights complete).
 */
export function writeCachedModel(graph: CompiledGraph, store: WeightStore, opts: EmbedOptions & { cacheFile: string }): void {
  const names = embeddedNames(graph, opts);
  const tensors = resolve(names, store);
  const file = opts.cacheFile;
  const dataFile = `${file}.weights`;
  const tmpData = `${dataFile}.${process.pid}.tmp`;
  const tmpModel = `${file}.${process.pid}.tmp`;
  const inits: Initializer[] = [];
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(tmpData, 'w');
  try {
    let offset = 0;
    const pad = new Uint8Array(ALIGN);
    tensors.forEach((t, k) => {
      const bytes = bytesOf(t.data);
      const gap = (ALIGN - (offset % ALIGN)) % ALIGN;
      if (gap) { writeSync(fd, pad, 0, gap); offset += gap; }
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, Math.min(bytes.length - at, 1 << 26));
      inits.push({ name: names[k], dtype: t.dtype, dims: t.dims, external: { location: basename(dataFile), offset, length: bytes.length } });
      offset += bytes.length;
    });
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const model = embedInitializers(graph, inits).bytes;
  const mfd = openSync(tmpModel, 'w');
  try {
    for (let at = 0; at < model.length;) at += writeSync(mfd, model, at, model.length - at);
    fsyncSync(mfd);
  } finally {
    closeSync(mfd);
  }
  renameSync(tmpData, dataFile);
  renameSync(tmpModel, file);
}

/**
 * Builds the cached model of `graph` at `file`: the weights embedded (written as external data
 * in a private build folder), then ONNX Runtime's optimised form of it saved by `optimise` (a
 * session created with its optimised-model path — that session is returned for use), then both
 * files renamed into place, weights first.
 */
export async function buildCachedModel<S>(graph: CompiledGraph, store: WeightStore, opts: EmbedOptions & { cacheFile: string }, optimise: (raw: string, out: { save: string; weights: string }) => Promise<S>): Promise<S> {
  const file = opts.cacheFile;
  mkdirSync(dirname(file), { recursive: true });
  const build = mkdtempSync(join(dirname(file), `.build-${process.pid}-`));
  try {
    const raw = join(build, 'embedded.onnx');
    writeCachedModel(graph, store, { ...opts, cacheFile: raw });
    const weights = `${basename(file)}.weights`;
    const session = await optimise(raw, { save: join(build, basename(file)), weights });
    renameSync(join(build, weights), `${file}.weights`);
    renameSync(join(build, basename(file)), file);
    return session;
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
}

/** Removes a cached model (e.g. one ORT could not load). */
export function removeCachedModel(file: string): void {
  rmSync(file, { force: true });
  rmSync(`${file}.weights`, { force: true });
}

/**
 * Removes the other versions of one graph (files named `<prefix><hash>.onnx[.weights]` beside
 * `keep`): a model folder's checkpoint changed, or another build wrote them. Build folders left by
 * a process that died go too.
 */
export function pruneCachedModels(keep: string, prefix: string): string[] {
  const dir = dirname(keep);
  const removed: string[] = [];
  let names: string[];
  try { names = readdirSync(dir); } catch { return removed; }
  for (const n of names) {
    // build folders of a process that was killed (a live process's, this one's included, may be in use)
    const builder = /^\.build-(\d+)-/.exec(n);
    if (builder) {
      if (!processAlive(Number(builder[1]))) { removed.push(n); rmSync(join(dir, n), { recursive: true, force: true }); }
      continue;
    }
    if (!n.startsWith(prefix)) continue;
    if (n === basename(keep) || n === `${basename(keep)}.weights`) continue;
    if (!/\.onnx(\.weights)?$/.test(n)) continue;
    rmSync(join(dir, n), { force: true });
    removed.push(n);
  }
  return removed;
}
