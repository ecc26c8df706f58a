// The one prompt → text-feed path (inference, training, validation and eval all use it): the
// bucket list, the feeds against HF CLIPTokenizer's padded ids and EOS positions in the fixture,
// truncation to what the text model embeds, and that the bucket a prompt lands in does not change
// its embedding (why training and inference may run a prompt at different lengths).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ClipSegModel, openClipSegModel, readModelConfigs } from '../../main/engine/model/clipseg-model.ts';
import { PromptFeeder, tokenBuckets } from '../../main/engine/model/text-feeds.ts';
import { ClipTokenizer } from '../../main/engine/model/tokenizer.ts';
import { Engine } from '../../main/engine/runtime/engine.ts';
import { featureGraphs, featureNames } from '../../main/engine/train/clipseg-train-graph.ts';

const dir = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));
const { config } = readModelConfigs(dir);
const tokenizer = ClipTokenizer.fromFolder(dir);
const fixture = JSON.parse(readFileSync(`${dir}tokens.json`, 'utf8')) as { prompts: { prompt: string; input_ids: number[]; attention_mask: number[]; eot_index: number }[] };

test('one bucket list: the short buckets below the model maximum, then the maximum itself', () => {
  assert.deepEqual(tokenBuckets(77), [8, 12, 16, 24, 32, 48, 77]);
  assert.deepEqual(tokenBuckets(64), [8, 12, 16, 24, 32, 48, 64]);
  assert.deepEqual(tokenBuckets(16), [8, 12, 16]);
  assert.deepEqual(tokenBuckets(10), [8, 10]);
  assert.deepEqual(tokenBuckets(5), [5]);
  const feeder = new PromptFeeder(tokenizer, config);
  assert.deepEqual(feeder.buckets, [8, 12, 16]);
  assert.deepEqual([1, 5, 8, 9, 12, 13, 16].map((n) => feeder.lengthFor(n)), [8, 8, 8, 12, 12, 16, 16]);
  assert.throws(() => feeder.lengthFor(17), /17 tokens: the text model takes at most 16/);
});

test('feeds equal HF CLIPTokenizer’s padded ids (pad = end-of-text) and pool at its end-of-text index', () => {
  const feeder = new PromptFeeder(tokenizer, config);
  const prompts = fixture.prompts.map((p) => p.prompt);
  const length = feeder.lengthForPrompts(prompts);
  assert.equal(length, 16, 'the longest fixture prompt fills the model');
  const { input_ids: ids, pooled_index: pooled } = feeder.promptFeeds(prompts, length);
  assert.deepEqual(ids.dims, [prompts.length, 16]);
  assert.deepEqual(pooled.dims, [prompts.length, 2]);
  fixture.prompts.forEach((p, b) => {
    assert.deepEqual(Array.from(ids.data.subarray(b * 16, (b + 1) * 16) as BigInt64Array, Number), p.input_ids, p.prompt);
    assert.deepEqual([Number(pooled.data[2 * b]), Number(pooled.data[2 * b + 1])], [b, p.eot_index], p.prompt);
  });
  // each prompt alone gets the smallest bucket that holds it
  const counts = fixture.prompts.map((p) => p.attention_mask.reduce((s, m) => s + m, 0));
  assert.deepEqual(fixture.prompts.map((p) => feeder.lengthForPrompts([p.prompt])), counts.map((n) => feeder.lengthFor(n)));
  assert.throws(() => feeder.feeds([[1, 2, 3]], 2), /3 tokens do not fit a 2-token text graph/);
});

test('a tokenizer that allows more tokens than the text model embeds is truncated to the model, end-of-text last', () => {
  const generous = { encode: tokenizer.encode.bind(tokenizer), maxLength: 77 };
  const feeder = new PromptFeeder(generous, config);
  const long = fixture.prompts.at(-1)!;
  const tokens = feeder.tokens(long.prompt);
  assert.equal(tokens.length, config.text.maxPositions);
  assert.deepEqual(tokens, long.input_ids);
  assert.equal(feeder.lengthForPrompts([long.prompt, 'tumor']), 16);
});

let engine: Engine;
let model: ClipSegModel;
before(async () => {
  engine = new Engine({ provider: 'cpu', threads: 1, log: () => undefined });
  model = await openClipSegModel(dir, engine);
});
after(() => engine.close());

test('the segmenter’s embedding at a prompt’s own bucket equals the training text graph’s at the model maximum', async () => {
  const feeder = new PromptFeeder(model.tokenizer, config);
  const prompt = 'tumor'; // 5 tokens: the segmenter runs it at 8, the graph below at 16
  assert.equal(feeder.lengthFor(feeder.tokens(prompt).length), 8);
  const inference = await model.segmenter.embedText(prompt);
  await engine.load('text-16', featureGraphs(config, { batch: 1, size: 64, length: 16 }).text);
  const out = await engine.run('text-16', { ...feeder.promptFeeds([prompt], 16) });
  const training = out[featureNames.conditional].data as Float32Array;
  assert.equal(training.length, inference.length);
  let worst = 0;
  for (let i = 0; i < inference.length; i++) worst = Math.max(worst, Math.abs(inference[i] - training[i]));
  assert.ok(worst <= 1e-5, `max |Δ| ${worst}`);
});
