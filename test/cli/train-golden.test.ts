// `delineate train` step for step against PyTorch: the fixture's image and mask as a one-sample
// MedVLSM dataset, the fixture's adapters as --init, the golden's recipe (no clipping, wd 1e-3, the
// variant's default lr), a fixed prompt key, no shuffling and two steps. The whole CLI path — data
// loading and preprocessing, the prompt choice, --init (dims read from the file), the fused train
// step, the epoch loop, --save-last — must reproduce the reference's losses before and after each
// step and its parameters after step 2.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readTensors, writeSafetensors } from '../../main/engine/model/safetensors.ts';

const bin = new URL('../../main/delineate.mjs', import.meta.url).pathname;
const fixture = new URL('../fixtures/clipseg-tiny/', import.meta.url).pathname;
const PROMPT = 'a polyp in an endoscopy image'; // the golden's b1 prompt

function dataset(dir: string): string {
  for (const d of ['images', 'masks', 'anns']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync(join(fixture, 'image.png'), join(dir, 'images', 'a.png'));
  copyFileSync(join(fixture, 'mask.png'), join(dir, 'masks', 'a.png'));
  // p1 is the golden's prompt; p2 a distractor that --prompt-key p1 must never draw.
  const anns = JSON.stringify([{ img_name: 'a.png', mask_name: 'a.png', prompts: { p0: '', p1: PROMPT, p2: 'tumor' } }]);
  writeFileSync(join(dir, 'anns', 'train.json'), anns);
  writeFileSync(join(dir, 'anns', 'val.json'), anns);
  return dir;
}

for (const [variant, file] of [['da-vlc', 'adapters_da.safetensors'], ['sa-vlc', 'adapters_sa.safetensors']] as const) {
  test(`train ${variant}: two steps equal PyTorch's AdamW steps (losses and parameters)`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'delineate-train-golden-'));
    try {
      const data = dataset(join(dir, 'data'));
      const last = join(dir, 'last.safetensors');
      const r = spawnSync(process.execPath, [bin, 'train', '--model', fixture, '--data', data, '--variant', variant,
        '--init', join(fixture, file), '--no-shuffle', '--prompt-key', 'p1', '--max-steps', '2', '--batch-size', '1',
        '--max-grad-norm', 'none', '--weight-decay', '1e-3', '--out', join(dir, 'best.safetensors'), '--save-last', last, '--json', '--provider', 'cpu'],
      { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      const epochs = lines.filter((l) => l.type === 'epoch');
      const golden = JSON.parse(readFileSync(join(fixture, 'golden', `adamw_${variant}_b1.json`), 'utf8'));
      assert.equal(golden.optimizer.grad_clipping, null);
      // One sample per epoch: epoch k's train loss is the loss before step k, its validation loss
      // (the same sample and prompt) the loss after it.
      const expected = [
        [epochs[0].trainLoss, golden.loss_before_step1], [epochs[0].valLoss, golden.loss_after_step1],
        [epochs[1].trainLoss, golden.loss_after_step1], [epochs[1].valLoss, golden.loss_after_step2],
      ];
      for (const [got, want] of expected) assert.ok(Math.abs(got - want) <= 1e-5, `loss ${got} vs PyTorch ${want}`);
      assert.equal(lines.at(-1).steps, 2);
      const ours = readTensors(last);
      const reference = readTensors(join(fixture, 'golden', `adamw_${variant}_b1.safetensors`));
      // `step2/__grad_global_l2` is the reference's diagnostic, not a parameter.
      const step2 = [...reference].filter(([n]) => n.startsWith('step2/') && !n.startsWith('step2/__'));
      assert.equal(ours.size, step2.length, 'the file holds exactly the trained adapters');
      for (const [name, t] of step2) {
        const mine = ours.get(name.slice('step2/'.length));
        assert.ok(mine, `--save-last lacks ${name.slice(6)}`);
        assert.deepEqual(mine.shape, t.shape);
        let worst = 0;
        for (let i = 0; i < t.data.length; i++) worst = Math.max(worst, Math.abs(mine.data[i] - t.data[i]));
        assert.ok(worst <= 1e-6, `${name}: max |Δ| ${worst}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('train --init refuses an adapter made for another base model, before training', () => {
  const dir = mkdtempSync(join(tmpdir(), 'delineate-train-golden-'));
  try {
    const data = dataset(join(dir, 'data'));
    const foreign = join(dir, 'foreign.safetensors');
    writeSafetensors(foreign, readTensors(join(fixture, 'adapters_da.safetensors')), { variant: 'da-vlc', base_model_sha256: 'f'.repeat(64) });
    const out = join(dir, 'out.safetensors');
    const r = spawnSync(process.execPath, [bin, 'train', '--model', fixture, '--data', data, '--variant', 'da-vlc', '--init', foreign, '--max-steps', '1', '--out', out, '--provider', 'cpu'], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /foreign\.safetensors: this adapter was trained on base model ffffffffffff…, but the model in use is [0-9a-f]{12}…/);
    assert.equal(existsSync(out), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
