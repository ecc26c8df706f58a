// The two custom schemes of the desktop app. The renderer bundle is served from
// delineate-app://app/ rather than file://, so the page has an origin of its own that IPC sender
// checks can recognise and file:// pages' wider rights never apply; thumbnails and frames come from
// delineate-media://thumb/<imageId> and delineate-media://frame/<imageId>/<frame>[?center=&width=]
// (PNG), the twin of the web host's /media/ routes (both read URLs with media-route.ts), so <img>
// tags need no base64 round trip through IPC.

import { protocol } from 'electron';
import type { DelineateApi } from '../main/contract/contract.ts';
import { answerMedia } from '../main/web/media-route.ts';
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
    // the scheme is standard, so delineate-media://frame/12/3 has host 'frame' and path /12/3
    const r = await answerMedia(api, [url.host, ...url.pathname.split('/').filter(Boolean)], url.searchParams, `${MEDIA_SCHEME}://`);
    if (!r.ok) return text(r.status, r.message);
    return new Response(r.png, { status: 200, headers: { ...baseHeaders, 'Content-Type': 'image/png', 'Cache-Control': 'no-cache' } });
  });
}
