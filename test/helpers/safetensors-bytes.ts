// A deliberately naive safetensors byte builder for tests, independent of the reader and writer
// under test: tensors packed in the given order, any dtype, and a raw header object so that tests
// can also produce broken files.

export interface RawEntry {
  name: string;
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

/** Builds a file from a header object (serialised as given) and the data section bytes. */
export function safetensorsFromHeader(header: unknown, data: Uint8Array = new Uint8Array(0), headerText = JSON.stringify(header)): Uint8Array {
  const json = Buffer.from(headerText, 'utf8');
  const out = Buffer.alloc(8 + json.length + data.length);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  out.set(data, 8 + json.length);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** Builds a valid file with the tensors packed back to back in the given order. */
export function buildSafetensors(entries: RawEntry[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.length] };
    offset += e.bytes.length;
  }
  const data = new Uint8Array(offset);
  offset = 0;
  for (const e of entries) {
    data.set(e.bytes, offset);
    offset += e.bytes.length;
  }
  return safetensorsFromHeader(header, data);
}

export const u16le = (values: number[]): Uint8Array => {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeUInt16LE(v, i * 2));
  return new Uint8Array(b);
};

export const f32le = (values: ArrayLike<number>): Uint8Array => {
  const b = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) b.writeFloatLE(values[i], i * 4);
  return new Uint8Array(b);
};

export const f64le = (values: number[]): Uint8Array => {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeDoubleLE(v, i * 8));
  return new Uint8Array(b);
};

export const i64le = (values: bigint[]): Uint8Array => {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeBigInt64LE(v, i * 8));
  return new Uint8Array(b);
};
