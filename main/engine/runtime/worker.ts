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
      const session = sessions.get(req.key);
      if (!session) throw new Error(`graph '${req.key}' is not loaded`);
      const out = await session.run(req.feeds, req.fetch);
      return { result: out, transfer: transferList(Object.values(out) as HostTensor[]) };
    }
    case 'release': {
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
  if (hasCachedModel(file)) {
    try {
      return await GraphSession.create(signature, weights, { ...opts, file, optimized: { load: true } });
    } catch {
      removeCachedModel(file); // unreadable (truncated, another ORT's format): rebuilt below
    }
  }
  // The session that optimised and saved the model holds unmapped copies of every weight; the
  // saved file, mapped, holds the packed ones only: build, drop it, open what was saved.
  await buildCachedModel(graph, weights, { ...embed, cacheFile: file }, async (raw, out) => (await GraphSession.create(signature, weights, { ...opts, file: raw, optimized: out })).release());
  return GraphSession.create(signature, weights, { ...opts, file, optimized: { load: true } });
}

parentPort!.on('message', (req: Envelope) => {
  handle(req).then(
    ({ result, transfer }) => parentPort!.postMessage({ id: req.id, ok: true, result } satisfies Response, transfer ?? []),
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      parentPort!.postMessage({ id: req.id, ok: false, error: { name: err.name, message: err.message } } satisfies Response);
    },
  );
});
