// One ONNX Runtime session over a compiled graph. Params not in the feeds come from a shared
// weight store, so one copy of each frozen weight serves every session.

import os from 'node:os';
import type { CompiledGraph } from '../graph/onnx.ts';
import { checkFeed, FeedError, type HostTensor } from './host-tensor.ts';
import { candidates, ort, ortReason, type Provider, type ProviderChoice, type ProviderPreference, sessionProviders, unavailableReason } from './providers.ts';

export interface SessionOptions {
  provider?: ProviderPreference;
  /** An ONNX file to load instead of `graph.bytes` (a cached model; `graph` gives its signature). */
  file?: string;
  /**
   * `load`: the file was saved already optimised (run it as it is: re-optimising costs seconds,
   * mostly constant-folding weight transposes); with `pack: false` ORT does not pre-pack the GEMM
   * operands either (the session opens in ~0.1 s instead of ~1.3 s for the vision tower, and runs
   * ~20 % slower until it is opened again packed: see worker.ts). `save`: write the optimised model
   * there, with its initializers in the external file `weights` (a name beside it).
   */
  optimized?: { load: true; pack?: boolean } | { save: string; weights: string };
  threads?: number;
  name?: string;
}

export type WeightStore = Map<string, ort.Tensor>;

export const toOrt = (t: HostTensor): ort.Tensor => new ort.Tensor(t.dtype, t.data as never, t.dims);

export function fromOrt(t: ort.Tensor): HostTensor {
  return { dtype: t.type as HostTensor['dtype'], dims: [...t.dims], data: t.data as HostTensor['data'] };
}

export class GraphSession {
  private constructor(
    readonly name: string,
    readonly graph: CompiledGraph,
    readonly provider: ProviderChoice,
    private readonly session: ort.InferenceSession,
    private readonly weights: WeightStore,
  ) {}

  static async create(graph: CompiledGraph, weights: WeightStore, opts: SessionOptions = {}): Promise<GraphSession> {
    const name = opts.name ?? 'graph';
    const skipped: ProviderChoice['skipped'] = [];
    for (const p of candidates(opts.provider ?? 'auto')) {
      const blocked = unavailableReason(p);
      if (blocked) { skipped.push({ provider: p, reason: blocked }); continue; }
      try {
        const session = await ort.InferenceSession.create((opts.file ?? graph.bytes) as Uint8Array, {
          executionProviders: sessionProviders(p) as never,
          intraOpNumThreads: opts.threads ?? os.availableParallelism(),
          interOpNumThreads: 1,
          // ORT's extended fusions (QuickGelu, …) have float32 kernels only and would break the
          // float64 graphs used for exact checks, so those run with the basic rewrites.
          graphOptimizationLevel: opts.optimized && 'load' in opts.optimized ? 'disabled' : graph.inputs.some((i) => i.dtype === 'float64') ? 'basic' : 'all',
          logSeverityLevel: 3,
          ...(opts.optimized && 'save' in opts.optimized ? { optimizedModelFilePath: opts.optimized.save } : {}),
          // Each session has its own intra-op pool. Its threads spin between nodes (sleeping
          // between ~600 small nodes measured 4 % slower), and stop spinning when run() returns,
          // so they do not steal the cores of the session that runs next (text → decoder ran 2×
          // slower when they kept spinning).
          extra: {
            session: {
              intra_op: { allow_spinning: '1' },
              force_spinning_stop: '1',
              ...(opts.optimized && 'load' in opts.optimized && opts.optimized.pack === false ? { disable_prepacking: '1' } : {}),
              // The packed operands are not saved with the model: mapped from the cache file they
              // ran the graphs 7–25 % slower than packed in process memory (docs/benchmarks.md).
              ...(opts.optimized && 'save' in opts.optimized ? {
                optimized_model_external_initializers_file_name: opts.optimized.weights,
                optimized_model_external_initializers_min_size_in_bytes: '1024',
              } : {}),
            },
          },
        });
        return new GraphSession(name, graph, { provider: p, skipped }, session, weights);
      } catch (e) {
        if (p === 'cpu') throw new Error(`graph '${name}': ONNX Runtime rejected the model: ${(e as Error).message}`);
        skipped.push({ provider: p, reason: ortReason((e as Error).message) });
      }
    }
    throw new Error('unreachable: cpu is always a candidate');
  }

  get providerName(): Provider { return this.provider.provider; }

  async run(feeds: Record<string, HostTensor>, fetch?: readonly string[]): Promise<Record<string, HostTensor>> {
    const known = new Set(this.graph.inputs.map((s) => s.name));
    for (const k of Object.keys(feeds)) if (!known.has(k)) throw new FeedError(`graph '${this.name}': unknown feed '${k}' (inputs: ${[...known].join(', ')})`);
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const sig of this.graph.inputs) {
      const stored = sig.kind === 'param' && !feeds[sig.name] ? this.weights.get(sig.name) : undefined;
      if (stored) {
        if (stored.type !== sig.dtype || stored.dims.some((d, i) => d !== sig.shape[i]) || stored.dims.length !== sig.shape.length) {
          throw new FeedError(`graph '${this.name}': stored weight '${sig.name}' is ${stored.type} [${stored.dims.join(',')}], expected ${sig.dtype} [${sig.shape.join(',')}]`);
        }
        ortFeeds[sig.name] = stored;
        continue;
      }
      checkFeed(sig, feeds[sig.name], this.name);
      ortFeeds[sig.name] = toOrt(feeds[sig.name]);
    }
    const names = fetch ? [...fetch] : this.graph.outputs.map((o) => o.name);
    for (const n of names) if (!this.graph.outputs.some((o) => o.name === n)) throw new FeedError(`graph '${this.name}': unknown output '${n}'`);
    const out = await this.session.run(ortFeeds, names);
    const result: Record<string, HostTensor> = {};
    for (const n of names) result[n] = fromOrt(out[n]);
    return result;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
