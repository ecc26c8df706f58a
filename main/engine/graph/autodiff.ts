// Reverse-mode autodiff: walks the graph backwards from the outputs and emits gradient nodes into
// the same graph, using each op's rule. Only nodes on a path from a requested tensor to an output
// are differentiated; contributions to a tensor used more than once are summed.

import { isFloat } from './dtype.ts';
import { GraphBuildError, type Node, type Tensor } from './ir.ts';
import { sameShape } from './shape.ts';
import { add } from './ops/elementwise.ts';
import { zerosLike } from './ops/shape.ts';

/**
 * Gradients of Σ⟨outputs[i], seeds[i]⟩ with respect to `wrt`. Params in `wrt` must be trainable;
 * inputs and values may be asked for (activation gradients). A tensor the outputs do not depend
 * on gets zeros.
 */
export function backward(outputs: readonly Tensor[], seeds: readonly Tensor[], wrt: readonly Tensor[]): Tensor[] {
  if (outputs.length !== seeds.length) throw new GraphBuildError('backward: one seed per output');
  const graph = outputs[0].graph;
  outputs.forEach((o, i) => {
    if (!sameShape(o.shape, seeds[i].shape) || o.dtype !== seeds[i].dtype) throw new GraphBuildError(`backward: seed ${seeds[i]} does not match output ${o}`);
  });
  for (const t of wrt) {
    if (t.kind === 'param' && !t.trainable) throw new GraphBuildError(`gradient requested for frozen param '${t.name}'`);
    if (t.kind === 'constant') throw new GraphBuildError(`gradient requested for constant ${t}`);
    if (!isFloat(t.dtype)) throw new GraphBuildError(`gradient requested for non-float tensor ${t}`);
  }

  // Tensors that depend on something in `wrt` (forward sweep, creation order is topological).
  const live = new Set<Tensor>(wrt);
  for (const n of graph.nodes) if (n.inputs.some((t) => live.has(t))) for (const o of n.outputs) if (isFloat(o.dtype)) live.add(o);

  // Nodes that an output depends on (backward sweep), limited to the live ones.
  const reach = new Set<Tensor>(outputs);
  const path: Node[] = [];
  const firstGradNode = graph.nodes.length;
  for (let i = firstGradNode - 1; i >= 0; i--) {
    const n = graph.nodes[i];
    if (!n.outputs.some((o) => reach.has(o) && live.has(o))) continue;
    path.push(n);
    for (const t of n.inputs) reach.add(t);
  }

  const grads = new Map<Tensor, Tensor>();
  const accumulate = (t: Tensor, g: Tensor): void => {
    const prev = grads.get(t);
    grads.set(t, prev ? add(prev, g) : g);
  };
  outputs.forEach((o, i) => accumulate(o, seeds[i]));

  for (const n of path) {
    const dOut = n.outputs.map((o) => grads.get(o) ?? null);
    if (dOut.every((g) => g === null)) continue;
    const need = n.inputs.map((t) => live.has(t) && reach.has(t) && isFloat(t.dtype) && (t.kind !== 'param' || t.trainable));
    if (!need.some(Boolean)) continue;
    if (!n.op.grad) throw new GraphBuildError(`${n.name}: no gradient rule for ${n.op.type}, but a gradient must flow through it`);
    const dIn = graph.scope(`grad(${n.name})`, () => n.op.grad!(n, dOut, need));
    n.inputs.forEach((t, i) => {
      const g = dIn[i];
      if (!need[i] || !g) return;
      if (!sameShape(g.shape, t.shape) || g.dtype !== t.dtype) {
        throw new GraphBuildError(`${n.name}: gradient rule gave ${g} for input ${t}`);
      }
      accumulate(t, g);
    });
  }
  return wrt.map((t) => grads.get(t) ?? zerosLike(t));
}

/** Gradients of a scalar loss. */
export function gradients(loss: Tensor, wrt: readonly Tensor[]): Tensor[] {
  if (loss.size !== 1) throw new GraphBuildError(`gradients: loss must have one element, got ${loss}`);
  return backward([loss], [loss.graph.constant(new (loss.dtype === 'float64' ? Float64Array : Float32Array)(1).fill(1), loss.shape, loss.dtype, 'seed')], wrt);
}
