// Serialises an IR graph to an ONNX ModelProto with protobufjs, keeping only the nodes the
// requested outputs need. Fed tensors (inputs and params) become graph inputs, so one copy of a
// large frozen weight held by the runtime serves every session that names it.

import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { type DType, type HostArray, onnxTypeCode, toHalfBits } from './dtype.ts';
import { GraphBuildError, type Node, type Shape, type Tensor } from './ir.ts';

const OPSET = 18;
const IR_VERSION = 8;

const root = protobuf.parse(readFileSync(new URL('./onnx.proto', import.meta.url), 'utf8'), { keepCase: false }).root;
const ModelProto = root.lookupType('onnx.ModelProto');

export interface TensorSignature { name: string; dtype: DType; shape: number[] }

/** A serialised graph and the signature the runtime checks feeds against. */
export interface CompiledGraph {
  bytes: Uint8Array;
  inputs: (TensorSignature & { kind: 'input' | 'param' })[];
  outputs: TensorSignature[];
  nodeCount: number;
}

const attrCodes = { float: 1, int: 2, string: 3, floats: 6, ints: 7 } as const;

function encodeAttrs(n: Node): object[] {
  return Object.entries(n.op.attrTypes ?? {}).flatMap(([name, type]) => {
    const v = n.attrs[name];
    if (v === undefined) return [];
    const a: Record<string, unknown> = { name, type: attrCodes[type] };
    if (type === 'int') a.i = v as number;
    else if (type === 'float') a.f = v as number;
    else if (type === 'string') a.s = new TextEncoder().encode(v as string);
    else if (type === 'ints') a.ints = [...(v as number[])];
    else a.floats = [...(v as number[])];
    return [a];
  });
}

function rawBytes(dtype: DType, data: HostArray): Uint8Array {
  if (dtype === 'float16' && !(data instanceof Uint16Array)) {
    const half = Uint16Array.from(data as Float32Array, toHalfBits);
    return new Uint8Array(half.buffer);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

const valueInfo = (name: string, dtype: DType, shape: Shape): object => ({
  name,
  type: { tensorType: { elemType: onnxTypeCode[dtype], shape: { dim: shape.map((d) => ({ dimValue: d })) } } },
});

/** Serialises the part of `t`'s graph that `outputs` need. */
export function compile(outputs: Record<string, Tensor>, opts: { name?: string } = {}): CompiledGraph {
  const entries = Object.entries(outputs);
  if (entries.length === 0) throw new GraphBuildError('compile: no outputs');
  const graph = entries[0][1].graph;

  // Nodes needed by the outputs, in creation (topological) order.
  const needed = new Set<Node>();
  const stack = entries.map(([, t]) => t);
  const seen = new Set<Tensor>();
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (t.producer && !needed.has(t.producer)) {
      needed.add(t.producer);
      stack.push(...t.producer.inputs);
    }
  }
  const nodes = graph.nodes.filter((n) => needed.has(n));

  const names = new Map<Tensor, string>();
  const nameOf = (t: Tensor): string => {
    let n = names.get(t);
    if (!n) {
      n = t.kind === 'input' || t.kind === 'param' ? t.name : `${t.kind === 'constant' ? 'c' : 'v'}${t.id}`;
      names.set(t, n);
    }
    return n;
  };

  // A computed tensor is named by its (first) output name directly: ORT keeps an Identity whose
  // input other nodes also read, and that copy cost a train step ~4 ms (params and moments).
  const direct = new Map<string, Tensor>();
  for (const [name, t] of entries) {
    if (t.producer && !names.has(t) && !/^[vc]\d+$/.test(name)) {
      names.set(t, name);
      direct.set(name, t);
    }
  }

  const fed = [...graph.feeds.values()].filter((t) => seen.has(t));
  const constants = [...seen].filter((t) => t.kind === 'constant');
  const nodeProtos = nodes.map((n) => ({
    name: `${n.name}#${n.id}`,
    opType: n.op.type,
    domain: n.op.domain ?? '',
    input: n.op.onnxInputs ? n.op.onnxInputs(n.inputs.map(nameOf)) : n.inputs.map(nameOf),
    output: n.outputs.map(nameOf),
    attribute: encodeAttrs(n),
  }));
  // Other outputs (a fed tensor, a constant, one tensor under a second name) get theirs through Identity.
  for (const [name, t] of entries) {
    if (graph.feeds.has(name)) throw new GraphBuildError(`compile: output '${name}' clashes with an input name`);
    if (direct.get(name) === t) continue;
    nodeProtos.push({ name: `output:${name}`, opType: 'Identity', domain: '', input: [nameOf(t)], output: [name], attribute: [] });
  }

  const model = ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }, ...[...new Set(nodes.flatMap((n) => n.op.domain ? [n.op.domain] : []))].map((domain) => ({ domain, version: 1 }))],
    producerName: 'delineate',
    graph: {
      name: opts.name ?? 'graph',
      node: nodeProtos,
      input: fed.map((t) => valueInfo(t.name, t.dtype, t.shape)),
      initializer: constants.map((t) => ({ name: nameOf(t), dims: [...t.shape], dataType: onnxTypeCode[t.dtype], rawData: rawBytes(t.dtype, t.data!) })),
      output: entries.map(([name, t]) => valueInfo(name, t.dtype, t.shape)),
    },
  });
  return {
    bytes: ModelProto.encode(model).finish(),
    inputs: fed.map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape], kind: t.kind as 'input' | 'param' })),
    outputs: entries.map(([name, t]) => ({ name, dtype: t.dtype, shape: [...t.shape] })),
    nodeCount: nodes.length,
  };
}

/** Decodes ONNX bytes (used by tests and tools to inspect what was emitted). */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, bytes: Array }) as Record<string, unknown>;
}

/** A fed param turned into an initializer: its bytes inline, or a range of an external data file. */
export interface Initializer {
  name: string;
  dtype: DType;
  dims: readonly number[];
  data?: Uint8Array;
  external?: { location: string; offset: number; length: number };
}

/**
 * The model with some of its fed params embedded as initializers (so ONNX Runtime can pre-pack
 * them, e.g. re-layout GEMM operands once instead of on every run) and its new signature.
 */
export function embedInitializers(graph: CompiledGraph, inits: readonly Initializer[]): CompiledGraph {
  const byName = new Map(inits.map((i) => [i.name, i]));
  for (const i of inits) {
    const sig = graph.inputs.find((s) => s.name === i.name);
    if (!sig || sig.kind !== 'param') throw new GraphBuildError(`embed: '${i.name}' is not a param of the graph`);
    if (sig.dtype !== i.dtype || sig.shape.length !== i.dims.length || sig.shape.some((d, k) => d !== i.dims[k])) {
      throw new GraphBuildError(`embed: '${i.name}' is ${i.dtype} [${i.dims.join(',')}], the graph takes ${sig.dtype} [${sig.shape.join(',')}]`);
    }
  }
  const model = ModelProto.decode(graph.bytes) as unknown as { graph: { input: { name: string }[]; initializer: object[] } };
  model.graph.input = model.graph.input.filter((v) => !byName.has(v.name));
  for (const i of inits) {
    model.graph.initializer.push(i.external
      ? { name: i.name, dims: [...i.dims], dataType: onnxTypeCode[i.dtype], dataLocation: 1, externalData: Object.entries({ location: i.external.location, offset: String(i.external.offset), length: String(i.external.length) }).map(([key, value]) => ({ key, value })) }
      : { name: i.name, dims: [...i.dims], dataType: onnxTypeCode[i.dtype], rawData: i.data });
  }
  return {
    bytes: ModelProto.encode(model as never).finish(),
    inputs: graph.inputs.filter((s) => !byName.has(s.name)),
    outputs: graph.outputs,
    nodeCount: graph.nodeCount,
  };
}
