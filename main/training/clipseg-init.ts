// Fresh CLIPSeg weights for a config, for training a model from scratch (the demo model): every
// tensor HF's CLIPSegForImageSegmentation has, under its HF key (expectedClipSegWeights), so the
// result loads anywhere a real checkpoint does. Values as HF initialises a new CLIPSeg (initStd):
// biases 0, LayerNorm 1/0, logit_scale ln(1/0.07); normal weights scaled by width and depth.

import type { ClipSegConfig } from '../engine/model/config.ts';
import type { FloatTensor } from '../engine/model/safetensors.ts';
import { expectedClipSegWeights } from '../engine/model/weights.ts';
import { deriveSeed, gaussian, mulberry32 } from '../common/rng.ts';

/** CLIP's logit_scale_init_value: ln(1 / 0.07). */
export const LOGIT_SCALE_INIT = 2.6592;

export function initClipSegWeights(config: ClipSegConfig, seed: number): Map<string, FloatTensor> {
  const out = new Map<string, FloatTensor>();
  for (const [name, shape] of expectedClipSegWeights(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const rng = mulberry32(deriveSeed(seed, 'clipseg init', name)); // per tensor: adding one never shifts the others
    if (name === 'clip.logit_scale') data[0] = LOGIT_SCALE_INIT;
    else if (/(layer_?norm\d?|layrnorm)\.weight$/.test(name)) data.fill(1);
    else if (name.endsWith('.bias')) data.fill(0);
    else {
      const std = initStd(config, name, shape);
      for (let i = 0; i < n; i++) data[i] = std * gaussian(rng);
    }
    out.set(name, { shape, data });
  }
  return out;
}

/**
 * The standard deviation HF's CLIPSegPreTrainedModel._init_weights gives a weight (factor 1):
 * embeddings 0.02 (the class embedding width^-½); attention q/k/v width^-½·(2·layers)^-½ and
 * out width^-½; MLP fc1 (2·width)^-½ and fc2 as q/k/v; projections width^-½. Plain nn.Linear
 * modules (FiLM, reduces) keep PyTorch's default, uniform ±1/√fan_in, whose std is
 * 1/√(3·fan_in); the convolutions He-normal (√(2/fan_in)) for the ReLUs after them.
 */
function initStd(c: ClipSegConfig, name: string, shape: number[]): number {
  const tower = name.startsWith('clip.vision_model.') ? c.vision : name.startsWith('clip.text_model.') ? c.text : null;
  const decoder = name.startsWith('decoder.layers.');
  const width = tower ? tower.hiddenSize : c.reduceDim;
  const layers = tower ? tower.numLayers : c.extractLayers.length;
  const inProj = width ** -0.5 * (2 * layers) ** -0.5;
  if (name.endsWith('embeddings.class_embedding')) return c.vision.hiddenSize ** -0.5;
  if (name.includes('_embedding.weight') && name.includes('embeddings.') && !name.includes('patch_embedding')) return 0.02;
  if (name.endsWith('patch_embedding.weight')) return 0.02;
  if (tower || decoder) {
    if (/self_attn\.(q|k|v)_proj\.weight$/.test(name)) return inProj;
    if (name.endsWith('self_attn.out_proj.weight')) return width ** -0.5;
    if (name.endsWith('mlp.fc1.weight')) return (2 * width) ** -0.5;
    if (name.endsWith('mlp.fc2.weight')) return inProj;
  }
  if (name === 'clip.text_projection.weight') return c.text.hiddenSize ** -0.5;
  if (name === 'clip.visual_projection.weight') return c.vision.hiddenSize ** -0.5;
  if (name.startsWith('decoder.transposed_convolution.')) {
    // Conv2d [Cout, Cin, k, k] takes Cin·k² inputs per output; ConvTranspose2d [Cin, Cout, k, k]
    // with stride k takes Cin (one tap each).
    const fanIn = name.endsWith('.0.weight') ? shape[1] * shape[2] * shape[3] : shape[0];
    return Math.sqrt(2 / fanIn);
  }
  // film_mul, film_add, reduces: [out, in]
  return 1 / Math.sqrt(3 * shape[1]);
}
