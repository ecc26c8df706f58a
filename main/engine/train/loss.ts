// VLSM-Adapter's loss on logits: 1.5·Dice + 1.0·BCE. Dice per image
// 1 − (2Σpy + 1e-5)/(Σy + Σp + 1e-5) with p = σ(z), averaged over the batch; BCE with logits
// averaged over every pixel. (The reference code feeds σ(z) into BCE-with-logits, a double
// sigmoid; this is the loss it meant.)

import { add, div, exp, log, mul, neg, reduceMean, reduceSum, relu, sigmoid, sub, type Tensor } from '../graph/index.ts';

const SMOOTH = 1e-5;

/** Mean soft-Dice loss over the batch; logits and targets are [B, ...]. */
export function diceLoss(logits: Tensor, target: Tensor): Tensor {
  const p = sigmoid(logits);
  const axes = logits.shape.map((_, i) => i).slice(1);
  const inter = reduceSum(mul(p, target), axes);
  const denom = add(add(reduceSum(target, axes), reduceSum(p, axes)), SMOOTH);
  return reduceMean(sub(1, div(add(mul(inter, 2), SMOOTH), denom)));
}

/** Mean binary cross-entropy on logits, in the overflow-free form max(z,0) − z·y + log(1 + e^−|z|). */
export function bceWithLogits(logits: Tensor, target: Tensor): Tensor {
  const absZ = add(relu(logits), relu(neg(logits)));
  return reduceMean(add(sub(relu(logits), mul(logits, target)), log(add(exp(neg(absZ)), 1))));
}

export function diceBceLoss(logits: Tensor, target: Tensor, weights = { dice: 1.5, bce: 1 }): Tensor {
  return add(mul(diceLoss(logits, target), weights.dice), mul(bceWithLogits(logits, target), weights.bce));
}
