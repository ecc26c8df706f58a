// The clinical flow through the UI, as a radiologist makes it: a folder holding a chest CT series
// (shuffled file names, misleading InstanceNumbers, a localizer in the same series) becomes one
// library entry with its slices, modality and spacing and one for the localizer; the series opens
// with orientation letters and its series facts; "Segment all slices" marks every slice with a
// model mask; one slice is corrected with the brush and accepted (its mark turns corrected); the
// masks leave as NIfTI and as DICOM SEG from the Export dialog. On disk the NIfTI is one full-grid
// volume whose affine (read by nifti-reader-js) equals the stack's affine computed here by hand
// from the fixture's IPP/IOP/PixelSpacing (read by pydicom), and the SEG (read by pydicom) has
// frames at the source slices' positions referencing their SOP Instance UIDs, and dciodvfy finds no
// error in it. A second test checks the radiological display of NIfTI volumes from the canvas's
// pixels: a marker at the patient's anterior-left shows top right, with A, R and L at the edges.
// Needs Debian's chromium, python3-pydicom and dicom3tools. Screenshots: test-artifacts/clinical-*.png.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import type { Page } from 'playwright-core';
import type { ImagePage, MaskPixels, MaskRecord, ProjectSummary } from '../../main/contract/contract.ts';
import { makeGeometry } from '../../main/io/geometry.ts';
import { encodeNifti } from '../../main/io/nifti.ts';
import { withApp } from './helpers/app.ts';
import { api, capsule, readNifti, settledShot, stepper, until, visible } from './helpers/page.ts';

const SERIES_DIR = fileURLToPath(new URL('../fixtures/dicom-clinical/chest-ct/', import.meta.url));
const PYTHON = '/usr/bin/python3'; // Debian's, with python3-pydicom (the pyenv python3 on PATH has none)

// ---- the fixture, read with pydicom --------------------------------------------------------

interface SourceFile { file: string; sop: string; ipp: number[]; iop: number[]; ps: number[]; localizer: boolean }

function python(script: string, ...args: string[]): unknown {
  const r = spawnSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error || r.status !== 0) throw new Error(`${PYTHON} (pydicom) failed: ${r.error?.message ?? r.stderr}`);
  return JSON.parse(r.stdout);
}

const READ_SOURCES = `
import json, os, sys, pydicom
out = []
for name in sorted(os.listdir(sys.argv[1])):
    ds = pydicom.dcmread(os.path.join(sys.argv[1], name))
    out.append(dict(file=name, sop=ds.SOPInstanceUID, ipp=[float(v) for v in ds.ImagePositionPatient], iop=[float(v) for v in ds.ImageOrientationPatient], ps=[float(v) for v in ds.PixelSpacing], localizer='LOCALIZER' in list(ds.ImageType)))
print(json.dumps(out))
`;

const READ_SEG = `
import json, sys, pydicom
ds = pydicom.dcmread(sys.argv[1])
# BINARY frames are packed 1 bit per pixel, least significant bit first, across byte boundaries (PS3.5 8.1.1); unpacked by hand (no NumPy)
n, plane, data = int(ds.NumberOfFrames), int(ds.Rows) * int(ds.Columns), ds.PixelData
bits = [(data[i >> 3] >> (i & 7)) & 1 for i in range(n * plane)]
frames = []
for f, g in enumerate(ds.PerFrameFunctionalGroupsSequence):
    src = g.DerivationImageSequence[0].SourceImageSequence
    frames.append(dict(ipp=[float(v) for v in g.PlanePositionSequence[0].ImagePositionPatient], sources=[s.ReferencedSOPInstanceUID for s in src], segment=int(g.SegmentIdentificationSequence[0].ReferencedSegmentNumber), pixels=bits[f * plane:(f + 1) * plane]))
refs = [i.ReferencedSOPInstanceUID for s in ds.ReferencedSeriesSequence for i in s.ReferencedInstanceSequence]
segs = [dict(number=int(s.SegmentNumber), label=str(s.SegmentLabel), algorithm=str(s.SegmentAlgorithmType)) for s in ds.SegmentSequence]
print(json.dumps(dict(sopClass=ds.SOPClassUID, modality=ds.Modality, type=ds.SegmentationType, rows=int(ds.Rows), columns=int(ds.Columns), study=ds.StudyInstanceUID, frameOfReference=ds.FrameOfReferenceUID, patientId=ds.PatientID, frames=frames, referenced=refs, segments=segs)))
`;

interface SegRead {
  sopClass: string; modality: string; type: string; rows: number; columns: number; study: string; frameOfReference: string; patientId: string;
  frames: { ipp: number[]; sources: string[]; segment: number; pixels: number[] }[];
  referenced: string[];
  segments: { number: number; label: string; algorithm: string }[];
}

/** The stack's voxel (i = column, j = row, k = sorted slice) → RAS+ affine, by hand from clinical-conventions.md. */
function stackAffine(slices: SourceFile[]): number[][] {
  const { iop, ps } = slices[0];
  const [row, col] = [iop.slice(0, 3), iop.slice(3, 6)];
  const n = slices.length;
  const step = [0, 1, 2].map((a) => (slices[n - 1].ipp[a] - slices[0].ipp[a]) / (n - 1));
  const lps = [0, 1, 2].map((a) => [row[a] * ps[1], col[a] * ps[0], step[a], slices[0].ipp[a]]);
  return [lps[0].map((v) => -v), lps[1].map((v) => -v), lps[2], [0, 0, 0, 1]];
}

// ---- helpers shared with ui-flow's patterns -------------------------------------------------

function near(actual: number[][], expected: number[][], what: string, tol = 1e-4): void {
  const bad = actual.flat().some((v, i) => Math.abs(v - expected.flat()[i]) > tol);
  assert.ok(!bad, `${what}: ${JSON.stringify(actual)} is not ${JSON.stringify(expected)}`);
}

function count(m: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < m.length; i++) if (m[i]) n++;
  return n;
}

function difference(actual: ArrayLike<number>, expected: ArrayLike<number>, width: number, what: string): string {
  const bad: string[] = [];
  let n = 0;
  for (let i = 0; i < expected.length; i++) {
    if ((actual[i] ? 1 : 0) !== (expected[i] ? 1 : 0)) {
      n++;
      if (bad.length < 6) bad.push(`(${i % width}, ${Math.floor(i / width)}) is ${actual[i]}, expected ${expected[i]}`);
    }
  }
  return n ? `${what}: ${n} pixels differ, e.g. ${bad.join('; ')}` : '';
}

async function importFolder(page: Page, dir: string, summary: string, shot: (n: string) => Promise<void>, name: string): Promise<void> {
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Import images' });
  await dialog.getByLabel('Paths to import').fill(dir);
  await dialog.getByRole('button', { name: 'Start import' }).click();
  await visible(dialog.getByText(summary), 30_000);
  await shot(name);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await dialog.waitFor({ state: 'hidden' });
}

async function createProject(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'New project' }).click();
  const dialog = page.getByRole('dialog', { name: 'New project' });
  await dialog.getByLabel('Project name').fill(name);
  await dialog.getByRole('button', { name: 'Create' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await visible(page.getByRole('banner').getByText(name));
}

/** The orientation letters at the viewer's edges, as shown. */
async function edgeLetters(page: Page): Promise<Record<string, string>> {
  const note = page.getByRole('note', { name: /^Orientation, / });
  await visible(note);
  const out: Record<string, string> = {};
  for (const edge of ['top', 'bottom', 'left', 'right']) out[edge] = (await note.locator(`[data-edge="${edge}"]`).textContent()) ?? '';
  return out;
}

// ---- 1. a DICOM series, segmented, corrected and exported ------------------------------------

test('clinical flow through the UI: a CT series with a localizer, Segment all slices, a corrected slice, NIfTI and DICOM SEG export', { timeout: 300_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'delineate-clinical-'));
  const step = stepper(t);
  // the fixture as pydicom reads it: the axial slices in their true order (by IPP along the normal)
  const files = python(READ_SOURCES, SERIES_DIR) as SourceFile[];
  const axial = files.filter((f) => !f.localizer);
  const normal = (s: SourceFile) => {
    const [r, c] = [s.iop.slice(0, 3), s.iop.slice(3, 6)];
    const n = [r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]];
    return s.ipp[0] * n[0] + s.ipp[1] * n[1] + s.ipp[2] * n[2];
  };
  const sorted = [...axial].sort((a, b) => normal(a) - normal(b));
  assert.equal(sorted.length, 8);
  assert.notDeepEqual(axial.map((s) => s.file), sorted.map((s) => s.file), 'the file names are not in slice order');
  const affine = stackAffine(sorted);
  const W = 48;
  const H = 40;
  try {
    await withApp(async ({ page, url, shot: save }) => {
      const shot = (name: string) => settledShot(page, save, name);
      let imageId = 0;
      let localizerId = 0;
      const K = 5; // the slice corrected by hand (0-based; "Slice 6 / 8")

      await step('create a project and import the study folder', async () => {
        await visible(page.getByRole('button', { name: 'New project' }));
        await createProject(page, 'Chest study');
        await importFolder(page, SERIES_DIR, '2 images imported', shot, 'clinical-import-done');
        const grid = page.getByRole('listbox', { name: 'Images' });
        await until(() => grid.getByRole('option').count(), (n) => n === 2, 'two library entries (the series and its localizer)');
        const project = (await api<ProjectSummary[]>(url, 'listProjects', null)).find((p) => p.name === 'Chest study')!;
        const images = (await api<ImagePage>(url, 'listImages', { projectId: project.id })).images;
        const series = images.find((i) => i.frames === 8);
        const localizer = images.find((i) => i.frames === 1);
        assert.ok(series && localizer, `one 8-slice image and one localizer: ${JSON.stringify(images.map((i) => [i.fileName, i.frames]))}`);
        imageId = series.id;
        localizerId = localizer.id;
        // the library card says what the series is: slices, modality, spacing (row × column × slice)
        const card = grid.getByRole('option', { name: series.fileName, exact: true });
        assert.match(series.fileName, /^Chest CT/);
        assert.equal(await card.getAttribute('aria-description'), 'Not started, 8 slices, CT, 0.7 × 0.8 × 2.5 mm');
        await visible(card.getByText('8 slices', { exact: true }));
        await visible(card.getByText('0.7 × 0.8 × 2.5 mm', { exact: true }));
        const loc = grid.getByRole('option', { name: localizer.fileName, exact: true });
        assert.equal(await loc.getAttribute('aria-description'), 'Not started, CT, 0.7 × 0.8 mm', 'the localizer: one slice, no slice spacing');
        await shot('clinical-library');
      });

      const viewer = page.getByRole('img', { name: 'Image viewer' });
      const marks = page.getByRole('img', { name: /^Slice marks: / });
      const areaLine = page.getByText(/^Mask area [\d,]+ px/);
      const volumeLine = page.getByText(/^Mask volume /);
      const area = async () => Number(((await areaLine.textContent()) ?? '').replace(/^Mask area ([\d,]+) px.*/, '$1').replace(/,/g, ''));

      await step('open the series: series facts and orientation letters', async () => {
        await page.getByRole('listbox', { name: 'Images' }).getByRole('option').filter({ hasText: '8 slices' }).click();
        await visible(viewer);
        await visible(page.getByText(`${W}×${H} · CT · 8 slices · 0.7 × 0.8 × 2.5 mm`, { exact: true }));
        await visible(page.getByRole('heading', { name: 'Slice 5 / 8' }));
        // axial, stored with rows running posterior and columns to the patient's left: shown as stored
        assert.deepEqual(await edgeLetters(page), { top: 'A', bottom: 'P', left: 'R', right: 'L' });
        await visible(page.getByRole('note', { name: 'Orientation, axial view: top anterior, bottom posterior, left right, right left' }));
        await visible(page.getByRole('status', { name: 'Window and level' }).getByText('W 400 / L 40 HU'));
        await page.mouse.move(5, 5);
        await shot('clinical-workspace');
      });

      let models: (MaskRecord & MaskPixels)[] = [];
      await step('Segment all slices with a prompt: every slice gets a model mask mark', async () => {
        await page.getByRole('textbox', { name: 'Prompt' }).fill('bright lesion');
        await page.getByRole('button', { name: 'Segment all slices' }).click();
        await until(() => marks.getAttribute('aria-label'), (l) => l === 'Slice marks: 8 model · 0 corrected of 8 slices', 'eight model marks under the slider', 120_000);
        assert.equal(await marks.locator('span[title$=": model mask"]').count(), 8);
        await visible(page.getByText('8 model · 0 corrected of 8 slices', { exact: true }));
        const records = (await api<MaskRecord[]>(url, 'currentMasks', { imageId })).filter((m) => m.kind === 'model').sort((a, b) => a.frame - b.frame);
        assert.deepEqual(records.map((r) => r.frame), [0, 1, 2, 3, 4, 5, 6, 7], 'one model mask per slice');
        assert.ok(records.every((r) => r.prompt === 'bright lesion'));
        models = await Promise.all(records.map((r) => api<MaskRecord & MaskPixels>(url, 'getMask', { maskId: r.id })));
        // the slice on screen (5 of 8, opened before the job, not edited) now starts from its model mask
        await until(() => area(), (n) => n === count(models[4].pixels), `slice 5's model mask (${count(models[4].pixels)} px) in the editor`);
        await page.mouse.move(5, 5);
        await shot('clinical-segmented');
      });

      const BRUSH = 3;
      const stroke = capsule(W, H, 6, 30, 40, 30, BRUSH / 2);
      let accepted = new Uint8Array(0);
      await step('correct one slice with the brush and accept: its mark turns corrected', async () => {
        await marks.locator(`span[title="Slice ${K + 1}: model mask"]`).click();
        await visible(page.getByRole('heading', { name: `Slice ${K + 1} / 8` }));
        const model = models[K].pixels;
        // the slice opens on its model mask
        await until(() => area(), (a) => a === count(model), `the slice's model mask (${count(model)} px) in the editor`);
        // image point → page point: fit-to-window with an 8 px margin, no turn for this axial stack
        const toPage = async (x: number, y: number) => {
          const box = (await viewer.boundingBox())!;
          const zoom = Math.min((box.width - 16) / W, (box.height - 16) / H);
          return { x: box.x + (box.width - W * zoom) / 2 + x * zoom, y: box.y + (box.height - H * zoom) / 2 + y * zoom };
        };
        const probe = await toPage(30.5, 20.5);
        await page.mouse.move(probe.x, probe.y);
        await visible(page.getByText('x 30, y 20', { exact: true }));
        await page.getByRole('button', { name: 'Brush', exact: true }).click();
        const size = page.getByRole('slider', { name: 'Brush size' });
        await size.focus();
        await page.keyboard.press('Home');
        for (let i = 1; i < BRUSH; i++) await page.keyboard.press('ArrowRight');
        const a = await toPage(6.5, 30.5);
        const b = await toPage(40.5, 30.5);
        await page.mouse.move(a.x, a.y);
        await page.mouse.down();
        await page.mouse.move(b.x, b.y, { steps: 24 });
        await page.mouse.up();
        accepted = model.map((v, i) => (v || stroke[i] ? 1 : 0));
        const n = count(accepted);
        const mm2 = (n * 0.7 * 0.8).toFixed(1);
        await until(() => areaLine.textContent(), (s) => s === `Mask area ${n.toLocaleString('en-US')} px (${mm2} mm²)`, `the slice's area to read ${n} px (${mm2} mm²)`);
        // the volume over all slices: the other slices' model masks plus this slice as edited
        const voxels = models.reduce((s, m, k) => s + (k === K ? n : count(m.pixels)), 0);
        const ml = ((voxels * 0.7 * 0.8 * 2.5) / 1000).toFixed(2);
        await until(() => volumeLine.textContent(), (s) => s === `Mask volume ${ml} mL (8 slices)`, `the mask volume to read ${ml} mL`);
        await page.mouse.move(5, 5);
        await shot('clinical-corrected');
        await page.getByRole('button', { name: 'Accept' }).click();
        await visible(page.getByRole('status').getByText('Saved as the corrected mask'));
        await until(() => marks.getAttribute('aria-label'), (l) => l === 'Slice marks: 8 model · 1 corrected of 8 slices', 'the corrected mark of the accepted slice');
        await visible(marks.locator(`span[title="Slice ${K + 1}: corrected mask"]`), 5_000);
        const saved = (await api<MaskRecord[]>(url, 'currentMasks', { imageId })).filter((m) => m.kind === 'corrected');
        assert.deepEqual(saved.map((m) => m.frame), [K], 'one corrected mask, on the slice edited');
        const pixels = (await api<MaskRecord & MaskPixels>(url, 'getMask', { maskId: saved[0].id })).pixels;
        assert.equal(difference(pixels, accepted, W, 'the saved correction against model ∪ brush stroke'), '');
        await shot('clinical-accepted');
      });

      const exportAs = async (format: 'nii' | 'dicom-seg', dir: string) => {
        await page.getByRole('button', { name: 'Close image' }).click();
        await page.getByRole('button', { name: 'Export', exact: true }).click();
        const dialog = page.getByRole('dialog', { name: 'Export masks' });
        await visible(dialog);
        await dialog.getByLabel('Format').selectOption(format);
        await dialog.getByLabel('Output folder').fill(dir);
        await dialog.getByRole('button', { name: 'Start export' }).click();
        await until(async () => (await dialog.getByLabel('Export folder').textContent().catch(() => null)) ?? '', (s) => s === dir, `the export into ${dir} to finish`, 30_000);
        await shot(`clinical-export-${format}`);
        await dialog.getByRole('button', { name: 'Done' }).click();
        await dialog.waitFor({ state: 'hidden' });
        await page.getByRole('listbox', { name: 'Images' }).getByRole('option').filter({ hasText: '8 slices' }).click();
        await visible(viewer);
      };

      await step('export NIfTI: one full-grid volume with the stack\'s affine', async () => {
        const dir = join(work, 'export-nii');
        await exportAs('nii', dir);
        assert.deepEqual(readdirSync(dir).sort(), [`img-${imageId}.nii`, 'manifest.json']);
        const mask = readNifti(join(dir, `img-${imageId}.nii`));
        assert.deepEqual(mask.header.dims.slice(0, 4), [3, W, H, 8], 'one 3-D mask of the whole 48 × 40 × 8 grid');
        assert.equal(mask.header.datatypeCode, 2, 'uint8');
        assert.deepEqual([mask.header.qform_code, mask.header.sform_code], [1, 1], 'scanner frame, qform = sform');
        near(mask.header.affine, affine, 'the sform against the stack affine from IPP/IOP/PixelSpacing');
        near(mask.header.getQformMat(), affine, 'the qform against the stack affine');
        const plane = W * H;
        for (let k = 0; k < 8; k++) {
          const slice = mask.voxels.subarray(k * plane, (k + 1) * plane);
          if (k === K) assert.equal(difference(slice, accepted, W, `NIfTI slice ${k}`), '');
          else assert.equal(count(slice), 0, `slice ${k} has no corrected mask: empty in a corrected-mask export`);
        }
      });

      await step('export DICOM SEG: frames at the source positions, referencing the source instances', async () => {
        const dir = join(work, 'export-seg');
        await exportAs('dicom-seg', dir);
        assert.deepEqual(readdirSync(dir).sort(), [`img-${imageId}.dcm`, 'manifest.json'], `only the series: the localizer (image ${localizerId}) has no mask`);
        const file = join(dir, `img-${imageId}.dcm`);
        const seg = python(READ_SEG, file) as SegRead;
        assert.deepEqual([seg.sopClass, seg.modality, seg.type, seg.rows, seg.columns, seg.patientId], ['1.2.840.10008.5.1.4.1.1.66.4', 'SEG', 'BINARY', H, W, 'CLIN-77']);
        // per slice the corrected mask else the model's; empty slices omitted
        const expected = sorted.map((s, k) => ({ s, pixels: k === K ? accepted : models[k].pixels })).filter((e) => count(e.pixels) > 0);
        assert.equal(seg.frames.length, expected.length, `one frame per non-empty slice (${expected.length})`);
        const byUid = new Map(sorted.map((s) => [s.sop, s]));
        for (const f of seg.frames) {
          assert.equal(f.sources.length, 1);
          const src = byUid.get(f.sources[0]);
          assert.ok(src, `frame references ${f.sources[0]}, a slice of the series`);
          near([f.ipp], [src.ipp], `the frame of ${src.file}: ImagePositionPatient`, 1e-6);
          const e = expected.find((x) => x.s === src)!;
          assert.equal(difference(f.pixels, e.pixels, W, `SEG frame of slice ${sorted.indexOf(src)}`), '');
        }
        assert.deepEqual(new Set(seg.frames.map((f) => f.sources[0])), new Set(expected.map((e) => e.s.sop)));
        assert.ok(sorted.every((s) => seg.referenced.includes(s.sop)), 'ReferencedSeriesSequence lists the source instances');
        assert.ok(!seg.referenced.includes(files.find((f) => f.localizer)!.sop), 'and not the localizer');
        t.diagnostic(`SEG segments ${JSON.stringify(seg.segments)}, ${seg.frames.length} frames`);
        const report = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
        const errors = `${report.stdout}\n${report.stderr}`.split('\n').filter((l) => /^Error/.test(l));
        assert.deepEqual(errors, [], `dciodvfy on the exported SEG:\n${report.stderr}`);
      });
    }, { name: 'clinical' });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

// ---- 2. NIfTI volumes shown radiologically -----------------------------------------------------

/** A 40 × 48 × 3 "head": an ellipse of 100 with a 7 × 7 block of 250 at the patient's anterior-left of every slice. */
function head(affine: number[][], leftIsHighI: boolean): Uint8Array {
  const [nx, ny, nz] = [40, 48, 3];
  const data = new Int16Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const inHead = ((i - 19.5) / 18) ** 2 + ((j - 23.5) / 22) ** 2 <= 1;
        const li = leftIsHighI ? i : nx - 1 - i; // 0 at the patient's right
        const marker = li >= 30 && li < 37 && j >= 38 && j < 45; // anterior: high j
        data[k * nx * ny + j * nx + i] = marker ? 250 : inHead ? 100 : 0;
      }
    }
  }
  return encodeNifti({ data, dims: [nx, ny, nz], datatype: 'int16', geometry: makeGeometry([nx, ny, nz], affine, 1) });
}

test('NIfTI volumes show radiologically: anterior up, patient left on the right, whatever the stored order', { timeout: 120_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'delineate-radiological-'));
  const dir = join(work, 'heads');
  mkdirSync(dir);
  // LAS (FSL's radiological storage: i runs to the patient's left) and RAS (i runs to the right); j runs anterior in both
  writeFileSync(join(dir, 'head-las.nii'), head([[-2, 0, 0, 40], [0, 2, 0, -48], [0, 0, 3, 0], [0, 0, 0, 1]], true));
  writeFileSync(join(dir, 'head-ras.nii'), head([[2, 0, 0, -40], [0, 2, 0, -48], [0, 0, 3, 0], [0, 0, 0, 1]], false));
  try {
    await withApp(async ({ page, shot: save }) => {
      const shot = (name: string) => settledShot(page, save, name);
      await visible(page.getByRole('button', { name: 'New project' }));
      await createProject(page, 'Heads');
      await importFolder(page, dir, '2 images imported', shot, 'clinical-heads-import');
      const viewer = page.getByRole('img', { name: 'Image viewer' });
      for (const name of ['head-las.nii', 'head-ras.nii']) {
        await page.getByRole('listbox', { name: 'Images' }).getByRole('option', { name, exact: true }).click();
        await visible(viewer);
        await visible(page.getByRole('heading', { name: 'Slice 2 / 3' }));
        assert.deepEqual(await edgeLetters(page), { top: 'A', bottom: 'P', left: 'R', right: 'L' }, `${name}: letters`);
        await page.mouse.move(5, 5);
        await page.waitForTimeout(300); // the slice bitmap is drawn on the next animation frame after it loads
        const png = decode(await viewer.screenshot());
        const box = (await viewer.boundingBox())!;
        // white pixels (the orientation letters are yellow: blue channel low)
        let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
        const ch = png.channels;
        for (let y = 0; y < png.height; y++) {
          for (let x = 0; x < png.width; x++) {
            const p = (y * png.width + x) * ch;
            if (png.data[p] > 200 && png.data[p + 1] > 200 && png.data[p + 2] > 200) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
          }
        }
        assert.ok(Number.isFinite(x0), `${name}: the marker is drawn (white pixels in the viewer)`);
        // on screen the image is 40 wide × 48 high, fit with an 8 px margin; the marker covers
        // columns 30..36 (patient left on the right) and rows 3..9 (anterior, high j, at the top)
        const zoom = Math.min((box.width - 16) / 40, (box.height - 16) / 48);
        const ox = (box.width - 40 * zoom) / 2;
        const oy = (box.height - 48 * zoom) / 2;
        const want = [ox + 30 * zoom, oy + 3 * zoom, ox + 37 * zoom - 1, oy + 10 * zoom - 1];
        const tol = Math.max(2, zoom * 0.75);
        const got = [x0, y0, x1, y1];
        assert.ok(got.every((v, i) => Math.abs(v - want[i]) <= tol), `${name}: marker at ${got.map(Math.round).join(', ')}, expected ${want.map(Math.round).join(', ')} (± ${tol.toFixed(1)} px) of a ${Math.round(box.width)} × ${Math.round(box.height)} viewer`);
        await shot(`clinical-${name.replace('.nii', '')}`);
        await page.getByRole('button', { name: 'Close image' }).click();
      }
    }, { name: 'clinical-heads' });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
