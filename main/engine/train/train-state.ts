// Host side of the fused train step: holds params and AdamW moments between runs and turns one
// batch into one session.run.

import type { HostTensor } from '../runtime/host-tensor.ts';
import { type AdamWConfig, adamwScalars, momentNames, updatedName } from './adamw.ts';

export interface StepRunner {
  run(feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>>;
}

export interface StepResult { loss: number; gradNorm: number; outputs: Record<string, HostTensor> }

export class TrainState {
  step = 0;
  readonly tensors: Map<string, HostTensor>;

  constructor(readonly optimizer: AdamWConfig, params: Record<string, HostTensor>) {
    this.tensors = new Map();
    for (const [name, t] of Object.entries(params)) {
      const zeros = (): HostTensor => ({ dtype: t.dtype, dims: [...t.dims], data: new (t.data.constructor as Float32ArrayConstructor)(t.data.length) });
      const { m, v } = momentNames(name);
      this.tensors.set(name, t);
      this.tensors.set(m, zeros());
      this.tensors.set(v, zeros());
    }
  }

  param(name: string): HostTensor {
    const t = this.tensors.get(name);
    if (!t) throw new Error(`train state: no param '${name}'`);
    return t;
  }

  /** One optimiser step on one batch at learning rate `lr`. */
  async apply(runner: StepRunner, batch: Record<string, HostTensor>, lr: number): Promise<StepResult> {
    const scalars = adamwScalars(this.optimizer, lr, this.step + 1);
    const feeds: Record<string, HostTensor> = { ...batch, ...Object.fromEntries(this.tensors) };
    for (const [k, v] of Object.entries(scalars)) feeds[k] = { dtype: 'float32', dims: [], data: new Float32Array([v]) };
    const out = await runner.run(feeds);
    for (const name of this.tensors.keys()) {
      const next = out[updatedName(name)];
      if (!next) throw new Error(`train step returned no '${updatedName(name)}'`);
      this.tensors.set(name, next);
    }
    this.step++;
    // An update-only graph (gradients accumulated outside it) has no loss of its own.
    return { loss: out.loss ? Number(out.loss.data[0]) : NaN, gradNorm: Number(out.grad_norm.data[0]), outputs: out };
  }
}
