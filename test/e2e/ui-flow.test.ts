// The whole desktop flow through the UI, as a user makes it: create a project, import a folder of
// generated images, open one, preview a prompt, take the model's mask, paint and erase, undo and
// redo, accept; accept enough images to adapt, run Adapt on the tiny model, activate the new
// adapter and check that it changes what the preview draws; export PNG and NIfTI masks. The API
// is used only to check what the UI did (the saved masks, the files on disk, the stored adapter
// metrics, the previews the core would give), never to do it. Screenshots of the main screens go to
// test-artifacts/ui-flow-*.png.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decode } from 'fast-png';
import type { AdapterInfo, ImagePage, MaskPixels, MaskRecord, ProjectSummary } from '../../main/contract/contract.ts';
import { withApp } from './helpers/app.ts';
import { fileName, H, RECTS as ALL_RECTS, shapeImage, W, type Rect } from './helpers/shapes.ts';
import { api, capsule, type Dom, readNifti, stepper, until, visible } from './helpers/page.ts';

// ---- the images: dark background, one bright rectangle each (known geometry) ----------------

const RECTS = ALL_RECTS.slice(0, 5);

// ---- independent expectations -------------------------------------------------------------

function rectMask(r: Rect): Uint8Array {
  const out = new Uint8Array(W * H);
  for (let y = r.y; y < r.y + r.h; y++) out.fill(1, y * W + r.x, y * W + r.x + r.w);
  return out;
}

const count = (m: Uint8Array) => m.reduce((n, v) => n + (v ? 1 : 0), 0);
const union = (a: Uint8Array, b: Uint8Array) => a.map((v, i) => (v || b[i] ? 1 : 0));
const minus = (a: Uint8Array, b: Uint8Array) => a.map((v, i) => (v && !b[i] ? 1 : 0));
const binary = (m: Uint8Array) => m.map((v) => (v ? 1 : 0));

/** Where two masks differ, in words (first few pixels), or '' when they are equal. */
function difference(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): string {
  const bad: string[] = [];
  let n = 0;
  for (let i = 0; i < expected.length; i++) {
    if ((actual[i] ? 1 : 0) !== (expected[i] ? 1 : 0)) {
      n++;
      if (bad.length < 6) bad.push(`(${i % W}, ${Math.floor(i / W)}) is ${actual[i]}, expected ${expected[i]}`);
    }
  }
  return n ? `${what}: ${n} pixels differ, e.g. ${bad.join('; ')}` : '';
}

// ---- checking through the API (reads only) ------------------------------------------------

async function currentMask(url: string, imageId: number, kind: 'model' | 'corrected'): Promise<(MaskRecord & MaskPixels) | null> {
  const records = await api<MaskRecord[]>(url, 'currentMasks', { imageId });
  const r = records.filter((m) => m.kind === kind).sort((a, b) => b.id - a.id)[0];
  return r ? api<MaskRecord & MaskPixels>(url, 'getMask', { maskId: r.id }) : null;
}

// ---- waiting on the page ------------------------------------------------------------------

test('the whole flow through the UI: project, import, prompt, edit, accept, adapt, activate, export', { timeout: 240_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'delineate-ui-flow-'));
  const started = Date.now();
  const step = stepper(t);
  try {
    const imagesDir = join(work, 'scans');
    mkdirSync(imagesDir);
    RECTS.forEach((r, i) => writeFileSync(join(imagesDir, fileName(i)), shapeImage(r)));
    const notes = join(imagesDir, 'notes.txt'); // not an image: the import dialog names it and why
    writeFileSync(notes, 'a list of patients, not an image\n');

    await withApp(async ({ page, url, shot: save }) => {
      // screenshots once transitions have ended (a filter's sliding indicator, a dialog fading in);
      // endless animations (striped progress bars, spinners) are left running
      const shot = async (name: string) => {
        await page.waitForFunction(() => (globalThis as unknown as Dom).document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity), undefined, { timeout: 5_000 });
        await save(name);
      };
      // the mask-area readout of the workspace, as a number
      const areaLine = page.getByText(/^Mask area [\d,.\s]+ px/);
      const area = async () => Number((await areaLine.textContent())!.replace(/^Mask area /, '').replace(/\D/g, ''));
      const expectArea = (n: number, what: string) => until(area, (a) => a === n, `the mask area to read ${n} px (${what})`);

      await step('create a project', async () => {
        await visible(page.getByRole('button', { name: 'New project' }));
        await visible(page.getByText('No projects yet'));
        await shot('ui-flow-projects-empty');
        await page.getByRole('button', { name: 'New project' }).click();
        const dialog = page.getByRole('dialog', { name: 'New project' });
        await dialog.getByLabel('Project name').fill('Shapes study');
        await dialog.getByRole('button', { name: 'Create' }).click();
        await dialog.waitFor({ state: 'hidden' });
        // the new project opens: its name in the header, its sections in the side bar
        await visible(page.getByRole('tablist', { name: 'Project sections' }));
        await visible(page.getByRole('banner').getByText('Shapes study'));
      });

      await step('import a folder', async () => {
        await visible(page.getByText(/No images in this project yet/));
        await page.getByRole('button', { name: 'Import', exact: true }).click();
        const dialog = page.getByRole('dialog', { name: 'Import images' });
        await dialog.getByLabel('Paths to import').fill(imagesDir);
        await dialog.getByRole('button', { name: 'Start import' }).click();
        await visible(dialog.getByText(`${RECTS.length} images imported, 1 could not be read`), 30_000);
        const failed = dialog.getByRole('list', { name: 'Files that could not be imported' });
        await visible(failed);
        const lines = (await failed.getByRole('listitem').allInnerTexts()).map((item) => item.split('\n').filter((l) => l.trim() !== ''));
        assert.deepEqual(lines, [[notes, 'not a PNG, JPEG, DICOM or NIfTI file', 'Not an image Delineate reads; convert it to PNG, DICOM or NIfTI if it is one.']]);
        await shot('ui-flow-import-done');
        await dialog.getByRole('button', { name: 'Done' }).click();
        await dialog.waitFor({ state: 'hidden' });
        const grid = page.getByRole('listbox', { name: 'Images' });
        for (let i = 0; i < RECTS.length; i++) await visible(grid.getByRole('option', { name: fileName(i), exact: true }));
        await visible(page.getByRole('status').getByText(`${RECTS.length} images`, { exact: true }));
        await shot('ui-flow-library');
      });

      const viewer = page.getByRole('img', { name: 'Image viewer' });
      const accept = page.getByRole('button', { name: 'Accept' });
      let projectId = 0;
      let imageIds: number[] = [];
      let modelMask: Uint8Array = new Uint8Array(0);

      await step('open an image and preview a prompt', async () => {
        const project = (await api<ProjectSummary[]>(url, 'listProjects', null)).find((p) => p.name === 'Shapes study');
        assert.ok(project, 'the project the UI created is stored');
        projectId = project.id;
        imageIds = (await api<ImagePage>(url, 'listImages', { projectId })).images.sort((a, b) => a.fileName.localeCompare(b.fileName)).map((i) => i.id);
        await page.getByRole('option', { name: fileName(0), exact: true }).click();
        await visible(viewer);
        await visible(page.getByRole('button', { name: 'Close image' }));
        await visible(page.getByText(`${W}×${H}`, { exact: true }));
        // an empty mask to start with
        await expectArea(0, 'a new image has no mask');
        await page.getByRole('textbox', { name: 'Prompt' }).fill('bright rectangle');
        await visible(page.getByRole('status').getByText(/image encoded · \d+ ms · base model|cached encoding · \d+ ms · base model/), 30_000);
        const use = page.getByRole('button', { name: 'Use this mask' });
        await until(() => use.isEnabled(), (e) => e, '"Use this mask" to be enabled once the preview is ready');
        await use.click();
        const a = await until(area, (n) => n > 0, 'the model mask to show a non-zero area');
        // the model's mask is recorded: the image's status moves on
        await visible(page.getByText('Model mask', { exact: true }));
        t.diagnostic(`model mask area ${a}`);
        // what the UI shows is the model's mask as the core recorded it
        const model = await until(() => currentMask(url, imageIds[0], 'model'), (m) => m !== null, 'the model mask to be recorded');
        modelMask = binary(model!.pixels);
        assert.equal(model!.prompt, 'bright rectangle');
        assert.equal(count(modelMask), a, 'the area shown is the recorded model mask\'s');
        await shot('ui-flow-workspace-mask');
      });

      // image point → page point, from the viewer's box and its fit-to-window view (8 px margin)
      const toPage = async (x: number, y: number) => {
        const box = (await viewer.boundingBox())!;
        const zoom = Math.min((box.width - 16) / W, (box.height - 16) / H);
        return { x: box.x + (box.width - W * zoom) / 2 + x * zoom, y: box.y + (box.height - H * zoom) / 2 + y * zoom };
      };
      const drag = async (from: [number, number], to: [number, number]) => {
        const a = await toPage(from[0] + 0.5, from[1] + 0.5);
        const b = await toPage(to[0] + 0.5, to[1] + 0.5);
        await page.mouse.move(a.x, a.y);
        await page.mouse.down();
        await page.mouse.move(b.x, b.y, { steps: 24 });
        await page.mouse.up();
      };
      const pressed = (name: string) => page.getByRole('button', { name, exact: true }).getAttribute('aria-pressed');
      const BRUSH = 7;
      const stroke = capsule(W, H, 10, 50, 85, 50, BRUSH / 2);
      const erased = capsule(W, H, 48, 38, 48, 60, BRUSH / 2);
      const painted = () => union(modelMask, stroke);
      const final = () => minus(painted(), erased);

      await step('paint with the brush and erase with the eraser', async () => {
        // the pointer lands where the test computes: the readout names the pixel under it
        const probe = await toPage(30.5, 20.5);
        await page.mouse.move(probe.x, probe.y);
        await visible(page.getByText('x 30, y 20', { exact: true }));

        await page.getByRole('button', { name: 'Brush', exact: true }).click();
        assert.equal(await pressed('Brush'), 'true');
        // brush size from its slider, by keyboard: Home is 1, each arrow one pixel
        const size = page.getByRole('slider', { name: 'Brush size' });
        await size.focus();
        await page.keyboard.press('Home');
        for (let i = 1; i < BRUSH; i++) await page.keyboard.press('ArrowRight');
        assert.equal(await size.getAttribute('aria-valuenow'), String(BRUSH));
        await visible(page.getByText(`Size ${BRUSH}`, { exact: true }));

        await drag([10, 50], [85, 50]);
        await expectArea(count(painted()), 'the model mask plus a horizontal brush stroke along row 50');
        assert.ok(count(painted()) > count(modelMask), 'the stroke adds pixels to the model mask');
        await visible(page.getByText('Last step: brush stroke'));

        await page.keyboard.press('e'); // the Eraser's shortcut
        assert.equal(await pressed('Eraser'), 'true');
        assert.equal(await pressed('Brush'), 'false');
        await drag([48, 38], [48, 60]);
        await expectArea(count(final()), 'a vertical eraser stroke across the brush stroke');
        assert.ok(count(final()) < count(painted()), 'the eraser removes pixels');
        await visible(page.getByText('Last step: eraser stroke'));
        // the corrected mask alone (model mask outline hidden), with the cursor off the image
        await page.getByRole('button', { name: 'Show model mask', exact: true }).click();
        assert.equal(await pressed('Show model mask'), 'false');
        await page.mouse.move(5, 5);
        await shot('ui-flow-editing');
      });

      await step('undo and redo', async () => {
        const undo = page.getByRole('button', { name: 'Undo', exact: true });
        const redo = page.getByRole('button', { name: 'Redo', exact: true });
        assert.ok(await redo.isDisabled(), 'nothing to redo before an undo');
        await undo.click();
        await expectArea(count(painted()), 'undo removes the eraser stroke');
        await visible(page.getByText('Last step: brush stroke'));
        await viewer.focus();
        await page.keyboard.press('Control+z');
        await expectArea(count(modelMask), 'undo removes the brush stroke');
        await visible(page.getByText('Last step: use model mask'));
        await redo.click();
        await expectArea(count(painted()), 'redo puts the brush stroke back');
        await page.keyboard.press('Control+Shift+z');
        await expectArea(count(final()), 'redo puts the eraser stroke back');
        assert.ok(await redo.isDisabled(), 'nothing left to redo');
      });

      await step('accept: the corrected mask is saved', async () => {
        await accept.click();
        await visible(page.getByRole('status').getByText('Saved as the corrected mask'));
        await visible(page.getByText('Corrected', { exact: true }));
        const saved = await currentMask(url, imageIds[0], 'corrected');
        assert.ok(saved, 'a corrected mask is stored for the first image');
        assert.equal(saved.width, W);
        assert.equal(saved.height, H);
        assert.equal(saved.prompt, 'bright rectangle', 'the prompt the mask came from is saved with it');
        const diff = difference(saved.pixels, final(), 'the saved mask against model ∪ brush stroke − eraser stroke');
        assert.equal(diff, '', diff);
      });

      await step('correct and accept the other images (polygon around the shape)', async () => {
        for (let i = 1; i < RECTS.length; i++) {
          await page.getByRole('button', { name: 'Next image', exact: true }).click();
          await visible(page.getByText(fileName(i), { exact: true }));
          await expectArea(0, `${fileName(i)} starts with no mask`);
          // the prompt carries over and previews on the new image; take the model's mask, then outline the shape instead
          const use = page.getByRole('button', { name: 'Use this mask' });
          await until(() => use.isEnabled(), (e) => e, `the preview of ${fileName(i)}`, 30_000);
          await page.keyboard.press('u');
          await until(area, (n) => n > 0, `the model mask on ${fileName(i)}`);
          await page.keyboard.press('Shift+Delete'); // Clear mask
          await expectArea(0, 'Clear mask');
          await page.keyboard.press('p'); // Polygon fill
          assert.equal(await pressed('Polygon fill'), 'true');
          const r = RECTS[i];
          for (const [x, y] of [[r.x, r.y], [r.x + r.w, r.y], [r.x + r.w, r.y + r.h], [r.x, r.y + r.h]]) {
            const q = await toPage(x, y);
            await page.mouse.click(q.x, q.y);
          }
          await page.keyboard.press('Enter'); // Finish polygon
          await expectArea(r.w * r.h, `the polygon around ${fileName(i)}'s ${r.w}×${r.h} rectangle`);
          if (i === 2) await shot('ui-flow-polygon');
          await page.keyboard.press('Control+Enter'); // Accept
          await visible(page.getByRole('status').getByText('Saved as the corrected mask'));
        }
        // the library shows them corrected, the side bar counts them
        await page.getByRole('button', { name: 'Close image' }).click();
        await page.getByRole('radiogroup', { name: 'Filter images' }).getByText('Corrected').click();
        await visible(page.getByRole('status').getByText(`${RECTS.length} images`, { exact: true }));
        await visible(page.getByText(`${RECTS.length} corrected masks`, { exact: true }));
        await shot('ui-flow-library-corrected');
        for (let i = 1; i < RECTS.length; i++) {
          const saved = await currentMask(url, imageIds[i], 'corrected');
          assert.ok(saved, `a corrected mask is stored for ${fileName(i)}`);
          const diff = difference(saved.pixels, rectMask(RECTS[i]), `${fileName(i)}'s saved mask against its rectangle`);
          assert.equal(diff, '', diff);
          assert.equal(saved.prompt, 'bright rectangle');
        }
      });

      await step('adapt on the tiny model, compare, activate', async () => {
        await page.getByRole('tab', { name: 'Training' }).click();
        const adapt = page.getByRole('button', { name: 'Adapt', exact: true });
        await visible(adapt);
        assert.ok(await adapt.isEnabled(), 'Adapt is enabled with 5 corrected masks');
        await visible(page.getByText(`${RECTS.length} corrected masks in this project`));
        await page.getByRole('button', { name: 'Advanced options' }).click();
        await page.getByLabel('Variant').selectOption('sa-vlc');
        await page.getByLabel('Max epochs').fill('3');
        await page.getByLabel('Seed').fill('7');
        await shot('ui-flow-adapt-options');
        // The tiny model trains in about a second, so the epoch line may come and go between two
        // polls: record every one the status region shows, from before the click.
        await page.evaluate(`(() => {
          const seen = (window.epochLines = []);
          new MutationObserver(() => {
            const line = document.querySelector('[role="status"][aria-label="Training status"]')?.textContent?.match(/Epoch \\d \\/ 3/)?.[0];
            if (line && !seen.includes(line)) seen.push(line);
          }).observe(document.body, { subtree: true, childList: true, characterData: true });
        })()`);
        await adapt.click();
        const status = page.getByRole('status', { name: 'Training status' });
        await visible(status);
        await visible(page.getByRole('progressbar', { name: 'Training progress' }));
        await visible(page.getByRole('button', { name: 'Cancel training' }));
        // (the tiny model trains in about a second: this shows the run's first moments, rarely its curve)
        await save('ui-flow-adapt-running');
        await visible(page.getByText('New adapter ready'), 120_000);
        const epochLines = await page.evaluate<string[]>('window.epochLines');
        assert.ok(epochLines.length > 0 && epochLines.every((l) => /^Epoch [1-3] \/ 3$/.test(l)), `the status showed the epoch while training: ${JSON.stringify(epochLines)}`);
        const table = page.getByRole('table', { name: 'Comparison of the new adapter with the current model' });
        await visible(table);
        for (const row of ['DSC (%)', 'IoU (%)', 'HD95 (px)']) await visible(table.getByRole('rowheader', { name: row }));
        await visible(table.getByRole('columnheader', { name: 'Current (base model)' }));
        // 5 corrections: 4 train, 1 held out (a fifth)
        await visible(page.getByText(/ on 4 images, compared on 1 held-out corrected image\.$/));
        await shot('ui-flow-adapt-finished');
        const adapters = await api<AdapterInfo[]>(url, 'listAdapters', { projectId });
        assert.equal(adapters.length, 1, 'the adapt job stored one adapter');
        assert.equal(adapters[0].active, false, 'a new adapter is stored inactive until activated');
        assert.match(adapters[0].name, /^“bright rectangle” · 4 corrections, 1 held out$/, 'named by what it trained on');
        // the table's numbers are the stored adapter's: its own scores and those of the model it was compared with
        const m = adapters[0].metrics as { dsc: number; iou: number; hd95: number; previous: { dsc: { mean: number }; iou: { mean: number }; hd95: { mean: number } } };
        const cells = (row: RegExp) => table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: row }) }).getByRole('cell').allInnerTexts();
        // one held-out image: means only, no spread, no verdict, and the dialog says why
        assert.deepEqual(await cells(/^DSC/), [(m.dsc * 100).toFixed(1), (m.previous.dsc.mean * 100).toFixed(1)]);
        assert.deepEqual(await cells(/^IoU/), [(m.iou * 100).toFixed(1), (m.previous.iou.mean * 100).toFixed(1)]);
        assert.deepEqual(await cells(/^HD95/), [m.hd95.toFixed(1), m.previous.hd95.mean.toFixed(1)]);
        assert.equal(await table.getByText('better').count(), 0, 'no verdict on one held-out image');
        await visible(page.getByLabel('Why no verdict').getByText(/only 1 held-out image: too few for a spread or a verdict/));

        // what the base model previews for the second image, at every threshold the slider offers
        const THRESHOLDS = Array.from({ length: 19 }, (_, k) => (k + 1) * 5 / 100);
        const sweep = (imageId: number) => Promise.all(THRESHOLDS.map(async (threshold) => binary((await api<MaskPixels>(url, 'previewMask', { imageId, prompt: 'bright rectangle', threshold })).pixels)));
        const base = await sweep(imageIds[1]);
        await page.getByRole('button', { name: 'Activate', exact: true }).click();
        await visible(page.getByRole('status', { name: 'Model status' }).getByText(`Adapter: ${adapters[0].name}`));

        await page.getByRole('tab', { name: 'Adapter versions' }).click();
        const versions = page.getByRole('table', { name: 'Adapter versions' });
        await visible(versions);
        const row = versions.getByRole('row').filter({ hasText: adapters[0].name });
        await visible(row.getByText('Active', { exact: true }));
        await visible(page.getByText(`Active now: ${adapters[0].name} (${adapters[0].variant})`));
        assert.ok(await page.getByRole('button', { name: 'Roll back' }).isEnabled(), 'Roll back is offered once an adapter is active');
        await shot('ui-flow-adapter-versions');
        const after = await api<AdapterInfo[]>(url, 'listAdapters', { projectId });
        assert.deepEqual(after.map((a) => [a.id, a.active]), [[adapters[0].id, true]]);

        // previews now go through the adapter, and draw something else: at a threshold where the
        // adapter's preview differs from the base model's, the mask the UI takes is the adapter's
        const adapted = await sweep(imageIds[1]);
        const changed = THRESHOLDS.map((_, k) => count(adapted[k].map((v, i) => (v !== base[k][i] ? 1 : 0))));
        const k = changed.indexOf(Math.max(...changed));
        assert.ok(changed[k] > 0, 'the adapter changes the preview at some threshold');
        t.diagnostic(`the adapter changes ${changed[k]} preview pixels at threshold ${THRESHOLDS[k]}`);
        await page.getByRole('tab', { name: 'Library' }).click();
        await page.getByRole('option', { name: fileName(1), exact: true }).click();
        await visible(viewer);
        await page.getByRole('textbox', { name: 'Prompt' }).fill('bright rectangle');
        const threshold = page.getByRole('slider', { name: 'Threshold' });
        await threshold.focus();
        await page.keyboard.press('Home');
        for (let j = 0; j < k; j++) await page.keyboard.press('ArrowRight');
        await visible(page.getByText(`Threshold ${THRESHOLDS[k].toFixed(2)}`, { exact: true }));
        await visible(page.getByRole('status').getByText(new RegExp(`· adapter ${adapters[0].id}$`)), 30_000);
        await page.getByRole('button', { name: 'Use this mask' }).click();
        await expectArea(count(adapted[k]), `the adapter's preview at threshold ${THRESHOLDS[k]}`);
        const taken = await until(() => currentMask(url, imageIds[1], 'model'), (r) => r !== null && r.adapterId === adapters[0].id, 'the model mask taken through the adapter to be recorded');
        assert.equal(difference(taken!.pixels, adapted[k], 'the mask taken in the UI against the adapter\'s preview'), '');
        assert.notEqual(difference(taken!.pixels, base[k], 'against the base model'), '', 'the UI took a mask the base model would not have given');
        await page.getByRole('button', { name: 'Close image' }).click();
        // the taken mask replaced the corrected one in the editor: leaving asks, and discarding keeps the saved correction
        await page.getByRole('dialog', { name: 'Unsaved changes' }).getByRole('button', { name: 'Discard changes' }).click();
        assert.equal(difference((await currentMask(url, imageIds[1], 'corrected'))!.pixels, rectMask(RECTS[1]), 'the corrected mask after discarding'), '');
      });

      const exportAs = async (format: 'png' | 'nii', dir: string, suggested = '') => {
        await page.getByRole('button', { name: 'Export', exact: true }).click();
        const dialog = page.getByRole('dialog', { name: 'Export masks' });
        await visible(dialog);
        // reopened after an export, the dialog offers the next free folder beside the last one
        await until(() => dialog.getByLabel('Output folder').inputValue(), (v) => v === suggested, `the output folder to read '${suggested}'`);
        await dialog.getByLabel('Format').selectOption(format);
        assert.equal(await dialog.getByRole('radio', { name: 'Corrected masks' }).isChecked(), true);
        await dialog.getByLabel('Output folder').fill(dir);
        await dialog.getByRole('button', { name: 'Start export' }).click();
        await until(async () => (await dialog.getByLabel('Export folder').textContent().catch(() => null)) ?? '', (t) => t === dir, `the export into ${dir} to finish`, 30_000);
        await shot(`ui-flow-export-${format}`);
        await dialog.getByRole('button', { name: 'Done' }).click();
        await dialog.waitFor({ state: 'hidden' });
      };
      const expectedMask = (i: number) => (i === 0 ? final() : rectMask(RECTS[i]));

      await step('export PNG masks', async () => {
        const dir = join(work, 'export-png');
        await exportAs('png', dir);
        const files = readdirSync(dir).sort();
        assert.deepEqual(files, [...imageIds.map((id) => `img-${id}.png`), 'manifest.json'].sort());
        imageIds.forEach((id, i) => {
          const png = decode(readFileSync(join(dir, `img-${id}.png`)));
          assert.deepEqual([png.width, png.height, png.channels, png.depth], [W, H, 1, 8], `img-${id}.png is an 8-bit grey PNG of the image's size`);
          const values = new Set(png.data);
          assert.ok([...values].every((v) => v === 0 || v === 255), `img-${id}.png holds 0/255 only, found ${[...values].join(', ')}`);
          const diff = difference(png.data, expectedMask(i).map((v) => v * 255), `img-${id}.png (${fileName(i)})`);
          assert.equal(diff, '', diff);
        });
      });

      await step('export NIfTI masks', async () => {
        const dir = join(work, 'export-nii');
        await exportAs('nii', dir, join(work, 'export-png-2'));
        assert.deepEqual(readdirSync(dir).sort(), [...imageIds.flatMap((id) => [`img-${id}.nii`, `img-${id}_image.nii`]), 'manifest.json'].sort());
        imageIds.forEach((id, i) => {
          const mask = readNifti(join(dir, `img-${id}.nii`));
          assert.deepEqual(mask.header.dims.slice(1, 4), [W, H, 1], `img-${id}.nii is ${W}×${H}×1`);
          assert.equal(mask.header.datatypeCode, 2, 'uint8 (datatype 2)');
          // RAS+ with row 0 at the top: columns run to −x, rows to −y; qform and sform agree
          assert.ok(mask.header.affine[0][0] < 0 && mask.header.affine[1][1] < 0, `img-${id}.nii's affine ${JSON.stringify(mask.header.affine)}`);
          assert.ok(mask.header.qform_code > 0 && mask.header.qform_code === mask.header.sform_code, `qform_code ${mask.header.qform_code}, sform_code ${mask.header.sform_code}`);
          // column → i, row → j (i fastest): the voxels in the PNG's row order, values 0/1
          const diff = difference(mask.voxels, expectedMask(i), `img-${id}.nii (${fileName(i)})`);
          assert.equal(diff, '', diff);
          assert.ok(mask.voxels.every((v) => v === 0 || v === 1), 'label values 0/1');
          // the image itself beside it, with the same grid: its voxels are the source's grey levels
          const image = readNifti(join(dir, `img-${id}_image.nii`));
          assert.deepEqual(image.header.dims.slice(1, 4), [W, H, 1]);
          assert.deepEqual(image.header.affine, mask.header.affine, 'mask and image share one affine');
          const bright = image.voxels.reduce((n, v) => n + (v > 128 ? 1 : 0), 0);
          assert.equal(bright, RECTS[i].w * RECTS[i].h, `the image NIfTI of ${fileName(i)} shows its rectangle`);
        });
      });

      await step('the jobs drawer lists what ran', async () => {
        await page.getByRole('button', { name: 'Jobs' }).click();
        const list = page.getByRole('list', { name: 'Job list' });
        await visible(list);
        // import, adapt, two exports: newest first, all done
        const items = list.getByRole('listitem');
        await until(() => items.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label'))), (names) => names.length === 4, 'four jobs in the list');
        const names = await items.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
        assert.deepEqual(names.map((n) => n.replace(/ job \d+$/, '')), ['Export', 'Export', 'Adapt', 'Import'], names.join(', '));
        await page.getByRole('button', { name: `Show log of ${names[2]}` }).click();
        await visible(list.getByText(/epoch 1: train loss/));
        await shot('ui-flow-jobs');
        await page.getByRole('button', { name: 'Close jobs' }).click();
      });

      await step('back to the projects list', async () => {
        await page.getByRole('button', { name: 'All projects' }).click();
        const row = page.getByRole('table', { name: 'Projects' }).getByRole('row').filter({ hasText: 'Shapes study' });
        await visible(row.getByRole('button', { name: 'Open project Shapes study' }));
        assert.deepEqual((await row.getByRole('cell').allTextContents()).slice(1, 3), [String(RECTS.length), String(RECTS.length)], 'the list counts 5 images and 5 corrected masks');
        await shot('ui-flow-projects');
      });
    }, { name: 'ui-flow' });
  } finally {
    rmSync(work, { recursive: true, force: true });
    t.diagnostic(`whole flow: ${Date.now() - started} ms`);
  }
});
