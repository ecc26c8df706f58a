// How the app opens the core: which model it picks when none is named, and the first-run Demo
// project with the bundled demo model (a temporary folder stands in for resources/).

import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encode } from 'fast-png';
import { chooseAppModel, demoMarker, describeDemoImages, modelNotice, openAppCore } from '../../main/app/launch.ts';
import { importModel } from '../../main/models/registry.ts';
import { tempDir } from '../helpers/temp-store.ts';

const fixture = fileURLToPath(new URL('../fixtures/clipseg-tiny/', import.meta.url));
const engine = { provider: 'cpu' as const, threads: 1, log: () => {} };

/** The fixture's model files (not its goldens) copied to `dir`. */
function copyModel(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(fixture)) if (statSync(join(fixture, f)).isFile()) copyFileSync(join(fixture, f), join(dir, f));
  return dir;
}

function resources(t: TestContext, o: { demoModel?: boolean; demoImages?: number; packaged?: boolean } = {}): string {
  const dir = tempDir(t, 'delineate-resources-');
  if (o.demoModel) copyModel(join(dir, 'demo', 'model'));
  if (o.demoImages) {
    mkdirSync(join(dir, 'demo', 'images'), { recursive: true });
    for (let i = 0; i < o.demoImages; i++) writeFileSync(join(dir, 'demo', 'images', `scan-${i}.png`), encode({ width: 8, height: 8, data: new Uint8Array(64).fill(i * 40), channels: 1, depth: 8 }));
  }
  if (o.packaged) copyModel(join(dir, 'models', 'packaged-clipseg'));
  return dir;
}

test('model choice: --model, then installed, then packaged, then the demo model, then none', (t) => {
  const data = tempDir(t);
  const all = resources(t, { demoModel: true, packaged: true });
  assert.deepEqual(chooseAppModel(data, '/some/model', all), { model: '/some/model', demo: false, why: 'model /some/model (--model)' });
  const packaged = chooseAppModel(data, undefined, all);
  assert.equal(packaged.model, join(all, 'models', 'packaged-clipseg'));
  assert.equal(packaged.demo, false);
  const demoOnly = resources(t, { demoModel: true });
  assert.deepEqual(chooseAppModel(data, undefined, demoOnly), { model: join(demoOnly, 'demo', 'model'), demo: true, why: `the tiny demo model (${join(demoOnly, 'demo', 'model')})` });
  const none = resources(t);
  assert.deepEqual(chooseAppModel(data, undefined, none), { demo: false, why: 'no model' });
  assert.match(modelNotice(chooseAppModel(data, undefined, none), data)!, /^No model is installed in .*\n {2}npx delineate model download --data /);
  importModel(fixture, join(data, 'models'), { name: 'installed-one' });
  const installed = chooseAppModel(data, undefined, all);
  assert.equal(installed.model, undefined, 'the installed model wins over packaged and demo ones');
  assert.equal(installed.demo, false);
  assert.equal(modelNotice(installed, data), null);
});

test('a demo model folder that is not a valid model is not chosen', (t) => {
  const data = tempDir(t);
  const res = resources(t);
  mkdirSync(join(res, 'demo', 'model'), { recursive: true });
  writeFileSync(join(res, 'demo', 'model', 'config.json'), '{}');
  assert.equal(chooseAppModel(data, undefined, res).why, 'no model');
});

test('first start with the demo model makes a Demo project from the demo images, once', async (t) => {
  const data = tempDir(t);
  const res = resources(t, { demoModel: true, demoImages: 3 });
  const first = await openAppCore({ data, resourcesDir: res, engine });
  try {
    assert.equal(first.choice.demo, true);
    assert.match(first.notices[0], /tiny DEMO model/);
    assert.match(first.notices[0], /Install the real model with:\n {2}npx delineate model download --data .*\n {2}npx delineate model import DIR/);
    assert.match(first.notices[1], /Created the project "Demo"/);
    await first.core.queue.idle();
    const projects = await first.core.api.listProjects();
    assert.ok(projects.ok);
    assert.deepEqual(projects.value.map((p) => [p.name, p.images]), [['Demo', 3]]);
    const info = await first.core.api.appInfo();
    assert.ok(info.ok);
    assert.equal(info.value.demo, true);
    assert.equal(info.value.model?.source, 'demo');
    assert.ok(existsSync(demoMarker(data)));
    // the user deletes the demo project: it is not made again
    assert.ok((await first.core.api.deleteProject({ projectId: projects.value[0].id })).ok);
  } finally {
    await first.core.close();
  }
  const second = await openAppCore({ data, resourcesDir: res, engine });
  try {
    assert.equal(second.notices.length, 1, second.notices.join('\n'));
    const projects = await second.core.api.listProjects();
    assert.deepEqual(projects.ok && projects.value, []);
  } finally {
    await second.core.close();
  }
});

test('without demo images the demo model still starts, with no project made', async (t) => {
  const data = tempDir(t);
  const res = resources(t, { demoModel: true });
  const app = await openAppCore({ data, resourcesDir: res, engine });
  try {
    assert.equal(app.notices.length, 1);
    const projects = await app.core.api.listProjects();
    assert.deepEqual(projects.ok && projects.value, []);
    assert.equal(existsSync(demoMarker(data)), false);
  } finally {
    await app.core.close();
  }
});

test('the first-start notice explains why the demo has more corrected masks than images', () => {
  const images = fileURLToPath(new URL('../../resources/demo/images/', import.meta.url));
  // independently: the files the demo folder holds
  const imageFiles = readdirSync(join(images, 'images')).length;
  const maskFiles = readdirSync(join(images, 'masks'));
  const shapes = [...new Set(maskFiles.map((f) => f.replace(/^shapes-\d+-|\.png$/g, '')))].sort();
  assert.ok(maskFiles.length > imageFiles, `${maskFiles.length} masks on ${imageFiles} images`);
  assert.equal(
    describeDemoImages(images),
    `its ${imageFiles} images of shapes. Each image comes with a corrected mask for every shape on it (${shapes.join(', ')}), so the project counts ${maskFiles.length} corrected masks: masks are counted per image, label and slice`,
  );
  assert.equal(describeDemoImages(join(images, 'no-such-folder')), 'the demo images');
});
