// Weight quantisation for int8 Linear layers: symmetric, one scale per output channel, int8 in
// [-127, 127] (the -128 code is left unused so that the grid is symmetric around zero).

export interface Int8Weight {
  /** [in, out]: the transpose of the float weight's HF layout, as DynamicQuantizeMatMul reads B. */
  values: Int8Array;
  /** [out]: weight ≈ values · scale per output channel. */
  scale: Float32Array;
}

/** Quantises a Linear weight stored [out, in] (PyTorch/HF layout). */
export function quantizeLinearWeight(w: Float32Array, out: number, inp: number): Int8Weight {
  if (w.length !== out * inp) throw new RangeError(`quantizeLinearWeight: ${w.length} values for [${out}, ${inp}]`);
  const values = new Int8Array(out * inp);
  const scale = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    const row = o * inp;
    let max = 0;
    for (let i = 0; i < inp; i++) max = Math.max(max, Math.abs(w[row + i]));
    if (!Number.isFinite(max)) throw new RangeError(`quantizeLinearWeight: output channel ${o} holds a non-finite value`);
    const s = max > 0 ? max / 127 : 1;
    scale[o] = s;
    for (let i = 0; i < inp; i++) values[i * out + o] = Math.round(w[row + i] / s);
  }
  return { values, scale };
}

/** Feed names of a float weight's int8 form: derived from it by the runtime, never stored in a checkpoint. */
export const int8Names = (weight: string): { values: string; scale: string } => ({ values: `${weight}:int8`, scale: `${weight}:int8_scale` });

/** The float weight an int8 feed name derives from, and which part it is; null for other names. */
export function int8Source(name: string): { weight: string; part: 'values' | 'scale' } | null {
  const m = /^(.*):int8(_scale)?$/.exec(name);
  return m ? { weight: m[1], part: m[2] ? 'scale' : 'values' } : null;
}
