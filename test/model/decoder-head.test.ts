// The two decoder heads. rd64/rd16 use one ConvTranspose(k = s = patch): with stride equal to the
// kernel every output pixel sees exactly one grid cell, so logits[y, x] = b + Σc map[c, y/p, x/p] ·
// W[c, 0, y%p, x%p] — a closed form independent of ONNX's ConvTranspose. The refined head is
// covered by the golden parity tests; here both heads' parameter names must match the checkpoint's.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Graph } from '../../main/engine/graph/index.ts';
import { parseClipSegConfig } from '../../main/engine/model/config.ts';
import { transposedConvolutionHead } from '../../main/engine/model/decoder.ts';
import { decoderGraph } from '../../main/engine/model/clipseg-graphs.ts';
import { expectedClipSegWeights } from '../../main/engine/model/weights.ts';
import { uniform, rng } from '../helpers/random.ts';
import { runGraph } from '../helpers/run.ts';

const small = (complex: boolean) => parseClipSegConfig({
  model_type: 'clipseg', reduce_dim: 8, projection_dim: 8, extract_layers: [0, 1], decoder_num_attention_heads: 2, decoder_intermediate_size: 16,
  use_complex_transposed_convolution: complex,
  vision_config: { hidden_size: 8, intermediate_size: 16, num_hidden_layers: 2, num_attention_heads: 2, image_size: 16, patch_size: 8 },
  text_config: { hidden_size: 8, intermediate_size: 16, num_hidden_layers: 1, num_attention_heads: 2, vocab_size: 10, max_position_embeddings: 4 },
});

test('simple head (rd64, rd16): one transposed convolution, stride = kernel = patch', async () => {
  const c = small(false);
  const [r, p, grid] = [c.reduceDim, c.vision.patchSize, 3];
  const g = new Graph();
  const map = g.input('map', 'float32', [1, r, grid, grid]);
  const y = transposedConvolutionHead(g, c, map);
  assert.deepEqual(y.shape, [1, 1, grid * p, grid * p]);
  const rand = rng(5);
  const m = Float32Array.from(uniform(rand, r * grid * grid, 1));
  const w = Float32Array.from(uniform(rand, r * p * p, 1));
  const b = 0.25;
  const out = (await runGraph({ y }, { map: m, 'decoder.transposed_convolution.weight': w, 'decoder.transposed_convolution.bias': new Float32Array([b]) })).y as Float32Array;
  const side = grid * p;
  let worst = 0;
  for (let yy = 0; yy < side; yy++) {
    for (let xx = 0; xx < side; xx++) {
      let v = b;
      for (let ch = 0; ch < r; ch++) v += m[(ch * grid + Math.floor(yy / p)) * grid + Math.floor(xx / p)] * w[(ch * p + (yy % p)) * p + (xx % p)];
      worst = Math.max(worst, Math.abs(out[yy * side + xx] - v));
    }
  }
  assert.ok(worst < 1e-5, `max |Δ| ${worst}`);
});

for (const complex of [false, true]) {
  test(`decoder graph (${complex ? 'refined' : 'simple'} head) asks for exactly the checkpoint's decoder weights`, () => {
    const c = small(complex);
    const graph = decoderGraph(c, { imageBatch: 1, promptBatch: 2, size: 16 });
    const params = graph.inputs.filter((i) => i.kind === 'param');
    const expected = expectedClipSegWeights(c);
    // reduces run in the vision graph (image-only work), everything else of the decoder runs here
    const decoderKeys = [...expected.keys()].filter((k) => k.startsWith('decoder.') && !k.startsWith('decoder.reduces.')).sort();
    assert.deepEqual(params.map((p) => p.name).sort(), decoderKeys);
    for (const p of params) assert.deepEqual(p.shape, expected.get(p.name), p.name);
    // HF's refined head upsamples by (patch/4)², which is the patch size only for patch 16
    const grid = 16 / c.vision.patchSize;
    const side = complex ? grid * (c.vision.patchSize / 4) ** 2 : grid * c.vision.patchSize;
    assert.deepEqual(graph.outputs.find((o) => o.name === 'logits')!.shape, [2, side, side]);
  });
}
