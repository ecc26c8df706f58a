// Runs graph outputs through onnxruntime-node on the CPU with plain arrays in and out.

import { compile, type HostArray, type Tensor } from '../../main/engine/graph/index.ts';
import { GraphSession } from '../../main/engine/runtime/session.ts';

export async function runGraph(outputs: Record<string, Tensor>, feeds: Record<string, HostArray>): Promise<Record<string, HostArray>> {
  const compiled = compile(outputs);
  const session = await GraphSession.create(compiled, new Map(), { provider: 'cpu', threads: 1 });
  try {
    const host = Object.fromEntries(compiled.inputs.map((s) => [s.name, { dtype: s.dtype, dims: s.shape, data: feeds[s.name] }]));
    const out = await session.run(host);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data]));
  } finally {
    await session.release();
  }
}
