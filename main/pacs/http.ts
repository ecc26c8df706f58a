// One HTTP(S) request to a PACS over node:http/https (not fetch: Node 20's fetch cannot take an
// extra CA without the undici package, and its errors hide the socket's error code). The whole
// body is read into memory: DICOMweb answers here are one instance, one search page or one STOW
// report. Network failures become PacsError with the kind a user can act on.

import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { PacsError, serverName } from './errors.ts';

export interface HttpTarget {
  /** the DICOMweb base URL (no user part; checked by connections.ts) */
  base: URL;
  /** the Authorization header's value, if any; never logged or put in a message */
  authorization?: string;
  /** certificate authorities for https (Node's own plus the connection's extra CA file) */
  ca?: (string | Buffer)[];
  /** no byte for this long fails the request; default 30 s */
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const TLS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ERR_SSL|EPROTO|HOSTNAME_MISMATCH/;

/** The request's URL: `path` (with its query) under the base's path. */
export function urlOf(base: URL, path: string): URL {
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}${path.split('?')[0]}`;
  url.search = path.includes('?') ? path.slice(path.indexOf('?')) : '';
  return url;
}

export function request(
  target: HttpTarget,
  method: 'GET' | 'POST',
  path: string,
  options: { headers?: Record<string, string>; body?: Buffer; signal?: AbortSignal } = {},
): Promise<HttpResponse> {
  const url = urlOf(target.base, path);
  const server = serverName(url);
  const headers: Record<string, string> = { 'User-Agent': 'Delineate', ...options.headers };
  if (target.authorization) headers.Authorization = target.authorization;
  if (options.body) headers['Content-Length'] = String(options.body.length);
  const mod = url.protocol === 'https:' ? https : http;
  const timeoutMs = target.timeoutMs ?? 30_000;
  return new Promise<HttpResponse>((resolvePromise, reject) => {
    let settled = false;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      reject(e);
    };
    const req = mod.request(url, { method, headers, ...(url.protocol === 'https:' && target.ca ? { ca: target.ca } : {}), signal: options.signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('aborted', () => fail(new PacsError('connection', `the connection to ${server} broke while it was sending ${method} ${url.pathname} (${Buffer.concat(chunks).length} bytes received)`)));
      res.on('error', (e) => fail(networkError(e, server, method, url.pathname)));
      res.on('end', () => {
        if (settled) return;
        const body = Buffer.concat(chunks);
        const expected = Number(res.headers['content-length']);
        if (res.headers['content-length'] !== undefined && Number.isFinite(expected) && body.length < expected) {
          return fail(new PacsError('connection', `the connection to ${server} broke while it was sending ${method} ${url.pathname}: ${body.length} of ${expected} bytes received`));
        }
        settled = true;
        resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer for ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
    req.on('error', (e) => fail(options.signal?.aborted ? (options.signal.reason as Error) : networkError(e, server, method, url.pathname)));
    req.end(options.body);
  });
}

/** A socket error as the PacsError a user can act on. */
export function networkError(e: Error, server: string, method: string, path: string): PacsError {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const host = server.slice(0, server.lastIndexOf(':'));
  if (DNS.has(code)) return new PacsError('dns', `cannot resolve the host name '${host}' (DNS: ${code}); check the server's address`);
  if (code === 'ECONNREFUSED') return new PacsError('refused', `${server} refused the connection: no server listens there (is it running, and is the port right?)`);
  if (TLS.test(code) || /certificate|ssl|tls/i.test(e.message)) {
    return new PacsError('tls', `the TLS connection to ${server} failed: ${e.message} (${code || 'TLS'}); if the site uses its own certificate authority, give its certificate with --ca FILE`);
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') return new PacsError('connection', `${server} closed the connection during ${method} ${path} (${code}): the server stopped or dropped the request`);
  if (code === 'ETIMEDOUT') return new PacsError('connection', `${server} did not answer ${method} ${path}: ${e.message}`);
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return new PacsError('refused', `${server} cannot be reached (${code}): check the network and the address`);
  return new PacsError('connection', `the connection to ${server} failed during ${method} ${path}: ${e.message}${code ? ` (${code})` : ''}`);
}
