// The engine client: starts the worker, loads compiled graphs into it and runs them. Errors
// raised in the worker come back with their name and message; a worker that dies fails every
// pending call with the reason instead of leaving it hanging.

import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CompiledGraph } from '../graph/onnx.ts';
import type { EmbedOptions } from './embedded-model.ts';
import { FeedError, type HostTensor, transferList } from './host-tensor.ts';
import type { EngineSettings, Request, Response } from './protocol.ts';
import type { ProviderChoice, ProviderPreference } from './providers.ts';

export interface EngineOptions {
  provider?: ProviderPreference;
  threads?: number;
  /** Receives the execution-provider line and other notices (default: stderr). */
  log?: (line: string) => void;
  /** Worker script (tests substitute one that fails on purpose). */
  entry?: URL;
}

export class EngineError extends Error {
  override name = 'EngineError';
}

interface Pending { resolve(v: unknown): void; reject(e: Error): void; what: string }

export class Engine {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private nextId = 1;
  private dead: string | null = null;
  private readonly log: (line: string) => void;
  /** The execution provider in use, once the first graph is loaded. */
  provider: ProviderChoice | null = null;
  /** What the worker was started with (provider preference, threads). */
  readonly settings: EngineSettings;

  constructor(opts: EngineOptions = {}) {
    const settings: EngineSettings = { provider: opts.provider ?? envProvider() ?? 'auto', threads: opts.threads ?? os.availableParallelism() };
    this.settings = settings;
    this.log = opts.log ?? ((line) => process.stderr.write(`[delineate] ${line}\n`));
    this.worker = new Worker(opts.entry ?? new URL('./worker-entry.mjs', import.meta.url), { workerData: settings });
    this.worker.on('message', (msg: Response) => this.settle(msg));
    this.worker.on('error', (e) => this.fail(`engine worker crashed: ${e.message}`));
    this.worker.on('exit', (code) => this.fail(`engine worker exited with code ${code}`));
    this.worker.unref();
  }

  /** Stores frozen weights once in the worker; graphs read params they are not fed from here. */
  async setWeights(weights: Record<string, HostTensor>, opts: { transfer?: boolean } = {}): Promise<void> {
    await this.call({ op: 'setWeights', weights }, opts.transfer ? transferList(Object.values(weights)) : []);
  }

  async dropWeights(names: string[]): Promise<void> {
    await this.call({ op: 'dropWeights', names });
  }

  /**
   * Loads a compiled graph under `key`; the first load picks the execution provider and logs it.
   * With `embed`, its frozen params become initializers (see embedded-model.ts).
   */
  async load(key: string, graph: CompiledGraph, embed?: EmbedOptions): Promise<ProviderChoice> {
    const r = (await this.call({ op: 'load', key, graph, embed }, [])) as { provider: ProviderChoice; log: string | null };
    if (r.log) this.log(r.log);
    this.provider = r.provider;
    return r.provider;
  }

  /** Runs a loaded graph. Feeds are copied unless `transfer` hands their buffers to the worker. */
  async run(key: string, feeds: Record<string, HostTensor>, opts: { fetch?: string[]; transfer?: boolean } = {}): Promise<Record<string, HostTensor>> {
    return (await this.call({ op: 'run', key, feeds, fetch: opts.fetch }, opts.transfer ? transferList(Object.values(feeds)) : [])) as Record<string, HostTensor>;
  }

  /**
   * A runner bound to one graph, for TrainState and the like. With `transfer` every run hands its
   * feeds' buffers to the worker (they are detached afterwards): a train step replaces all it feeds.
   */
  runner(key: string, opts: { transfer?: boolean } = {}): { run(feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> } {
    return { run: (feeds) => this.run(key, feeds, opts) };
  }

  async release(key: string): Promise<void> {
    await this.call({ op: 'release', key });
  }

  /**
   * Stops the worker once calls in flight have settled: terminating a thread inside
   * session.run aborts the whole process (onnxruntime-node cannot unwind a native run).
   */
  async close(): Promise<void> {
    if (this.dead) return;
    this.dead = 'engine closed';
    await Promise.allSettled([...this.inFlight]);
    // the worker may be reopening a session packed on its own (worker.ts): let that finish too
    await this.call({ op: 'drain' }, [], true).catch(() => undefined);
    await this.worker.terminate();
  }

  /** Each loaded graph and whether its session has packed its GEMM operands (worker.ts). */
  async sessions(): Promise<{ key: string; packed: boolean }[]> {
    return (await this.call({ op: 'sessions' })) as { key: string; packed: boolean }[];
  }

  private call(req: Request, transfer: ArrayBuffer[] = [], closing = false): Promise<unknown> {
    if (this.dead && !closing) return Promise.reject(new EngineError(`engine is not running (${this.dead})`));
    const id = this.nextId++;
    const what = 'key' in req ? `${req.op} '${req.key}'` : req.op;
    const call = new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, what });
      this.worker.ref();
      try {
        this.worker.postMessage({ ...req, id }, transfer);
      } catch (e) {
        this.pending.delete(id);
        reject(new EngineError(`cannot send ${what} to the engine: ${(e as Error).message}`));
      }
    });
    this.inFlight.add(call);
    const forget = (): void => { this.inFlight.delete(call); };
    call.then(forget, forget);
    return call;
  }

  private settle(msg: Response): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (this.pending.size === 0) this.worker.unref();
    if (msg.ok) p.resolve(msg.result);
    else p.reject(msg.error.name === 'FeedError' ? new FeedError(msg.error.message) : new EngineError(`${p.what}: ${msg.error.message}`));
  }

  private fail(reason: string): void {
    if (!this.dead) this.dead = reason;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new EngineError(`${p.what} failed: ${reason}`));
    }
  }
}

/** DELINEATE_PROVIDER, the preference an engine uses when it is given none. */
export function envProvider(): ProviderPreference | undefined {
  const v = process.env.DELINEATE_PROVIDER;
  if (!v) return undefined;
  if (v === 'auto' || v === 'cpu' || v === 'cuda' || v === 'webgpu') return v;
  throw new EngineError(`DELINEATE_PROVIDER must be auto, cuda, webgpu or cpu, got '${v}'`);
}
