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

export interface AdamWNodes {
  /** Output name → tensor: updated params and moments. */
  outputs: Record<string, Tensor>;
  gradNorm: Tensor;
}

/**
 * Emits one AdamW step for `params` given their gradients. Each param p is fed with its moments
 * `adam.m.p`, `adam.v.p`; the step returns `updated.p`, `updated.adam.m.p`, `updated.adam.v.p`.
 *
 * clip_grad_norm_ first: total = ‖(‖g₁‖, …, ‖gₙ‖)‖₂ and every gradient scaled by
 * c = min(max_norm / (total + 1e-6), 1). Then torch.optim.AdamW. The algebra is PyTorch's, the
 * order of float32 roundings is not quite: c is folded into the moment updates and the step size
 * into the denominator, so each element costs 14 passes over memory instead of 17 (g² serves both
 * the norm and v). The results stay within a few float32 ulps of PyTorch's (tested against its
 * goldens to 1e-6).
 */
export function emitAdamW(g: Graph, params: readonly Tensor[], grads: readonly Tensor[], cfg: AdamWConfig): AdamWNodes {
  return g.scope('adamw', () => {
    const squares = grads.map((gr) => mul(gr, gr));
    const norms = squares.map((sq) => reshape(sqrt(reduceSum(sq)), [1]));
    const stacked = concat(norms, 0);
    const totalNorm = sqrt(reduceSum(mul(stacked, stacked)));
    const [decay, stepSize, bc2Sqrt] = scalarFeeds.map((n) => g.input(n, 'float32', []));
    const coef = cfg.maxGradNorm === null ? null : clip(div(cfg.maxGradNorm, add(totalNorm, 1e-6)), -Infinity, 1);
    // exp_avg.lerp_(c·g, 1 − β1) = β1·m + (1 − β1)·c·g;  exp_avg_sq = β2·v + (1 − β2)·c²·g²
    const mScale = coef ? mul(coef, 1 - cfg.beta1) : g.scalar(1 - cfg.beta1, 'float32');
    const vScale = coef ? mul(mul(coef, coef), 1 - cfg.beta2) : g.scalar(1 - cfg.beta2, 'float32');
    // p·(1 − lr·wd) − step_size·m / (√v / bc2 + eps) = p·decay − m / (√v·(1 / (bc2·step_size)) + eps / step_size)
    const rootScale = div(1, mul(bc2Sqrt, stepSize));
    const epsScaled = div(cfg.eps, stepSize);
    const outputs: Record<string, Tensor> = {};
    params.forEach((p, i) => {
      const names = momentNames(p.name);
      const m = g.input(names.m, p.dtype, p.shape);
      const v = g.input(names.v, p.dtype, p.shape);
      const m2 = add(mul(m, cfg.beta1), mul(grads[i], mScale));
      const v2 = add(mul(v, cfg.beta2), mul(squares[i], vScale));
      const denom = add(mul(sqrt(v2), rootScale), epsScaled);
      outputs[updatedName(p.name)] = sub(mul(p, decay), div(m2, denom));
      outputs[updatedName(names.m)] = m2;
      outputs[updatedName(names.v)] = v2;
    });
    return { outputs, gradNorm: totalNorm };
  });
}
