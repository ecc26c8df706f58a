// The parameters of HF's CLIPSegForImageSegmentation by checkpoint key, with their shapes, and a
// loader that checks a safetensors file against them before reading any data: a wrong or
// mismatched checkpoint is reported in full, not discovered tensor by tensor.

import type { ClipSegConfig } from './config.ts';
import { type FloatTensor, isFloatDtype, readSafetensorsHeader, readTensors, type SafetensorsHeader } from './safetensors.ts';

/** Thrown for a checkpoint that does not match the config; lists every problem found. */
export class WeightsError extends Error {
  constructor(
    readonly path: string,
    readonly missing: string[],
    readonly unexpected: string[],
    readonly wrongShapes: { name: string; expected: number[]; found: number[] }[],
    readonly wrongDtypes: { name: string; dtype: string }[],
  ) {
    super(`${path}: checkpoint does not match the CLIPSeg config:\n${describe(missing, unexpected, wrongShapes, wrongDtypes)}`);
    this.name = 'WeightsError';
  }
}

/** Entries shown per kind of problem; the counts are always exact. */
const LIST_CAP = 12;

function describe(missing: string[], unexpected: string[], wrongShapes: WeightsError['wrongShapes'], wrongDtypes: WeightsError['wrongDtypes']): string {
  const section = <T>(title: string, items: T[], show: (x: T) => string): string[] => {
    if (items.length === 0) return [];
    const lines = items.slice(0, LIST_CAP).map((x) => `    ${show(x)}`);
    if (items.length > LIST_CAP) lines.push(`    … and ${items.length - LIST_CAP} more`);
    return [`  ${items.length} ${title}:`, ...lines];
  };
  const dims = (s: number[]): string => `[${s.join(', ')}]`;
  return [
    ...section('missing', missing, (n) => n),
    ...section('unexpected', unexpected, (n) => n),
    ...section('with the wrong shape', wrongShapes, (w) => `${w.name}: expected ${dims(w.expected)}, found ${dims(w.found)}`),
    ...section('not floating point', wrongDtypes, (w) => `${w.name}: ${w.dtype}`),
  ].join('\n');
}

const linear = (m: Map<string, number[]>, name: string, out: number, inp: number, bias = true): void => {
  m.set(`${name}.weight`, [out, inp]);
  if (bias) m.set(`${name}.bias`, [out]);
};

const layerNorm = (m: Map<string, number[]>, name: string, width: number): void => {
  m.set(`${name}.weight`, [width]);
  m.set(`${name}.bias`, [width]);
};

/** A CLIP encoder layer; CLIPSeg's decoder layers have the same parameters (post-LN instead of pre-LN). */
function encoderLayer(m: Map<string, number[]>, prefix: string, width: number, intermediate: number): void {
  for (const p of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) linear(m, `${prefix}.self_attn.${p}`, width, width);
  layerNorm(m, `${prefix}.layer_norm1`, width);
  linear(m, `${prefix}.mlp.fc1`, intermediate, width);
  linear(m, `${prefix}.mlp.fc2`, width, intermediate);
  layerNorm(m, `${prefix}.layer_norm2`, width);
}

/**
 * Every parameter of CLIPSegForImageSegmentation with its shape (Linear [out, in], Conv2d
 * [Cout, Cin, kH, kW], ConvTranspose2d [Cin, Cout, kH, kW]), in module order. Buffers such as
 * `position_ids` are not parameters and are not listed.
 */
export function expectedClipSegWeights(config: ClipSegConfig): Map<string, number[]> {
  const m = new Map<string, number[]>();
  const { vision: v, text: t } = config;

  const tm = 'clip.text_model';
  m.set(`${tm}.embeddings.token_embedding.weight`, [t.vocabSize, t.hiddenSize]);
  m.set(`${tm}.embeddings.position_embedding.weight`, [t.maxPositions, t.hiddenSize]);
  for (let i = 0; i < t.numLayers; i++) encoderLayer(m, `${tm}.encoder.layers.${i}`, t.hiddenSize, t.intermediateSize);
  layerNorm(m, `${tm}.final_layer_norm`, t.hiddenSize);

  const vm = 'clip.vision_model';
  const grid = Math.floor(v.imageSize / v.patchSize);
  m.set(`${vm}.embeddings.class_embedding`, [v.hiddenSize]);
  m.set(`${vm}.embeddings.patch_embedding.weight`, [v.hiddenSize, v.numChannels, v.patchSize, v.patchSize]); // no bias
  m.set(`${vm}.embeddings.position_embedding.weight`, [grid * grid + 1, v.hiddenSize]);
  layerNorm(m, `${vm}.pre_layrnorm`, v.hiddenSize); // sic: HF's spelling
  for (let i = 0; i < v.numLayers; i++) encoderLayer(m, `${vm}.encoder.layers.${i}`, v.hiddenSize, v.intermediateSize);
  layerNorm(m, `${vm}.post_layernorm`, v.hiddenSize);

  linear(m, 'clip.visual_projection', config.projectionDim, v.hiddenSize, false);
  linear(m, 'clip.text_projection', config.projectionDim, t.hiddenSize, false);
  m.set('clip.logit_scale', []);

  const r = config.reduceDim;
  linear(m, 'decoder.film_mul', r, config.projectionDim);
  linear(m, 'decoder.film_add', r, config.projectionDim);
  if (config.useComplexTransposedConvolution) {
    // Sequential(Conv2d(r, r, 3, p1), ReLU, ConvTranspose2d(r, r/2, k, s=k), ReLU, ConvTranspose2d(r/2, 1, k, s=k)), k = patch/4
    const k = Math.floor(v.patchSize / 4);
    const half = Math.floor(r / 2);
    m.set('decoder.transposed_convolution.0.weight', [r, r, 3, 3]);
    m.set('decoder.transposed_convolution.0.bias', [r]);
    m.set('decoder.transposed_convolution.2.weight', [r, half, k, k]);
    m.set('decoder.transposed_convolution.2.bias', [half]);
    m.set('decoder.transposed_convolution.4.weight', [half, 1, k, k]);
    m.set('decoder.transposed_convolution.4.bias', [1]);
  } else {
    m.set('decoder.transposed_convolution.weight', [r, 1, v.patchSize, v.patchSize]);
    m.set('decoder.transposed_convolution.bias', [1]);
  }
  const depth = config.extractLayers.length;
  for (let i = 0; i < depth; i++) linear(m, `decoder.reduces.${i}`, r, v.hiddenSize);
  for (let i = 0; i < depth; i++) encoderLayer(m, `decoder.layers.${i}`, r, config.decoderIntermediateSize);
  return m;
}

/** Number of scalars in the listed parameters, optionally only those whose key starts with `prefix`. */
export function parameterCount(shapes: Map<string, number[]>, prefix = ''): number {
  let total = 0;
  for (const [name, shape] of shapes) if (name.startsWith(prefix)) total += shape.reduce((a, b) => a * b, 1);
  return total;
}

/** Non-persistent buffers that older exports still contain; never parameters. */
const isIgnoredBuffer = (name: string): boolean => name.endsWith('.position_ids');

/**
 * Loads a CLIPSeg checkpoint as float32 after checking its header against `config`: all missing,
 * unexpected, mis-shaped and non-float tensors are reported at once in a WeightsError.
 */
export function loadClipSegWeights(path: string, config: ClipSegConfig): Map<string, FloatTensor> {
  const header = readSafetensorsHeader(path);
  const expected = checkClipSegWeights(header, config);
  return readTensors(path, { names: expected.keys(), header });
}

/**
 * Checks a checkpoint's header against `config` without reading tensor data; returns the expected
 * key → shape map. All problems are reported at once in a WeightsError.
 */
export function checkClipSegWeights(header: SafetensorsHeader, config: ClipSegConfig): Map<string, number[]> {
  const path = header.path;
  const expected = expectedClipSegWeights(config);
  const missing: string[] = [];
  const wrongShapes: WeightsError['wrongShapes'] = [];
  const wrongDtypes: WeightsError['wrongDtypes'] = [];
  for (const [name, shape] of expected) {
    const t = header.tensors.get(name);
    if (!t) missing.push(name);
    else if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) wrongShapes.push({ name, expected: shape, found: t.shape });
    else if (!isFloatDtype(t.dtype)) wrongDtypes.push({ name, dtype: t.dtype });
  }
  const unexpected = [...header.tensors.keys()].filter((n) => !expected.has(n) && !isIgnoredBuffer(n)).sort();
  if (missing.length || unexpected.length || wrongShapes.length || wrongDtypes.length) {
    throw new WeightsError(path, missing, unexpected, wrongShapes, wrongDtypes);
  }
  return expected;
}
