// importDicomSeg: a SEG's frames become corrected masks of the stored images they were derived
// from, matched by source SOP Instance UID, for a stored series stack and for single-file images;
// SEGs written by our writer and by pydicom (the fixture, segment in the shared groups).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { encodeDicomSeg } from '../../main/io/dicom-seg.ts';
import { importDicomSeg, SegNotMatchedError } from '../../main/jobs/seg-import.ts';
import { contentHash } from '../../main/store/images.ts';
import type { Label } from '../../main/store/labels.ts';
import type { Store } from '../../main/store/store.ts';
import { tempStore } from '../helpers/temp-store.ts';
import { addFixtureStack, COLUMNS, FIXTURES, patternMask, ROWS, STACK } from '../io/dicom-seg-fixture.ts';


const addStack = (store: Store, projectId: number) => addFixtureStack(store, projectId).image;

/** The label lookup the import runner passes: by name without case, else created. */
function labelFor(store: Store, projectId: number) {
  return (name: string, color: string): { label: Label; created: boolean } => {
    const found = store.labels.list(projectId).find((l) => l.name.toLowerCase() === name.toLowerCase());
    return found ? { label: found, created: false } : { label: store.labels.create({ projectId, name, color }), created: true };
  };
}

function setup(t: TestContext) {
  const { store } = tempStore(t);
  const { id: projectId } = store.projects.create('chest');
  const liver = store.labels.create({ projectId, name: 'Liver', color: '#111111' });
  return { store, projectId, liver };
}

const SEG = () =>
  encodeDicomSeg(STACK.map((path) => ({ path })), [
    { label: 'liver', color: '#d04020', algorithm: { type: 'MANUAL' }, masks: [patternMask(1), null, patternMask(2), null, null] },
    { label: 'Knötchen', color: '#20a0ff', algorithm: { type: 'AUTOMATIC', name: 'CLIPSeg' }, masks: [null, null, null, patternMask(3), patternMask(0, true)] },
  ]);

test('a SEG of a stored series becomes corrected masks of its slices; labels reused by name or created with the segment colour; a second import adds nothing', (t) => {
  const { store, projectId, liver } = setup(t);
  const stack = addStack(store, projectId);
  const bytes = SEG();
  const r = importDicomSeg(store, projectId, '/x/seg.dcm', bytes, labelFor(store, projectId));
  assert.deepEqual(r, { masks: 3, labels: 1, matched: 3, unmatched: 0, imageIds: [stack.id] });
  const nodule = store.labels.list(projectId).find((l) => l.name === 'Knötchen')!;
  assert.equal(nodule.color, '#20a0ff', 'the colour survives sRGB → CIELab → sRGB');
  const current = store.masks.listCurrent({ imageId: stack.id });
  assert.deepEqual(current.map((m) => [m.labelId, m.frame, m.kind, m.source]), [
    [liver.id, 0, 'corrected', 'import'],
    [liver.id, 2, 'corrected', 'import'],
    [nodule.id, 3, 'corrected', 'import'],
  ]);
  assert.deepEqual(store.masks.get(current[0].id)!.pixels, patternMask(1));
  assert.deepEqual(store.masks.get(current[1].id)!.pixels, patternMask(2));
  assert.deepEqual(store.masks.get(current[2].id)!.pixels, patternMask(3));
  assert.deepEqual(importDicomSeg(store, projectId, '/x/seg.dcm', bytes, labelFor(store, projectId)), { masks: 0, labels: 0, matched: 3, unmatched: 0, imageIds: [stack.id] });
});

test('single-file DICOM images are matched through their own headers; a SEG of nothing in the project is an error naming it', (t) => {
  const { store, projectId } = setup(t);
  // slices 2 and 3 imported as separate 2-D images (no stack)
  const single = [2, 3].map((k) => store.images.add({ projectId, sourcePath: STACK[k], contentHash: contentHash(readFileSync(STACK[k])), fileName: `s${k}.dcm`, width: COLUMNS, height: ROWS, modality: 'CT' }));
  const r = importDicomSeg(store, projectId, '/x/seg.dcm', SEG(), labelFor(store, projectId));
  assert.deepEqual([r.masks, r.matched, r.unmatched, r.imageIds], [2, 2, 1, single.map((i) => i.id)]);
  assert.deepEqual(store.masks.listCurrent({ imageId: single[0].id }).map((m) => m.frame), [0]);
  assert.deepEqual(store.masks.get(store.masks.listCurrent({ imageId: single[1].id })[0].id)!.pixels, patternMask(3));

  const empty = store.projects.create('empty').id;
  assert.throws(() => importDicomSeg(store, empty, '/x/seg.dcm', SEG(), labelFor(store, empty)), (e: Error) => e instanceof SegNotMatchedError && /^\/x\/seg\.dcm: this DICOM SEG refers to no image of the project \(its source series 2\.25\.\d+\)/.test(e.message));
  assert.throws(() => importDicomSeg(store, projectId, STACK[0], readFileSync(STACK[0]), labelFor(store, projectId)), /b7\.dcm: not a DICOM Segmentation/);
});

test('a SEG written by pydicom (segment number 7 in the shared groups) lands on slices 0–2', (t) => {
  const { store, projectId } = setup(t);
  const stack = addStack(store, projectId);
  const file = `${FIXTURES}shared-segment-seg.dcm`;
  const r = importDicomSeg(store, projectId, file, readFileSync(file), labelFor(store, projectId));
  assert.deepEqual([r.masks, r.labels], [3, 1]);
  const kidney = store.labels.list(projectId).find((l) => l.name === 'kidney')!;
  for (const m of store.masks.listCurrent({ imageId: stack.id })) {
    assert.equal(m.labelId, kidney.id);
    const pixels = store.masks.get(m.id)!.pixels;
    for (let y = 0; y < ROWS; y++) for (let x = 0; x < COLUMNS; x++) assert.equal(pixels[y * COLUMNS + x], (x * y + m.frame) % 3 === 0 ? 1 : 0);
  }
});
