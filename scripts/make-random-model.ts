// Writes a CLIPSeg model folder with the rd64-refined architecture and random weights (HF layout:
// config.json, preprocessor_config.json, model.safetensors, tokenizer files from the tiny fixture).
// For measuring the real loading path (memory, time) on machines that cannot download the
// checkpoint: `node --import tsx scripts/make-random-model.ts DIR`. Its outputs are meaningless.

import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSafetensors } from '../main/engine/model/safetensors.ts';
import { randomWeights, rd64Refined } from '../main/bench/clipseg.ts';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node --import tsx scripts/make-random-model.ts DIR');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'clipseg', use_complex_transposed_convolution: true, text_config: { eos_token_id: 2 }, vision_config: {} }, null, 1));
writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify({
  image_processor_type: 'ViTImageProcessor', do_resize: true, do_rescale: true, do_normalize: true, resample: 2, rescale_factor: 1 / 255,
  size: { height: 352, width: 352 }, image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225],
}, null, 1));
const tiny = new URL('../test/fixtures/clipseg-tiny/', import.meta.url).pathname;
for (const f of ['vocab.json', 'merges.txt', 'tokenizer_config.json', 'special_tokens_map.json']) copyFileSync(join(tiny, f), join(dir, f));
writeSafetensors(join(dir, 'model.safetensors'), randomWeights(rd64Refined), { format: 'pt', note: 'random weights, rd64-refined architecture' });
console.log(`wrote ${dir}`);
