// The training graphs against the PyTorch reference's goldens (test/fixtures/clipseg-tiny/golden):
// the std loss (1.5·Dice + BCE on logits), the gradient of every trained parameter — and a trained
// parameter for every golden gradient — for the six adapter variants and the decoder / full
// baselines (both batch cases), the cached-feature path of shallow adapters, and two AdamW steps.
// Tolerances are the fixture README's.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { describeAdapters } from '../../main/engine/model/adapters.ts';
import { parseClipSegConfig, pooledIndex } from '../../main/engine/model/config.ts';
import { interpolatePositionTable } from '../../main/engine/model/position-table.ts';
import { type FloatTensor, readRawTensor, readSafetensorsHeader, readTensors } from '../../main/engine/model/safetensors.ts';
import { positionTableName } from '../../main/engine/model/vision-tower.ts';
import type { HostTensor } from '../../main/engine/runtime/host-tensor.ts';
import { GraphSession, toOrt, type WeightStore } from '../../main/engine/runtime/session.ts';
import { featureGraphs, featureNames, trainLoss, type TrainVariant, usesTextSkips } from '../../main/engine/train/clipseg-train-graph.ts';
import { buildTrainStep } from '../../main/engine/train/train-step.ts';
import { TrainState } from '../../main/engine/train/train-state.ts';

const dir = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));
const config = parseClipSegConfig(JSON.parse(readFileSync(`${dir}config.json`, 'utf8')));
const SIZE = 64;
const grid = SIZE / config.vision.patchSize;
const base = readTensors(`${dir}model.safetensors`);

const f32 = (shape: number[], data: Float32Array): HostTensor => ({ dtype: 'float32', dims: shape, data });

function inputs(c: 'b1' | 'b2'): { batch: number; length: number; feeds: Record<string, HostTensor> } {
  const path = `${dir}inputs_${c}.safetensors`;
  const t = readTensors(path, { names: ['pixel_values', 'masks'] });
  const raw = readRawTensor(path, readSafetensorsHeader(path), 'input_ids');
  const ids = new BigInt64Array(raw.bytes.buffer.slice(raw.bytes.byteOffset, raw.bytes.byteOffset + raw.bytes.byteLength));
  const px = t.get('pixel_values')!;
  const batch = px.shape[0];
  const length = ids.length / batch;
  const pooled = new BigInt64Array(batch * 2);
  for (let b = 0; b < batch; b++) {
    pooled[2 * b] = BigInt(b);
    pooled[2 * b + 1] = BigInt(pooledIndex(Array.from(ids.subarray(b * length, (b + 1) * length), Number), config.text.eosTokenId));
  }
  const masks = t.get('masks')!;
  return {
    batch, length, feeds: {
      pixel_values: f32(px.shape, px.data), masks: f32(masks.shape, masks.data),
      input_ids: { dtype: 'int64', dims: [batch, length], data: ids }, pooled_index: { dtype: 'int64', dims: [batch, 2], data: pooled },
    },
  };
}

/** Frozen weights (everything not trained) plus the interpolated position table. */
function frozenStore(trained: Set<string>): WeightStore {
  const store: WeightStore = new Map();
  for (const [name, t] of base) if (!trained.has(name)) store.set(name, toOrt(f32(t.shape, t.data)));
  const pos = base.get('clip.vision_model.embeddings.position_embedding.weight')!;
  store.set(positionTableName(grid), toOrt(f32([1 + grid * grid, pos.shape[1]], interpolatePositionTable(pos.data, pos.shape[0], pos.shape[1], grid))));
  return store;
}

/** The VLC adapter file cut down to a variant's modules. */
function adapterTensors(variant: string): Map<string, FloatTensor> {
  const file = `${dir}adapters_${variant.slice(0, 2)}.safetensors`;
  const parts = variant.slice(3);
  return new Map([...readTensors(file)].filter(([n]) => /^(v_|vision_)/.test(n) || (parts.includes('l') && /^(l_|text_)/.test(n)) || (parts.endsWith('c') && n.startsWith('cond_adapter'))));
}

interface Run { loss: number; grads: Map<string, Float32Array>; state: TrainState; step: () => Promise<number> }

/** Builds the train step for a variant and runs it once with lr 0 (a pure gradient evaluation). */
async function gradientsOf(variant: TrainVariant, c: 'b1' | 'b2', o: { cached?: boolean; lr?: number; weightDecay?: number } = {}): Promise<Run> {
  const isAdapter = variant !== 'decoder' && variant !== 'full';
  const adapters = isAdapter ? adapterTensors(variant) : new Map();
  const set = isAdapter ? describeAdapters(new Map([...adapters].map(([n, t]) => [n, t.shape])), config, variant) : null;
  const { batch, length, feeds } = inputs(c);
  const built = trainLoss(config, { variant, set, batch, size: SIZE, length, cached: o.cached });
  const step = buildTrainStep({ loss: built.loss, exportGradients: true, optimizer: { weightDecay: o.weightDecay ?? 1e-3, maxGradNorm: null } });
  const params: Record<string, HostTensor> = {};
  for (const p of step.params) {
    const t = adapters.get(p.name) ?? base.get(p.name);
    assert.ok(t, `no initial value for ${p.name}`);
    params[p.name] = f32(t.shape, new Float32Array(t.data));
  }
  const store = frozenStore(new Set(Object.keys(params)));
  let batchFeeds: Record<string, HostTensor> = feeds;
  if (o.cached) {
    const fg = featureGraphs(config, { batch, size: SIZE, length });
    const vs = await GraphSession.create(fg.vision, store, { provider: 'cpu', threads: 1 });
    const ts = await GraphSession.create(fg.text, store, { provider: 'cpu', threads: 1 });
    const text = await ts.run({ input_ids: feeds.input_ids, pooled_index: feeds.pooled_index });
    if (!usesTextSkips(set)) for (const k of Object.keys(text)) if (k !== featureNames.conditional) delete text[k];
    batchFeeds = { masks: feeds.masks, ...await vs.run({ pixel_values: feeds.pixel_values }), ...text };
    await vs.release();
    await ts.release();
  }
  const session = await GraphSession.create(step.compiled, store, { provider: 'cpu', threads: 1 });
  const state = new TrainState(step.optimizer, params);
  const run = async (lr: number): Promise<{ loss: number; outputs: Record<string, HostTensor> }> => {
    const r = await state.apply({ run: (f) => session.run(f) }, batchFeeds, lr);
    return { loss: r.loss, outputs: r.outputs };
  };
  const first = await run(o.lr ?? 0);
  const grads = new Map(step.params.map((p) => [p.name, first.outputs[`grad.${p.name}`].data as Float32Array]));
  return { loss: first.loss, grads, state, step: async () => (await run(o.lr ?? 0)).loss };
}

const norm = (a: ArrayLike<number>): number => Math.sqrt(Array.from(a).reduce((s, x) => s + x * x, 0));

/**
 * The trained parameters are exactly those the golden has a (std-loss) gradient for among `trains`,
 * and not none; per-tensor error ‖Δ‖ / max(‖g‖, 1e-3·max‖g‖), and absolute checks of
 * analytically-zero gradients.
 */
function compareGradients(golden: string, ours: Map<string, Float32Array>, zero: string[], trains: (name: string) => boolean = () => true): void {
  const want = new Map([...readTensors(golden)].filter(([n]) => n.startsWith('std/')).map(([n, t]) => [n.slice('std/'.length), t.data]));
  const covered = [...ours.keys()];
  assert.ok(covered.length > 0, 'the step trains no parameter');
  for (const name of covered) assert.ok(want.has(name), `golden has no gradient for ${name}`);
  const untrained = [...want.keys()].filter((name) => trains(name) && !ours.has(name));
  assert.deepEqual(untrained, [], 'golden gradients of parameters the step does not train');
  const maxNorm = Math.max(...covered.map((n) => norm(want.get(n)!)));
  let worst = { name: '', err: 0 };
  for (const name of covered) {
    const g = want.get(name)!;
    const d = ours.get(name)!;
    assert.equal(d.length, g.length, name);
    const diff = norm(Array.from(d, (x, i) => x - g[i]));
    if (zero.includes(name)) {
      assert.ok(diff <= 1e-6, `${name} should be zero analytically, |Δ| ${diff}`);
      continue;
    }
    const err = diff / Math.max(norm(g), 1e-3 * maxNorm);
    if (err > worst.err) worst = { name, err };
  }
  assert.ok(worst.err <= 1e-3, `worst gradient ${worst.name}: error ${worst.err}`);
}

const goldenJson = (v: string, c: string): { loss: { std: { total: number } }; analytically_zero_grads: string[] } =>
  JSON.parse(readFileSync(`${dir}golden/${v}_${c}.json`, 'utf8'));

for (const variant of ['da-v', 'da-vl', 'da-vlc', 'sa-v', 'sa-vl', 'sa-vlc', 'decoder', 'full'] as const) {
  for (const c of ['b1', 'b2'] as const) {
    test(`${variant} ${c}: loss and every trained parameter's gradient match PyTorch`, async () => {
      const goldenName = variant === 'decoder' || variant === 'full' ? 'none' : variant;
      const j = goldenJson(goldenName, c);
      const run = await gradientsOf(variant, c);
      assert.ok(Math.abs(run.loss - j.loss.std.total) <= 1e-5, `loss ${run.loss} vs ${j.loss.std.total}`);
      if (variant === 'decoder') assert.ok([...run.grads.keys()].every((n) => n.startsWith('decoder.')));
      if (variant === 'full') assert.equal(run.grads.size, [...base.keys()].filter((n) => !n.endsWith('position_ids')).length - 3 /* logit_scale, visual_projection and post_layernorm are unused */ - 1);
      // The 'none' golden holds every parameter's gradient; the decoder baseline trains the decoder's.
      const trains = variant === 'decoder' ? (name: string) => name.startsWith('decoder.') : undefined;
      compareGradients(`${dir}golden/${goldenName}_${c}_grads.safetensors`, run.grads, j.analytically_zero_grads, trains);
    });
  }
}

for (const variant of ['sa-vlc', 'decoder'] as const) {
  test(`${variant}: the cached-feature graph gives the same loss and gradients as the full graph`, async () => {
    const full = await gradientsOf(variant, 'b2');
    const cached = await gradientsOf(variant, 'b2', { cached: true });
    assert.ok(Math.abs(full.loss - cached.loss) <= 1e-6);
    const floor = 1e-3 * Math.max(...[...full.grads.values()].map(norm));
    for (const [name, g] of full.grads) {
      const d = cached.grads.get(name)!;
      const err = norm(Array.from(d, (x, i) => x - g[i])) / Math.max(norm(g), floor);
      assert.ok(err <= 1e-4, `${name}: ${err}`);
    }
  });
}

for (const [variant, lr] of [['da-vlc', 1e-3], ['sa-vlc', 3e-4]] as const) {
  test(`${variant}: two AdamW steps match torch.optim.AdamW`, async () => {
    const j = JSON.parse(readFileSync(`${dir}golden/adamw_${variant}_b1.json`, 'utf8'));
    const golden = readTensors(`${dir}golden/adamw_${variant}_b1.safetensors`);
    const run = await gradientsOf(variant, 'b1', { lr, weightDecay: 1e-3 });
    assert.ok(Math.abs(run.loss - j.loss_before_step1) <= 1e-5);
    const check = (stepName: string): void => {
      for (const [name, t] of run.state.tensors) {
        if (name.startsWith('adam.')) continue;
        const want = golden.get(`${stepName}/${name}`);
        assert.ok(want, `golden lacks ${stepName}/${name}`);
        const got = t.data as Float32Array;
        let worst = 0;
        for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want.data[i]));
        assert.ok(worst <= 1e-6, `${stepName} ${name}: max |Δ| ${worst}`);
      }
    };
    check('step1');
    const after1 = await run.step();
    assert.ok(Math.abs(after1 - j.loss_after_step1) <= 1e-5, `loss after step 1: ${after1} vs ${j.loss_after_step1}`);
    check('step2');
  });
}
