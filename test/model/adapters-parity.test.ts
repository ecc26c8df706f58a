// CLIPSeg with VLSM-Adapter modules (dense and shallow; V, VL, VLC) against the PyTorch
// reference's golden logits, and the adapter-set reader's checks.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseClipSegConfig, pooledIndex } from '../../main/engine/model/config.ts';
import { readRawTensor, readSafetensorsHeader, readTensors } from '../../main/engine/model/safetensors.ts';
import { readNpy } from '../../main/engine/model/npy.ts';
import { interpolatePositionTable } from '../../main/engine/model/position-table.ts';
import { AdapterError, describeAdapters } from '../../main/engine/model/adapters.ts';
import { decoderGraph, reducedName, textGraph, visionGraph } from '../../main/engine/model/clipseg-graphs.ts';
import { positionTableName } from '../../main/engine/model/vision-tower.ts';
import { GraphSession, toOrt, type WeightStore } from '../../main/engine/runtime/session.ts';

const dir = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));
const config = parseClipSegConfig(JSON.parse(readFileSync(`${dir}config.json`, 'utf8')));
const SIZE = 64;
const grid = SIZE / config.vision.patchSize;

function baseStore(): WeightStore {
  const store: WeightStore = new Map();
  for (const [name, t] of readTensors(`${dir}model.safetensors`)) store.set(name, toOrt({ dtype: 'float32', dims: t.shape, data: t.data }));
  const pos = store.get('clip.vision_model.embeddings.position_embedding.weight')!;
  store.set(positionTableName(grid), toOrt({ dtype: 'float32', dims: [1 + grid * grid, pos.dims[1]], data: interpolatePositionTable(pos.data as Float32Array, pos.dims[0], pos.dims[1], grid) }));
  return store;
}

/** The modules a variant uses out of the full VLC file. */
const keep = (variant: string) => (name: string): boolean =>
  /^(v_|vision_)/.test(name) || (variant.includes('l') && /^(l_|text_)/.test(name)) || (variant.endsWith('c') && name.startsWith('cond_adapter'));

async function logitsFor(variant: string, inputs: string): Promise<{ ours: Float32Array; golden: Float32Array }> {
  const file = `${dir}adapters_${variant.slice(0, 2)}.safetensors`;
  const tensors = [...readTensors(file)].filter(([n]) => keep(variant.slice(3))(n));
  const set = describeAdapters(new Map(tensors.map(([n, t]) => [n, t.shape])), config, file);
  assert.equal(set.variant, variant);
  const store = baseStore();
  for (const [n, t] of tensors) store.set(n, toOrt({ dtype: 'float32', dims: t.shape, data: t.data }));
  const path = `${dir}${inputs}`;
  const pixels = readTensors(path, { names: ['pixel_values'] }).get('pixel_values')!;
  const raw = readRawTensor(path, readSafetensorsHeader(path), 'input_ids');
  const ids = new BigInt64Array(raw.bytes.buffer.slice(raw.bytes.byteOffset, raw.bytes.byteOffset + raw.bytes.byteLength));
  const batch = pixels.shape[0];
  const length = ids.length / batch;
  const pooled = new BigInt64Array(batch * 2);
  for (let b = 0; b < batch; b++) {
    pooled[2 * b] = BigInt(b);
    pooled[2 * b + 1] = BigInt(pooledIndex(Array.from(ids.subarray(b * length, (b + 1) * length), Number), config.text.eosTokenId));
  }
  const open = (g: Parameters<typeof GraphSession.create>[0]) => GraphSession.create(g, store, { provider: 'cpu', threads: 1 });
  const [vision, text, decoder] = await Promise.all([
    open(visionGraph(config, { batch, size: SIZE, adapters: set })),
    open(textGraph(config, { batch, length, adapters: set })),
    open(decoderGraph(config, { imageBatch: batch, promptBatch: batch, size: SIZE })),
  ]);
  try {
    const acts = await vision.run({ pixel_values: { dtype: 'float32', dims: pixels.shape, data: pixels.data } });
    const { conditional } = await text.run({ input_ids: { dtype: 'int64', dims: [batch, length], data: ids }, pooled_index: { dtype: 'int64', dims: [batch, 2], data: pooled } });
    const feeds = Object.fromEntries(config.extractLayers.map((_, k) => [reducedName(k), acts[reducedName(k)]]));
    const { logits } = await decoder.run({ ...feeds, conditional });
    const golden = readNpy(`${dir}golden/${variant}_${inputs.slice(7, 9)}_logits.npy`).data as Float32Array;
    return { ours: logits.data as Float32Array, golden };
  } finally {
    for (const s of [vision, text, decoder]) await s.release();
  }
}

for (const variant of ['da-v', 'da-vl', 'da-vlc', 'sa-v', 'sa-vl', 'sa-vlc']) {
  for (const inputs of ['inputs_b1.safetensors', 'inputs_b2.safetensors']) {
    test(`${variant} ${inputs.slice(7, 9)}: logits match the reference within 1e-4`, async () => {
      const { ours, golden } = await logitsFor(variant, inputs);
      assert.equal(ours.length, golden.length);
      let worst = 0;
      for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - golden[i]));
      assert.ok(worst <= 1e-4, `max |Δ| ${worst}`);
    });
  }
}

test('adapter sets: variant, dims from shapes, and the errors of broken files', () => {
  const shapes = new Map([...readTensors(`${dir}adapters_sa.safetensors`)].map(([n, t]) => [n, t.shape]));
  const set = describeAdapters(shapes, config, 'sa.safetensors');
  assert.equal(set.variant, 'sa-vlc');
  assert.deepEqual(set.modules.get('vision_extract_adapters.0'), { dim: 32, bottleneck: 16 });
  assert.deepEqual(set.modules.get('cond_adapter'), { dim: 32, bottleneck: 8 });
  const broken = new Map(shapes);
  broken.delete('text_extract_adapters.1.fc2.bias');
  broken.set('vision_extract_adapters.0.fc1.weight', [16, 31]);
  broken.set('vision_extract_adapters.7.fc1.weight', [16, 32]);
  assert.throws(() => describeAdapters(broken, config, 'bad.safetensors'), (e: Error) => e instanceof AdapterError
    && /bad\.safetensors/.test(e.message) && /missing text_extract_adapters\.1\.fc2\.bias/.test(e.message)
    && /vision_extract_adapters\.0\.fc1\.weight is \[16,31\], expected \[16,32\]/.test(e.message) && /unexpected tensor vision_extract_adapters\.7/.test(e.message));
  const textOnly = new Map([...shapes].filter(([n]) => n.startsWith('text_')));
  assert.throws(() => describeAdapters(textOnly, config, 't'), /no vision adapters/);
  assert.throws(() => describeAdapters(new Map([['clip.logit_scale', []]]), config, 'model.safetensors'), /no VLSM-Adapter tensors/);
});
