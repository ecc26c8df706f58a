// Initial values of what a run trains: new adapters with PyTorch's nn.Linear default init
// (uniform ±1/√fan_in for weight and bias; seeded, so runs repeat), or the identity form's zeroed
// fc2; an --init adapter file; or, for the decoder / full baselines, the base model's weights.

import type { AdapterSet } from '../engine/model/adapters.ts';
import { type FloatTensor, readTensors } from '../engine/model/safetensors.ts';
import type { TrainVariant } from '../engine/train/clipseg-train-graph.ts';
import { deriveSeed, mulberry32 } from '../common/rng.ts';
import { TrainingError } from './run-types.ts';

export type ParamMap = Map<string, FloatTensor>;

export function initAdapters(set: AdapterSet, seed: number): ParamMap {
  const out: ParamMap = new Map();
  const rng = mulberry32(deriveSeed(seed, 'adapter init'));
  const uniform = (n: number, bound: number): Float32Array => Float32Array.from({ length: n }, () => (2 * rng() - 1) * bound);
  for (const [module, { dim, bottleneck }] of set.modules) {
    const b1 = 1 / Math.sqrt(dim);
    const b2 = 1 / Math.sqrt(bottleneck);
    const zero = set.form === 'identity';
    out.set(`${module}.fc1.weight`, { shape: [bottleneck, dim], data: uniform(bottleneck * dim, b1) });
    out.set(`${module}.fc1.bias`, { shape: [bottleneck], data: uniform(bottleneck, b1) });
    out.set(`${module}.fc2.weight`, { shape: [dim, bottleneck], data: zero ? new Float32Array(dim * bottleneck) : uniform(dim * bottleneck, b2) });
    out.set(`${module}.fc2.bias`, { shape: [dim], data: zero ? new Float32Array(dim) : uniform(dim, b2) });
  }
  return out;
}

/**
 * The starting parameters for a variant. `init` (an adapter or baseline file) must hold exactly
 * the tensors the run trains, with the same shapes.
 */
export function initialParams(variant: TrainVariant, set: AdapterSet | null, o: { seed: number; modelWeights: string; trained: Map<string, number[]>; init?: string }): ParamMap {
  let params: ParamMap;
  if (set) params = initAdapters(set, o.seed);
  else params = readTensors(o.modelWeights, { names: [...o.trained.keys()] });
  for (const name of o.trained.keys()) if (!params.has(name)) throw new TrainingError(`${variant}: no initial value for ${name}`);
  if (o.init) {
    const file = readTensors(o.init);
    const problems: string[] = [];
    for (const [name, t] of params) {
      const f = file.get(name);
      if (!f) problems.push(`missing ${name}`);
      else if (f.shape.join(',') !== t.shape.join(',')) problems.push(`${name} is [${f.shape}], this run trains [${t.shape}]`);
      else params.set(name, { shape: t.shape, data: f.data });
    }
    for (const name of file.keys()) if (!params.has(name)) problems.push(`unexpected ${name}`);
    if (problems.length) throw new TrainingError(`${o.init}: does not fit a ${variant} run on this model:\n  ${problems.slice(0, 10).join('\n  ')}${problems.length > 10 ? `\n  … and ${problems.length - 10} more` : ''}`);
  }
  return params;
}
