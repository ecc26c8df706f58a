// The fused train step: forward, reverse-mode gradients and the AdamW update in one graph, so
// one session.run is one optimiser step. Params and moments go in and come out; besides them only
// the loss and the gradient norm leave the graph (and the gradients, when asked, for tests).

import { gradients } from '../graph/autodiff.ts';
import { compile, type CompiledGraph } from '../graph/onnx.ts';
import { GraphBuildError, type Tensor } from '../graph/ir.ts';
import { type AdamWConfig, adamwDefaults, emitAdamW } from './adamw.ts';

export interface TrainStepSpec {
  loss: Tensor;
  /** Params to train; defaults to every trainable param the loss depends on. */
  params?: Tensor[];
  optimizer?: Partial<AdamWConfig>;
  /** Also output `grad.<param>` (before clipping). */
  exportGradients?: boolean;
  name?: string;
}

export interface TrainStepGraph {
  compiled: CompiledGraph;
  params: Tensor[];
  optimizer: AdamWConfig;
}

export function buildTrainStep(spec: TrainStepSpec): TrainStepGraph {
  const { loss } = spec;
  const g = loss.graph;
  const params = spec.params ?? [...g.feeds.values()].filter((t) => t.kind === 'param' && t.trainable);
  if (params.length === 0) throw new GraphBuildError('train step: no trainable params');
  for (const p of params) if (p.kind !== 'param' || !p.trainable) throw new GraphBuildError(`train step: '${p.name}' is not a trainable param`);
  const optimizer = { ...adamwDefaults, ...spec.optimizer };
  const grads = g.scope('grad', () => gradients(loss, params));
  const update = emitAdamW(g, params, grads, optimizer);
  const outputs: Record<string, Tensor> = { loss, grad_norm: update.gradNorm, ...update.outputs };
  if (spec.exportGradients) params.forEach((p, i) => { outputs[`grad.${p.name}`] = grads[i]; });
  return { compiled: compile(outputs, { name: spec.name ?? 'train_step' }), params, optimizer };
}
