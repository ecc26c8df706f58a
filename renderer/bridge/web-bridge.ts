// DelineateApi over the web host: each operation is a POST of its request as JSON (bytes as
// {"$bytes": base64}, see wire.ts) and answers the same ApiResult the core returned; job events
// arrive over one shared WebSocket, opened while someone listens and reopened after a drop.
// Written against minimal structural types (not the DOM's) so Node tests can run it too.

import type { ApiResult, DelineateApi, JobEvent } from '../../main/contract/contract.ts';
import { OPERATIONS } from '../../main/contract/operations.ts';
import { fromWireJson, toWireJson } from '../../main/contract/wire.ts';

export interface SocketLike {
  onopen: (() => void) | null;
  onmessage: ((e: { data: unknown }) => void) | null;
  onclose: (() => void) | null;
  onerror: (() => void) | null;
  close(): void;
}

export interface WebBridgeOptions {
  /** the web host's address, e.g. http://127.0.0.1:4640 (default: the page's own origin) */
  base?: string;
  fetch?: typeof fetch;
  /** opens the events socket (default: the global WebSocket) */
  openSocket?: (url: string) => SocketLike;
  /** first reconnect delay (ms), doubled per failure up to maxRetryMs; default 500 */
  retryMs?: number;
  maxRetryMs?: number;
}

type Global = { location?: { origin: string }; WebSocket?: new (url: string) => SocketLike };

const failure = (code: 'unavailable' | 'internal', message: string): ApiResult<never> => ({ ok: false, error: { code, message } });

/** Follows job events over a socket that is reopened, with back-off, while any listener remains. */
class EventStream {
  private readonly listeners = new Set<(e: JobEvent) => void>();
  private socket: SocketLike | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private delay: number;

  constructor(private readonly url: string, private readonly open: (url: string) => SocketLike, private readonly retryMs: number, private readonly maxRetryMs: number) {
    this.delay = retryMs;
  }

  subscribe(listener: (e: JobEvent) => void): () => void {
    this.listeners.add(listener);
    if (!this.socket && !this.timer) this.connect();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  private connect(): void {
    this.timer = null;
    let socket: SocketLike;
    try {
      socket = this.open(this.url);
    } catch {
      this.retry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => (this.delay = this.retryMs);
    socket.onmessage = (m) => {
      if (typeof m.data !== 'string') return;
      let event: JobEvent;
      try {
        event = fromWireJson(m.data) as JobEvent;
      } catch {
        return; // not ours
      }
      for (const l of [...this.listeners]) l(event);
    };
    socket.onerror = () => {};
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.listeners.size > 0) this.retry();
    };
  }

  private retry(): void {
    this.timer = setTimeout(() => this.connect(), this.delay);
    this.delay = Math.min(this.delay * 2, this.maxRetryMs);
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    s?.close();
  }
}

export function createWebBridge(o: WebBridgeOptions = {}): DelineateApi {
  const g = globalThis as unknown as Global;
  const base = (o.base ?? g.location?.origin ?? '').replace(/\/$/, '');
  const doFetch = o.fetch ?? fetch;
  const openSocket = o.openSocket ?? ((url: string) => {
    if (!g.WebSocket) throw new Error('no WebSocket here');
    return new g.WebSocket(url);
  });
  const events = new EventStream(`${base.replace(/^http/, 'ws')}/events`, openSocket, o.retryMs ?? 500, o.maxRetryMs ?? 5000);

  async function call(op: string, request: unknown): Promise<ApiResult<unknown>> {
    let body: string;
    try {
      body = toWireJson(request ?? null);
    } catch (e) {
      return { ok: false, error: { code: 'invalid', message: `the request for ${op} cannot be sent: ${e instanceof Error ? e.message : String(e)}` } };
    }
    let text: string;
    let status: number;
    try {
      const res = await doFetch(`${base}/api/${op}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      status = res.status;
      text = await res.text();
    } catch (e) {
      return failure('unavailable', `Delineate's server at ${base || 'this page'} cannot be reached (${e instanceof Error ? e.message : String(e)}); is \`delineate serve\` still running?`);
    }
    try {
      const parsed = fromWireJson(text) as ApiResult<unknown>;
      if (parsed && typeof parsed === 'object' && typeof parsed.ok === 'boolean') return parsed;
    } catch {
      /* fall through */
    }
    return failure('internal', `unexpected answer to ${op} (HTTP ${status}): ${text.slice(0, 200)}`);
  }

  const api: Record<string, unknown> = Object.fromEntries(OPERATIONS.map((op) => [op, (req?: unknown) => call(op, req)]));
  api.onJobEvent = (listener: (e: JobEvent) => void) => events.subscribe(listener);
  return api as unknown as DelineateApi; // complete: OPERATIONS is checked against DelineateApi
}
