// A copy of the tiny CLIPSeg made to defeat per-tensor int8 activation quantisation, as the
// activation outliers of large transformers do: in every vision block one MLP hidden channel is
// pushed to ~1e4 (fc1 bias) and its fc2 weights divided by 1e4, so fp32 computes nearly the same
// function while int8's one scale per activation tensor, set by the outlier, rounds every other
// channel to zero.

import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTensors, writeSafetensors } from '../../main/engine/model/safetensors.ts';

export const tinyModelDir = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));

/** Writes the outlier model folder to `dir` and returns it. */
export function makeOutlierModel(dir: string, outlier = 1e4): string {
  cpSync(tinyModelDir, dir, { recursive: true });
  const weights = join(dir, 'model.safetensors');
  const t = readTensors(weights);
  for (const [name, v] of t) {
    if (/vision_model\.encoder\.layers\.\d+\.mlp\.fc1\.bias$/.test(name)) v.data[0] += outlier;
    if (/vision_model\.encoder\.layers\.\d+\.mlp\.fc2\.weight$/.test(name)) {
      const [out, inp] = v.shape;
      for (let o = 0; o < out; o++) v.data[o * inp] /= outlier;
    }
  }
  writeSafetensors(weights, t, {});
  return dir;
}
