// CLIPSeg inference on the engine with the work cached where it pays: an image is encoded once
// (vision graph → the decoder's reduced activations, kept in a bounded LRU), a prompt is embedded once (text graph,
// compiled for the token-length buckets of text-feeds.ts, the path training and `eval` feed prompts
// through too), and a new prompt on an open image runs only text + decoder.

import type { Engine } from '../runtime/engine.ts';
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
}

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

  private constructor(
    private readonly engine: Engine,
    readonly config: ClipSegConfig,
    tokenizer: PromptTokenizer,
    readonly size: number,
    opts: SegmenterOptions,
  ) {
    const grid = patchGrid(config, size);
    this.tokens = 1 + grid * grid;
    this.images = new LruCache(opts.imageCacheBytes ?? 256 * 2 ** 20, (a) => a.reduce((s, t) => s + t.byteLength, 0));
    this.prompts = new LruCache(opts.promptCacheEntries ?? 256);
    this.promptFeeder = new PromptFeeder(tokenizer, config);
  }

  /**
   * Hands the checkpoint's weights to the engine (transferred, not copied: the caller's arrays are
   * detached) together with the position table interpolated for `size`.
   */
  static async create(engine: Engine, config: ClipSegConfig, weights: Map<string, FloatTensor>, tokenizer: PromptTokenizer, opts: SegmenterOptions): Promise<Segmenter> {
    const grid = patchGrid(config, opts.size);
    const pos = weights.get('clip.vision_model.embeddings.position_embedding.weight');
    if (!pos) throw new Error('weights lack clip.vision_model.embeddings.position_embedding.weight');
    const table = interpolatePositionTable(pos.data, pos.shape[0], pos.shape[1], grid);
    const host: Record<string, HostTensor> = { [positionTableName(grid)]: { dtype: 'float32', dims: [1 + grid * grid, config.vision.hiddenSize], data: table } };
    for (const [name, t] of weights) host[name] = float32(t.shape, t.data);
    await engine.setWeights(host, { transfer: true });
    return new Segmenter(engine, config, tokenizer, opts.size, opts);
  }

  private graph(key: string, build: () => Parameters<Engine['load']>[1]): Promise<unknown> {
    let p = this.loaded.get(key);
    if (!p) {
      p = this.engine.load(key, build());
      this.loaded.set(key, p);
      p.catch(() => this.loaded.delete(key));
    }
    return p;
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
    const graphKey = this.key('vision');
    const adapters = this.adapter;
    await this.graph(graphKey, () => visionGraph(c, { batch: 1, size: this.size, adapters }));
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
    const graphKey = this.key(batch === 1 ? 'vision' : `vision.b${batch}`);
    const adapters = this.adapter;
    await this.graph(graphKey, () => visionGraph(c, { batch, size: this.size, adapters }));
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
    await this.graph(key, () => textGraph(this.config, { batch: 1, length, adapters }));
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
    await this.graph('visual-prompt', () => visualPromptGraph(c, { batch: 1, size: this.size }));
    const out = await this.engine.run('visual-prompt', { conditional_pixel_values: { dtype: 'float32', dims: [1, c.vision.numChannels, this.size, this.size], data: pixels } });
    return out.conditional.data as Float32Array;
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
    await this.graph('decoder', () => decoderGraph(c, { imageBatch: 1, promptBatch: 1, size: this.size }));
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
