// The image routes shared by the web host's /media/ paths and Electron's delineate-media://
// scheme, so both read the same URLs the same way:
//   thumb/<imageId>                               the thumbnail PNG
//   frame/<imageId>/<k>[?center=<c>&width=<w>]    frame k as PNG, through the import's window or the one given
// Ids and frames are plain decimal integers; the window is two plain decimal numbers (modality
// units, like ImageSummary.window), both or neither, and nothing else in the query.

import type { ApiErrorCode, ApiResult, DelineateApi } from '../contract/contract.ts';
import { windowProblem, type Window } from '../io/window.ts';

export type MediaAnswer = { ok: true; png: Uint8Array } | { ok: false; status: number; message: string };

const statusOf: Partial<Record<ApiErrorCode, number>> = { 'not-found': 404, invalid: 400, source: 410 };

const isId = (s: string | undefined): s is string => s !== undefined && /^\d{1,15}$/.test(s);
// what a person or String(number) writes; not hex, not Infinity, not empty
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The window asked for by a frame URL's query: undefined when it has none, else the window, or
 * a message saying what is wrong (an unknown or repeated parameter, one of the two missing, a
 * value that is not a number, a width below 1).
 */
export function frameWindowQuery(query: URLSearchParams): { window?: Window } | { problem: string } {
  const seen = new Map<string, string>();
  for (const [key, value] of query) {
    if (key !== 'center' && key !== 'width') return { problem: `unknown query parameter ${JSON.stringify(key)}: a frame takes only center and width (its window)` };
    if (seen.has(key)) return { problem: `the query gives ${key} more than once` };
    seen.set(key, value);
  }
  if (seen.size === 0) return {};
  if (seen.size === 1) return { problem: `the window needs both center and width, got only ${[...seen.keys()][0]}` };
  const number = (key: 'center' | 'width'): number | string => {
    const text = seen.get(key)!;
    return DECIMAL.test(text) ? Number(text) : `${key} must be a decimal number, got ${JSON.stringify(text)}`;
  };
  const center = number('center');
  const width = number('width');
  if (typeof center === 'string') return { problem: center };
  if (typeof width === 'string') return { problem: width };
  const problem = windowProblem({ center, width });
  return problem ? { problem: `the window: ${problem}` } : { window: { center, width } };
}

/**
 * The answer for a media path: `segments` are the path's parts (['frame', '12', '3']), `query` its
 * search parameters, `prefix` how the caller's URLs begin (for the usage message). API failures
 * become 404 (no such image), 400 (a bad frame or window), 410 (the source file changed or went
 * away) or 500.
 */
export async function answerMedia(api: Pick<DelineateApi, 'getThumbnail' | 'getImageFrame'>, segments: readonly string[], query: URLSearchParams, prefix: string): Promise<MediaAnswer> {
  const [kind, id, frame] = segments;
  let r: ApiResult<Uint8Array>;
  if (kind === 'thumb' && segments.length === 2 && isId(id)) r = await api.getThumbnail({ imageId: Number(id) });
  else if (kind === 'frame' && segments.length === 3 && isId(id) && isId(frame)) {
    const asked = frameWindowQuery(query);
    if ('problem' in asked) return { ok: false, status: 400, message: `${prefix}frame/${id}/${frame}: ${asked.problem}` };
    const f = await api.getImageFrame({ imageId: Number(id), frame: Number(frame), ...asked });
    r = f.ok ? { ok: true, value: f.value.png } : f;
  } else return { ok: false, status: 404, message: `unknown media path: use ${prefix}thumb/<imageId> or ${prefix}frame/<imageId>/<frame>[?center=<c>&width=<w>]` };
  return r.ok ? { ok: true, png: r.value } : { ok: false, status: statusOf[r.error.code] ?? 500, message: r.error.message };
}
