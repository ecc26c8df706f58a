// The cached inference graphs: vision (image → the decoder's reduced activations, everything that
// depends on the image only), text (tokens → conditional embedding), decoder (reduced activations
// + condition → logits), and the image-as-prompt graph. Each is built for static shapes and
// compiled once per shape.

import { compile, type CompiledGraph, type DType, Graph } from '../graph/index.ts';
import type { ClipSegConfig } from './config.ts';
import { clipSegDecoder, decoderReduces } from './decoder.ts';
import { textEncoder } from './text-tower.ts';
import { patchGrid, visionActivations, visualPromptEmbedding } from './vision-tower.ts';

/** Vision graph output k: decoder.reduces applied to the activation of block extractLayers[k]. */
export const reducedName = (k: number): string => `reduced.${k}`;
/** With `raw`, the vision graph also returns the activations themselves (parity checks, training). */
export const activationName = (k: number): string => `activation.${k}`;

export interface GraphShape {
  floatType?: DType;
}

export function visionGraph(c: ClipSegConfig, o: GraphShape & { batch: number; size: number; raw?: boolean }): CompiledGraph {
  const g = new Graph(o.floatType);
  const pixels = g.input('pixel_values', g.floatType, [o.batch, c.vision.numChannels, o.size, o.size]);
  const acts = visionActivations(g, c, pixels);
  const outputs = Object.fromEntries(decoderReduces(g, c, acts).map((a, k) => [reducedName(k), a]));
  if (o.raw) acts.forEach((a, k) => { outputs[activationName(k)] = a; });
  return compile(outputs, { name: 'clipseg-vision' });
}

export function textGraph(c: ClipSegConfig, o: GraphShape & { batch: number; length: number }): CompiledGraph {
  const g = new Graph(o.floatType);
  const ids = g.input('input_ids', 'int64', [o.batch, o.length]);
  const pooled = g.input('pooled_index', 'int64', [o.batch, 2]);
  return compile({ conditional: textEncoder(g, c, ids, pooled).conditional }, { name: 'clipseg-text' });
}

export function decoderGraph(c: ClipSegConfig, o: GraphShape & { imageBatch: number; promptBatch: number; size: number }): CompiledGraph {
  if (o.imageBatch !== 1 && o.imageBatch !== o.promptBatch) throw new Error(`decoder: image batch ${o.imageBatch} must be 1 or equal the prompt batch ${o.promptBatch}`);
  const g = new Graph(o.floatType);
  const grid = patchGrid(c, o.size);
  const reduced = c.extractLayers.map((_, k) => g.input(reducedName(k), g.floatType, [o.imageBatch, 1 + grid * grid, c.reduceDim]));
  const conditional = g.input('conditional', g.floatType, [o.promptBatch, c.projectionDim]);
  return compile({ logits: clipSegDecoder(g, c, reduced, conditional) }, { name: 'clipseg-decoder' });
}

export function visualPromptGraph(c: ClipSegConfig, o: GraphShape & { batch: number; size: number }): CompiledGraph {
  const g = new Graph(o.floatType);
  const pixels = g.input('conditional_pixel_values', g.floatType, [o.batch, c.vision.numChannels, o.size, o.size]);
  return compile({ conditional: visualPromptEmbedding(g, c, pixels) }, { name: 'clipseg-visual-prompt' });
}
