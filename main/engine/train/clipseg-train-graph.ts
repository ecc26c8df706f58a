// CLIPSeg training graphs: what a variant trains, and the loss graph built from the same model code
// as inference. Two shapes:
//   full     pixels + tokens → encoders (with dense adapters) → decoder → loss;
//   cached   frozen encoder outputs (fed, computed once per image/prompt by featureGraph) →
//            shallow adapters / cond adapter → decoder → loss. Valid when nothing inside the
//            encoders trains: shallow adapters and the decoder-only baseline.

import { compile, type CompiledGraph, Graph, matmul, type Tensor } from '../graph/index.ts';
import { adapterSetFor, type AdapterDims, type AdapterForm, type AdapterSet, isAdapterParam } from '../model/adapters.ts';
import { adaptedConditional, adaptedVisionActivations, conditionalAdapters, visionExtractAdapters } from '../model/clipseg-graphs.ts';
import type { ClipSegConfig } from '../model/config.ts';
import { clipSegDecoder, decoderReduces } from '../model/decoder.ts';
import { interpolatePositionTable } from '../model/position-table.ts';
import { textEncoder } from '../model/text-tower.ts';
import { patchGrid, visionActivations } from '../model/vision-tower.ts';
import { diceBceLoss } from './loss.ts';

export const TRAIN_VARIANTS = ['da-v', 'da-vl', 'da-vlc', 'sa-v', 'sa-vl', 'sa-vlc', 'decoder', 'full'] as const;
export type TrainVariant = (typeof TRAIN_VARIANTS)[number];

export function isTrainVariant(v: string): v is TrainVariant {
  return (TRAIN_VARIANTS as readonly string[]).includes(v);
}

export const POSITION_WEIGHT = 'clip.vision_model.embeddings.position_embedding.weight';

/** Which params a variant trains, by name. */
export function trainablePolicy(variant: TrainVariant): (name: string) => boolean {
  if (variant === 'decoder') return (n) => n.startsWith('decoder.');
  if (variant === 'full') return (n) => !isAdapterParam(n);
  return isAdapterParam;
}

/** The adapter modules a variant adds (null for the baselines, which add none). */
export function trainAdapterSet(variant: TrainVariant, c: ClipSegConfig, dims: AdapterDims = {}, form: AdapterForm = 'reference'): AdapterSet | null {
  return variant === 'decoder' || variant === 'full' ? null : adapterSetFor(variant, c, dims, form);
}

/** Whether the encoders are frozen and adapter-free inside, so their outputs can be cached. */
export function canCacheFeatures(variant: TrainVariant): boolean {
  return variant === 'decoder' || variant.startsWith('sa-');
}

/** Whether the set adds the text tower's pooled hidden states to the condition (shallow VL/VLC). */
export const usesTextSkips = (set: AdapterSet | null): boolean => set?.kind === 'shallow' && set.text;

/** Feed names of the cached encoder outputs. */
export const featureNames = {
  activation: (k: number): string => `feature.activation.${k}`,
  conditional: 'feature.conditional',
  pooled: (k: number): string => `feature.pooled.${k}`,
};

export interface TrainGraphOptions {
  variant: TrainVariant;
  set: AdapterSet | null;
  batch: number;
  size: number;
  /** token length of the prompts (padded with end-of-text; the causal mask makes it irrelevant) */
  length: number;
  /** feed cached encoder outputs instead of pixels and tokens */
  cached?: boolean;
}

export interface TrainLoss {
  graph: Graph;
  loss: Tensor;
  logits: Tensor;
}

/**
 * The position table as a graph value: the bicubic interpolation is linear, so it is a constant
 * [1 + grid², rows] matrix times the checkpoint's table, and `full` training gets its gradient.
 */
function derivedPositionTable(g: Graph, c: ClipSegConfig): (grid: number) => Tensor {
  return (grid) => {
    const rows = (c.vision.imageSize / c.vision.patchSize) ** 2 + 1;
    const identity = new Float32Array(rows * rows);
    for (let i = 0; i < rows; i++) identity[i * rows + i] = 1;
    const m = interpolatePositionTable(identity, rows, rows, grid);
    return matmul(g.constant(m, [1 + grid * grid, rows], 'float32', 'position_interpolation'), g.param(POSITION_WEIGHT, [rows, c.vision.hiddenSize]));
  };
}

/** The loss of one batch: inputs `masks` [B,S,S] and either pixels + tokens or cached features. */
export function trainLoss(c: ClipSegConfig, o: TrainGraphOptions): TrainLoss {
  if (o.cached && !canCacheFeatures(o.variant)) throw new Error(`variant ${o.variant} trains inside the encoders: its features cannot be cached`);
  const g = new Graph('float32', trainablePolicy(o.variant));
  const grid = patchGrid(c, o.size);
  const tokens = 1 + grid * grid;
  let acts: Tensor[];
  let cond: Tensor;
  if (o.cached) {
    const raw = c.extractLayers.map((_, k) => g.input(featureNames.activation(k), 'float32', [o.batch, tokens, c.vision.hiddenSize]));
    acts = visionExtractAdapters(g, raw, o.set);
    const base = g.input(featureNames.conditional, 'float32', [o.batch, c.projectionDim]);
    const pooled: Tensor[] = [];
    if (usesTextSkips(o.set)) c.extractLayers.forEach((layer, k) => { pooled[layer] = g.input(featureNames.pooled(k), 'float32', [o.batch, c.text.hiddenSize]); });
    cond = conditionalAdapters(g, c, base, pooled, o.set);
  } else {
    const pixels = g.input('pixel_values', 'float32', [o.batch, c.vision.numChannels, o.size, o.size]);
    const ids = g.input('input_ids', 'int64', [o.batch, o.length]);
    const pooledIndex = g.input('pooled_index', 'int64', [o.batch, 2]);
    acts = adaptedVisionActivations(g, c, pixels, o.set, o.variant === 'full' ? { positionTable: derivedPositionTable(g, c) } : {});
    cond = adaptedConditional(g, c, ids, pooledIndex, o.set);
  }
  const logits = clipSegDecoder(g, c, decoderReduces(g, c, acts), cond);
  const masks = g.input('masks', 'float32', [o.batch, o.size, o.size]);
  return { graph: g, loss: diceBceLoss(logits, masks), logits };
}

/**
 * The frozen encoders' outputs that cached training feeds: per image the raw extracted
 * activations; per prompt the conditional embedding and the pooled hidden state of each extracted
 * layer. Two graphs, since images and prompts are cached separately.
 */
export function featureGraphs(c: ClipSegConfig, o: { batch: number; size: number; length: number }): { vision: CompiledGraph; text: CompiledGraph } {
  const gv = new Graph('float32');
  const pixels = gv.input('pixel_values', 'float32', [o.batch, c.vision.numChannels, o.size, o.size]);
  const acts = visionActivations(gv, c, pixels);
  const vision = compile(Object.fromEntries(acts.map((a, k) => [featureNames.activation(k), a])), { name: 'clipseg-train-features-vision' });
  const gt = new Graph('float32');
  const ids = gt.input('input_ids', 'int64', [o.batch, o.length]);
  const pooledIndex = gt.input('pooled_index', 'int64', [o.batch, 2]);
  const text = textEncoder(gt, c, ids, pooledIndex);
  const outputs: Record<string, Tensor> = { [featureNames.conditional]: text.conditional };
  c.extractLayers.forEach((layer, k) => { outputs[featureNames.pooled(k)] = text.pooledPerLayer[layer]; });
  return { vision, text: compile(outputs, { name: 'clipseg-train-features-text' }) };
}

/** The parameters a run trains, name → shape, read off the graph it will run. */
export function trainedParams(c: ClipSegConfig, variant: TrainVariant, set: AdapterSet | null, size: number): Map<string, number[]> {
  const { graph } = trainLoss(c, { variant, set, batch: 1, size, length: 2 });
  return new Map([...graph.feeds.values()].filter((t) => t.kind === 'param' && t.trainable).map((t) => [t.name, [...t.shape]]));
}
