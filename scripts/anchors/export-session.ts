// ORT on a plain torch.onnx.export of CLIPSeg (clipseg_torch.py), opened with the options a user
// would set (2 intra-op threads, full optimisation), and one call of it on fixed inputs: a
// preprocessed 352² image and an 8-word prompt (16 tokens); an export without a text input
// (--vision-only) gets the image alone.

import ort from 'onnxruntime-node';

/** One run of the export per call. `extra` are ORT session config entries (e.g. force_spinning_stop). */
export async function openExport(file: string, extra: Record<string, string> = {}): Promise<() => Promise<unknown>> {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all', extra: { session: extra } } as never);
  const pixels = new ort.Tensor('float32', Float32Array.from({ length: 3 * 352 * 352 }, (_, i) => Math.sin(i)), [1, 3, 352, 352]);
  const ids = new ort.Tensor('int64', BigInt64Array.from([49406, ...Array.from({ length: 8 }, (_, i) => 320 + i), ...Array(7).fill(49407)].map(BigInt)), [1, 16]);
  const feeds: Record<string, ort.Tensor> = session.inputNames.includes('input_ids') ? { pixel_values: pixels, input_ids: ids } : { pixel_values: pixels };
  return () => session.run(feeds);
}
