// JSON encoding of API requests, results and events for the web transport: JSON has no bytes, so
// every Uint8Array becomes {"$bytes": "<base64>"} and back, at any depth. Both ends use it (the
// web host in Node, the web bridge in the browser), so it uses no Node or DOM API, only
// TextDecoder, which both have. Electron's IPC needs none of this: structured clone keeps bytes.

export class WireError extends Error {
  override name = 'WireError';
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const CODES = new Uint8Array(ALPHABET.length);
const VALUES = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) {
  CODES[i] = ALPHABET.charCodeAt(i);
  VALUES[ALPHABET.charCodeAt(i)] = i;
}
const PAD = 61; // '='
const ascii = new TextDecoder(); // the output is ASCII, which UTF-8 decodes as it is

/** RFC 4648 base64 with padding. */
export function toBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[o++] = CODES[v >> 18];
    out[o++] = CODES[(v >> 12) & 63];
    out[o++] = CODES[(v >> 6) & 63];
    out[o++] = CODES[v & 63];
  }
  if (i < n) {
    const two = i + 1 < n;
    const v = (bytes[i] << 16) | (two ? bytes[i + 1] << 8 : 0);
    out[o++] = CODES[v >> 18];
    out[o++] = CODES[(v >> 12) & 63];
    out[o++] = two ? CODES[(v >> 6) & 63] : PAD;
    out[o++] = PAD;
  }
  return ascii.decode(out);
}

/** Strict RFC 4648 base64 (padding required, no whitespace); a malformed string is a WireError. */
export function fromBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new WireError(`base64 text must have a length divisible by 4, got ${text.length}`);
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = text.charCodeAt(i + k);
      const last = i + 4 === text.length;
      let d: number;
      if (c === PAD && last && k >= 4 - pad) d = 0;
      else {
        d = c < 128 ? VALUES[c] : -1;
        if (d < 0) throw new WireError(`invalid base64 character ${JSON.stringify(text[i + k])} at ${i + k}`);
      }
      v = (v << 6) | d;
    }
    out[o++] = v >> 16;
    if (o < out.length) out[o++] = (v >> 8) & 255;
    if (o < out.length) out[o++] = v & 255;
  }
  return out;
}

const isPlainObject = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** A JSON-ready copy of `value` with every Uint8Array as {"$bytes": base64}. */
export function encodeWire(value: unknown, path = 'value'): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') throw new WireError(`${path} is a ${typeof value}, which JSON cannot carry`);
    return value;
  }
  if (value instanceof Uint8Array) return { $bytes: toBase64(value) };
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) throw new WireError(`${path} is a ${value.constructor.name}; only Uint8Array travels as bytes`);
  if (Array.isArray(value)) return value.map((v, i) => encodeWire(v, `${path}[${i}]`));
  if (!isPlainObject(value)) throw new WireError(`${path} is a ${value.constructor?.name ?? 'object'}, not plain data`);
  const out: [string, unknown][] = [];
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out.push([k, encodeWire(v, `${path}.${k}`)]);
  return Object.fromEntries(out);
}

/** The inverse of encodeWire on parsed JSON. Objects are rebuilt with own data properties only, so a "__proto__" key stays a plain key. */
export function decodeWire(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(decodeWire);
  const keys = Object.keys(value);
  const bytes = (value as { $bytes?: unknown }).$bytes;
  if (keys.length === 1 && keys[0] === '$bytes' && typeof bytes === 'string') return fromBase64(bytes);
  return Object.fromEntries(keys.map((k) => [k, decodeWire((value as Record<string, unknown>)[k])]));
}

export const toWireJson = (value: unknown): string => JSON.stringify(encodeWire(value));
export const fromWireJson = (text: string): unknown => decodeWire(JSON.parse(text));
