// CLIP's text side as CLIPSeg uses it: token + position embeddings, causal pre-LN blocks,
// final_layer_norm, the hidden state at the pooled (end-of-text) position, text_projection (no
// bias, not normalised) → the conditional embedding.

import { add, gather, gatherND, type Graph, slice, type Tensor } from '../graph/index.ts';
import { type ClipLayerConfig, clipEncoderLayer, type LayerHooks } from './clip-encoder-layer.ts';
import type { ClipSegConfig } from './config.ts';
import { layerNormLayer, linearLayer } from './layers.ts';

export const TEXT = 'clip.text_model';

/** Additive causal mask: −1e30 above the diagonal (exp underflows to exactly 0, as HF's finfo.min). */
function causalMask(g: Graph, t: number): Tensor {
  const data = g.floatType === 'float64' ? new Float64Array(t * t) : new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) data[i * t + j] = -1e30;
  return g.constant(data, [t, t], g.floatType, 'causal_mask');
}

export interface TextHooks {
  layer?: (index: number) => LayerHooks | undefined;
}

export interface TextOutputs {
  /** The conditional embedding [B, projection]. */
  conditional: Tensor;
  /** Each block's output gathered at the pooled position [B, D] (for shallow text adapters). */
  pooledPerLayer: Tensor[];
}

/**
 * ids [B, T] int64, pooled [B, 2] int64 (rows of (batch, position) chosen on the host by HF's
 * rule, see config.pooledIndex).
 */
export function textEncoder(g: Graph, c: ClipSegConfig, ids: Tensor, pooled: Tensor, hooks: TextHooks = {}): TextOutputs {
  const { hiddenSize: d, maxPositions } = c.text;
  const [, t] = ids.shape;
  if (t > maxPositions) throw new Error(`text input has ${t} tokens, the model takes at most ${maxPositions}`);
  const cfg: ClipLayerConfig = { hiddenSize: d, heads: c.text.numHeads, intermediateSize: c.text.intermediateSize, layerNormEps: c.text.layerNormEps };
  let x = g.scope('text.embeddings', () => {
    const tokens = gather(g.param(`${TEXT}.embeddings.token_embedding.weight`, [c.text.vocabSize, d]), ids);
    const positions = slice(g.param(`${TEXT}.embeddings.position_embedding.weight`, [maxPositions, d]), [0], [t], [0]);
    return add(tokens, positions);
  });
  const mask = causalMask(g, t);
  const pooledPerLayer: Tensor[] = [];
  for (let i = 0; i < c.text.numLayers; i++) {
    x = clipEncoderLayer(g, `${TEXT}.encoder.layers.${i}`, x, cfg, mask, hooks.layer?.(i));
    pooledPerLayer.push(gatherND(x, pooled));
  }
  const final = layerNormLayer(g, `${TEXT}.final_layer_norm`, x, c.text.layerNormEps);
  const conditional = linearLayer(g, 'clip.text_projection', gatherND(final, pooled), c.projectionDim, { bias: false });
  return { conditional, pooledPerLayer };
}
