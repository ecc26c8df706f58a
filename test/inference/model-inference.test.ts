// ModelInference's state under failure: a bad adapter file changes nothing, a model that cannot
// open leaves no worker behind, and the next call starts afresh.

import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ModelInference } from '../../main/inference/model-inference.ts';
import { readNpy } from '../../main/engine/model/npy.ts';
import { contentHash } from '../../main/store/images.ts';

const model = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'delineate-inference-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const bytes = readFileSync(join(model, 'image.png'));
writeFileSync(join(tmp, 'image.png'), bytes);
const image = { id: 1, sourcePath: join(tmp, 'image.png'), contentHash: contentHash(bytes), width: 64, height: 64, frames: 1 };
const prompt = 'a polyp in an endoscopy image';
const engine = { provider: 'cpu' as const, threads: 1, log: () => {} };

function agrees(mask: Uint8Array, golden: string): void {
  const g = readNpy(join(model, 'golden', golden)).data as Float32Array;
  for (let i = 0; i < g.length; i++) if (Math.abs(g[i]) > 1e-3) assert.equal(mask[i], g[i] > 0 ? 1 : 0, `${golden} pixel ${i}`);
}

test('a failed switch to a broken adapter leaves the previous state consistent', async () => {
  const inference = new ModelInference(model, 'tiny', engine);
  try {
    const withSa = await inference.predict(image, 0, prompt, 0.5, { id: 7, path: join(model, 'adapters_sa.safetensors') });
    agrees(withSa.mask, 'sa-vlc_b1_logits.npy');
    await assert.rejects(inference.predict(image, 0, prompt, 0.5, { id: 8, path: join(tmp, 'missing.safetensors') }), /cannot open/);
    const base = await inference.predict(image, 0, prompt, 0.5, null);
    assert.equal(base.adapterId, null);
    agrees(base.mask, 'none_b1_logits.npy');
  } finally {
    await inference.close();
  }
});

test('a model that cannot open fails with the file named, and no worker is left running', async () => {
  const broken = join(tmp, 'broken-model');
  const { mkdirSync, readdirSync } = await import('node:fs');
  mkdirSync(broken);
  for (const f of readdirSync(model)) if (!f.includes('golden') && f !== 'golden') try { copyFileSync(join(model, f), join(broken, f)); } catch { /* folders */ }
  truncateSync(join(broken, 'model.safetensors'), 100_000);
  const inference = new ModelInference(broken, 'broken', engine);
  try {
    await assert.rejects(inference.predict(image, 0, prompt), /model\.safetensors.*truncated/);
    assert.equal((inference as unknown as { engine: unknown }).engine, null, 'the engine of the failed open was closed');
    await assert.rejects(inference.predict(image, 0, prompt), /truncated/, 'the next call tries again and fails the same way');
  } finally {
    await inference.close();
  }
});
