// The bundled demo model (resources/demo/model, made by scripts/make-demo-model.ts) really
// segments the demo images (resources/demo/images), through the app's inference path: the model
// folder opened by openClipSegModel, PIL-exact preprocessing, Segmenter.logits, the mask resized
// back to the image's size. Ground truth is the mask file of each shape, which the generator drew
// independently of the model.

import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openClipSegModel, type ClipSegModel } from '../../main/engine/model/clipseg-model.ts';
import { logitsToMask } from '../../main/engine/model/postprocess.ts';
import { preprocess } from '../../main/engine/model/preprocess.ts';
import { Engine } from '../../main/engine/runtime/engine.ts';
import { decodeImage } from '../../main/io/image-decode.ts';
import { binariseHalfMax } from '../../main/training/dataset.ts';
import { dice } from '../../main/training/metrics.ts';

const demo = fileURLToPath(new URL('../../resources/demo/', import.meta.url));
const modelDir = `${demo}model`;
const imagesDir = `${demo}images`;

interface DemoRecord { img_name: string; mask_name: string; prompts: { p1: string } }
const records: DemoRecord[] = ['train', 'val', 'test'].flatMap((s) => JSON.parse(readFileSync(`${imagesDir}/anns/${s}.json`, 'utf8')) as DemoRecord[]);

let engine: Engine;
let model: ClipSegModel;
before(async () => {
  engine = new Engine({ provider: 'cpu', threads: 1, log: () => {} });
  model = await openClipSegModel(modelDir, engine);
});
after(() => engine.close());

/** The predicted mask at the image's own size for a prompt. */
async function segment(imageName: string, prompt: string): Promise<{ mask: Uint8Array; width: number; height: number }> {
  const raster = decodeImage(readFileSync(`${imagesDir}/images/${imageName}`), imageName);
  const key = `demo|${imageName}`;
  if (!model.segmenter.hasImage(key)) await model.segmenter.encodeImage(key, preprocess(raster, model.preprocess));
  const logits = await model.segmenter.logits(key, prompt);
  const size = model.preprocess.height;
  return { mask: logitsToMask(logits, size, size, raster.height, raster.width), width: raster.width, height: raster.height };
}

const truth = (maskName: string): Uint8Array => binariseHalfMax(decodeImage(readFileSync(`${imagesDir}/masks/${maskName}`), maskName));

test('the demo model folder is small and the demo images are a MedVLSM dataset of 12 images', () => {
  assert.ok(statSync(`${modelDir}/model.safetensors`).size < 8 * 2 ** 20, 'model.safetensors stays a few MB');
  const images = new Set(records.map((r) => r.img_name));
  assert.equal(images.size, 12);
  for (const r of records) assert.match(r.mask_name, /^shapes-\d\d-(circle|square|triangle)\.png$/);
});

test('the demo model segments the shape a demo image\'s prompt names (DSC ≥ 0.7 at 256×256)', async () => {
  // the first test-split image, every shape in it
  const testRecords = JSON.parse(readFileSync(`${imagesDir}/anns/test.json`, 'utf8')) as DemoRecord[];
  const image = testRecords[0].img_name;
  const own = testRecords.filter((r) => r.img_name === image);
  assert.ok(own.length >= 2, 'a demo image has 2–3 shapes');
  for (const r of own) {
    const { mask, width, height } = await segment(image, r.prompts.p1);
    assert.equal(mask.length, width * height);
    const score = dice(mask, truth(r.mask_name));
    assert.ok(score >= 0.7, `${image} "${r.prompts.p1}": DSC ${score.toFixed(3)} < 0.7`);
    // the prompt selects: the mask matches its own shape better than any other shape in the image
    for (const other of own) if (other !== r) assert.ok(dice(mask, truth(other.mask_name)) < score - 0.3, `"${r.prompts.p1}" also covers ${other.mask_name}`);
  }
});
