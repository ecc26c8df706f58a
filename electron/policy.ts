// The desktop app's origins and content policy, in a module without the `electron` import so the
// IPC checks and tests can read them.

export const APP_SCHEME = 'delineate-app';
export const MEDIA_SCHEME = 'delineate-media';
/** The origin the renderer bundle is served from. */
export const APP_ORIGIN = `${APP_SCHEME}://app`;

/** No inline script, nothing remote; images also from the media scheme; Mantine needs inline styles. */
export const DESKTOP_CSP = [
  "default-src 'self'",
  `img-src 'self' data: blob: ${MEDIA_SCHEME}:`,
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The loopback address of a core `delineate app` runs for this window; undefined: open the core here. */
export function hostedCoreUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (!/^http:\/\/127\.0\.0\.1:\d{1,5}\/$/.test(value)) throw new Error(`DELINEATE_CORE_URL must be http://127.0.0.1:<port>/ (the app's own loopback host), got '${value}'`);
  return value;
}
