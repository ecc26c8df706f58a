// The cached inference graphs: vision (image → the decoder's reduced activations, everything that
// depends on the image only), text (tokens → conditional embedding), decoder (reduced activations
// + condition → logits), and the image-as-prompt graph. Each is built for static shapes and
// compiled once per shape.

import { add, compile, type CompiledGraph, type DType, Graph, type Tensor } from '../graph/index.ts';
import { adapterBlock, type AdapterSet } from './adapters.ts';
import type { LayerHooks } from './clip-encoder-layer.ts';
import type { Precision } from '../../contract/precision.ts';
import type { ClipSegConfig } from './config.ts';
import { clipSegDecoder, decoderReduces } from './decoder.ts';
import { textEncoder } from './text-tower.ts';
import { unaliasedWidth } from './layers.ts';
import { patchGrid, VISION, visionActivations, type VisionHooks, visualPromptEmbedding } from './vision-tower.ts';

/** Vision graph output k: decoder.reduces applied to the activation of block extractLayers[k]. */
export const reducedName = (k: number): string => `reduced.${k}`;
/** With `raw`, the vision graph also returns the activations themselves (parity checks, training). */
export const activationName = (k: number): string => `activation.${k}`;

export interface GraphShape {
  floatType?: DType;
  /** int8: the vision encoder blocks' Linear layers run on int8 weights (vision graph only). */
  precision?: Precision;
  /** VLSM-Adapter modules to place (their weights are params named as in the reference code) */
  adapters?: AdapterSet | null;
  /**
   * The frozen weights are embedded, so ORT folds anything computed from them once at load: MLP
   * hidden widths are then padded off 4 KiB row strides (layers.ts unaliasedWidth). Fed weights
   * would be padded at every run, so the default is off.
   */
  embedded?: boolean;
}

/** An inference graph laid out as `o` asks. */
function inferenceGraph(o: GraphShape): Graph {
  const g = new Graph(o.floatType);
  if (o.embedded) g.hiddenWidth = unaliasedWidth;
  return g;
}

/** Dense adapters of one encoder block (prefix v or l), if the set has them. */
function denseHooks(g: Graph, set: AdapterSet | null | undefined, prefix: 'v' | 'l', i: number): LayerHooks | undefined {
  if (!set || set.kind !== 'dense') return undefined;
  const attn = set.modules.get(`${prefix}_attn_adapters.${i}`);
  const out = set.modules.get(`${prefix}_out_adapters.${i}`);
  if (!attn && !out) return undefined;
  return {
    attn: attn && ((y) => adapterBlock(g, `${prefix}_attn_adapters.${i}`, y, attn, set.form)),
    mlp: out && ((y) => adapterBlock(g, `${prefix}_out_adapters.${i}`, y, out, set.form)),
  };
}

/** The decoder inputs before the reduces: the extracted activations, through shallow vision adapters if any. */
export function adaptedVisionActivations(g: Graph, c: ClipSegConfig, pixels: Tensor, set?: AdapterSet | null, hooks: Pick<VisionHooks, 'positionTable'> = {}): Tensor[] {
  return visionExtractAdapters(g, visionActivations(g, c, pixels, { ...hooks, layer: (i) => denseHooks(g, set, 'v', i) }), set);
}

/** Shallow vision adapters on the extracted activations (identity for other sets). */
export function visionExtractAdapters(g: Graph, acts: Tensor[], set?: AdapterSet | null): Tensor[] {
  if (!set || set.kind !== 'shallow') return acts;
  return acts.map((a, k) => adapterBlock(g, `vision_extract_adapters.${k}`, a, set.modules.get(`vision_extract_adapters.${k}`)!, set.form));
}

/** The conditional embedding with the set's text-side adapters: dense in the blocks, cond adapter, shallow text skips. */
export function adaptedConditional(g: Graph, c: ClipSegConfig, ids: Tensor, pooled: Tensor, set?: AdapterSet | null): Tensor {
  const text = textEncoder(g, c, ids, pooled, { layer: (i) => denseHooks(g, set, 'l', i) });
  return conditionalAdapters(g, c, text.conditional, text.pooledPerLayer, set);
}

/**
 * The adapters after the text tower: the cond adapter on the projected embedding, then (shallow,
 * VL/VLC) each extracted layer's pooled hidden state through its adapter, added on.
 */
export function conditionalAdapters(g: Graph, c: ClipSegConfig, conditional: Tensor, pooledPerLayer: readonly Tensor[], set?: AdapterSet | null): Tensor {
  let cond = conditional;
  const condDims = set?.modules.get('cond_adapter');
  if (condDims) cond = adapterBlock(g, 'cond_adapter', cond, condDims, set?.form);
  if (set?.kind === 'shallow' && set.text) {
    c.extractLayers.forEach((layer, k) => {
      const module = `text_extract_adapters.${k}`;
      cond = add(cond, adapterBlock(g, module, pooledPerLayer[layer], set.modules.get(module)!, set.form));
    });
  }
  return cond;
}

export function visionGraph(c: ClipSegConfig, o: GraphShape & { batch: number; size: number; raw?: boolean }): CompiledGraph {
  const g = inferenceGraph(o);
  if (o.precision === 'int8') g.int8Linear = (name) => name.startsWith(`${VISION}.encoder.layers.`);
  const pixels = g.input('pixel_values', g.floatType, [o.batch, c.vision.numChannels, o.size, o.size]);
  const acts = adaptedVisionActivations(g, c, pixels, o.adapters);
  const outputs = Object.fromEntries(decoderReduces(g, c, acts).map((a, k) => [reducedName(k), a]));
  if (o.raw) acts.forEach((a, k) => { outputs[activationName(k)] = a; });
  return compile(outputs, { name: 'clipseg-vision' });
}

export function textGraph(c: ClipSegConfig, o: GraphShape & { batch: number; length: number }): CompiledGraph {
  const g = inferenceGraph(o);
  const ids = g.input('input_ids', 'int64', [o.batch, o.length]);
  const pooled = g.input('pooled_index', 'int64', [o.batch, 2]);
  return compile({ conditional: adaptedConditional(g, c, ids, pooled, o.adapters) }, { name: 'clipseg-text' });
}

export function decoderGraph(c: ClipSegConfig, o: GraphShape & { imageBatch: number; promptBatch: number; size: number }): CompiledGraph {
  if (o.imageBatch !== 1 && o.imageBatch !== o.promptBatch) throw new Error(`decoder: image batch ${o.imageBatch} must be 1 or equal the prompt batch ${o.promptBatch}`);
  const g = inferenceGraph(o);
  const grid = patchGrid(c, o.size);
  const reduced = c.extractLayers.map((_, k) => g.input(reducedName(k), g.floatType, [o.imageBatch, 1 + grid * grid, c.reduceDim]));
  const conditional = g.input('conditional', g.floatType, [o.promptBatch, c.projectionDim]);
  return compile({ logits: clipSegDecoder(g, c, reduced, conditional) }, { name: 'clipseg-decoder' });
}

export function visualPromptGraph(c: ClipSegConfig, o: GraphShape & { batch: number; size: number }): CompiledGraph {
  const g = inferenceGraph(o);
  const pixels = g.input('conditional_pixel_values', g.floatType, [o.batch, c.vision.numChannels, o.size, o.size]);
  return compile({ conditional: visualPromptEmbedding(g, c, pixels) }, { name: 'clipseg-visual-prompt' });
}
