// The web bridge's own behaviour with fakes: failures become ApiResult values (unreachable server,
// unsendable request, an answer that is no ApiResult), and the events socket reconnects with
// back-off while someone listens and stops when nobody does.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobEvent } from '../../main/contract/contract.ts';
import { createWebBridge, type SocketLike } from '../../renderer/bridge/web-bridge.ts';

test('an unreachable server is an unavailable value, not an exception', async () => {
  const api = createWebBridge({ base: 'http://127.0.0.1:1', openSocket: () => assert.fail('no socket') });
  const r = await api.listProjects();
  assert.ok(!r.ok && r.error.code === 'unavailable' && /cannot be reached/.test(r.error.message), JSON.stringify(r));
});

test('an unsendable request never reaches the network; a non-ApiResult answer is an internal error', async () => {
  const sent: string[] = [];
  const fakeFetch = (async (url: string | URL | Request) => {
    sent.push(String(url));
    return new Response('<html>proxy error</html>', { status: 502 });
  }) as typeof fetch;
  const api = createWebBridge({ base: 'http://127.0.0.1:9', fetch: fakeFetch, openSocket: () => assert.fail('no socket') });
  const bad = await api.saveCorrectedMask({ imageId: 1, mask: { width: 1, height: 1, pixels: new Float32Array(1) as unknown as Uint8Array } });
  assert.ok(!bad.ok && bad.error.code === 'invalid' && /Float32Array/.test(bad.error.message), JSON.stringify(bad));
  assert.deepEqual(sent, []);
  const odd = await api.listProjects();
  assert.ok(!odd.ok && odd.error.code === 'internal' && /HTTP 502/.test(odd.error.message), JSON.stringify(odd));
  assert.deepEqual(sent, ['http://127.0.0.1:9/api/listProjects']);
});

class FakeSocket implements SocketLike {
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  close() {
    this.closed = true;
    this.onclose?.();
  }
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('events: one socket for all listeners, reopened after a drop, closed when the last listener leaves', async () => {
  const sockets: FakeSocket[] = [];
  const api = createWebBridge({ base: 'http://127.0.0.1:4640', retryMs: 5, maxRetryMs: 20, openSocket: (url) => (sockets.push(new FakeSocket(url)), sockets.at(-1)!) });
  const a: JobEvent[] = [];
  const b: JobEvent[] = [];
  const offA = api.onJobEvent((e) => a.push(e));
  const offB = api.onJobEvent((e) => b.push(e));
  assert.equal(sockets.length, 1);
  assert.equal(sockets[0].url, 'ws://127.0.0.1:4640/events');
  sockets[0].onopen?.();
  const event: JobEvent = { type: 'log', jobId: 3, line: 'hello', at: '2026-01-01T00:00:00Z' };
  sockets[0].onmessage?.({ data: JSON.stringify(event) });
  sockets[0].onmessage?.({ data: 'not json' });
  assert.deepEqual([a, b], [[event], [event]]);

  sockets[0].onclose?.(); // the server went away
  await tick(30);
  assert.equal(sockets.length, 2, 'reopened after the retry delay');
  sockets[1].onclose?.(); // and again, before it opened
  await tick(40);
  assert.equal(sockets.length, 3);
  sockets[2].onmessage?.({ data: JSON.stringify({ ...event, line: 'again' }) });
  assert.deepEqual(a.at(-1), { ...event, line: 'again' });

  offA();
  assert.equal(sockets[2].closed, false, 'one listener is left');
  offB();
  assert.equal(sockets[2].closed, true);
  await tick(40);
  assert.equal(sockets.length, 3, 'no reconnect without listeners');
});
