// One start, as a fresh `delineate` process makes it: open a model folder with the data folder's
// graph cache, read a 512×512 image, preprocess, encode, embed a prompt, decode, threshold and
// write the mask PNG. Run by `bench startup` in a child process; prints one JSON line of phases
// (ms since the process started, which includes Node and the TypeScript loader).

import { writeFileSync } from 'node:fs';
import type { Precision } from '../contract/precision.ts';
import { openClipSegModel } from '../engine/model/clipseg-model.ts';
import { logitsToMask } from '../engine/model/postprocess.ts';
import { preprocess } from '../engine/model/preprocess.ts';
import { Engine } from '../engine/runtime/engine.ts';
import { encodePng } from '../io/image-decode.ts';
import type { Raster } from '../io/raster.ts';

export interface StartupRun { model: string; graphCacheDir: string; out: string; threads: number; precision: Precision }

const sinceStart = (): number => Math.round(performance.now());

function testImage(): Raster {
  const data = new Uint8Array(512 * 512 * 3);
  for (let i = 0; i < 512 * 512; i++) {
    const [y, x] = [Math.floor(i / 512), i % 512];
    const v = (x - 256) ** 2 + (y - 256) ** 2 < 120 ** 2 ? 200 : 40 + ((x * 7 + y * 13) % 50);
    data.fill(v, i * 3, i * 3 + 3);
  }
  return { width: 512, height: 512, channels: 3, bitDepth: 8, data };
}

export async function startupRun(o: StartupRun): Promise<Record<string, number | string>> {
  const loaded = sinceStart();
  const engine = new Engine({ provider: 'cpu', threads: o.threads, log: () => {} });
  try {
    const model = await openClipSegModel(o.model, engine, { graphCacheDir: o.graphCacheDir, precision: o.precision });
    const opened = sinceStart();
    const image = testImage();
    const prompt = 'a liver in a CT scan';
    // as `segment` and the app do: the prompt's graphs load while the image encodes
    await Promise.all([model.segmenter.encodeImage('image', preprocess(image, model.preprocess)), model.segmenter.embedText(prompt)]);
    const logits = await model.segmenter.logits('image', prompt);
    const size = model.preprocess.height;
    const mask = logitsToMask(logits, size, size, image.height, image.width);
    writeFileSync(o.out, encodePng({ width: image.width, height: image.height, channels: 1, bitDepth: 8, data: mask.map((v) => v * 255) }));
    const firstMask = sinceStart();
    return { modules_loaded_ms: loaded, model_opened_ms: opened, first_mask_ms: firstMask, peak_rss_mib: Math.round(process.resourceUsage().maxRSS / 1024) };
  } finally {
    await engine.close();
  }
}
