// dcmjs decodes top-level text with the file's SpecificCharacterSet but text inside sequence items
// with its default (windows-1252), so a UTF-8 "Läsion" in a SegmentSequence item reads as
// "LÃ¤sion". These helpers find the file's real character set (with dicom-parser, since dcmjs
// rewrites the attribute to ISO_IR 192 as it reads) and re-decode the text of nested items.

import dicomParser from 'dicom-parser';

/** DICOM defined terms → WHATWG encoding labels, for the single-byte and multi-byte sets without code extensions. */
const ENCODINGS: Record<string, string> = {
  'ISO_IR 192': 'utf-8',
  'ISO_IR 101': 'iso-8859-2',
  'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4',
  'ISO_IR 144': 'iso-8859-5',
  'ISO_IR 127': 'iso-8859-6',
  'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8',
  'ISO_IR 148': 'iso-8859-9',
  'ISO_IR 203': 'iso-8859-15',
  'ISO_IR 166': 'windows-874',
  'ISO_IR 13': 'shift_jis',
  GB18030: 'gb18030',
  GBK: 'gbk',
};

/** The first value of the file's top-level SpecificCharacterSet, '' when absent or unreadable. */
export function specificCharacterSet(bytes: Uint8Array): string {
  try {
    const ds = dicomParser.parseDicom(bytes, { untilTag: 'x00080006' } as Parameters<typeof dicomParser.parseDicom>[1]);
    return (ds.string('x00080005') ?? '').split('\\')[0].trim();
  } catch {
    return '';
  }
}

let cp1252: Map<string, number> | undefined;
/** The bytes dcmjs's default decoder read a string from. */
function defaultDecodedBytes(s: string): Uint8Array | null {
  if (!cp1252) {
    const decoder = new TextDecoder('latin1');
    cp1252 = new Map(Array.from({ length: 256 }, (_, b) => [decoder.decode(new Uint8Array([b])), b]));
  }
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const b = cp1252.get(s[i]);
    if (b === undefined) return null; // not something the default decoder produced: leave it
    out[i] = b;
  }
  return out;
}

/**
 * Re-decodes, in place, the text of every item of every sequence in a naturalized dataset (the top
 * level is right already) from the bytes dcmjs read to `charset`. ASCII text is unchanged.
 */
export function redecodeNestedText(ds: Record<string, unknown>, charset: string): void {
  const encoding = ENCODINGS[charset];
  if (!encoding) return; // default repertoire or Latin-1: what dcmjs's default decoder already gives
  const decoder = new TextDecoder(encoding);
  const fix = (v: unknown): unknown => {
    if (typeof v === 'string') {
      // eslint-disable-next-line no-control-regex
      if (/^[\x00-\x7f]*$/.test(v)) return v;
      const bytes = defaultDecodedBytes(v);
      return bytes ? decoder.decode(bytes) : v;
    }
    if (Array.isArray(v)) return v.map(fix);
    if (v && typeof v === 'object' && !(v instanceof ArrayBuffer) && !ArrayBuffer.isView(v)) {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) if (k !== '_vrMap' && k !== '_meta') o[k] = fix(o[k]);
      return o;
    }
    return v;
  };
  for (const key of Object.keys(ds)) {
    const value = ds[key];
    if (Array.isArray(value) && value.some((item) => item && typeof item === 'object' && !ArrayBuffer.isView(item) && !(item instanceof ArrayBuffer) && !('Alphabetic' in item))) {
      ds[key] = value.map(fix);
    }
  }
}
