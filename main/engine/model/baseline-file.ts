// Files from the decoder / full baselines hold trained base-model tensors under their HF names.
// Using one replaces those weights in the engine (and re-derives the position table when the
// position embedding was trained); every tensor must be a weight of this model with its shape.

import type { Engine } from '../runtime/engine.ts';
import type { HostTensor } from '../runtime/host-tensor.ts';
import { AdapterError } from './adapters.ts';
import type { ClipSegConfig } from './config.ts';
import { interpolatePositionTable } from './position-table.ts';
import { readSafetensorsHeader, readTensors } from './safetensors.ts';
import { patchGrid, positionTableName } from './vision-tower.ts';
import { expectedClipSegWeights } from './weights.ts';

/** The variant a trained-parameters file declares ('decoder', 'full', 'da-vlc' …), if any. */
export function declaredVariant(path: string): string | undefined {
  return readSafetensorsHeader(path).metadata.variant;
}

export async function applyBaselineFile(engine: Engine, config: ClipSegConfig, size: number, path: string, baseModelSha256?: string): Promise<string[]> {
  const header = readSafetensorsHeader(path);
  const made = header.metadata.base_model_sha256;
  if (made && baseModelSha256 && made !== baseModelSha256) throw new AdapterError(`${path}: trained on base model ${made.slice(0, 12)}…, but the model in use is ${baseModelSha256.slice(0, 12)}…`);
  const expected = expectedClipSegWeights(config);
  const problems: string[] = [];
  for (const [name, t] of header.tensors) {
    const want = expected.get(name);
    if (!want) problems.push(`${name} is not a weight of this model`);
    else if (want.join(',') !== t.shape.join(',')) problems.push(`${name} is [${t.shape}], the model has [${want}]`);
  }
  if (problems.length) throw new AdapterError(`${path}: not trained parameters of this model:\n  ${problems.slice(0, 10).join('\n  ')}`);
  const weights: Record<string, HostTensor> = {};
  for (const [name, t] of readTensors(path, { header })) weights[name] = { dtype: 'float32', dims: t.shape, data: t.data };
  const pos = weights['clip.vision_model.embeddings.position_embedding.weight'];
  if (pos) {
    const grid = patchGrid(config, size);
    weights[positionTableName(grid)] = { dtype: 'float32', dims: [1 + grid * grid, pos.dims[1]], data: interpolatePositionTable(pos.data as Float32Array, pos.dims[0], pos.dims[1], grid) };
  }
  await engine.setWeights(weights);
  return Object.keys(weights);
}
