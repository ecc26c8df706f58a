// How the app (desktop or `delineate app` in a browser) opens the core: which model to use when
// the user named none, and a first-run "Demo" project when that model is the bundled demo one.
// Shared by electron/app-core.ts and main/cli/app.ts so both start the same way.
//
// Model choice, first that applies: the --model given; a model installed in the data folder; a
// model packaged with the app (<resources>/models, a model folder or a folder of them); the tiny
// demo model (<resources>/demo/model); none (the app runs, previews say how to install one).

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCore, type Core } from '../core.ts';
import type { EngineOptions } from '../engine/runtime/engine.ts';
import { writeFileAtomic } from '../fs/atomic.ts';
import { inspectModelFolder } from '../models/model-folder.ts';
import { installHint, listModels } from '../models/registry.ts';
import { dataFolder, dataPaths } from '../fs/data-folder.ts';

/** The repository's resources/ (the packaged app passes its own resources folder instead). */
export const sourceResourcesDir = (): string => process.env.DELINEATE_RESOURCES || fileURLToPath(new URL('../../resources/', import.meta.url));

export interface ModelChoice {
  /** the core's model option (undefined: the installed one, or none) */
  model?: string;
  demo: boolean;
  /** one line on where the model comes from */
  why: string;
}

const isModel = (dir: string): boolean => {
  try {
    inspectModelFolder(dir);
    return true;
  } catch {
    return false;
  }
};

/** A model packaged with the app: <resources>/models itself, or its only valid sub-folder. */
function packagedModel(resourcesDir: string): string | undefined {
  const dir = join(resourcesDir, 'models');
  if (!existsSync(dir)) return undefined;
  if (existsSync(join(dir, 'config.json'))) return isModel(dir) ? dir : undefined;
  const found = readdirSync(dir)
    .filter((n) => !n.startsWith('.'))
    .map((n) => join(dir, n))
    .filter((d) => statSync(d).isDirectory() && isModel(d));
  return found.length === 1 ? found[0] : undefined;
}

export function chooseAppModel(dataDir: string, model: string | undefined, resourcesDir: string): ModelChoice {
  if (model !== undefined) return { model, demo: false, why: `model ${model} (--model)` };
  const modelsDir = dataPaths.models(dataDir);
  if (listModels(modelsDir).some((m) => m.info)) return { demo: false, why: `the model installed in ${modelsDir}` };
  const packaged = packagedModel(resourcesDir);
  if (packaged) return { model: packaged, demo: false, why: `the model packaged with the app (${packaged})` };
  const demo = join(resourcesDir, 'demo', 'model');
  if (existsSync(demo) && isModel(demo)) return { model: demo, demo: true, why: `the tiny demo model (${demo})` };
  return { demo: false, why: 'no model' };
}

/** What the user should read at start-up about the model. */
export function modelNotice(choice: ModelChoice, dataDir: string): string | null {
  const modelsDir = dataPaths.models(dataDir);
  if (choice.demo) {
    return [
      'Delineate is using its tiny DEMO model: it shows how the app works, but its masks mean nothing.',
      'Install the real model with:',
      ...installHint(modelsDir).split('\n').slice(1), // the hint's commands, without its "No model is installed" line
    ].join('\n');
  }
  if (choice.why === 'no model') return installHint(modelsDir);
  return null;
}

/** The record that the demo project was made, so deleting it is not undone at the next start. */
export const demoMarker = (dataDir: string): string => join(dataDir, 'demo-project.json');

/**
 * What the demo images are, in a sentence for the first-start notice. The demo folder is a MedVLSM
 * dataset with one mask per shape on each image, so the project ends up with more corrected masks
 * than images (12 images, 29 masks), which looks wrong unless said.
 */
export function describeDemoImages(images: string): string {
  const records: { img_name?: unknown; prompts?: { p1?: unknown } }[] = [];
  for (const split of ['train', 'val', 'test']) {
    const file = join(images, 'anns', `${split}.json`);
    if (!existsSync(file)) continue;
    try {
      const list: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (Array.isArray(list)) records.push(...list);
    } catch {
      /* a broken annotation file: the import names it; the notice just says less */
    }
  }
  if (records.length === 0) return 'the demo images';
  const imageCount = new Set(records.map((r) => r.img_name)).size;
  const shapes = [...new Set(records.map((r) => r.prompts?.p1).filter((p): p is string => typeof p === 'string' && p !== ''))].sort();
  return `its ${imageCount} images of shapes. Each image comes with a corrected mask for every shape on it (${shapes.join(', ')}), so the project counts ${records.length} corrected masks: masks are counted per image, label and slice`;
}

/**
 * On the first start with the demo model, a "Demo" project importing <resources>/demo/images (when
 * present); returns the import job's id, or null when nothing was done.
 */
export async function ensureDemoProject(core: Core, resourcesDir: string): Promise<{ projectId: number; jobId: number } | null> {
  const images = join(resourcesDir, 'demo', 'images');
  if (existsSync(demoMarker(core.dataDir)) || !existsSync(images)) return null;
  const existing = core.store.projects.list().find((p) => p.name === 'Demo');
  const project = existing ?? core.store.projects.create('Demo');
  const job = await core.api.importPaths({ projectId: project.id, paths: [images] });
  if (!job.ok) throw new Error(`could not import the demo images from ${images}: ${job.error.message}`);
  writeFileAtomic(demoMarker(core.dataDir), JSON.stringify({ projectId: project.id, jobId: job.value.id, createdAt: new Date().toISOString() }) + '\n');
  return { projectId: project.id, jobId: job.value.id };
}

export interface AppCoreOptions {
  data?: string;
  model?: string;
  resourcesDir?: string;
  engine?: EngineOptions;
  purpose?: string;
}

export interface AppCore {
  core: Core;
  choice: ModelChoice;
  /** lines to show the user (model notice, demo project) */
  notices: string[];
}

export async function openAppCore(o: AppCoreOptions = {}): Promise<AppCore> {
  const dataDir = dataFolder(o.data);
  const resourcesDir = o.resourcesDir ?? sourceResourcesDir();
  const choice = chooseAppModel(dataDir, o.model, resourcesDir);
  const core = openCore({ data: dataDir, model: choice.model, demo: choice.demo, engine: o.engine, purpose: o.purpose });
  const notices: string[] = [];
  try {
    const notice = modelNotice(choice, dataDir);
    if (notice) notices.push(notice);
    if (choice.demo) {
      const demo = await ensureDemoProject(core, resourcesDir);
      if (demo) notices.push(`Created the project "Demo" and started importing ${describeDemoImages(join(resourcesDir, 'demo', 'images'))} (job ${demo.jobId}).`);
    }
  } catch (e) {
    await core.close();
    throw e;
  }
  return { core, choice, notices };
}
