// Site A for adapter-pack tests: a project whose images sit in a folder named after a patient,
// five corrected masks with the label 'polyp', and an sa-vlc adapter registered as the adapt job
// registers one (its file's training metadata names an init file by absolute path, as the trainer
// writes it), on the tiny fixture model.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { adapterSetFor } from '../../main/engine/model/adapters.ts';
import { parseClipSegConfig } from '../../main/engine/model/config.ts';
import { dataPaths } from '../../main/fs/data-folder.ts';
import { encodePng } from '../../main/io/image-decode.ts';
import { makeThumbnail } from '../../main/io/thumbnail.ts';
import { contentHash } from '../../main/store/images.ts';
import { openStore } from '../../main/store/store.ts';
import { mulberry32 } from '../../main/common/rng.ts';
import { initAdapters, type ParamMap } from '../../main/training/adapter-init.ts';
import { writeAdapterFile } from '../../main/training/adapter-output.ts';
import type { PackModel } from '../../main/training/adapter-pack.ts';
import { packModelAt } from '../../main/training/adapter-pack-exchange.ts';
import { defaultRecipe } from '../../main/training/recipe.ts';
import { generateImage } from '../../main/training/synthetic.ts';
import { tempDir } from './temp-store.ts';

export const modelDir = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));
export const modelSha = createHash('sha256').update(readFileSync(join(modelDir, 'model.safetensors'))).digest('hex');
export const model: PackModel = packModelAt(modelDir, modelSha);

/** Patient-like names that must never travel: they are in site A's file names, folders and fields. */
export const PATIENT_NAME = 'DOE^JANE';
export const MRN = 'MRN0048151623';

export interface SiteA {
  dir: string;
  data: string;
  imagesDir: string;
  imageBytes: Uint8Array[];
  masks: Uint8Array[];
  adapterId: number;
  adapterFile: string;
  weights: ParamMap;
}

/**
 * Site A: a project whose images sit in a folder named after a patient, five corrected masks with
 * the label 'polyp', and an sa-vlc adapter registered as the adapt job does (its file's training
 * metadata names an init file by absolute path, as the trainer writes it).
 */
export function makeSiteA(t: TestContext): SiteA {
  const dir = tempDir(t, 'delineate-pack-');
  const data = join(dir, 'site-A');
  const imagesDir = join(dir, `${PATIENT_NAME} ${MRN}`);
  mkdirSync(imagesDir, { recursive: true });
  const store = openStore(data);
  try {
    const projectId = store.projects.create('Polyps').id;
    const label = store.labels.create({ projectId, name: 'polyp', color: '#ff3b30', prompts: ['polyp', 'a small polyp'] });
    store.labels.create({ projectId, name: 'unused-label', color: '#00ff00', prompts: ['never corrected'] });
    const rng = mulberry32(11);
    const imageBytes: Uint8Array[] = [];
    const masks: Uint8Array[] = [];
    for (let i = 0; i < 6; i++) {
      const s = generateImage('source', 64, rng);
      const bytes = encodePng(s.image);
      const fileName = `${PATIENT_NAME}_${MRN}_19700101_${i}.png`;
      writeFileSync(join(imagesDir, fileName), bytes);
      imageBytes.push(bytes);
      const image = store.images.add({ projectId, sourcePath: join(imagesDir, fileName), contentHash: contentHash(bytes), fileName, width: 64, height: 64, thumbnail: makeThumbnail(s.image, 16) });
      if (i < 5) {
        store.masks.save({ imageId: image.id, labelId: label.id, frame: 0, kind: 'corrected', width: 64, height: 64, pixels: s.mask, prompt: 'polyp', author: PATIENT_NAME });
        masks.push(s.mask);
      }
    }
    const set = adapterSetFor('sa-vlc', parseClipSegConfig(JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8'))), { adapter: 8, cond: 4 }, 'reference');
    const weights = initAdapters(set, 5);
    const adapters = dataPaths.adapters(data);
    mkdirSync(adapters, { recursive: true });
    const adapterFile = join(adapters, 'project-1-job-3-sa-vlc.safetensors');
    writeAdapterFile(adapterFile, weights, {
      variant: 'sa-vlc', baseModelSha256: modelSha, form: 'reference',
      training: { recipe: defaultRecipe('sa-vlc'), train_samples: 4, val_samples: 1, init: join(adapters, 'project-1-job-2-sa-vlc.safetensors'), epochs: 12 },
      validation: { dice: 0.81, epoch: 9 },
    });
    const adapter = store.adapters.register({
      projectId, name: 'sa-vlc · 4 corrections', variant: 'sa-vlc', baseModelHash: modelSha, file: adapterFile,
      metrics: { dsc: { mean: 0.81, std: 0.02 }, iou: { mean: 0.7, std: 0.03 }, hd95: { mean: 3.5, std: 1 }, heldOut: 1, previous: { n: 1, dsc: { mean: 0.6, std: 0 } } },
      config: { ...defaultRecipe('sa-vlc'), adapterDim: 8, epochs: 12, bestEpoch: 9, stoppedBy: 'max-epochs', initFile: join(adapters, 'x.safetensors'), projectFolder: imagesDir },
    });
    return { dir, data, imagesDir, imageBytes, masks, adapterId: adapter.id, adapterFile, weights };
  } finally {
    store.close();
  }
}
