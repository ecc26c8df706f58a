// scripts/ckpt_to_adapter.py, the cluster-side converter, without torch: its key mapping runs under
// Debian's python3 on a stub state dict shaped like the reference Lightning module's (net.clipseg.*
// frozen, net.<adapter>.fc1/fc2 trainable, with DDP and torch.compile prefixes), and the names it
// produces, laid out with the tiny model's shapes, import as the variant the script reports.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readAdapterPack } from '../../main/training/adapter-pack.ts';
import { packModelAt } from '../../main/training/adapter-pack-exchange.ts';
import { buildSafetensors, f32le } from '../helpers/safetensors-bytes.ts';
import { tempDir } from '../helpers/temp-store.ts';

const PYTHON = '/usr/bin/python3';
const scripts = fileURLToPath(new URL('../../scripts/', import.meta.url));
const modelDir = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));

/** Runs map_keys and variant_of on `keys` (name → shape); values pass through untouched. */
function convert(keys: Record<string, number[]>): { adapters?: Record<string, number[]>; skipped?: string[]; variant?: string; error?: string; torchLoaded: boolean } {
  const code = `
import json, sys
sys.path.insert(0, ${JSON.stringify(scripts)})
import ckpt_to_adapter as c
state = json.loads(sys.stdin.read())
try:
    adapters, skipped = c.map_keys(state)
    out = {"adapters": adapters, "skipped": skipped, "variant": c.variant_of(adapters)}
except c.ConversionError as e:
    out = {"error": str(e)}
out["torchLoaded"] = "torch" in sys.modules or "safetensors" in sys.modules
print(json.dumps(out))
`;
  const r = spawnSync(PYTHON, ['-c', code], { input: JSON.stringify(keys), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** A reference LightningModule's state dict for sa-vlc on the tiny model (widths 32, 3 extracted layers). */
function shallowState(prefix = 'net.'): Record<string, number[]> {
  const s: Record<string, number[]> = {
    [`${prefix}clipseg.clip.vision_model.embeddings.patch_embedding.weight`]: [32, 3, 16, 16],
    [`${prefix}clipseg.decoder.film_mul.weight`]: [32, 32],
    [`${prefix}clipseg.clip.text_model.embeddings.position_ids`]: [1, 16],
  };
  const adapter = (m: string, d: number, r: number) => {
    s[`${prefix}${m}.fc1.weight`] = [r, d];
    s[`${prefix}${m}.fc1.bias`] = [r];
    s[`${prefix}${m}.fc2.weight`] = [d, r];
    s[`${prefix}${m}.fc2.bias`] = [d];
  };
  for (let k = 0; k < 3; k++) {
    adapter(`vision_extract_adapters.${k}`, 32, 8);
    adapter(`text_extract_adapters.${k}`, 32, 8);
  }
  adapter('cond_adapter', 32, 4);
  return s;
}

test('the converter keeps the adapter modules under their reference names and leaves the frozen CLIPSeg out, without importing torch', () => {
  const r = convert(shallowState());
  assert.equal(r.error, undefined);
  assert.equal(r.torchLoaded, false, 'map_keys must work where torch is not installed');
  assert.equal(r.variant, 'sa-vlc');
  assert.deepEqual(r.skipped, ['net.clipseg.clip.vision_model.embeddings.patch_embedding.weight', 'net.clipseg.decoder.film_mul.weight', 'net.clipseg.clip.text_model.embeddings.position_ids']);
  const names = Object.keys(r.adapters!).sort();
  assert.equal(names.length, 7 * 4);
  assert.deepEqual(names.slice(0, 4), ['cond_adapter.fc1.bias', 'cond_adapter.fc1.weight', 'cond_adapter.fc2.bias', 'cond_adapter.fc2.weight']);
  assert.deepEqual(r.adapters!['vision_extract_adapters.2.fc2.weight'], [32, 8], 'values pass through');

  // DDP's module. and torch.compile's _orig_mod. wrappers come off too
  for (const prefix of ['module.net.', '_orig_mod.net.', 'model.']) {
    assert.deepEqual(Object.keys(convert(shallowState(prefix)).adapters!).sort(), names, prefix);
  }
  // a dense state dict without text adapters
  const dense: Record<string, number[]> = { 'net.clipseg.logit_scale': [] };
  for (let i = 0; i < 3; i++) for (const b of ['attn', 'out']) for (const p of ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']) dense[`net.v_${b}_adapters.${i}.${p}`] = [1];
  assert.equal(convert(dense).variant, 'da-v');
});

test('the converter refuses a state dict without adapters and names that collide', () => {
  assert.match(convert({ 'net.clipseg.decoder.film_mul.weight': [1] }).error ?? '', /no VLSM-Adapter tensors found/);
  assert.match(convert({ 'net.cond_adapter.fc1.weight': [1], 'module.net.cond_adapter.fc1.weight': [1] }).error ?? '', /both 'net.cond_adapter.fc1.weight' and 'module.net.cond_adapter.fc1.weight' map to 'cond_adapter.fc1.weight'/);
  assert.match(convert({ 'net.cond_adapter.fc1.weight': [1] }).error ?? '', /conditional adapter without text adapters|either dense .* or shallow/);
});

test('the names and shapes the converter writes import as the variant it reports', (t) => {
  const dir = tempDir(t, 'delineate-ckpt-');
  const r = convert(shallowState('_orig_mod.net.'));
  const entries = Object.entries(r.adapters!).map(([name, shape], i) => ({ name, dtype: 'F32', shape, bytes: f32le(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, j) => Math.sin(i + j) / 10)) }));
  const file = join(dir, 'converted.safetensors');
  const sha = createHash('sha256').update(readFileSync(join(modelDir, 'model.safetensors'))).digest('hex');
  writeFileSync(file, buildSafetensors(entries, { format: 'vlsm-adapter', adapter_form: 'reference', variant: r.variant!, source: 'lightning-ckpt', source_file: 'best.ckpt', created_by: 'ckpt_to_adapter.py', base_model_sha256: sha }));
  const read = readAdapterPack(file, packModelAt(modelDir, sha));
  assert.equal(read.set.variant, r.variant);
  assert.equal(read.info.kind, 'reference');
  assert.deepEqual(read.info.dims, { adapter: 8, cond: 4 });
});
