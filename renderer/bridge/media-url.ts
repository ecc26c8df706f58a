// The URLs of the core's image routes (main/web/media-route.ts reads them): Electron's
// delineate-media:// scheme or the web host's /media/ paths. DOM-free, so Node tests build the
// very URLs the page uses.

/** A frame's window for the route: {center, width} in ImageSummary.window's units. */
export interface MediaWindow {
  center: number;
  width: number;
}

export function mediaUrlFor(electron: boolean, kind: 'thumb' | 'frame', imageId: number, frame?: number, window?: MediaWindow): string {
  let path = kind === 'thumb' ? `thumb/${imageId}` : `frame/${imageId}/${frame ?? 0}`;
  // String(number) round-trips exactly and is a decimal the route accepts (NaN and Infinity it
  // refuses); encoded, because the '+' of 1e+21 would read as a space
  if (kind === 'frame' && window) path += `?center=${encodeURIComponent(String(window.center))}&width=${encodeURIComponent(String(window.width))}`;
  return electron ? `delineate-media://${path}` : `/media/${path}`;
}
