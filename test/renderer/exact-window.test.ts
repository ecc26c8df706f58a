// When the viewer asks the core for the exact frame of a window (WindowSettler), and how the frame
// on screen follows slices and windows (FrameLoader): fake timers, a fetch the test answers by
// hand, and a stand-in PNG decoder.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiResult } from '../../main/contract/contract.ts';
import { SETTLE_MS, WindowSettler } from '../../renderer/src/workspace/view/exact-window.ts';
import { FrameLoader, type FrameLoadState } from '../../renderer/src/workspace/view/frame-loader.ts';
import { displayLut, isIdentityLut, type WindowLevel } from '../../renderer/src/workspace/view/window-level.ts';
import { fakeTimers } from '../helpers/fake-timers.ts';

const w = (center: number, width: number): WindowLevel => ({ center, width });
const STORED = w(40, 400);
const LUNG = w(-600, 1500);
const BONE = w(480, 2500);

describe('WindowSettler', () => {
  it('asks once for a dragged window, SETTLE_MS after the pointer stops', () => {
    const { timers, advance } = fakeTimers();
    const settled: WindowLevel[] = [];
    const s = new WindowSettler((x) => settled.push(x), SETTLE_MS, timers);
    for (let i = 1; i <= 10; i++) {
      s.update(w(40 + i, 400 + 10 * i), true);
      advance(16); // one pointer move a frame
    }
    assert.deepEqual(settled, [], 'nothing while the pointer moves');
    advance(SETTLE_MS - 17);
    assert.deepEqual(settled, [], 'not before the window has been still for SETTLE_MS');
    advance(1);
    assert.deepEqual(settled, [w(50, 500)], 'the last window, once');
    advance(1000);
    assert.equal(settled.length, 1);
  });

  it('asks again at each pause of a long drag, and at once when the drag ends', () => {
    const { timers, advance, pending } = fakeTimers();
    const settled: WindowLevel[] = [];
    const s = new WindowSettler((x) => settled.push(x), SETTLE_MS, timers);
    s.update(w(41, 400), true);
    advance(SETTLE_MS);
    s.update(w(42, 400), true);
    advance(50);
    s.update(w(42, 400), false); // released 50 ms after the last move
    assert.deepEqual(settled, [w(41, 400), w(42, 400)]);
    assert.equal(pending(), 0, 'the pending timer is cancelled, so the end is not asked for twice');
  });

  it('asks at once for a window set without a drag (a preset, Reset), cancelling a pending one', () => {
    const { timers, advance } = fakeTimers();
    const settled: WindowLevel[] = [];
    const s = new WindowSettler((x) => settled.push(x), SETTLE_MS, timers);
    s.update(LUNG, false);
    assert.deepEqual(settled, [LUNG]);
    s.update(w(1, 10), true);
    s.update(BONE, false);
    advance(1000);
    assert.deepEqual(settled, [LUNG, BONE]);
  });

  it('asks for nothing once disposed', () => {
    const { timers, advance } = fakeTimers();
    const settled: WindowLevel[] = [];
    const s = new WindowSettler((x) => settled.push(x), SETTLE_MS, timers);
    s.update(LUNG, true);
    s.dispose();
    advance(1000);
    s.update(BONE, false);
    assert.deepEqual(settled, []);
  });
});

type Answer = ApiResult<{ width: number; height: number; png: Uint8Array }>;
type Request = { imageId: number; frame: number; window?: WindowLevel };
/** A decoded frame stand-in: which request it answered. */
type Bitmap = { tag: number };

/** A FrameLoader over a fetch the test answers by hand; each answer's PNG is one byte, its tag. */
function harness(image: { window: WindowLevel | null; width?: number }) {
  const calls: { req: Request; answer: (r: Answer) => void }[] = [];
  const states: FrameLoadState<Bitmap>[] = [];
  const discarded: Bitmap[] = [];
  const loader = new FrameLoader<Bitmap>({
    image: { id: 7, width: image.width ?? 4, height: 2, window: image.window },
    getFrame: (req) => new Promise<Answer>((resolve) => calls.push({ req, answer: resolve })),
    decode: async (png) => ({ tag: png[0] }),
    discard: (b) => discarded.push(b),
    onState: (s) => states.push(s),
  });
  const answer = async (i: number, tag: number) => {
    calls[i].answer({ ok: true, value: { width: 4, height: 2, png: Uint8Array.of(tag) } });
    await new Promise((r) => setImmediate(r));
  };
  return { loader, calls, states, discarded, answer, last: () => states.at(-1)! };
}

describe('FrameLoader', () => {
  it("loads a slice through the import's window, then the same slice made exactly with a window asked for", async () => {
    const h = harness({ window: STORED });
    h.loader.show(3);
    assert.deepEqual(h.calls.map((c) => c.req), [{ imageId: 7, frame: 3 }], 'no window sent: the core applies the import one');
    assert.deepEqual([h.last().loading, h.last().shown], [true, null]);
    await h.answer(0, 1);
    const first = h.last().shown!;
    assert.deepEqual([first.bitmap, first.frame, first.window, h.last().loading], [{ tag: 1 }, 3, STORED, false]);
    assert.ok(first.requestWindow, 'an image with a stored window can be windowed exactly');

    first.requestWindow(LUNG);
    assert.deepEqual(h.calls[1].req, { imageId: 7, frame: 3, window: LUNG });
    assert.equal(h.last().shown, first, 'the frame on screen stays while the exact one loads');
    assert.equal(h.last().loading, true);
    await h.answer(1, 2);
    assert.deepEqual([h.last().shown!.bitmap, h.last().shown!.window], [{ tag: 2 }, LUNG]);
  });

  it('asks once per window: the same window again is ignored, the stored one is asked for without a window', async () => {
    const h = harness({ window: STORED });
    h.loader.show(0);
    await h.answer(0, 1);
    h.loader.want(LUNG);
    h.loader.want({ ...LUNG }); // a second viewer settling on the same window
    assert.equal(h.calls.length, 2);
    await h.answer(1, 2);
    h.loader.want(LUNG);
    assert.equal(h.calls.length, 2, 'already shown');
    h.loader.want(STORED);
    assert.deepEqual(h.calls[2].req, { imageId: 7, frame: 0 });
    await h.answer(2, 3);
    assert.deepEqual(h.last().shown!.window, STORED);
  });

  it('a new slice comes made with the window last asked for', async () => {
    const h = harness({ window: STORED });
    h.loader.show(0);
    await h.answer(0, 1);
    h.loader.want(BONE);
    await h.answer(1, 2);
    h.loader.show(1);
    assert.deepEqual(h.calls[2].req, { imageId: 7, frame: 1, window: BONE });
    await h.answer(2, 3);
    assert.deepEqual([h.last().shown!.frame, h.last().shown!.window], [1, BONE]);
  });

  it('only the newest request is shown; an older answer arriving late is discarded', async () => {
    const h = harness({ window: STORED });
    h.loader.show(0);
    await h.answer(0, 1);
    h.loader.want(LUNG);
    h.loader.want(BONE);
    await h.answer(2, 3); // bone first
    await h.answer(1, 2); // then the stale lung
    assert.deepEqual([h.last().shown!.bitmap, h.last().shown!.window, h.last().loading], [{ tag: 3 }, BONE, false]);
    assert.deepEqual(h.discarded, [{ tag: 2 }]);
  });

  it('a failure keeps the frame on screen and says why', async () => {
    const h = harness({ window: STORED });
    h.loader.show(0);
    await h.answer(0, 1);
    const shown = h.last().shown;
    h.loader.want(LUNG);
    h.calls[1].answer({ ok: false, error: { code: 'source', message: 'ct.dcm: the file changed since it was imported' } });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual([h.last().shown, h.last().loading, h.last().error], [shown, false, 'ct.dcm: the file changed since it was imported']);
    h.loader.want(BONE);
    h.calls[2].answer({ ok: true, value: { width: 5, height: 2, png: Uint8Array.of(9) } });
    await new Promise((r) => setImmediate(r));
    assert.equal(h.last().error, 'slice 0 of image 7 is 5×2, but the image is 4×2');
  });

  it('an image without a stored window (8-bit, colour) is never asked for a window: the remap is exact', async () => {
    const h = harness({ window: null });
    h.loader.show(0);
    await h.answer(0, 1);
    assert.equal(h.last().shown!.requestWindow, null);
    assert.deepEqual(h.last().shown!.window, { center: 128, width: 256 });
    h.loader.want(LUNG);
    assert.equal(h.calls.length, 1);
  });

  it('with a settler in front: a drag costs one request, for the window it settles on', async () => {
    const { timers, advance } = fakeTimers();
    const h = harness({ window: STORED });
    h.loader.show(0);
    await h.answer(0, 1);
    const s = new WindowSettler((x) => h.last().shown?.requestWindow?.(x), SETTLE_MS, timers);
    for (let i = 1; i <= 30; i++) {
      s.update(w(40 - 20 * i, 400 + 40 * i), true);
      advance(10);
    }
    advance(SETTLE_MS);
    s.update(w(-560, 1600), false); // the drag ends where it settled: nothing new to ask
    assert.deepEqual(h.calls.slice(1).map((c) => c.req.window), [w(-560, 1600)]);
  });
});

describe('displayLut for a frame made with the window shown', () => {
  it('is the identity, even for a width-1 (threshold) window', () => {
    for (const x of [STORED, LUNG, w(40, 80), w(100.5, 1), w(-587.3046875, 1523.73046875)]) assert.ok(isIdentityLut(displayLut(x, { ...x })), JSON.stringify(x));
    // a different window still remaps
    assert.ok(!isIdentityLut(displayLut(STORED, LUNG)));
  });
});
