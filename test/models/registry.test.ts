// Model folders on disk: inspection of valid and broken folders, importing (copy and link),
// listing and resolving installed models.

import assert from 'node:assert/strict';
import { cpSync, existsSync, openSync, closeSync, writeSync, statSync, utimesSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { inspectModelFolder, ModelFolderError } from '../../main/models/model-folder.ts';
import { defaultImportName, importModel, installHint, listModels, ModelRegistryError, resolveModel } from '../../main/models/registry.ts';
import { sha256, TINY_DIR, TINY_FILES } from './fake-hub.ts';

const temps: string[] = [];
after(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
const temp = (): string => {
  const t = mkdtempSync(join(tmpdir(), 'delineate-models-'));
  temps.push(t);
  return t;
};
/** A private copy of the tiny model (only its model files) that a test may damage. */
const tinyCopy = (name = 'clipseg-tiny'): string => {
  const dir = join(temp(), name);
  mkdirSync(dir);
  for (const f of TINY_FILES) cpSync(join(TINY_DIR, f), join(dir, f));
  return dir;
};
const fixtureBytes = (f: string): Buffer => readFileSync(join(TINY_DIR, f));
const config = JSON.parse(readFileSync(join(TINY_DIR, 'config.json'), 'utf8'));

test('inspects the tiny model: config summary, weights size and sha256', () => {
  const info = inspectModelFolder(tinyCopy());
  assert.equal(info.name, 'clipseg-tiny');
  assert.deepEqual(info.tokenizer, ['vocab.json', 'merges.txt']);
  assert.deepEqual([...info.files].sort(), [...TINY_FILES].sort());
  assert.equal(info.config.visionLayers, config.vision_config.num_hidden_layers);
  assert.equal(info.config.visionHidden, config.vision_config.hidden_size);
  assert.equal(info.config.textHidden, config.text_config.hidden_size);
  assert.equal(info.config.vocabSize, config.text_config.vocab_size);
  assert.deepEqual(info.config.extractLayers, config.extract_layers);
  assert.deepEqual(info.config.inputSize, { width: 64, height: 64 });
  assert.equal(info.config.parameters, 127_834); // the fixture README's count for the tiny base model
  assert.equal(info.weightsBytes, fixtureBytes('model.safetensors').length);
  assert.equal(info.sha256, sha256(fixtureBytes('model.safetensors')));
});

test('a folder with missing files names each one and the acceptable tokenizers', () => {
  const dir = tinyCopy();
  rmSync(join(dir, 'merges.txt'));
  rmSync(join(dir, 'preprocessor_config.json'));
  assert.throws(
    () => inspectModelFolder(dir),
    (e: Error) =>
      e instanceof ModelFolderError &&
      e.message.startsWith(`${dir} is not a complete model folder: missing preprocessor_config.json; merges.txt (a tokenizer: tokenizer.json, or vocab.json + merges.txt).`),
  );
  rmSync(join(dir, 'vocab.json'));
  assert.throws(() => inspectModelFolder(dir), /missing preprocessor_config\.json; a tokenizer: tokenizer\.json, or vocab\.json \+ merges\.txt/);
  // tokenizer.json alone is an acceptable tokenizer.
  const other = tinyCopy();
  rmSync(join(other, 'vocab.json'));
  rmSync(join(other, 'merges.txt'));
  writeFileSync(join(other, 'tokenizer.json'), '{"model": {"type": "BPE"}}');
  assert.deepEqual(inspectModelFolder(other).tokenizer, ['tokenizer.json']);
});

test('configs that are not CLIPSeg, or do not parse, are named', () => {
  const dir = tinyCopy();
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, model_type: 'clip' }));
  assert.throws(() => inspectModelFolder(dir), /config\.json in .* is not a CLIPSeg config: it has model_type 'clip', expected 'clipseg'/);
  writeFileSync(join(dir, 'config.json'), '{"model_type": "clipseg",');
  assert.throws(() => inspectModelFolder(dir), /config\.json in .* is not valid JSON/);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify({ image_mean: [0.5, 0.5], image_std: [0.5, 0.5, 0.5] }));
  assert.throws(() => inspectModelFolder(dir), /preprocessor_config\.json in .*: image_mean must be 3 finite numbers, got \[0\.5,0\.5\]/);
});

test('a truncated model.safetensors, and weights that do not fit the config, are named errors', () => {
  const dir = tinyCopy();
  const weights = join(dir, 'model.safetensors');
  truncateSync(weights, 300_000);
  assert.throws(() => inspectModelFolder(dir), (e: Error) => e instanceof ModelFolderError && e.message.startsWith(`${weights}: truncated: expected`));
  cpSync(join(TINY_DIR, 'model.safetensors'), weights);
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, reduce_dim: 8 }));
  assert.throws(() => inspectModelFolder(dir), /model\.safetensors: checkpoint does not match the CLIPSeg config:[\s\S]*decoder\.film_mul\.weight: expected \[8, 32\], found \[16, 32\]/);
});

test('import copies the model files, records their sha256 and validates as installed', () => {
  const src = tinyCopy();
  writeFileSync(join(src, 'pytorch_model.bin'), 'not wanted');
  const modelsDir = join(temp(), 'models');
  const { model, unchanged } = importModel(src, modelsDir);
  assert.equal(unchanged, false);
  assert.equal(model.dir, join(modelsDir, 'clipseg-tiny'));
  assert.deepEqual(readdirSync(modelsDir), ['clipseg-tiny']);
  assert.deepEqual(readdirSync(model.dir).sort(), [...TINY_FILES, 'delineate-model.json'].sort());
  for (const f of TINY_FILES) {
    assert.ok(lstatSync(join(model.dir, f)).isFile(), `${f} is a copy`);
    assert.deepEqual(readFileSync(join(model.dir, f)), fixtureBytes(f));
  }
  const manifest = JSON.parse(readFileSync(join(model.dir, 'delineate-model.json'), 'utf8'));
  assert.equal(manifest.name, 'clipseg-tiny');
  assert.deepEqual(manifest.source, { kind: 'import', path: src, link: false });
  assert.ok(Math.abs(Date.parse(manifest.imported_at) - Date.now()) < 60_000);
  for (const f of TINY_FILES) assert.deepEqual([manifest.files[f].size, manifest.files[f].sha256], [fixtureBytes(f).length, sha256(fixtureBytes(f))], f);
  assert.equal(model.sha256, sha256(fixtureBytes('model.safetensors')));

  // Importing the same folder again changes nothing; the same name with other bytes is refused.
  assert.equal(importModel(src, modelsDir).unchanged, true);
  writeFileSync(join(src, 'special_tokens_map.json'), JSON.stringify({ bos_token: '<|startoftext|>' }));
  assert.throws(() => importModel(src, modelsDir), (e: Error) => e instanceof ModelRegistryError && /a different model named 'clipseg-tiny' is already installed/.test(e.message));
  assert.deepEqual(readFileSync(join(model.dir, 'special_tokens_map.json')), fixtureBytes('special_tokens_map.json'), 'the installed model is untouched');
  assert.equal(importModel(src, modelsDir, { name: 'tiny-2' }).model.name, 'tiny-2');
  assert.deepEqual(readdirSync(modelsDir).sort(), ['clipseg-tiny', 'tiny-2'], 'no temporary folders left behind');
});

test('the manifest caches the weights sha256 while size and mtime hold; rehash checks the bytes', () => {
  const modelsDir = join(temp(), 'models');
  const { model } = importModel(tinyCopy(), modelsDir);
  const weights = join(model.dir, 'model.safetensors');
  const { atimeMs, mtimeMs } = statSync(weights);
  // Damage the last byte in place and put the mtime back: only a rehash can notice.
  const fd = openSync(weights, 'r+');
  writeSync(fd, Buffer.from([0x5a]), 0, 1, statSync(weights).size - 1);
  closeSync(fd);
  utimesSync(weights, atimeMs / 1000, mtimeMs / 1000);
  assert.equal(inspectModelFolder(model.dir).sha256, sha256(fixtureBytes('model.safetensors')), 'the recorded hash is used');
  assert.throws(() => inspectModelFolder(model.dir, { rehash: true }), /model\.safetensors in .* does not match delineate-model\.json: sha256 [0-9a-f]{64}, recorded [0-9a-f]{64}/);
  // A changed mtime makes the hash be computed again, and it is the damaged file's.
  utimesSync(weights, atimeMs / 1000, mtimeMs / 1000 + 5);
  assert.equal(inspectModelFolder(model.dir).sha256, sha256(readFileSync(weights)));
});

test('a snapshot folder of the HF cache is named for its repo', () => {
  assert.equal(defaultImportName('/home/u/.cache/huggingface/hub/models--CIDAS--clipseg-rd64-refined/snapshots/6e2eb9e1'), 'CIDAS--clipseg-rd64-refined');
  assert.equal(defaultImportName('/data/models/my-clipseg'), 'my-clipseg');
});

test('a broken folder is not imported and leaves nothing in the models folder', () => {
  const modelsDir = join(temp(), 'models');
  const missing = tinyCopy('missing');
  rmSync(join(missing, 'special_tokens_map.json'));
  assert.throws(() => importModel(missing, modelsDir), /missing special_tokens_map\.json/);
  const truncated = tinyCopy('truncated');
  truncateSync(join(truncated, 'model.safetensors'), 400_000);
  assert.throws(() => importModel(truncated, modelsDir), (e: Error) => e instanceof ModelFolderError && e.message.includes(`${join(truncated, 'model.safetensors')}: truncated`));
  assert.throws(() => importModel(tinyCopy(), modelsDir, { name: '.hidden' }), /'.hidden' cannot name a model: it starts with a dot/);
  assert.deepEqual(existsSync(modelsDir) ? readdirSync(modelsDir) : [], []);
});

test('import --link links to the source files; a later change to them is detected', () => {
  const src = tinyCopy();
  const modelsDir = join(temp(), 'models');
  const { model } = importModel(src, modelsDir, { link: true, name: 'linked' });
  for (const f of TINY_FILES) assert.equal(readlinkSync(join(model.dir, f)), join(src, f));
  assert.ok(lstatSync(join(model.dir, 'delineate-model.json')).isFile());
  assert.equal(model.sha256, sha256(fixtureBytes('model.safetensors')));
  writeFileSync(join(src, 'vocab.json'), JSON.stringify({ a: 1 }));
  assert.throws(() => inspectModelFolder(model.dir), /vocab\.json in .* is \d+ bytes but delineate-model\.json recorded 7109: the folder changed after it was installed/);
});

test('list and resolve installed models; with none, the error says how to install one', () => {
  const root = temp();
  const modelsDir = join(root, 'models');
  assert.deepEqual(listModels(modelsDir), []);
  const hint = (): string => {
    try {
      resolveModel(undefined, modelsDir);
    } catch (e) {
      assert.ok(e instanceof ModelRegistryError);
      return e.message;
    }
    assert.fail('resolveModel found a model in an empty folder');
  };
  const msg = hint();
  assert.equal(msg, installHint(modelsDir));
  assert.match(msg, new RegExp(`^No model is installed in ${modelsDir}\\. Install one with:$`, 'm'));
  assert.match(msg, new RegExp(`^  npx delineate model download --data ${root} `, 'm'));
  assert.match(msg, new RegExp(`^  npx delineate model import DIR --data ${root} `, 'm'));

  importModel(tinyCopy(), modelsDir, { name: 'b-model' });
  mkdirSync(join(modelsDir, 'a-broken'));
  mkdirSync(join(modelsDir, '.staging-x'));
  const listed = listModels(modelsDir);
  assert.deepEqual(listed.map((m) => [m.name, m.info !== undefined]), [['a-broken', false], ['b-model', true]]);
  assert.match(listed[0].error!, /is not a complete model folder: missing config\.json/);

  assert.equal(resolveModel(undefined, modelsDir).name, 'b-model', 'the only usable model');
  assert.equal(resolveModel('b-model', modelsDir).name, 'b-model');
  assert.equal(resolveModel(TINY_DIR, modelsDir).dir, TINY_DIR.replace(/\/$/, ''), 'a path to a model folder');
  assert.throws(() => resolveModel('c-model', modelsDir), /no model named 'c-model' is installed in .*; installed: b-model/);
  importModel(tinyCopy(), modelsDir, { name: 'c-model' });
  assert.throws(() => resolveModel(undefined, modelsDir), /several models are installed .* \(b-model, c-model\); name one with --model NAME/);
  importModel(tinyCopy(), modelsDir, { name: 'CIDAS--clipseg-rd64-refined' });
  assert.equal(resolveModel(undefined, modelsDir).name, 'CIDAS--clipseg-rd64-refined', 'the default model wins');
});
