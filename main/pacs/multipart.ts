// multipart/related bodies (RFC 2046 §5.1, DICOM PS3.18 §8.6): parsed from WADO-RS answers and
// built for STOW-RS requests. Parsing insists on the closing delimiter, so a body cut short by a
// broken connection is an error, never a shorter list of parts.

import { randomBytes } from 'node:crypto';

export interface Part {
  headers: Record<string, string>;
  body: Buffer;
}

/** The parameters of a Content-Type value, lower-case names, quotes removed. */
export function contentTypeParams(value: string): { type: string; params: Record<string, string> } {
  const [type, ...rest] = value.split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const i = p.indexOf('=');
    if (i < 0) continue;
    const v = p.slice(i + 1).trim();
    params[p.slice(0, i).trim().toLowerCase()] = v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
  }
  return { type: type.trim().toLowerCase(), params };
}

export class MultipartError extends Error {
  override name = 'MultipartError';
}

/** The parts of a multipart body with this Content-Type; throws MultipartError saying what is wrong. */
export function parseMultipart(contentType: string, body: Buffer): Part[] {
  const { type, params } = contentTypeParams(contentType);
  if (!type.startsWith('multipart/')) throw new MultipartError(`the answer is ${type || 'untyped'}, not multipart`);
  const boundary = params.boundary;
  if (!boundary) throw new MultipartError('the multipart answer has no boundary parameter');
  const delimiter = Buffer.from(`--${boundary}`);
  // the first delimiter may start the body or follow a preamble line
  let at = body.subarray(0, delimiter.length).equals(delimiter) ? 0 : body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]));
  if (at < 0) throw new MultipartError('the multipart answer has no part (no boundary found)');
  if (at > 0) at += 2;
  const parts: Part[] = [];
  const next = Buffer.concat([Buffer.from('\r\n'), delimiter]);
  for (;;) {
    let pos = at + delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts; // "--": the closing delimiter
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++; // transport padding
    if (body[pos] !== 0x0d || body[pos + 1] !== 0x0a) throw new MultipartError(`part ${parts.length + 1}: malformed boundary line`);
    pos += 2;
    const end = body.indexOf(next, pos);
    if (end < 0) throw new MultipartError(`part ${parts.length + 1} has no closing boundary: the answer was cut short (${body.length} bytes)`);
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    const headers: Record<string, string> = {};
    let content = pos;
    if (body.subarray(pos, pos + 2).toString() === '\r\n') content = pos + 2; // no headers
    else {
      if (headerEnd < 0 || headerEnd > end) throw new MultipartError(`part ${parts.length + 1} has no end of headers`);
      for (const line of body.subarray(pos, headerEnd).toString('latin1').split('\r\n')) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      content = headerEnd + 4;
    }
    parts.push({ headers, body: body.subarray(content, end) });
    at = end + 2;
  }
}

/** A multipart/related body of DICOM instances and its Content-Type. */
export function buildMultipart(parts: Uint8Array[], partType = 'application/dicom'): { contentType: string; body: Buffer } {
  let boundary: string;
  do boundary = `delineate-${randomBytes(12).toString('hex')}`;
  while (parts.some((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength).includes(boundary)));
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: ${partType}\r\n\r\n`), Buffer.from(p.buffer, p.byteOffset, p.byteLength), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { contentType: `multipart/related; type="${partType}"; boundary=${boundary}`, body: Buffer.concat(chunks) };
}
