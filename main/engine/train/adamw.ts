// AdamW and global-norm clipping, emitted as graph nodes with PyTorch's exact semantics
// (torch.optim.AdamW, torch.nn.utils.clip_grad_norm_). Scalars that depend on the step are
// computed on the host in float64, as PyTorch computes them in Python, and fed per run.

import { add, clip, div, type Graph, mul, reduceSum, sqrt, sub, type Tensor } from '../graph/index.ts';
import { concat, reshape } from '../graph/ops/shape.ts';

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Global L2 norm the gradients are clipped to; null disables clipping. */
  maxGradNorm: number | null;
}

export const adamwDefaults: AdamWConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, maxGradNorm: null };

/** Names of the per-step scalar feeds. */
export const scalarFeeds = ['optim.decay', 'optim.step_size', 'optim.bc2_sqrt'] as const;

/** The per-step scalars for step t (1-based) and learning rate lr, in float64 as PyTorch. */
export function adamwScalars(cfg: AdamWConfig, lr: number, step: number): Record<(typeof scalarFeeds)[number], number> {
  return {
    'optim.decay': 1 - lr * cfg.weightDecay,
    'optim.step_size': lr / (1 - cfg.beta1 ** step),
    'optim.bc2_sqrt': Math.sqrt(1 - cfg.beta2 ** step),
  };
}

export const momentNames = (param: string): { m: string; v: string } => ({ m: `adam.m.${param}`, v: `adam.v.${param}` });
export const updatedName = (feed: string): string => `updated.${feed}`;

/**
 * clip_grad_norm_: total = ‖(‖g₁‖, …, ‖gₙ‖)‖₂; every gradient is scaled by
 * min(max_norm / (total + 1e-6), 1). Returns the scaled gradients and the pre-clip norm.
 */
export function clipGradNorm(grads: readonly Tensor[], maxNorm: number): { grads: Tensor[]; totalNorm: Tensor } {
  const totalNorm = gradNorm(grads);
  const coef = clip(div(maxNorm, add(totalNorm, 1e-6)), -Infinity, 1);
  return { grads: grads.map((g) => mul(g, coef)), totalNorm };
}

/** The global L2 norm as clip_grad_norm_ computes it: the norm of the per-tensor norms. */
export function gradNorm(grads: readonly Tensor[]): Tensor {
  const norms = grads.map((g) => reshape(sqrt(reduceSum(mul(g, g))), [1]));
  const stacked = concat(norms, 0);
  return sqrt(reduceSum(mul(stacked, stacked)));
}

export interface AdamWNodes {
  /** Output name → tensor: updated params and moments. */
  outputs: Record<string, Tensor>;
  gradNorm: Tensor;
}

/**
 * Emits one AdamW step for `params` given their gradients. Each param p is fed with its moments
 * `adam.m.p`, `adam.v.p`; the step returns `updated.p`, `updated.adam.m.p`, `updated.adam.v.p`.
 */
export function emitAdamW(g: Graph, params: readonly Tensor[], grads: readonly Tensor[], cfg: AdamWConfig): AdamWNodes {
  return g.scope('adamw', () => {
    const clipped = cfg.maxGradNorm === null ? { grads: [...grads], totalNorm: gradNorm(grads) } : clipGradNorm(grads, cfg.maxGradNorm);
    const [decay, stepSize, bc2Sqrt] = scalarFeeds.map((n) => g.input(n, 'float32', []));
    const outputs: Record<string, Tensor> = {};
    params.forEach((p, i) => {
      const grad = clipped.grads[i];
      const names = momentNames(p.name);
      const m = g.input(names.m, p.dtype, p.shape);
      const v = g.input(names.v, p.dtype, p.shape);
      const decayed = mul(p, decay);
      // exp_avg.lerp_(grad, 1 − β1): for weights < 0.5 PyTorch computes m + w·(g − m).
      const m2 = add(m, mul(sub(grad, m), 1 - cfg.beta1));
      const v2 = add(mul(v, cfg.beta2), mul(mul(grad, grad), 1 - cfg.beta2));
      const denom = add(div(sqrt(v2), bc2Sqrt), cfg.eps);
      outputs[updatedName(p.name)] = sub(decayed, div(mul(m2, stepSize), denom));
      outputs[updatedName(names.m)] = m2;
      outputs[updatedName(names.v)] = v2;
    });
    return { outputs, gradNorm: clipped.totalNorm };
  });
}
