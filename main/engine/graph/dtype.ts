// Element types the IR knows, with their ONNX codes and host array types.

export type DType = 'float32' | 'float16' | 'float64' | 'int64' | 'int8' | 'bool';

export type HostArray = Float32Array | Float64Array | BigInt64Array | Int8Array | Uint8Array | Uint16Array;

/** ONNX TensorProto.DataType codes. */
export const onnxTypeCode: Record<DType, number> = {
  float32: 1,
  bool: 9,
  int64: 7,
  int8: 3,
  float16: 10,
  float64: 11,
};

export const isFloat = (d: DType): boolean => d === 'float32' || d === 'float16' || d === 'float64';


export function hostMatches(dtype: DType, data: HostArray): boolean {
  switch (dtype) {
    case 'float32': return data instanceof Float32Array;
    case 'float64': return data instanceof Float64Array;
    case 'float16': return data instanceof Uint16Array;
    case 'int64': return data instanceof BigInt64Array;
    case 'int8': return data instanceof Int8Array;
    case 'bool': return data instanceof Uint8Array;
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary32 → binary16 bits, round to nearest even (as numpy's astype(float16)). */
export function toHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / nan
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow → signed zero
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = sign | (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++; // may carry into exponent: still correct
  return half;
}

/** binary16 bits → number. */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
