import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiResult, ImageSummary, MaskRecord } from '../../main/contract/contract.ts';
import { ImageMasks, type MaskApi } from '../../renderer/src/workspace/mask-sessions.ts';
import { maskArea, paintDisc } from '../../renderer/src/workspace/mask/mask-ops.ts';

const image: ImageSummary = {
  id: 7, fileName: 'a.png', width: 6, height: 4, frames: 3, modality: null, pixelSpacing: null, window: null, affine: null, sliceSpacing: null, seriesDescription: null, status: 'model', importedAt: '2026-01-01T00:00:00Z',
};

function record(id: number, over: Partial<MaskRecord & { pixels: Uint8Array }>): MaskRecord & { pixels: Uint8Array } {
  return {
    id, imageId: 7, labelId: 1, frame: 0, kind: 'model', source: 'model', width: 6, height: 4, area: 0, prompt: null, adapterId: null,
    threshold: null, author: null, parentId: null, createdAt: `2026-01-01T00:00:0${id}Z`, pixels: new Uint8Array(24), ...over,
  };
}

/** An in-memory API: stored masks plus a switch that makes saves fail. */
function fakeApi(stored: (MaskRecord & { pixels: Uint8Array })[]) {
  const saves: { frame?: number; labelId?: number | null; pixels: Uint8Array; prompt?: string | null }[] = [];
  let failNext = false;
  const api: MaskApi = {
    currentMasks: async () => ({ ok: true, value: stored.map(({ pixels: _p, ...r }) => r) }),
    getMask: async ({ maskId }) => {
      const m = stored.find((s) => s.id === maskId);
      return m ? { ok: true, value: m } : { ok: false, error: { code: 'not-found', message: `mask ${maskId}` } };
    },
    saveCorrectedMask: async (req): Promise<ApiResult<MaskRecord>> => {
      if (failNext) {
        failNext = false;
        return { ok: false, error: { code: 'internal', message: 'disk full' } };
      }
      saves.push({ frame: req.frame, labelId: req.labelId, pixels: req.mask.pixels, prompt: req.prompt });
      return { ok: true, value: record(100 + saves.length, { kind: 'corrected', frame: req.frame ?? 0 }) };
    },
    saveModelMask: async () => ({ ok: false, error: { code: 'no-model', message: 'none' } }),
  };
  return { api, saves, failNextSave: () => (failNext = true) };
}

const dots = (...idx: number[]) => {
  const p = new Uint8Array(24);
  for (const i of idx) p[i] = 1;
  return p;
};

describe('ImageMasks', () => {
  it('starts from the newest corrected mask, else the model mask, else empty', async () => {
    const { api } = fakeApi([
      record(1, { kind: 'model', pixels: dots(0, 1) }),
      record(2, { kind: 'corrected', pixels: dots(5) }),
      record(3, { kind: 'corrected', pixels: dots(5, 6, 7) }),
      record(4, { kind: 'model', frame: 1, pixels: new Uint8Array(24).fill(255) }),
    ]);
    const masks = new ImageMasks(api, image);
    const f0 = await masks.session(0, 1);
    assert.ok(f0.ok);
    assert.equal(maskArea(f0.value.session.mask), 3, 'corrected record 3 is newest');
    assert.equal(f0.value.model && maskArea(f0.value.model), 2);
    const f1 = await masks.session(1, 1);
    assert.ok(f1.ok);
    assert.equal(maskArea(f1.value.session.mask), 24, 'model mask, 255 read as 1');
    assert.deepEqual([...new Set(f1.value.session.mask.pixels)], [1]);
    const f2 = await masks.session(2, 1);
    assert.ok(f2.ok);
    assert.equal(maskArea(f2.value.session.mask), 0);
    assert.equal(f2.value.model, null);
    assert.equal(f0.value.session.dirty || f1.value.session.dirty || f2.value.session.dirty, false);
    assert.equal(await masks.suggestedLabel(), 1);
    assert.equal(await masks.session(0, 1), await masks.session(0, 1), 'loaded once');
  });

  it('a stored mask of the wrong size is an error naming both sizes', async () => {
    const { api } = fakeApi([record(1, { kind: 'corrected', width: 5, height: 4, pixels: new Uint8Array(20) })]);
    const r = await new ImageMasks(api, image).session(0, 1);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.error.message : '', /corrected mask 1 is 5×4 but image 7 is 6×4/);
  });

  it('a failed save keeps the drawing and its history, still unsaved; a retry saves it', async () => {
    const { api, saves, failNextSave } = fakeApi([]);
    const masks = new ImageMasks(api, image);
    const r = await masks.session(0, 1);
    assert.ok(r.ok);
    const m = r.value;
    m.session.apply('brush stroke', (x) => paintDisc(x, 2, 2, 1, 1));
    const drawn = m.session.mask.pixels.slice();
    failNextSave();
    const failed = await masks.saveAll(m);
    assert.equal(failed.ok, false);
    assert.match(!failed.ok ? failed.error.message : '', /disk full/);
    assert.deepEqual(m.session.mask.pixels, drawn);
    assert.equal(m.session.dirty, true);
    assert.equal(m.session.history.undoLabel, 'brush stroke');
    assert.equal(masks.dirty().length, 1);
    const ok = await masks.saveAll(m);
    assert.equal(ok.ok, true);
    assert.equal(m.session.dirty, false);
    assert.deepEqual(saves.at(-1)!.pixels, drawn);
  });

  it('Accept saves the current mask even unedited, plus edited masks of other slices', async () => {
    const { api, saves } = fakeApi([record(1, { kind: 'model', frame: 0, pixels: dots(3), prompt: 'liver' })]);
    const masks = new ImageMasks(api, image);
    const a = await masks.session(0, 1);
    const b = await masks.session(2, 1);
    const c = await masks.session(1, 1);
    assert.ok(a.ok && b.ok && c.ok);
    b.value.session.apply('brush stroke', (x) => paintDisc(x, 4, 1, 0, 1));
    const r = await masks.saveAll(a.value);
    assert.ok(r.ok);
    assert.deepEqual(saves.map((s) => s.frame), [0, 2]);
    assert.equal(saves[0].prompt, 'liver', 'the model mask it started from names the prompt');
    assert.deepEqual(saves[0].pixels, dots(3));
    assert.equal(masks.dirty().length, 0);
  });

  it('edits made while a save is on its way stay unsaved', async () => {
    const { api } = fakeApi([]);
    const masks = new ImageMasks(api, image);
    const r = await masks.session(0, null);
    assert.ok(r.ok);
    const m = r.value;
    m.session.apply('brush stroke', (x) => paintDisc(x, 1, 1, 0, 1));
    const saving = masks.save(m);
    m.session.apply('brush stroke', (x) => paintDisc(x, 4, 2, 0, 1));
    await saving;
    assert.equal(m.session.dirty, true);
  });
});
