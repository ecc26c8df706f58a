// HF CLIPEncoderLayer (pre-LN): x += Attn(LN1(x)); x += MLP(LN2(x)), MLP with quick_gelu; and the
// CLIPSeg decoder's post-LN variant. Param names follow the checkpoint keys under `prefix`, e.g.
// clip.vision_model.encoder.layers.3.

import { add, type Graph, matmul, mul, relu, reshape, sigmoid, softmax, type Tensor, transpose } from '../graph/index.ts';
import { hiddenLayers, layerNormLayer, linearLayer } from './layers.ts';

export interface ClipLayerConfig {
  hiddenSize: number;
  heads: number;
  intermediateSize: number;
  layerNormEps: number;
  /** quick_gelu for CLIP's encoders; HF forces relu in the CLIPSeg decoder. */
  activation?: 'quick_gelu' | 'relu';
}

/** Where adapters attach: each branch's output before its residual add (VLSM-Adapter "dense"). */
export interface LayerHooks {
  attn?: (y: Tensor) => Tensor;
  mlp?: (y: Tensor) => Tensor;
}

/** quick_gelu(x) = x·σ(1.702x) (CLIP's activation). */
export const quickGelu = (x: Tensor): Tensor => mul(x, sigmoid(mul(x, 1.702)));

/** Multi-head self-attention over [B, T, D]; `mask` is additive, broadcast to [B, H, T, T]. */
export function clipAttention(g: Graph, prefix: string, x: Tensor, cfg: ClipLayerConfig, mask?: Tensor): Tensor {
  return g.scope('self_attn', () => {
    const [b, t, d] = x.shape;
    const hd = d / cfg.heads;
    const heads = (y: Tensor): Tensor => transpose(reshape(y, [b, t, cfg.heads, hd]), [0, 2, 1, 3]);
    const proj = (n: string): Tensor => linearLayer(g, `${prefix}.self_attn.${n}`, x, d);
    const q = heads(mul(proj('q_proj'), hd ** -0.5));
    const k = heads(proj('k_proj'));
    const v = heads(proj('v_proj'));
    const probs = softmax(matmul(q, transpose(k, [0, 1, 3, 2])), -1, mask);
    const merged = reshape(transpose(matmul(probs, v), [0, 2, 1, 3]), [b, t, d]);
    return linearLayer(g, `${prefix}.self_attn.out_proj`, merged, d);
  });
}

export function clipMlp(g: Graph, prefix: string, x: Tensor, cfg: ClipLayerConfig): Tensor {
  return g.scope('mlp', () => {
    const act = cfg.activation === 'relu' ? relu : quickGelu;
    return hiddenLayers(g, `${prefix}.mlp.fc1`, `${prefix}.mlp.fc2`, x, cfg.intermediateSize, cfg.hiddenSize, act);
  });
}

const layerNormOf = (g: Graph, prefix: string, cfg: ClipLayerConfig) => (n: string, y: Tensor): Tensor =>
  layerNormLayer(g, `${prefix}.${n}`, y, cfg.layerNormEps);

export function clipEncoderLayer(g: Graph, prefix: string, x: Tensor, cfg: ClipLayerConfig, mask?: Tensor, hooks: LayerHooks = {}): Tensor {
  return g.scope(prefix, () => {
    const ln = layerNormOf(g, prefix, cfg);
    const attn = clipAttention(g, prefix, ln('layer_norm1', x), cfg, mask);
    const h = add(x, hooks.attn ? hooks.attn(attn) : attn);
    const mlp = clipMlp(g, prefix, ln('layer_norm2', h), cfg);
    return add(h, hooks.mlp ? hooks.mlp(mlp) : mlp);
  });
}

/** CLIPSegDecoderLayer (post-LN): h = LN1(x + Attn(x)); y = LN2(h + MLP(h)). */
export function clipDecoderLayer(g: Graph, prefix: string, x: Tensor, cfg: ClipLayerConfig): Tensor {
  return g.scope(prefix, () => {
    const ln = layerNormOf(g, prefix, cfg);
    const h = ln('layer_norm1', add(x, clipAttention(g, prefix, x, cfg)));
    return ln('layer_norm2', add(h, clipMlp(g, prefix, h, cfg)));
  });
}
