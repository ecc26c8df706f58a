// The engine worker: owns ONNX Runtime sessions and the shared weight store, so session.run
// never blocks the caller's event loop. Every failure is answered with a named error.

import { parentPort, workerData } from 'node:worker_threads';
import type { CompiledGraph } from '../graph/onnx.ts';
import { DerivedWeights } from './derived-weights.ts';
import { buildCachedModel, type EmbedOptions, embeddedSignature, embedInMemory, hasCachedModel, removeCachedModel } from './embedded-model.ts';
import { checkHostTensor, transferList, type HostTensor } from './host-tensor.ts';
import type { Envelope, EngineSettings, Response } from './protocol.ts';
import { formatChoice, type Provider } from './providers.ts';
import { GraphSession, toOrt, type WeightStore } from './session.ts';

const settings = workerData as EngineSettings;
const weights: WeightStore = new Map();
const sessions = new Map<string, GraphSession>();
let provider: Provider | null = null;

/**
 * Cached models open without pre-packing their GEMM operands (~0.1 s instead of ~1.3 s for the
 * vision tower, so the first mask comes sooner) and are opened again packed — the packed
 * operands then live in process memory, where they ran ~20 % faster — once the worker has been
 * idle for PACK_AFTER_IDLE_MS after their first run, or before their second run, whichever comes
 * first. A request that arrives meanwhile waits for that one reopening.
 */
const PACK_AFTER_IDLE_MS = 300;
const unpacked = new Map<string, { session: GraphSession; reopen: () => Promise<GraphSession>; runs: number }>();
let busy = 0;
let idleTimer: ReturnType<typeof setTimeout> | null = null;
/** The reopening under way: runs and releases wait for it. */
let packing: Promise<void> = Promise.resolve();
/** Each session's latest run, so a session replaced by its packed form is released only after it. */
const lastRun = new WeakMap<GraphSession, Promise<unknown>>();

function pack(key: string): Promise<void> {
  const done = packing.then(() => reopenPacked(key));
  packing = done.catch(() => {});
  return done;
}

async function reopenPacked(key: string): Promise<void> {
  const u = unpacked.get(key);
  if (!u) return;
  unpacked.delete(key);
  let packed: GraphSession;
  try {
    packed = await u.reopen();
  } catch {
    return; // keeps the unpacked session: slower, not wrong
  }
  if (sessions.get(key) !== u.session) { await packed.release(); return; } // released meanwhile
  sessions.set(key, packed);
  await lastRun.get(u.session);
  await u.session.release();
}

/** Set by 'drain': the worker is about to be terminated, which must not happen inside a native call. */
let draining = false;

function packWhenIdle(): void {
  if (idleTimer || busy > 0 || draining) return;
  const next = [...unpacked].find(([, u]) => u.runs > 0)?.[0];
  if (!next) return;
  idleTimer = setTimeout(() => {
    idleTimer = null;
    if (busy > 0) return;
    busy++;
    pack(next).finally(() => { busy--; packWhenIdle(); });
  }, PACK_AFTER_IDLE_MS);
  idleTimer.unref();
}

async function handle(req: Envelope): Promise<{ result: unknown; transfer?: ArrayBuffer[] }> {
  switch (req.op) {
    case 'setWeights':
      for (const [name, t] of Object.entries(req.weights)) {
        checkHostTensor(name, t);
        weights.set(name, toOrt(t));
      }
      return { result: weights.size };
    case 'dropWeights':
      for (const n of req.names) weights.delete(n);
      return { result: weights.size };
    case 'load': {
      if (sessions.has(req.key)) throw new Error(`graph '${req.key}' is already loaded`);
      const session = await openSession(req.key, req.graph, req.embed);
      const first = provider === null;
      provider = session.providerName;
      sessions.set(req.key, session);
      return { result: { provider: session.provider, log: first ? formatChoice(session.provider) : null } };
    }
    case 'run': {
      await packing;
      if ((unpacked.get(req.key)?.runs ?? 0) > 0) await pack(req.key);
      const session = sessions.get(req.key);
      if (!session) throw new Error(`graph '${req.key}' is not loaded`);
      const running = session.run(req.feeds, req.fetch);
      lastRun.set(session, running.catch(() => undefined));
      const out = await running;
      const u = unpacked.get(req.key);
      if (u) u.runs++;
      return { result: out, transfer: transferList(Object.values(out) as HostTensor[]) };
    }
    case 'sessions':
      return { result: [...sessions.keys()].map((key) => ({ key, packed: !unpacked.has(key) })) };
    case 'drain':
      draining = true;
      if (idleTimer) { clearTimeout(idleTimer); idleTimer = null; }
      await packing;
      return { result: null };
    case 'release': {
      await packing;
      unpacked.delete(req.key);
      await sessions.get(req.key)?.release();
      sessions.delete(req.key);
      return { result: null };
    }
  }
}

/** A session over `graph`: params fed from the store, or embedded (from the cache file when it is there). */
async function openSession(key: string, graph: CompiledGraph, embed?: EmbedOptions): Promise<GraphSession> {
  // The first session decides the provider; later ones reuse it without probing again.
  const opts = { provider: provider ?? settings.provider, threads: settings.threads, name: key };
  if (!embed) {
    // Fed params the checkpoint does not hold (int8 forms) are made once and stored like the rest.
    const derived = new DerivedWeights(weights);
    for (const s of graph.inputs) {
      if (s.kind !== 'param' || weights.has(s.name)) continue;
      const made = derived.get(s.name);
      if (made) weights.set(s.name, toOrt(made));
    }
    return GraphSession.create(graph, weights, opts);
  }
  const file = embed.cacheFile;
  if (!file) return GraphSession.create(embedInMemory(graph, weights, embed), weights, opts);
  const signature = embeddedSignature(graph, embed);
  const cached = (pack: boolean): Promise<GraphSession> => GraphSession.create(signature, weights, { ...opts, file, optimized: { load: true, pack } });
  const unpackedOpen = async (): Promise<GraphSession> => {
    const session = await cached(false);
    unpacked.set(key, { session, reopen: () => cached(true), runs: 0 });
    return session;
  };
  if (hasCachedModel(file)) {
    try {
      return await unpackedOpen();
    } catch {
      removeCachedModel(file); // unreadable (truncated, another ORT's format): rebuilt below
    }
  }
  // The session that optimised and saved the model holds unmapped copies of every weight; the
  // saved file, mapped, holds what a later start reads: build, drop it, open what was saved.
  await buildCachedModel(graph, weights, { ...embed, cacheFile: file }, async (raw, out) => (await GraphSession.create(signature, weights, { ...opts, file: raw, optimized: out })).release());
  return unpackedOpen();
}

parentPort!.on('message', (req: Envelope) => {
  if (idleTimer) { clearTimeout(idleTimer); idleTimer = null; }
  busy++;
  handle(req).finally(() => { busy--; packWhenIdle(); }).then(
    ({ result, transfer }) => parentPort!.postMessage({ id: req.id, ok: true, result } satisfies Response, transfer ?? []),
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      parentPort!.postMessage({ id: req.id, ok: false, error: { name: err.name, message: err.message } } satisfies Response);
    },
  );
});
