// evaluateProbabilities gives σ of the very logits evaluateParams scores: thresholded at 0.5 its
// maps reproduce evaluateParams' per-image DSC, IoU and HD95 exactly, in the source's order, also
// when the batch does not divide the sample count; and they are probabilities, not logits.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openClipSegModel, type ClipSegModel } from '../../main/engine/model/clipseg-model.ts';
import { Engine } from '../../main/engine/runtime/engine.ts';
import { evaluateParams, evaluateProbabilities } from '../../main/training/evaluate.ts';
import { scoreBatch } from '../../main/training/metrics.ts';
import { syntheticSource } from '../../main/training/synthetic-source.ts';

const modelDir = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));
let engine: Engine;
let model: ClipSegModel;
before(async () => {
  engine = new Engine({ provider: 'cpu', threads: 1, log: () => {} });
  model = await openClipSegModel(modelDir, engine, { imageCacheBytes: 0 });
});
after(() => engine.close());

test('probability maps are σ of the logits evaluateParams scores', async () => {
  const source = syntheticSource({ domain: 'source', split: 'test', count: 5, seed: 11 }, model.preprocess);
  const prompts = Array.from({ length: source.length }, (_, i) => source.prompts(i)[0]);
  const size = model.preprocess.height;
  const common = { engine, config: model.config, size, tokenizer: model.tokenizer, variant: 'decoder' as const, set: null, params: null, source, prompts, batch: 2 };
  const metrics = await evaluateParams(common);
  const maps = await evaluateProbabilities(common);
  assert.equal(maps.length, source.length);
  for (const [i, p] of maps.entries()) {
    assert.equal(p.length, size * size, `map ${i} size`);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of p) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    assert.ok(lo >= 0 && hi <= 1, `map ${i} outside [0, 1]: ${lo}..${hi}`);
    assert.ok(hi > lo, `map ${i} is constant`);
    const [fromMap] = scoreBatch(p, (await source.load(i)).mask, { batch: 1, height: size, width: size }, { input: 'probabilities' });
    assert.deepEqual(fromMap, metrics[i], `image ${i}`);
  }
});

test('the prompt count must match the samples', async () => {
  const source = syntheticSource({ domain: 'source', split: 'test', count: 2, seed: 11 }, model.preprocess);
  await assert.rejects(
    evaluateProbabilities({ engine, config: model.config, size: model.preprocess.height, tokenizer: model.tokenizer, variant: 'decoder', set: null, params: null, source, prompts: ['x'] }),
    /evaluateProbabilities: 1 prompts for 2 samples/,
  );
});
