// The export job on images imported from files made here (PNG, DICOM, NIfTI volume) with masks
// saved in the store; every export is read back with independent readers (fast-png,
// nifti-reader-js) or, for datasets, the MedVLSM reader, and compared with the stored pixels and
// the geometry the sources were built with.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { decode } from 'fast-png';
import * as nifti from 'nifti-reader-js';
import { readMedVlsmDataset, readMedVlsmMask } from '../../../main/io/medvlsm-dataset.ts';
import { exportRunner } from '../../../main/jobs/runners/export.ts';
import { importRunner } from '../../../main/jobs/runners/import.ts';
import { encodeMask } from '../../../main/store/mask-codec.ts';
import type { Store } from '../../../main/store/store.ts';
import { tempDir, tempStore } from '../../helpers/temp-store.ts';
import { ctAffine, ctDicom, greyPng, maskPng, niftiVolume, put, runJob, volumeAffine, writeDataset } from './sources.ts';

const runners = { import: importRunner, export: exportRunner };
const pattern = (n: number, f: (i: number) => boolean) => Uint8Array.from({ length: n }, (_, i) => (f(i) ? 1 : 0));

/** A project with a PNG (6×4), a CT DICOM (3×2) and a NIfTI volume (4×3×5), two labels and masks. */
async function project(t: TestContext) {
  const { store } = tempStore(t);
  const dir = tempDir(t, 'delineate-export-');
  const ramp = greyPng(6, 4, (i) => i * 10);
  put(join(dir, 'src', 'a.png'), ramp.bytes);
  put(join(dir, 'src', 'b.dcm'), ctDicom());
  put(join(dir, 'src', 'c.nii.gz'), niftiVolume());
  const { id: projectId } = store.projects.create('abdomen');
  const imported = await runJob(store, runners, 'import', { projectId, paths: [join(dir, 'src')] });
  assert.equal(imported.job.state, 'done', imported.job.error ?? '');
  // DICOM stacks are planned after the walk, so list order is not file order: pick by name.
  const byName = (name: string) => store.images.list(projectId).find((i) => i.fileName.startsWith(name))!;
  const [png, ct, vol] = [byName('a.png'), byName('b'), byName('c.nii')];
  const liver = store.labels.create({ projectId, name: 'liver', color: '#ff0000', prompts: ['liver', 'hepatic parenchyma'] });
  const tumour = store.labels.create({ projectId, name: 'tumour', color: '#00ff00' });
  const m = {
    pngLiver: pattern(24, (i) => i % 6 < 3),
    pngTumour: pattern(24, (i) => i === 2 || i === 9 || i === 10),
    pngModel: pattern(24, (i) => i >= 12),
    ct: pattern(6, (i) => i === 1 || i === 5),
    volF2: pattern(12, (i) => i === 0 || i === 7),
    volF4: pattern(12, (i) => i >= 9),
  };
  const save = (imageId: number, labelId: number | null, pixels: Uint8Array, w: number, h: number, frame = 0, kind: 'corrected' | 'model' = 'corrected') =>
    store.masks.save({ imageId, labelId, frame, kind, width: w, height: h, pixels, prompt: kind === 'model' ? 'organ' : null });
  save(png.id, liver.id, m.pngLiver, 6, 4);
  save(png.id, tumour.id, m.pngTumour, 6, 4);
  save(png.id, null, m.pngModel, 6, 4, 0, 'model');
  save(ct.id, liver.id, m.ct, 3, 2);
  save(vol.id, liver.id, m.volF2, 4, 3, 2);
  save(vol.id, liver.id, m.volF4, 4, 3, 4);
  return { store, dir, projectId, png, ct, vol, liver, tumour, m, ramp };
}

function readNifti(path: string) {
  let data = new Uint8Array(readFileSync(path)).buffer as ArrayBuffer;
  if (nifti.isCompressed(data)) data = nifti.decompress(data) as ArrayBuffer;
  const header = nifti.readHeader(data)!;
  return { header, voxels: new Uint8Array(nifti.readImage(header, data)) };
}

const near = (a: number[], b: number[], tol: number, what: string) =>
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= tol, `${what}[${i}]: ${v} vs ${b[i]}`));

async function exportAs(store: Store, projectId: number, outDir: string, format: string, extra: Record<string, unknown> = {}) {
  return runJob(store, runners, 'export', { projectId, outDir, format, ...extra });
}

test('PNG export: 0/255 and 0/1 masks at the source size, a palette label mask where labels meet, names from ids', async (t) => {
  const p = await project(t);
  const out = join(p.dir, 'out-png');
  const { job } = await exportAs(p.store, p.projectId, out, 'png');
  assert.equal(job.state, 'done', job.error ?? '');
  const [l, tu] = [p.liver.id, p.tumour.id];
  const masks = [`img-${p.png.id}-l${l}.png`, `img-${p.png.id}-l${tu}.png`, `img-${p.ct.id}-l${l}.png`, `img-${p.vol.id}-f2-l${l}.png`, `img-${p.vol.id}-f4-l${l}.png`];
  const combined = `img-${p.png.id}-labels.png`;
  assert.deepEqual(readdirSync(out).sort(), [...masks, combined, 'labels.json', 'manifest.json'].sort());
  assert.deepEqual(job.result, { dir: out, files: 7, masks: 5, skipped: 0 });
  const expected = [p.m.pngLiver, p.m.pngTumour, p.m.ct, p.m.volF2, p.m.volF4];
  const sizes = [[6, 4], [6, 4], [3, 2], [4, 3], [4, 3]];
  masks.forEach((file, k) => {
    const png = decode(readFileSync(join(out, file)));
    assert.deepEqual([png.width, png.height, png.channels, png.depth], [...sizes[k], 1, 8], file);
    assert.deepEqual([...png.data], [...expected[k]].map((v) => v * 255), file);
    assert.equal(png.text && Object.keys(png.text).length, 0, 'no text chunks');
  });
  // liver is index 1, tumour 2; where they overlap (pixel 2) the later label wins
  const labels = decode(readFileSync(join(out, combined)));
  assert.deepEqual(labels.palette, [[0, 0, 0], [255, 0, 0], [0, 255, 0]]);
  assert.deepEqual([...labels.data], [...p.m.pngLiver].map((v, i) => (p.m.pngTumour[i] ? 2 : v)));
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'labels.json'), 'utf8')), {
    '0': 'background',
    '1': { name: 'liver', color: [255, 0, 0], labelId: l, prompts: ['liver', 'hepatic parenchyma'] },
    '2': { name: 'tumour', color: [0, 255, 0], labelId: tu, prompts: [] },
  });
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.files.find((f: { file: string }) => f.file === masks[2]), { file: masks[2], role: 'mask', imageId: p.ct.id, frame: 0, labelId: l, maskId: manifest.files.find((f: { file: string }) => f.file === masks[2]).maskId, sourceHash: p.ct.contentHash });
  assert.deepEqual(readdirSync(p.dir).sort(), ['out-png', 'src'], 'no temporary folder left beside it');

  const index = join(p.dir, 'out-index');
  assert.equal((await exportAs(p.store, p.projectId, index, 'png-index', { labelId: l })).job.state, 'done');
  assert.deepEqual(readdirSync(index).sort(), [masks[0], masks[2], masks[3], masks[4], 'labels.json', 'manifest.json'].sort(), 'one label: no combined mask');
  assert.deepEqual([...decode(readFileSync(join(index, masks[0]))).data], [...p.m.pngLiver]);

  const model = join(p.dir, 'out-model');
  const r = await exportAs(p.store, p.projectId, model, 'png', { kind: 'model' });
  assert.deepEqual(readdirSync(model).sort(), [`img-${p.png.id}.png`, 'manifest.json']);
  assert.deepEqual([...decode(readFileSync(join(model, `img-${p.png.id}.png`))).data], [...p.m.pngModel].map((v) => v * 255));
  assert.deepEqual(r.job.result, { dir: model, files: 1, masks: 1, skipped: 0 });
});

test('NIfTI export: voxels intact; PNG source image and mask share one header; a DICOM slice keeps its place; a volume is one full-grid mask', async (t) => {
  const p = await project(t);
  const out = join(p.dir, 'out-nii');
  const { job } = await exportAs(p.store, p.projectId, out, 'nii.gz');
  assert.equal(job.state, 'done', job.error ?? '');
  const l = p.liver.id;
  assert.deepEqual(readdirSync(out).sort(), [
    `img-${p.png.id}-l${l}.nii.gz`, `img-${p.png.id}-l${p.tumour.id}.nii.gz`, `img-${p.png.id}-labels.nii.gz`, `img-${p.png.id}_image.nii.gz`,
    `img-${p.ct.id}-l${l}.nii.gz`, `img-${p.vol.id}-l${l}.nii.gz`, 'labels.json', 'manifest.json',
  ].sort());

  const mask = readNifti(join(out, `img-${p.png.id}-l${l}.nii.gz`));
  const image = readNifti(join(out, `img-${p.png.id}_image.nii.gz`));
  assert.deepEqual([...mask.voxels], [...p.m.pngLiver]);
  assert.deepEqual([...image.voxels], [...p.ramp.pixels], 'the PNG itself, row 0 first');
  assert.deepEqual([mask.header.intent_code, image.header.intent_code], [1002, 0]);
  const place = (h: nifti.NIFTI1 | nifti.NIFTI2) => [h.dims.slice(0, 4), h.pixDims.slice(0, 4), h.qform_code, h.sform_code, h.quatern_b, h.quatern_c, h.quatern_d, h.qoffset_x, h.qoffset_y, h.qoffset_z, h.affine];
  assert.deepEqual(place(image.header), place(mask.header), 'image and mask overlay exactly');
  assert.deepEqual(mask.header.affine, [[-1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], 'raster convention, 1 mm');
  const combined = readNifti(join(out, `img-${p.png.id}-labels.nii.gz`));
  assert.deepEqual([...combined.voxels], [...p.m.pngLiver].map((v, i) => (p.m.pngTumour[i] ? 2 : v)));

  // DICOM: the affine from ImagePosition/Orientation and PixelSpacing (computed by hand), qform = sform
  const ct = readNifti(join(out, `img-${p.ct.id}-l${l}.nii.gz`));
  assert.deepEqual([...ct.voxels], [...p.m.ct]);
  near(ct.header.affine.flat(), ctAffine.flat(), 1e-6, 'ct sform');
  near(ct.header.getQformMat().flat(), ctAffine.flat(), 1e-6, 'ct qform');
  assert.deepEqual([ct.header.qform_code, ct.header.sform_code], [1, 1]);

  // NIfTI volume: ONE mask of the source's full 4×3×5 grid with the source's affine; slices 2 and 4
  // hold their masks, the others are empty
  const v = readNifti(join(out, `img-${p.vol.id}-l${l}.nii.gz`));
  assert.deepEqual(v.header.dims.slice(0, 4), [3, 4, 3, 5]);
  assert.deepEqual(v.header.affine, volumeAffine, 'the volume\'s sform');
  near(v.header.getQformMat().flat(), volumeAffine.flat(), 1e-6, 'the volume\'s qform');
  const empty = new Uint8Array(12);
  assert.deepEqual([...v.voxels], [empty, empty, p.m.volF2, empty, p.m.volF4].flatMap((s) => [...s]));

  const plain = join(p.dir, 'out-nii-plain');
  assert.equal((await exportAs(p.store, p.projectId, plain, 'nii', { labelId: p.tumour.id })).job.state, 'done');
  assert.deepEqual(readdirSync(plain).sort(), [`img-${p.png.id}-l${p.tumour.id}.nii`, `img-${p.png.id}_image.nii`, 'labels.json', 'manifest.json']);
  const raw = readFileSync(join(plain, `img-${p.png.id}-l${p.tumour.id}.nii`));
  assert.equal(raw.readInt32LE(0), 348, 'not compressed');
  assert.deepEqual([...readNifti(join(plain, `img-${p.png.id}-l${p.tumour.id}.nii`)).voxels], [...p.m.pngTumour]);
});

test('dataset export round-trips through the MedVLSM reader: images, masks, prompts and the imported splits', async (t) => {
  const { store } = tempStore(t);
  const dir = tempDir(t, 'delineate-export-');
  const root = join(dir, 'busi');
  const a = greyPng(5, 4, (i) => 3 * i);
  const b = greyPng(4, 4, (i) => 250 - i);
  const ma = pattern(20, (i) => i % 3 === 0);
  const mb = pattern(16, (i) => i > 10);
  writeDataset(root, { 'a.png': a.bytes, 'b.png': b.bytes }, { 'a.png': maskPng(5, 4, ma), 'b.png': maskPng(4, 4, mb) }, [
    { split: 'val', image: 'a.png', mask: 'a.png', prompts: { p0: '', p1: 'tumour', p2: 'dark tumour' } },
    { split: 'test', image: 'b.png', mask: 'b.png', prompts: { p0: '', p1: 'tumour', p2: ['round tumour', 'dark tumour'] } },
  ]);
  const { id: projectId } = store.projects.create('breast');
  assert.equal((await runJob(store, runners, 'import', { projectId, paths: [root] })).job.state, 'done');
  const [ia, ib] = store.images.list(projectId);
  const [label] = store.labels.list(projectId);

  const out = join(dir, 'exported');
  const { job } = await exportAs(store, projectId, out, 'dataset');
  assert.equal(job.state, 'done', job.error ?? '');
  assert.deepEqual(job.result, { dir: out, files: 7, masks: 2, skipped: 0 });
  const back = await readMedVlsmDataset(out);
  const prompts = { p0: '', p1: 'tumour', p2: 'dark tumour', p3: 'round tumour' };
  assert.deepEqual(back.records.map((r) => [r.split, r.imageName, r.maskName, r.width, r.height, r.prompts]), [
    ['val', `img-${ia.id}-l${label.id}.png`, `img-${ia.id}-l${label.id}.png`, 5, 4, prompts],
    ['test', `img-${ib.id}-l${label.id}.png`, `img-${ib.id}-l${label.id}.png`, 4, 4, prompts],
  ]);
  for (const [record, mask, image] of [[back.records[0], ma, a], [back.records[1], mb, b]] as const) {
    assert.deepEqual([...(await readMedVlsmMask(record.maskPath)).data], [...mask]);
    assert.deepEqual([...decode(readFileSync(record.imagePath)).data], [...image.pixels]);
  }
});

test('a mask whose size differs from its image is skipped with the reason; the rest is exported', async (t) => {
  const p = await project(t);
  // the repository and a trigger refuse such a row, so damage one after saving it
  const wrong = pattern(20, (i) => i < 4);
  const ctMask = p.store.masks.current({ imageId: p.ct.id, labelId: p.liver.id, kind: 'corrected' })!;
  p.store.db.prepare('UPDATE masks SET width = 5, height = 4, data = ? WHERE id = ?').run(encodeMask(wrong, 5, 4).blob, ctMask.id);
  const out = join(p.dir, 'out');
  const { job, log } = await exportAs(p.store, p.projectId, out, 'png', { labelId: p.liver.id });
  assert.equal(job.state, 'done', job.error ?? '');
  assert.deepEqual(job.result, { dir: out, files: 4, masks: 3, skipped: 1 });
  assert.ok(log.includes(`skipped mask ${ctMask.id} (image ${p.ct.id}, slice 0, label ${p.liver.id}): mask is 5×4 but image ${p.ct.id} is 3×2`), log.join('\n'));
  assert.ok(!readdirSync(out).includes(`img-${p.ct.id}-l${p.liver.id}.png`));
  assert.equal(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).skipped, 1);
});

test('an export refuses a folder that is not empty and leaves it as it was; nothing to export is an error', async (t) => {
  const p = await project(t);
  const out = join(p.dir, 'busy');
  put(join(out, 'keep.txt'), 'mine');
  const { job } = await exportAs(p.store, p.projectId, out, 'png');
  assert.equal(job.state, 'failed');
  assert.equal(job.error, `export outDir: ${out} already exists and is not an empty folder; export into a new or empty folder`);
  assert.deepEqual(readdirSync(out), ['keep.txt']);
  const none = await exportAs(p.store, p.projectId, join(p.dir, 'none'), 'nii', { kind: 'model', labelId: p.liver.id });
  assert.deepEqual([none.job.state, none.job.error], ['failed', `nothing to export: project ${p.projectId} has no model masks for label ${p.liver.id}`]);
  const bad = await exportAs(p.store, p.projectId, join(p.dir, 'x'), 'tiff');
  assert.deepEqual([bad.job.state, bad.job.error], ['failed', 'export config format: must be one of png, png-index, nii, nii.gz, dicom-seg, dataset, got "tiff"']);
  assert.deepEqual(readdirSync(p.dir).sort(), ['busy', 'src']);
});

test('dataset export without recorded splits splits by image: all masks of one image share a split', async (t) => {
  const p = await project(t);
  const out = join(p.dir, 'ds');
  const { job } = await exportAs(p.store, p.projectId, out, 'dataset');
  assert.equal(job.state, 'done', job.error ?? '');
  const back = await readMedVlsmDataset(out);
  const byImage = new Map<string, Set<string>>();
  for (const r of back.records) {
    const image = r.imageName.split('-').slice(0, 2).join('-'); // img-<id>
    byImage.set(image, (byImage.get(image) ?? new Set()).add(r.split));
  }
  assert.equal(byImage.get(`img-${p.png.id}`)?.size, 1, 'two labels of the PNG');
  assert.equal(byImage.get(`img-${p.vol.id}`)?.size, 1, 'two frames of the volume');
  assert.equal(back.records.length, 5);
});
