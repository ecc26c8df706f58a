// Params a graph reads that no checkpoint holds but the runtime makes from one that it does: the
// int8 form (values + per-channel scales) of a Linear weight, for the int8 precision.

import { int8Source, quantizeLinearWeight } from '../graph/quantize.ts';
import type { HostTensor } from './host-tensor.ts';

export interface WeightLookup { get(name: string): { type: string; dims: readonly number[]; data: unknown } | undefined }

/** Derives params by name from `store`; remembers each quantised weight until dropped with the instance. */
export class DerivedWeights {
  private readonly made = new Map<string, HostTensor>();
  constructor(private readonly store: WeightLookup) {}

  /** The derived tensor, or undefined when `name` is not a derived name. Throws if its source is missing. */
  get(name: string): HostTensor | undefined {
    const src = int8Source(name);
    if (!src) return undefined;
    const known = this.made.get(name);
    if (known) return known;
    const w = this.store.get(src.weight);
    if (!w) throw new Error(`'${name}' is made from '${src.weight}', which the engine does not hold`);
    if (w.type !== 'float32' || w.dims.length !== 2) throw new Error(`'${name}': '${src.weight}' must be a float32 matrix, it is ${w.type} [${w.dims.join(',')}]`);
    const [out, inp] = w.dims;
    const q = quantizeLinearWeight(w.data as Float32Array, out, inp);
    this.made.set(`${src.weight}:int8`, { dtype: 'int8', dims: [inp, out], data: q.values });
    this.made.set(`${src.weight}:int8_scale`, { dtype: 'float32', dims: [out], data: q.scale });
    return this.made.get(name);
  }
}
