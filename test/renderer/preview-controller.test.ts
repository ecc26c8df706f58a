import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApiResult, PreviewResult } from '../../main/contract/contract.ts';
import { PreviewController, type PreviewQuery, type PreviewState } from '../../renderer/src/workspace/prompt/preview-controller.ts';
import { fakeTimers } from '../helpers/fake-timers.ts';

const result = (prompt: string): PreviewResult => ({ width: 1, height: 1, pixels: new Uint8Array([1]), threshold: 0.5, cached: true, ms: 12, modelId: prompt, adapterId: null });

/** A fetch whose answers the test releases one by one, in any order. */
function controllableFetch() {
  const calls: { q: PreviewQuery; resolve: (r: ApiResult<PreviewResult>) => void; reject: (e: Error) => void }[] = [];
  const fetch = (q: PreviewQuery) => new Promise<ApiResult<PreviewResult>>((resolve, reject) => calls.push({ q, resolve, reject }));
  return { calls, fetch };
}

const flush = () => new Promise((r) => setImmediate(r));
const q = (prompt: string, threshold = 0.5): PreviewQuery => ({ prompt, threshold, frame: 0 });

describe('PreviewController', () => {
  it('debounces typing into one request for the last text', async () => {
    const { timers, advance } = fakeTimers();
    const { calls, fetch } = controllableFetch();
    const states: PreviewState[] = [];
    const c = new PreviewController(fetch, (s) => states.push(s), 250, timers);
    c.request(q('l'));
    advance(100);
    c.request(q('li'));
    advance(100);
    c.request(q('liver '));
    advance(249);
    assert.equal(calls.length, 0);
    advance(1);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].q.prompt, 'liver', 'sent trimmed');
    calls[0].resolve({ ok: true, value: result('liver') });
    await flush();
    const last = states.at(-1)!;
    assert.equal(last.status, 'ready');
    assert.equal(last.status === 'ready' && last.result.modelId, 'liver');
  });

  it('shows only the newest answer when an older one arrives late', async () => {
    const { timers, advance } = fakeTimers();
    const { calls, fetch } = controllableFetch();
    const states: PreviewState[] = [];
    const c = new PreviewController(fetch, (s) => states.push(s), 250, timers);
    c.request(q('liver'));
    advance(250);
    c.request(q('liver', 0.7));
    advance(250);
    assert.equal(calls.length, 2);
    calls[1].resolve({ ok: true, value: result('second') });
    await flush();
    calls[0].resolve({ ok: true, value: result('first') });
    await flush();
    const ready = states.filter((s) => s.status === 'ready');
    assert.equal(ready.length, 1);
    assert.equal(ready[0].status === 'ready' && ready[0].result.modelId, 'second');
    assert.equal(states.at(-1)!.status, 'ready');
  });

  it('an empty prompt clears at once without a request; errors and bridge failures become error states', async () => {
    const { timers, advance } = fakeTimers();
    const { calls, fetch } = controllableFetch();
    const states: PreviewState[] = [];
    const c = new PreviewController(fetch, (s) => states.push(s), 250, timers);
    c.request(q('  '));
    advance(1000);
    assert.equal(calls.length, 0);
    assert.deepEqual(states, [{ status: 'idle' }]);

    c.request(q('kidney'));
    advance(250);
    calls[0].resolve({ ok: false, error: { code: 'no-model', message: 'no model installed' } });
    await flush();
    assert.deepEqual(states.at(-1), { status: 'error', query: q('kidney'), error: { code: 'no-model', message: 'no model installed' } });

    c.request(q('spleen'));
    advance(250);
    calls[1].reject(new Error('IPC channel closed'));
    await flush();
    const s = states.at(-1)!;
    assert.equal(s.status === 'error' && s.error.code, 'internal');
    assert.match(s.status === 'error' ? s.error.message : '', /IPC channel closed/);
  });

  it('clear and dispose drop answers still on their way', async () => {
    const { timers, advance } = fakeTimers();
    const { calls, fetch } = controllableFetch();
    const states: PreviewState[] = [];
    const c = new PreviewController(fetch, (s) => states.push(s), 250, timers);
    c.request(q('liver'));
    advance(250);
    c.clear();
    calls[0].resolve({ ok: true, value: result('liver') });
    await flush();
    assert.equal(states.at(-1)!.status, 'idle');
    c.request(q('lung'));
    c.dispose();
    advance(1000);
    assert.equal(calls.length, 1, 'the pending request never went out');
  });
});
