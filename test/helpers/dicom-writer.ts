// Builds DICOM Part 10 files for tests, byte by byte from PS3.10 §7 and PS3.5 §7: a 128-byte
// preamble, 'DICM', the group-0002 meta information (always explicit VR little endian), then the
// dataset in explicit or implicit VR little endian.

export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';

/** One attribute: tag as 0xGGGGEEEE. Strings for text VRs, number lists for DS/IS/US/SS/UL/FL/FD, bytes or 16-bit arrays for OB/OW, item lists for SQ. */
export interface El {
  tag: number;
  vr: string;
  value: string | number[] | Uint8Array | Uint16Array | Int16Array | El[][] | { fragments: Uint8Array[] };
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT']);

const u16 = (n: number) => new Uint8Array(new Uint16Array([n]).buffer);
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const cat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const tagBytes = (tag: number) => cat([u16(tag >>> 16), u16(tag & 0xffff)]);

function valueBytes(el: El, explicit: boolean): Uint8Array {
  const v = el.value;
  if (Array.isArray(v) && Array.isArray(v[0])) {
    // SQ with defined-length items
    return cat((v as El[][]).map((item) => {
      const body = dataset(item, explicit);
      return cat([tagBytes(0xfffee000), u32(body.length), body]);
    }));
  }
  if (typeof v === 'string') {
    const pad = el.vr === 'UI' ? '\0' : ' ';
    return ascii(v.length % 2 ? v + pad : v);
  }
  if (v instanceof Uint8Array) return v.length % 2 ? cat([v, new Uint8Array(1)]) : v;
  if (v instanceof Uint16Array || v instanceof Int16Array) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const nums = v as number[];
  switch (el.vr) {
    case 'US': return new Uint8Array(new Uint16Array(nums).buffer);
    case 'SS': return new Uint8Array(new Int16Array(nums).buffer);
    case 'UL': return new Uint8Array(new Uint32Array(nums).buffer);
    case 'FL': return new Uint8Array(new Float32Array(nums).buffer);
    case 'FD': return new Uint8Array(new Float64Array(nums).buffer);
    default: return valueBytes({ ...el, value: nums.join('\\') }, explicit); // DS, IS
  }
}

function element(el: El, explicit: boolean): Uint8Array {
  if (typeof el.value === 'object' && 'fragments' in el.value) {
    // encapsulated pixel data: undefined length, an empty offset table, fragments, delimiter
    const items = [new Uint8Array(0), ...el.value.fragments].map((f) => cat([tagBytes(0xfffee000), u32(f.length), f]));
    return cat([tagBytes(el.tag), ascii('OB'), new Uint8Array(2), u32(0xffffffff), ...items, tagBytes(0xfffee0dd), u32(0)]);
  }
  const body = valueBytes(el, explicit);
  if (!explicit) return cat([tagBytes(el.tag), u32(body.length), body]);
  if (LONG_VRS.has(el.vr)) return cat([tagBytes(el.tag), ascii(el.vr), new Uint8Array(2), u32(body.length), body]);
  return cat([tagBytes(el.tag), ascii(el.vr), u16(body.length), body]);
}

function dataset(elements: El[], explicit: boolean): Uint8Array {
  return cat([...elements].sort((a, b) => a.tag - b.tag).map((el) => element(el, explicit)));
}

/** A complete Part 10 file; `transferSyntax` decides the dataset's encoding (implicit only for 1.2.840.10008.1.2). */
export function dicomFile(elements: El[], transferSyntax = EXPLICIT_LE): Uint8Array {
  const meta = dataset([
    { tag: 0x00020001, vr: 'OB', value: new Uint8Array([0, 1]) },
    { tag: 0x00020002, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
    { tag: 0x00020003, vr: 'UI', value: '1.2.3.4.5.6.7.8.9' },
    { tag: 0x00020010, vr: 'UI', value: transferSyntax },
    { tag: 0x00020012, vr: 'UI', value: '1.2.3.4' },
  ], true);
  const groupLength = element({ tag: 0x00020000, vr: 'UL', value: [meta.length] }, true);
  return cat([new Uint8Array(128), ascii('DICM'), groupLength, meta, dataset(elements, transferSyntax !== IMPLICIT_LE)]);
}

/** The image-pixel attributes every test image needs. */
export function pixelModule(o: { rows: number; columns: number; bits: 8 | 16; bitsStored?: number; signed?: boolean; samples?: 1 | 3; photometric: string; planar?: 0 | 1; frames?: number; pixels: Uint8Array | Uint16Array | Int16Array }): El[] {
  const els: El[] = [
    { tag: 0x00280002, vr: 'US', value: [o.samples ?? 1] },
    { tag: 0x00280004, vr: 'CS', value: o.photometric },
    { tag: 0x00280010, vr: 'US', value: [o.rows] },
    { tag: 0x00280011, vr: 'US', value: [o.columns] },
    { tag: 0x00280100, vr: 'US', value: [o.bits] },
    { tag: 0x00280101, vr: 'US', value: [o.bitsStored ?? o.bits] },
    { tag: 0x00280102, vr: 'US', value: [(o.bitsStored ?? o.bits) - 1] },
    { tag: 0x00280103, vr: 'US', value: [o.signed ? 1 : 0] },
    { tag: 0x7fe00010, vr: o.bits === 8 ? 'OB' : 'OW', value: o.pixels },
  ];
  if (o.samples === 3) els.push({ tag: 0x00280006, vr: 'US', value: [o.planar ?? 0] });
  if (o.frames !== undefined) els.push({ tag: 0x00280008, vr: 'IS', value: String(o.frames) });
  return els;
}
