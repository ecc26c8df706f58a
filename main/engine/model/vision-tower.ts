// CLIPSeg's vision side as HF runs it: patch conv (no bias) + class token + interpolated position
// table, pre_layrnorm, pre-LN blocks up to the deepest extracted one (HF's hidden_states[i + 1]).

import { add, concat, conv2d, expand, type Graph, layerNorm, linear, reshape, slice, type Tensor, transpose } from '../graph/index.ts';
import { type ClipLayerConfig, clipEncoderLayer, type LayerHooks } from './clip-encoder-layer.ts';
import type { ClipSegConfig } from './config.ts';

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
 * The decoder's inputs: the residual stream after each block in `extractLayers`, in that order
 * (raw, no LN). Blocks after the deepest extracted one are not built.
 */
export function visionActivations(g: Graph, c: ClipSegConfig, pixels: Tensor, hooks: VisionHooks = {}): Tensor[] {
  const ln = (name: string, x: Tensor): Tensor =>
    layerNorm(x, g.param(`${name}.weight`, [c.vision.hiddenSize]), g.param(`${name}.bias`, [c.vision.hiddenSize]), c.vision.layerNormEps);
  let x = ln(`${VISION}.pre_layrnorm`, visionEmbeddings(g, c, pixels, hooks.positionTable));
  const last = Math.max(...c.extractLayers);
  const out = new Map<number, Tensor>();
  const cfg = visionLayerConfig(c);
  for (let i = 0; i <= last; i++) {
    x = clipEncoderLayer(g, `${VISION}.encoder.layers.${i}`, x, cfg, undefined, hooks.layer?.(i));
    out.set(i, x);
  }
  return c.extractLayers.map((i) => out.get(i)!);
}

/**
 * Image-as-prompt: visual_projection(post_layernorm(CLS after the last block)) → [B, projection].
 * This needs every block, unlike segmentation.
 */
export function visualPromptEmbedding(g: Graph, c: ClipSegConfig, pixels: Tensor): Tensor {
  const d = c.vision.hiddenSize;
  const ln = (name: string, x: Tensor): Tensor => layerNorm(x, g.param(`${name}.weight`, [d]), g.param(`${name}.bias`, [d]), c.vision.layerNormEps);
  let x = ln(`${VISION}.pre_layrnorm`, visionEmbeddings(g, c, pixels));
  const cfg = visionLayerConfig(c);
  for (let i = 0; i < c.vision.numLayers; i++) x = clipEncoderLayer(g, `${VISION}.encoder.layers.${i}`, x, cfg);
  const [b] = x.shape;
  const cls = reshape(slice(x, [0], [1], [1]), [b, d]);
  return linear(ln(`${VISION}.post_layernorm`, cls), g.param('clip.visual_projection.weight', [c.projectionDim, d]));
}
