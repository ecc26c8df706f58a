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
