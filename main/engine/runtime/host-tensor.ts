// Tensors as they cross the worker boundary: plain typed arrays with dtype and dims, checked
// against a graph's signature before they reach ONNX Runtime, so a bad feed names the tensor.

import { type DType, type HostArray, hostMatches } from '../graph/dtype.ts';
import type { TensorSignature } from '../graph/onnx.ts';

export interface HostTensor {
  dtype: DType;
  dims: number[];
  data: HostArray;
}

export class FeedError extends Error {
  override name = 'FeedError';
}

export function checkHostTensor(name: string, t: HostTensor): void {
  if (!hostMatches(t.dtype, t.data)) {
    throw new FeedError(`tensor '${name}': ${t.data?.constructor?.name ?? typeof t.data} cannot carry ${t.dtype}`);
  }
  const size = t.dims.reduce((a, b) => a * b, 1);
  if (t.data.length !== size) throw new FeedError(`tensor '${name}': ${t.data.length} values for dims [${t.dims.join(',')}]`);
}

/** Checks one feed against the graph's declared input. */
export function checkFeed(sig: TensorSignature, t: HostTensor | undefined, graph: string): void {
  if (!t) throw new FeedError(`graph '${graph}': missing feed '${sig.name}' (${sig.dtype} [${sig.shape.join(',')}])`);
  if (t.dtype !== sig.dtype) throw new FeedError(`graph '${graph}': feed '${sig.name}' is ${t.dtype}, expected ${sig.dtype}`);
  if (t.dims.length !== sig.shape.length || t.dims.some((d, i) => d !== sig.shape[i])) {
    throw new FeedError(`graph '${graph}': feed '${sig.name}' has dims [${t.dims.join(',')}], expected [${sig.shape.join(',')}]`);
  }
  checkHostTensor(sig.name, t);
}

/** Buffers to transfer (not copy) when posting tensors between threads. */
export function transferList(tensors: Iterable<HostTensor>): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const t of tensors) {
    const b = t.data.buffer;
    if (b instanceof ArrayBuffer && b.byteLength === t.data.byteLength) seen.add(b);
  }
  return [...seen];
}

/** A float32 host tensor over `data` (not copied). */
export const float32 = (dims: number[], data: Float32Array): HostTensor => ({ dtype: 'float32', dims, data });
