// The pre-LN CLIP encoder layer against a plain float64 transcription of HF's CLIPEncoderLayer,
// and its input gradient (weights frozen) against finite differences.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as G from '../../main/engine/graph/index.ts';
import type { HostTensor } from '../../main/engine/runtime/host-tensor.ts';
import { clipEncoderLayer, type ClipLayerConfig } from '../../main/engine/model/clip-encoder-layer.ts';
import { gradcheck, hostOf } from '../helpers/gradcheck.ts';
import { normal, rng } from '../helpers/random.ts';
import { runGraph } from '../helpers/run.ts';

const cfg: ClipLayerConfig = { hiddenSize: 4, heads: 2, intermediateSize: 8, layerNormEps: 1e-5 };
const [T, D, F] = [3, cfg.hiddenSize, cfg.intermediateSize];
const prefix = 'layer';

function makeWeights(seed: number): Record<string, number[]> {
  const rand = rng(seed);
  const w: Record<string, number[]> = {};
  for (const n of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) {
    w[`${prefix}.self_attn.${n}.weight`] = normal(rand, D * D, 0.5);
    w[`${prefix}.self_attn.${n}.bias`] = normal(rand, D, 0.1);
  }
  for (const n of ['layer_norm1', 'layer_norm2']) {
    w[`${prefix}.${n}.weight`] = normal(rand, D, 0.2).map((v) => 1 + v);
    w[`${prefix}.${n}.bias`] = normal(rand, D, 0.1);
  }
  w[`${prefix}.mlp.fc1.weight`] = normal(rand, F * D, 0.5);
  w[`${prefix}.mlp.fc1.bias`] = normal(rand, F, 0.1);
  w[`${prefix}.mlp.fc2.weight`] = normal(rand, D * F, 0.5);
  w[`${prefix}.mlp.fc2.bias`] = normal(rand, D, 0.1);
  for (const k of Object.keys(w)) w[k] = w[k].map(Math.fround);
  return w;
}

/** HF CLIPEncoderLayer in float64, one sequence [T, D], optional additive mask [T, T]. */
function reference(x: number[][], w: Record<string, number[]>, mask?: number[][]): number[][] {
  const lin = (v: number[], n: string, out: number): number[] =>
    Array.from({ length: out }, (_, o) => w[`${n}.bias`][o] + v.reduce((s, vi, i) => s + w[`${n}.weight`][o * v.length + i] * vi, 0));
  const ln = (v: number[], n: string): number[] => {
    const m = v.reduce((a, b) => a + b) / v.length;
    const s = v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length;
    return v.map((vi, i) => ((vi - m) / Math.sqrt(s + cfg.layerNormEps)) * w[`${n}.weight`][i] + w[`${n}.bias`][i]);
  };
  const hd = D / cfg.heads;
  const h1 = x.map((r) => ln(r, `${prefix}.layer_norm1`));
  const q = h1.map((r) => lin(r, `${prefix}.self_attn.q_proj`, D).map((v) => v * hd ** -0.5));
  const k = h1.map((r) => lin(r, `${prefix}.self_attn.k_proj`, D));
  const v = h1.map((r) => lin(r, `${prefix}.self_attn.v_proj`, D));
  const att = x.map(() => new Array(D).fill(0));
  for (let h = 0; h < cfg.heads; h++) {
    for (let i = 0; i < T; i++) {
      const s = Array.from({ length: T }, (_, j) => q[i].slice(h * hd, (h + 1) * hd).reduce((a, qi, c) => a + qi * k[j][h * hd + c], 0) + (mask?.[i][j] ?? 0));
      const mx = Math.max(...s);
      const e = s.map((si) => Math.exp(si - mx));
      const z = e.reduce((a, b) => a + b);
      for (let c = 0; c < hd; c++) att[i][h * hd + c] = e.reduce((a, ej, j) => a + (ej / z) * v[j][h * hd + c], 0);
    }
  }
  const r1 = x.map((r, i) => lin(att[i], `${prefix}.self_attn.out_proj`, D).map((o, c) => r[c] + o));
  return r1.map((r) => {
    const f = lin(ln(r, `${prefix}.layer_norm2`), `${prefix}.mlp.fc1`, F).map((u) => u / (1 + Math.exp(-1.702 * u)));
    return lin(f, `${prefix}.mlp.fc2`, D).map((o, c) => r[c] + o);
  });
}

const store = (w: Record<string, number[]>, g: G.Graph): Record<string, HostTensor> =>
  Object.fromEntries([...g.feeds.values()].filter((t) => t.kind === 'param').map((t) => [t.name, hostOf(g.floatType, [...t.shape], w[t.name])]));

for (const causal of [false, true]) {
  test(`forward equals HF's CLIPEncoderLayer${causal ? ' with a causal mask (text tower)' : ''}`, async () => {
    const w = makeWeights(31);
    const x = Array.from({ length: T }, (_, i) => normal(rng(40 + i), D).map(Math.fround));
    const mask = causal ? Array.from({ length: T }, (_, i) => Array.from({ length: T }, (_, j) => (j > i ? -1e9 : 0))) : undefined;
    const g = new G.Graph();
    const maskT = mask ? g.constant(Float32Array.from(mask.flat()), [T, T], 'float32', 'causal') : undefined;
    const y = clipEncoderLayer(g, prefix, g.input('x', 'float32', [1, T, D]), cfg, maskT);
    const feeds = { x: Float32Array.from(x.flat()), ...Object.fromEntries(Object.entries(store(w, g)).map(([k, v]) => [k, v.data])) };
    const out = await runGraph({ y }, feeds);
    const want = reference(x, w, mask).flat();
    want.forEach((v, i) => assert.ok(Math.abs((out.y[i] as number) - v) < 1e-5, `y[${i}] = ${out.y[i]}, reference ${v}`));
  });
}

test('input gradient through the frozen layer (what adapters train through)', async () => {
  const w = makeWeights(32);
  const g = new G.Graph('float64');
  clipEncoderLayer(g, prefix, g.input('probe', 'float64', [1, T, D]), cfg);
  await gradcheck({ shapes: [[1, T, D]], weights: store(w, g), build: (gg, [x]) => clipEncoderLayer(gg, prefix, x, cfg) });
});
