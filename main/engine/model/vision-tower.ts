// CLIPSeg's vision side as HF runs it (CLIPSegVisionTransformer): patch conv (no bias) + class token
// + interpolated position table, pre_layrnorm, pre-LN blocks — for segmentation only up to the
// deepest extracted one (HF's hidden_states[i + 1]); for the image-as-prompt path all of them, then
// post_layernorm of CLS and visual_projection.

import { add, concat, conv2d, expand, type Graph, reshape, slice, type Tensor, transpose } from '../graph/index.ts';
import { type ClipLayerConfig, clipEncoderLayer, type LayerHooks } from './clip-encoder-layer.ts';
import type { ClipSegConfig } from './config.ts';
import { layerNormLayer, linearLayer } from './layers.ts';

export const VISION = 'clip.vision_model';

/** Name of the derived (interpolated) position table for a `grid`×`grid` patch grid. */
export const positionTableName = (grid: number): string => `${VISION}.embeddings.position_table_${grid}x${grid}`;

export const visionLayerConfig = (c: ClipSegConfig): ClipLayerConfig => ({
  hiddenSize: c.vision.hiddenSize, heads: c.vision.numHeads, intermediateSize: c.vision.intermediateSize, layerNormEps: c.vision.layerNormEps,
});

/** The patch grid side for an input of `size` pixels. */
export function patchGrid(c: ClipSegConfig, size: number): number {
  if (size % c.vision.patchSize !== 0) throw new Error(`input size ${size} is not a multiple of the patch size ${c.vision.patchSize}`);
  return size / c.vision.patchSize;
}

/** pixels [B, C, S, S] → tokens [B, 1 + g², D] (before pre_layrnorm). */
export function visionEmbeddings(g: Graph, c: ClipSegConfig, pixels: Tensor, positionTable?: (grid: number) => Tensor): Tensor {
  return g.scope('vision.embeddings', () => {
    const [b, ch, h, w] = pixels.shape;
    if (h !== w) throw new Error(`vision input must be square, got ${h}×${w}`);
    const { hiddenSize: d, patchSize: p } = c.vision;
    const grid = patchGrid(c, h);
    const conv = conv2d(pixels, g.param(`${VISION}.embeddings.patch_embedding.weight`, [d, ch, p, p]), undefined, { strides: [p, p] });
    const patches = transpose(reshape(conv, [b, d, grid * grid]), [0, 2, 1]);
    const cls = expand(reshape(g.param(`${VISION}.embeddings.class_embedding`, [d]), [1, 1, d]), [b, 1, d]);
    return add(concat([cls, patches], 1), positionTable ? positionTable(grid) : g.param(positionTableName(grid), [1 + grid * grid, d]));
  });
}

export interface VisionHooks {
  /** Adapter hooks per encoder block (dense adapters). */
  layer?: (index: number) => LayerHooks | undefined;
  /** The position table for a grid (default: the host-interpolated table, fed by name). */
  positionTable?: (grid: number) => Tensor;
}

/**
 * HF's CLIPSegVisionTransformer up to its encoder: embeddings → pre_layrnorm → the first `blocks`
 * encoder blocks. Returns each block's output (index i: HF's hidden_states[i + 1]).
 */
export function visionTransformer(g: Graph, c: ClipSegConfig, pixels: Tensor, blocks: number, hooks: VisionHooks = {}): Tensor[] {
  let x = layerNormLayer(g, `${VISION}.pre_layrnorm`, visionEmbeddings(g, c, pixels, hooks.positionTable), c.vision.layerNormEps);
  const cfg = visionLayerConfig(c);
  const outputs: Tensor[] = [];
  for (let i = 0; i < blocks; i++) {
    x = clipEncoderLayer(g, `${VISION}.encoder.layers.${i}`, x, cfg, undefined, hooks.layer?.(i));
    outputs.push(x);
  }
  return outputs;
}

/**
 * The decoder's inputs: the residual stream after each block in `extractLayers`, in that order
 * (raw, no LN). Blocks after the deepest extracted one are not built.
 */
export function visionActivations(g: Graph, c: ClipSegConfig, pixels: Tensor, hooks: VisionHooks = {}): Tensor[] {
  const outputs = visionTransformer(g, c, pixels, Math.max(...c.extractLayers) + 1, hooks);
  return c.extractLayers.map((i) => outputs[i]);
}

/**
 * Image-as-prompt: visual_projection(post_layernorm(CLS after the last block)) → [B, projection].
 * This needs every block, unlike segmentation.
 */
export function visualPromptEmbedding(g: Graph, c: ClipSegConfig, pixels: Tensor): Tensor {
  const d = c.vision.hiddenSize;
  const x = visionTransformer(g, c, pixels, c.vision.numLayers).at(-1)!;
  const [b] = x.shape;
  const cls = reshape(slice(x, [0], [1], [1]), [b, d]);
  return linearLayer(g, 'clip.visual_projection', layerNormLayer(g, `${VISION}.post_layernorm`, cls, c.vision.layerNormEps), c.projectionDim, { bias: false });
}
