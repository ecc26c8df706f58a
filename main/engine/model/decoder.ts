// CLIPSegDecoder: reduces + post-LN layers over the reversed activations, FiLM by the conditional
// embedding at `conditional_layer`, CLS dropped, tokens laid out as a grid, transposed-conv head.

import { add, conv2d, convTranspose2d, type Graph, mul, relu, reshape, slice, type Tensor, transpose } from '../graph/index.ts';
import { clipDecoderLayer, type ClipLayerConfig } from './clip-encoder-layer.ts';
import type { ClipSegConfig } from './config.ts';
import { linearLayer } from './layers.ts';

/**
 * decoder.reduces: each vision activation [Bi, 1 + g², Dv] (extract order) → [Bi, 1 + g², reduce].
 * They depend on the image only, so inference computes them once per image with the vision graph.
 */
export function decoderReduces(g: Graph, c: ClipSegConfig, activations: readonly Tensor[]): Tensor[] {
  return g.scope('decoder.reduces', () => {
    // HF zips activations[::-1] with reduces: reduces.0 takes the deepest activation.
    const n = activations.length;
    return activations.map((act, k) => linearLayer(g, `decoder.reduces.${n - 1 - k}`, act, c.reduceDim));
  });
}

/**
 * The rest of CLIPSegDecoder. reduced: decoderReduces' outputs (extract order), each
 * [Bi, 1 + g², reduce]; conditional [Bc, projection]. Bi is 1 or Bc (one image against several
 * prompts broadcasts). → logits [B, S, S].
 */
export function clipSegDecoder(g: Graph, c: ClipSegConfig, reduced: readonly Tensor[], conditional: Tensor): Tensor {
  return g.scope('decoder', () => {
    const r = c.reduceDim;
    // HF builds the decoder layers from a copy of vision_config (eps included) with hidden_act relu.
    const cfg: ClipLayerConfig = { hiddenSize: r, heads: c.decoderNumHeads, intermediateSize: c.decoderIntermediateSize, layerNormEps: c.vision.layerNormEps, activation: 'relu' };
    const reversed = [...reduced].reverse();
    let out: Tensor | undefined;
    for (let i = 0; i < reversed.length; i++) {
      out = out ? add(reversed[i], out) : reversed[i];
      if (i === c.conditionalLayer) {
        const [bc] = conditional.shape;
        const film = (n: string): Tensor => reshape(linearLayer(g, `decoder.${n}`, conditional, r), [bc, 1, r]);
        out = add(mul(film('film_mul'), out), film('film_add'));
      }
      out = clipDecoderLayer(g, `decoder.layers.${i}`, out, cfg);
    }
    const tokens = out!;
    const [b, n] = tokens.shape;
    const grid = Math.round(Math.sqrt(n - 1));
    const map = reshape(transpose(slice(tokens, [1], [n], [1]), [0, 2, 1]), [b, r, grid, grid]);
    const logits = transposedConvolutionHead(g, c, map);
    const [, , h, w] = logits.shape;
    return reshape(logits, [b, h, w]);
  });
}

/** rd64-refined: conv3×3 → ReLU → convT(p/4) → ReLU → convT(p/4); rd64/rd16: one convT(p). */
export function transposedConvolutionHead(g: Graph, c: ClipSegConfig, x: Tensor): Tensor {
  const r = c.reduceDim;
  const p = c.vision.patchSize;
  const name = 'decoder.transposed_convolution';
  if (!c.useComplexTransposedConvolution) {
    return convTranspose2d(x, g.param(`${name}.weight`, [r, 1, p, p]), g.param(`${name}.bias`, [1]), { strides: [p, p] });
  }
  const k = p / 4;
  const h0 = relu(conv2d(x, g.param(`${name}.0.weight`, [r, r, 3, 3]), g.param(`${name}.0.bias`, [r]), { pads: 1 }));
  const h1 = relu(convTranspose2d(h0, g.param(`${name}.2.weight`, [r, r / 2, k, k]), g.param(`${name}.2.bias`, [r / 2]), { strides: [k, k] }));
  return convTranspose2d(h1, g.param(`${name}.4.weight`, [r / 2, 1, k, k]), g.param(`${name}.4.bias`, [1]), { strides: [k, k] });
}
