// The web host: the core's API over loopback HTTP and a WebSocket, serving the same renderer
// bundle Electron shows, for headless use and for the end-to-end tests in Chromium.
//   POST /api/<operation>              JSON request (wire.ts) → JSON ApiResult
//   GET  /media/thumb/<imageId>        PNG thumbnail (for <img>; Electron's delineate-media:// twin)
//   GET  /media/frame/<imageId>/<k>    PNG of frame k as the viewer shows it; ?center=&width= for
//                                      another window (media-route.ts, shared with Electron)
//   WS   /events                       JobEvents, one JSON text message each
//   GET  anything else                 the renderer bundle (index.html for app routes)
// It binds 127.0.0.1 only; security.ts explains the Host and Origin checks.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import type { ApiErrorCode, ApiResult, DelineateApi } from '../contract/contract.ts';
import { isOperation } from '../contract/operations.ts';
import { fromWireJson, toWireJson } from '../contract/wire.ts';
import { answerMedia } from './media-route.ts';
import { RequestGuard, SECURITY_HEADERS } from './security.ts';
import { staticFile } from './static-files.ts';

export interface WebHostOptions {
  /** anything with the API: the Core from openCore */
  core: { api: DelineateApi };
  /** default 0: a free port */
  port?: number;
  /** the renderer bundle (renderer/dist) */
  rendererDir: string;
  /** largest request body accepted; default 64 MiB (a 4096² mask is 16 MiB, 22 MiB as base64) */
  maxBodyBytes?: number;
}

export interface WebHost {
  /** http://127.0.0.1:PORT/ */
  url: string;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

const errorResult = (code: ApiErrorCode, message: string): ApiResult<never> => ({ ok: false, error: { code, message } });

function send(res: ServerResponse, status: number, body: string | Uint8Array, headers: Record<string, string>): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

const sendJson = (res: ServerResponse, status: number, json: string, extra: Record<string, string> = {}) =>
  send(res, status, json, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...extra });

const sendText = (res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}) =>
  send(res, status, text, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });

/**
 * The request body, or 'too-large'. An oversized body is drained (so the client reads the 413
 * instead of a reset) up to a bound, past which the connection is dropped.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const declared = Number(req.headers['content-length'] ?? NaN);
    let over = declared > limit;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      if (size > limit * 2 + (1 << 20)) req.destroy();
      else if (!over) chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startWebHost(o: WebHostOptions): Promise<WebHost> {
  const { api } = o.core;
  const maxBody = o.maxBodyBytes ?? 64 * 1024 * 1024;
  let guard: RequestGuard | null = null; // once the port is known

  async function handleApi(req: IncomingMessage, res: ServerResponse, op: string): Promise<void> {
    if (req.method !== 'POST') return sendJson(res, 405, toWireJson(errorResult('invalid', `use POST for /api/${op}`)), { Allow: 'POST' });
    if (!isOperation(op)) return sendJson(res, 404, toWireJson(errorResult('not-found', `unknown operation '${op}'`)));
    const problem = guard!.originProblem(req);
    if (problem) return sendJson(res, 403, toWireJson(errorResult('invalid', problem)));
    // JSON only: a cross-site form can send text/plain or form data without a CORS preflight
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') return sendJson(res, 415, toWireJson(errorResult('invalid', `the request body must be application/json, got ${JSON.stringify(type || 'none')}`)));
    const body = await readBody(req, maxBody);
    if (body === 'too-large') return sendJson(res, 413, toWireJson(errorResult('invalid', `the request body is larger than ${maxBody} bytes`)));
    let request: unknown;
    try {
      request = body.length === 0 ? undefined : (fromWireJson(body.toString('utf8')) ?? undefined);
    } catch (e) {
      return sendJson(res, 400, toWireJson(errorResult('invalid', `the request body of /api/${op} is not valid JSON: ${(e as Error).message}`)));
    }
    let result: ApiResult<unknown>;
    try {
      result = await (api[op] as (req: unknown) => Promise<ApiResult<unknown>>)(request);
    } catch (e) {
      // handlers catch their own failures; this is a request too malformed to reach them
      result = errorResult('invalid', `malformed request for ${op}: ${(e as Error).message}`);
    }
    let json: string;
    try {
      json = toWireJson(result);
    } catch (e) {
      json = toWireJson(errorResult('internal', `the result of ${op} cannot be sent: ${(e as Error).message}`));
    }
    sendJson(res, 200, json);
  }

  async function handleMedia(res: ServerResponse, parts: string[], query: URLSearchParams): Promise<void> {
    const r = await answerMedia(api, parts, query, '/media/');
    if (!r.ok) return sendText(res, r.status, r.message);
    send(res, 200, r.png, { 'Content-Type': 'image/png', 'Cache-Control': 'no-cache' });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const hostProblem = guard!.hostProblem(req);
    if (hostProblem) return sendText(res, 403, hostProblem);
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}`);
    const path = url.pathname;
    if (path.startsWith('/api/')) return handleApi(req, res, path.slice('/api/'.length));
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, `${req.method} is not allowed here`, { Allow: 'GET, HEAD' });
    if (path.startsWith('/media/')) return handleMedia(res, path.slice('/media/'.length).split('/'), url.searchParams);
    const file = await staticFile(o.rendererDir, path);
    if (file.status !== 200) return sendText(res, file.status, file.message);
    send(res, 200, file.body, file.headers);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendText(res, 500, `internal error: ${e instanceof Error ? e.message : String(e)}`);
      else res.destroy();
    });
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', `http://${LOOPBACK}`).pathname;
    const problem = path !== '/events' ? `no WebSocket at ${path}` : (guard!.hostProblem(req) ?? guard!.originProblem(req));
    if (problem) {
      socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${problem}`);
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => {
      ws.on('message', () => ws.close(1003, 'this socket only sends')); // events flow one way
    });
  });
  const unsubscribe = api.onJobEvent((e) => {
    const message = toWireJson(e);
    for (const ws of sockets.clients) if (ws.readyState === WebSocket.OPEN) ws.send(message);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port ?? 0, LOOPBACK, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    unsubscribe();
    sockets.close();
    throw e;
  }
  const port = (server.address() as AddressInfo).port;
  guard = new RequestGuard(port);

  let closing: Promise<void> | null = null;
  return {
    url: `http://${LOOPBACK}:${port}/`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        unsubscribe();
        for (const ws of sockets.clients) ws.terminate();
        sockets.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
