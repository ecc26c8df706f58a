// The tensor IR: a graph of ONNX-shaped nodes over statically shaped, typed tensors.
// Building a node checks its inputs at once, so a bad model fails while it is being written,
// with a message naming the op, the layer (scope) and the inputs.

import { type DType, type HostArray, hostMatches, isFloat } from './dtype.ts';

export type Shape = readonly number[];
export type AttrType = 'int' | 'ints' | 'float' | 'floats' | 'string';
/** Node attributes: the ONNX ones (typed by the op's attrTypes) plus build-time facts for rules. */
export type Attrs = Record<string, unknown>;

export interface TensorType { dtype: DType; shape: Shape }

/** An op: its ONNX identity, attribute types, shape/type inference and gradient rule. */
export interface OpDef {
  readonly type: string;
  readonly domain?: string;
  readonly attrTypes?: Record<string, AttrType>;
  /** The ONNX node's input names from the IR inputs' (ops with positional optional inputs). */
  onnxInputs?(names: string[]): string[];
  /** Output types from input types; throws a plain reason string (wrapped with context). */
  infer(inputs: readonly Tensor[], attrs: Attrs): TensorType[];
  /**
   * Gradient rule: one gradient per input (null where none flows or none is needed), built
   * from other ops. `dOut[i]` is null when output i receives no gradient.
   */
  grad?(node: Node, dOut: readonly (Tensor | null)[], need: readonly boolean[]): (Tensor | null)[];
}

export type TensorKind = 'input' | 'param' | 'constant' | 'value';

export class Tensor {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly kind: TensorKind,
    /** Feed name for inputs/params; debug name otherwise. */
    readonly name: string,
    readonly producer: Node | null = null,
    readonly trainable = false,
    readonly data: HostArray | null = null,
  ) {}
  get rank(): number { return this.shape.length; }
  get size(): number { return this.shape.reduce((a, b) => a * b, 1); }
  toString(): string { return `${this.name}:[${this.shape.join(',')}] ${this.dtype}`; }
}

export interface Node {
  readonly id: number;
  readonly op: OpDef;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly attrs: Attrs;
  /** Scope path + op type, e.g. `clip.vision_model.encoder.layers.3.self_attn/MatMul`. */
  readonly name: string;
}

export class GraphBuildError extends Error {
  override name = 'GraphBuildError';
}

const feedName = /^[A-Za-z_][\w.\-/:]*$/;

export class Graph {
  readonly nodes: Node[] = [];
  /** Fed tensors (inputs and params) by name, in creation order. */
  readonly feeds = new Map<string, Tensor>();
  private nextId = 0;
  private scopes: string[] = [];

  /**
   * `floatType` is the default dtype of params (float64 lets model-level gradient checks run exactly).
   * `trainable` decides, by name, whether a param that does not say so itself is trained: model
   * code stays the same whether a graph trains adapters, the decoder or everything.
   */
  constructor(readonly floatType: DType = 'float32', readonly trainable?: (name: string) => boolean) {}

  /**
   * Which Linear layers (by name) the model code emits with int8 weights (the `int8` precision of
   * an inference graph); none by default.
   */
  int8Linear: (name: string) => boolean = () => false;

  /**
   * The width the model code gives a hidden activation of `width` features (an MLP's intermediate
   * size), zero-padding the weights around it; unpadded by default. Inference graphs whose frozen
   * weights ORT folds at load use it to keep GEMM row strides off multiples of 4 KiB.
   */
  hiddenWidth: (width: number) => number = (width) => width;

  /** Runs `build` with `name` pushed on the scope path used in node names and errors. */
  scope<T>(name: string, build: () => T): T {
    this.scopes.push(name);
    try { return build(); } finally { this.scopes.pop(); }
  }

  get scopePath(): string { return this.scopes.join('.'); }

  /** Data fed at run time (images, tokens, targets, hyper-parameters). */
  input(name: string, dtype: DType, shape: Shape): Tensor {
    return this.addFeed(name, dtype, shape, 'input', false);
  }

  /** A weight fed at run time; only trainable params may receive gradients. */
  param(name: string, shape: Shape, opts: { trainable?: boolean; dtype?: DType } = {}): Tensor {
    const dtype = opts.dtype ?? this.floatType;
    const trainable = opts.trainable ?? (isFloat(dtype) && (this.trainable?.(name) ?? false));
    if (trainable && !isFloat(dtype)) throw new GraphBuildError(`param '${name}': a trainable param must be a float type, got ${dtype}`);
    return this.addFeed(name, dtype, shape, 'param', trainable);
  }

  /** A value embedded in the graph (ONNX initializer). */
  constant(data: HostArray, shape: Shape, dtype: DType, name = 'const'): Tensor {
    checkShape(shape, `constant '${name}'`);
    if (!hostMatches(dtype === 'float16' ? 'float32' : dtype, data)) {
      throw new GraphBuildError(`constant '${name}': ${data.constructor.name} cannot hold ${dtype}`);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    if (data.length !== size) throw new GraphBuildError(`constant '${name}': ${data.length} values for shape [${shape.join(',')}]`);
    return new Tensor(this, this.nextId++, dtype, [...shape], 'constant', name, null, false, data);
  }

  /** A scalar (or broadcastable [1..]) float constant of `like`'s dtype. */
  scalar(value: number, dtype: DType = 'float32'): Tensor {
    const data = dtype === 'float64' ? new Float64Array([value]) : dtype === 'int64' ? new BigInt64Array([BigInt(value)])
      : dtype === 'bool' ? new Uint8Array([value ? 1 : 0]) : new Float32Array([value]);
    return this.constant(data, [], dtype, `scalar(${value})`);
  }

  ints(values: readonly number[], name = 'ints'): Tensor {
    return this.constant(BigInt64Array.from(values, BigInt), [values.length], 'int64', name);
  }

  /** Adds a node for `op`; validates inputs and infers outputs. */
  apply(op: OpDef, inputs: readonly Tensor[], attrs: Attrs = {}): Tensor[] {
    const where = this.scopePath ? `${this.scopePath}/${op.type}` : op.type;
    for (const t of inputs) {
      if (t.graph !== this) throw new GraphBuildError(`${where}: input ${t} belongs to another graph`);
    }
    let types: TensorType[];
    try {
      types = op.infer(inputs, attrs);
      for (const t of types) checkShape(t.shape, 'output');
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      throw new GraphBuildError(`${where} with inputs (${inputs.map(String).join(', ')}): ${reason}`);
    }
    const node: Node = { id: this.nodes.length, op, inputs: [...inputs], outputs: [], attrs: { ...attrs }, name: where };
    const outputs = types.map((t, i) => new Tensor(this, this.nextId++, t.dtype, [...t.shape], 'value', `${where}:${i}`, node));
    (node.outputs as Tensor[]).push(...outputs);
    this.nodes.push(node);
    return outputs;
  }

  private addFeed(name: string, dtype: DType, shape: Shape, kind: TensorKind, trainable: boolean): Tensor {
    if (!feedName.test(name)) throw new GraphBuildError(`${kind} '${name}': names must match ${feedName}`);
    if (this.feeds.has(name)) throw new GraphBuildError(`${kind} '${name}' is already defined`);
    checkShape(shape, `${kind} '${name}'`);
    const t = new Tensor(this, this.nextId++, dtype, [...shape], kind, name, null, trainable);
    this.feeds.set(name, t);
    return t;
  }
}

function checkShape(shape: Shape, what: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new GraphBuildError(`${what}: bad dimension ${d} in [${shape.join(',')}]`);
  }
}

/** Throws the reason for an op's inference failure (caught and wrapped by Graph.apply). */
export function fail(reason: string): never {
  throw new Error(reason);
}

export const fmt = (s: Shape): string => `[${s.join(',')}]`;
