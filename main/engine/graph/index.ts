// The compiler's public surface: build a graph, differentiate it, compile it to ONNX.

export * from './dtype.ts';
export * from './ir.ts';
export { backward, gradients } from './autodiff.ts';
export { compile, decodeModel, type CompiledGraph, type TensorSignature } from './onnx.ts';
export * from './ops/elementwise.ts';
export * from './ops/reduce.ts';
export * from './ops/shape.ts';
export * from './ops/matmul.ts';
export * from './ops/normalization.ts';
export * from './ops/conv.ts';
export * from './ops/quantized.ts';
export { type Int8Weight, int8Names, int8Source, quantizeLinearWeight } from './quantize.ts';
