// The web host's request checks and response headers. The host listens on 127.0.0.1 only, but a
// page from any web site in the user's browser can still send requests there: DNS rebinding (a
// hostile name that resolves to 127.0.0.1, so its requests carry a foreign Host header) and
// cross-site form posts. Hence: the Host header must name this server, and a request that changes
// something (POST, WebSocket upgrade) must come from this server's own origin.

import type { IncomingMessage } from 'node:http';

/** One policy for the whole bundle: no inline script, no remote anything; Mantine needs inline styles. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Sent with every response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()',
};

export class RequestGuard {
  private readonly hosts: Set<string>;
  private readonly origins: Set<string>;

  constructor(port: number) {
    this.hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
    this.origins = new Set([...this.hosts].map((h) => `http://${h}`));
  }

  /** Why the Host header is not this server's, or null when it is. */
  hostProblem(req: IncomingMessage): string | null {
    const host = req.headers.host?.toLowerCase();
    if (host && this.hosts.has(host)) return null;
    return `the Host header must be ${[...this.hosts].join(' or ')}, got ${host === undefined ? 'none' : JSON.stringify(host)}`;
  }

  /**
   * Why a state-changing request is not from this server's own pages, or null. Browsers send
   * Origin with every POST and WebSocket handshake; a local tool (curl) may send none, and a local
   * process could reach the data folder anyway.
   */
  originProblem(req: IncomingMessage): string | null {
    const origin = req.headers.origin;
    if (origin !== undefined && !this.origins.has(origin.toLowerCase())) return `requests from origin ${JSON.stringify(origin)} are refused`;
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return `${site} requests are refused`;
    return null;
  }
}
