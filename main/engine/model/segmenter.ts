// CLIPSeg inference on the engine with the work cached where it pays: an image is encoded once
// (vision graph → the decoder's reduced activations, kept in a bounded LRU), a prompt is embedded once (text graph,
// compiled for the token-length buckets of text-feeds.ts, the path training and `eval` feed prompts
// through too), and a new prompt on an open image runs only text + decoder.

import { createHash } from 'node:crypto';
import os from 'node:os';
import { join } from 'node:path';
import type { Precision } from '../../contract/precision.ts';
import type { CompiledGraph } from '../graph/onnx.ts';
import { int8Source } from '../graph/quantize.ts';
import { hasCachedModel, pruneCachedModels } from '../runtime/embedded-model.ts';
import type { Engine } from '../runtime/engine.ts';
import { runtimeVersion } from '../runtime/providers.ts';
import { float32, type HostTensor } from '../runtime/host-tensor.ts';
import { decoderGraph, reducedName, textGraph, visionGraph, visualPromptGraph } from './clipseg-graphs.ts';
import type { ClipSegConfig } from './config.ts';
import { LruCache } from './lru.ts';
import type { AdapterSet } from './adapters.ts';
import { interpolatePositionTable } from './position-table.ts';
import type { FloatTensor } from './safetensors.ts';
import { PromptFeeder, type PromptTokenizer } from './text-feeds.ts';
import { patchGrid, positionTableName } from './vision-tower.ts';

export interface SegmenterOptions {
  /** Model input side in pixels (preprocessor_config size; 352 for the real checkpoints). */
  size: number;
  /** Bytes of cached image encodings (default 256 MiB: ~700 images at 352², 372 KiB each). */
  imageCacheBytes?: number;
  promptCacheEntries?: number;
  /** The vision tower's precision (default fp32). */
  precision?: Precision;
  /**
   * Where compiled models with their frozen weights embedded are kept between runs, and the
   * identity of the weights they embed (a changed checkpoint is another id, so another file).
   * Without it the models are built in memory at every start.
   */
  graphCache?: { dir: string; modelId: string; /** default: the ONNX Runtime build in use */ runtime?: string };
}

/** The checkpoint's weights, or how to read them when a graph first needs them (none when every graph is cached). */
export type WeightSource = Map<string, FloatTensor> | (() => Map<string, FloatTensor>);

const cachePrefix = (graphName: string): string => `${graphName.replace(/[^\w.-]/g, '_')}-`;

/** Bumped when the cached model layout changes, so old files are never read as new ones. */
const CACHE_FORMAT = 'embedded-optimised-v4';

/** ORT's fully optimised models may use kernels laid out for this CPU: a copied data folder must not reuse them elsewhere. */
const cpuModel = (): string => `${os.arch()} ${os.cpus()[0]?.model ?? 'unknown cpu'}`;

/** The reduced activations of one image (extract order), each [1 + g², reduce_dim]. */
export type ImageEncoding = Float32Array[];

export class Segmenter {
  private readonly images: LruCache<string, ImageEncoding>;
  private readonly prompts: LruCache<string, Float32Array>;
  private readonly loaded = new Map<string, Promise<unknown>>();
  private readonly tokens: number;
  private readonly promptFeeder: PromptFeeder;
  private adapters: { set: AdapterSet; names: string[]; id: number } | null = null;
  private nextAdapterId = 1;
  private weightsLoaded: Promise<void> | null = null;
  /** Names of the base weights in the engine's store (dropped again once cached graphs no longer need them). */
  private baseNames: string[] = [];
  /** Graph builds in flight that read the base weights from the store. */
  private builds = 0;
  /** Graphs being compiled and cached now (not found in the graph cache). */
  private misses = 0;
  /** The checkpoint reader, when weights can be read again later (a graph-cache start). */
  private readonly reread: (() => Map<string, FloatTensor>) | null;
  private precisionNow: Precision;
  private readonly graphCache: SegmenterOptions['graphCache'];

  private constructor(
    private readonly engine: Engine,
    readonly config: ClipSegConfig,
    tokenizer: PromptTokenizer,
    readonly size: number,
    opts: SegmenterOptions,
    private weightSource: WeightSource | null,
  ) {
    this.precisionNow = opts.precision ?? 'fp32';
    this.reread = typeof weightSource === 'function' ? weightSource : null;
    this.graphCache = opts.graphCache;
    const grid = patchGrid(config, size);
    this.tokens = 1 + grid * grid;
    this.images = new LruCache(opts.imageCacheBytes ?? 256 * 2 ** 20, (a) => a.reduce((s, t) => s + t.byteLength, 0));
    this.prompts = new LruCache(opts.promptCacheEntries ?? 256);
    this.promptFeeder = new PromptFeeder(tokenizer, config);
  }

  /**
   * A segmenter on `engine`. Given a map, the weights go to the engine at once (transferred, not
   * copied: the caller's arrays are detached) — callers that train rely on that; given a reader,
   * they are read only when a graph is not in the graph cache.
   */
  static async create(engine: Engine, config: ClipSegConfig, weights: WeightSource, tokenizer: PromptTokenizer, opts: SegmenterOptions): Promise<Segmenter> {
    const s = new Segmenter(engine, config, tokenizer, opts.size, opts, weights);
    if (weights instanceof Map) await s.ensureWeights();
    return s;
  }

  /** The base weights in the engine, with the position table interpolated for `size`. */
  ensureWeights(): Promise<void> {
    if (!this.weightsLoaded) {
      const source = this.weightSource;
      this.weightSource = null;
      if (!source) throw new Error('segmenter: the weights were already handed over');
      // async, so a reader that throws (a damaged checkpoint) leaves the source for the next try
      this.weightsLoaded = (async () => this.sendWeights(source instanceof Map ? source : source()))();
      this.weightsLoaded.catch(() => { this.weightsLoaded = null; this.weightSource = source; });
    }
    return this.weightsLoaded;
  }

  private async sendWeights(weights: Map<string, FloatTensor>): Promise<void> {
    const grid = patchGrid(this.config, this.size);
    const pos = weights.get('clip.vision_model.embeddings.position_embedding.weight');
    if (!pos) throw new Error('weights lack clip.vision_model.embeddings.position_embedding.weight');
    const table = interpolatePositionTable(pos.data, pos.shape[0], pos.shape[1], grid);
    const host: Record<string, HostTensor> = { [positionTableName(grid)]: { dtype: 'float32', dims: [1 + grid * grid, this.config.vision.hiddenSize], data: table } };
    for (const [name, t] of weights) host[name] = float32(t.shape, t.data);
    this.baseNames = Object.keys(host);
    await this.engine.setWeights(host, { transfer: true });
  }

  /**
   * With a graph cache and a checkpoint reader, every graph embeds its weights: once no build is
   * in flight the store's copy of the checkpoint is dropped, so after a first start the process
   * holds what a second start would (the next cache miss reads the checkpoint again).
   */
  private async releaseWeightsIfUnused(): Promise<void> {
    if (this.builds > 0 || !this.graphCache || !this.reread || !this.weightsLoaded) return;
    const names = this.baseNames;
    this.weightsLoaded = null;
    this.weightSource = this.reread;
    this.baseNames = [];
    await this.engine.dropWeights(names);
  }

  /** A graph is being built for the graph cache (a first start's work, seconds at full size). */
  get preparing(): boolean { return this.misses > 0; }

  /** The vision tower's precision for encodings from now on. */
  get precision(): Precision { return this.precisionNow; }

  /** Switches precision: encodings made at the other one are dropped, as are its vision graphs. */
  async setPrecision(p: Precision): Promise<void> {
    if (p === this.precisionNow) return;
    this.precisionNow = p;
    this.images.clear();
    for (const k of [...this.loaded.keys()].filter((k) => k.startsWith('vision'))) {
      this.loaded.delete(k);
      await this.engine.release(k);
    }
  }

  /** The cache file of a compiled graph: its bytes, what stays fed, the weights' identity and the runtime decide it. */
  private cacheFile(name: string, graph: CompiledGraph, keepFed: string[]): string | undefined {
    if (!this.graphCache) return undefined;
    // one file name prefix per graph (its hash follows), so other versions of it can be pruned
    const h = createHash('sha256').update(graph.bytes);
    for (const part of [keepFed.join(','), this.graphCache.modelId, this.graphCache.runtime ?? runtimeVersion(), this.engine.settings.provider, cpuModel(), CACHE_FORMAT]) h.update(`\0${part}`);
    return join(this.graphCache.dir, `${cachePrefix(name)}${h.digest('hex').slice(0, 32)}.onnx`);
  }

  private graph(key: string, build: () => CompiledGraph): Promise<unknown> {
    let p = this.loaded.get(key);
    if (!p) {
      p = this.loadGraph(key, build());
      this.loaded.set(key, p);
      p.catch(() => this.loaded.delete(key));
    }
    return p;
  }

  /**
   * Loads a graph. With a graph cache every frozen weight is embedded and the model kept on disk
   * (a later start reads no checkpoint); without one only int8 weights are embedded — ORT must see
   * them as initializers to pre-pack them, while embedding fp32 weights measured no faster and
   * held them twice in memory (docs/benchmarks.md).
   */
  private async loadGraph(key: string, graph: CompiledGraph): Promise<unknown> {
    const adapterNames = this.adapters?.names ?? [];
    const params = graph.inputs.filter((s) => s.kind === 'param').map((s) => s.name);
    const cacheFile = this.cacheFile(key.replace(/@adapter\d+$/, '@adapter'), graph, adapterNames);
    const keepFed = cacheFile ? adapterNames : params.filter((n) => !int8Source(n));
    const embed = keepFed.length >= params.length && !cacheFile ? undefined : { keepFed, cacheFile };
    const hit = cacheFile !== undefined && hasCachedModel(cacheFile);
    this.builds++;
    if (cacheFile && !hit) this.misses++;
    try {
      if (!hit) await this.ensureWeights();
      try {
        const loaded = await this.engine.load(key, graph, embed);
        if (cacheFile && !hit) pruneCachedModels(cacheFile, cachePrefix(key.replace(/@adapter\d+$/, '@adapter')));
        return loaded;
      } catch (e) {
        if (!hit) throw e;
        // The cached model did not load (and the worker dropped it): rebuild it from the checkpoint.
        await this.ensureWeights();
        return await this.engine.load(key, graph, embed);
      }
    } finally {
      this.builds--;
      if (cacheFile && !hit) this.misses--;
      await this.releaseWeightsIfUnused();
    }
  }

  /** Graphs embed their frozen weights (with a graph cache), so layouts derived from them cost nothing per run. */
  private get embedded(): boolean {
    return this.graphCache !== undefined;
  }

  private visionKey(batch: number): string {
    return `vision${batch === 1 ? '' : `.b${batch}`}${this.precisionNow === 'fp32' ? '' : `.${this.precisionNow}`}`;
  }

  /** Graph cache key: graphs with adapters are other graphs. */
  private key(name: string): string {
    return this.adapters ? `${name}@adapter${this.adapters.id}` : name;
  }

  /** The adapter set in use (null: the base model). */
  get adapter(): AdapterSet | null {
    return this.adapters?.set ?? null;
  }

  /**
   * Uses VLSM-Adapter modules from now on (null: back to the base model). Their weights go to the
   * engine (transferred); encodings and prompt embeddings made without them are dropped, as are the
   * previous adapter's graphs and weights.
   */
  async setAdapter(adapter: { set: AdapterSet; weights: Map<string, FloatTensor> } | null): Promise<void> {
    const old = this.adapters;
    const oldKeys = [...this.loaded.keys()].filter((k) => (old ? k.endsWith(`@adapter${old.id}`) : false));
    this.adapters = null;
    this.clearCaches();
    for (const k of oldKeys) {
      this.loaded.delete(k);
      await this.engine.release(k);
    }
    if (old) await this.engine.dropWeights(old.names);
    if (!adapter) return;
    const host: Record<string, HostTensor> = {};
    for (const [name, t] of adapter.weights) host[name] = float32(t.shape, t.data);
    await this.engine.setWeights(host, { transfer: true });
    this.adapters = { set: adapter.set, names: Object.keys(host), id: this.nextAdapterId++ };
  }

  hasImage(key: string): boolean { return this.images.has(key); }

  /** Encodes normalised CHW pixels [3·size·size] under `key` (e.g. the image's content hash). */
  async encodeImage(key: string, pixels: Float32Array): Promise<ImageEncoding> {
    const cached = this.images.get(key);
    if (cached) return cached;
    const c = this.config;
    const expected = c.vision.numChannels * this.size * this.size;
    if (pixels.length !== expected) throw new Error(`image '${key}': ${pixels.length} pixel values, the model takes ${expected} (${c.vision.numChannels}×${this.size}×${this.size})`);
    const graphKey = this.key(this.visionKey(1));
    const adapters = this.adapter;
    const precision = this.precisionNow;
    await this.graph(graphKey, () => visionGraph(c, { batch: 1, size: this.size, adapters, precision, embedded: this.embedded }));
    const out = await this.engine.run(graphKey, { pixel_values: { dtype: 'float32', dims: [1, c.vision.numChannels, this.size, this.size], data: pixels } });
    const acts = c.extractLayers.map((_, k) => out[reducedName(k)].data as Float32Array);
    this.images.set(key, acts);
    return acts;
  }

  /**
   * Encodes up to `batch` images in one run of a vision graph compiled for `batch` (a partial last
   * batch is padded with zeros, so one graph serves a whole volume). Not cached: a volume's slices
   * are encoded once, decoded with {@link decode} and dropped. Encodings are views of one buffer.
   */
  async encodeBatch(pixels: Float32Array[], batch = pixels.length): Promise<ImageEncoding[]> {
    const c = this.config;
    const per = c.vision.numChannels * this.size * this.size;
    if (!(Number.isInteger(batch) && batch >= 1 && pixels.length >= 1 && pixels.length <= batch)) throw new RangeError(`encodeBatch: ${pixels.length} images for a batch of ${batch}`);
    const feed = new Float32Array(batch * per);
    pixels.forEach((p, b) => {
      if (p.length !== per) throw new Error(`image ${b} of the batch: ${p.length} pixel values, the model takes ${per} (${c.vision.numChannels}×${this.size}×${this.size})`);
      feed.set(p, b * per);
    });
    const graphKey = this.key(this.visionKey(batch));
    const adapters = this.adapter;
    const precision = this.precisionNow;
    await this.graph(graphKey, () => visionGraph(c, { batch, size: this.size, adapters, precision, embedded: this.embedded }));
    const out = await this.engine.run(graphKey, { pixel_values: { dtype: 'float32', dims: [batch, c.vision.numChannels, this.size, this.size], data: feed } }, { transfer: true });
    const n = this.tokens * c.reduceDim;
    const acts = c.extractLayers.map((_, k) => out[reducedName(k)].data as Float32Array);
    return pixels.map((_, b) => acts.map((a) => a.subarray(b * n, (b + 1) * n)));
  }

  /** The conditional embedding of a text prompt [projection_dim]. */
  async embedText(prompt: string): Promise<Float32Array> {
    const ids = this.promptFeeder.tokens(prompt);
    const cacheKey = ids.join(',');
    const cached = this.prompts.get(cacheKey);
    if (cached) return cached;
    const length = this.promptFeeder.lengthFor(ids.length);
    const key = this.key(`text.${length}`);
    const adapters = this.adapter;
    await this.graph(key, () => textGraph(this.config, { batch: 1, length, adapters, embedded: this.embedded }));
    const out = await this.engine.run(key, { ...this.promptFeeder.feeds([ids], length) });
    const cond = out.conditional.data as Float32Array;
    this.prompts.set(cacheKey, cond);
    return cond;
  }

  /** The conditional embedding of an example image ("segment things that look like this"). */
  async embedImage(pixels: Float32Array): Promise<Float32Array> {
    const c = this.config;
    const expected = c.vision.numChannels * this.size * this.size;
    if (pixels.length !== expected) throw new Error(`example image: ${pixels.length} pixel values, the model takes ${expected}`);
    await this.graph('visual-prompt', () => visualPromptGraph(c, { batch: 1, size: this.size, embedded: this.embedded }));
    const out = await this.engine.run('visual-prompt', { conditional_pixel_values: { dtype: 'float32', dims: [1, c.vision.numChannels, this.size, this.size], data: pixels } });
    return out.conditional.data as Float32Array;
  }

  /**
   * Logits [size·size] for an image and a prompt, encoding the image when it is not cached
   * (`pixels` is called only then). A new text prompt is embedded first: the text tower then runs
   * while the caller's thread prepares the pixels, and not right after the vision tower, where it
   * measured 2–3× slower (docs/benchmarks.md).
   */
  async segment(imageKey: string, pixels: () => Float32Array | Promise<Float32Array>, prompt: string | Float32Array): Promise<Float32Array> {
    const cond = typeof prompt === 'string' ? this.embedText(prompt) : Promise.resolve(prompt);
    cond.catch(() => {}); // awaited below; an early failure must not surface as an unhandled rejection
    let acts = this.images.get(imageKey);
    if (!acts) {
      await new Promise(setImmediate); // lets embedText post its run before the pixels are prepared
      acts = await this.encodeImage(imageKey, await pixels());
    }
    return this.decode(acts, await cond);
  }

  /** Logits [size·size] for an encoded image and a prompt (text or a conditional embedding). */
  async logits(imageKey: string, prompt: string | Float32Array): Promise<Float32Array> {
    const acts = this.images.get(imageKey);
    if (!acts) throw new Error(`image '${imageKey}' is not encoded (or was evicted): call encodeImage first`);
    return this.decode(acts, prompt);
  }

  /** Logits [size·size] for an encoding the caller holds (from {@link encodeBatch}) and a prompt. */
  async decode(acts: ImageEncoding, prompt: string | Float32Array): Promise<Float32Array> {
    const cond = typeof prompt === 'string' ? await this.embedText(prompt) : prompt;
    const c = this.config;
    if (cond.length !== c.projectionDim) throw new Error(`conditional embedding has ${cond.length} values, expected ${c.projectionDim}`);
    await this.graph('decoder', () => decoderGraph(c, { imageBatch: 1, promptBatch: 1, size: this.size, embedded: this.embedded }));
    const feeds: Record<string, HostTensor> = { conditional: { dtype: 'float32', dims: [1, c.projectionDim], data: cond } };
    acts.forEach((a, k) => { feeds[reducedName(k)] = { dtype: 'float32', dims: [1, this.tokens, c.reduceDim], data: a }; });
    const out = await this.engine.run('decoder', feeds);
    return out.logits.data as Float32Array;
  }

  /** Forgets cached encodings (e.g. when the model's weights change). */
  clearCaches(): void {
    this.images.clear();
    this.prompts.clear();
  }
}
