// The two custom schemes of the desktop app. The renderer bundle is served from
// delineate-app://app/ rather than file://, so the page has an origin of its own that IPC sender
// checks can recognise and file:// pages' wider rights never apply; thumbnails and frames come from
// delineate-media://thumb/<imageId> and delineate-media://frame/<imageId>/<frame> (PNG), the twin
// of the web host's /media/ routes, so <img> tags need no base64 round trip through IPC.

import { protocol } from 'electron';
import type { ApiResult, DelineateApi } from '../main/api/contract.ts';
import { staticFile } from '../main/web/static-files.ts';
import { APP_SCHEME, DESKTOP_CSP, MEDIA_SCHEME } from './policy.ts';

const baseHeaders = { 'Content-Security-Policy': DESKTOP_CSP, 'X-Content-Type-Options': 'nosniff' };

/** Must run before the app is ready. */
export function registerSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true } },
  ]);
}

const text = (status: number, message: string) => new Response(message, { status, headers: { ...baseHeaders, 'Content-Type': 'text/plain; charset=utf-8' } });

export function handleSchemes(rendererDir: string, api: DelineateApi): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'app' || request.method !== 'GET') return text(404, 'not found');
    const file = await staticFile(rendererDir, url.pathname);
    if (file.status !== 200) return text(file.status, file.message);
    return new Response(new Uint8Array(file.body), { status: 200, headers: { ...baseHeaders, ...file.headers } });
  });

  protocol.handle(MEDIA_SCHEME, async (request) => {
    const url = new URL(request.url);
    const parts = url.pathname.split('/').filter(Boolean);
    const id = (s: string | undefined) => (s !== undefined && /^\d{1,15}$/.test(s) ? Number(s) : null);
    let r: ApiResult<Uint8Array> | null = null;
    if (url.host === 'thumb' && parts.length === 1 && id(parts[0]) !== null) r = await api.getThumbnail({ imageId: id(parts[0])! });
    else if (url.host === 'frame' && parts.length === 2 && id(parts[0]) !== null && id(parts[1]) !== null) {
      const f = await api.getImageFrame({ imageId: id(parts[0])!, frame: id(parts[1])! });
      r = f.ok ? { ok: true, value: f.value.png } : f;
    }
    if (!r) return text(404, `unknown media URL ${request.url}`);
    if (!r.ok) return text(r.error.code === 'not-found' ? 404 : 500, r.error.message);
    return new Response(r.value, { status: 200, headers: { ...baseHeaders, 'Content-Type': 'image/png', 'Cache-Control': 'no-cache' } });
  });
}
