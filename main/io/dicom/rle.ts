// DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, then one PackBits segment
// per byte plane, most significant byte first, sample after sample. Short enough to keep here.

/** Why a fragment is not valid RLE; the caller names the file and frame. */
export class RleError extends Error {}

/**
 * Decodes one frame into its composite sample words, planar (all of sample 0, then 1, ...), not yet
 * masked to BitsStored. `bytesPerSample` is BitsAllocated / 8.
 */
export function decodeRle(data: Uint8Array, pixels: number, samplesPerPixel: number, bytesPerSample: number): Float64Array {
  if (data.length < 64) throw new RleError(`${data.length}-byte fragment is shorter than the 64-byte RLE header`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const segments = view.getUint32(0, true);
  const expected = samplesPerPixel * bytesPerSample;
  if (segments !== expected) throw new RleError(`${segments} RLE segments, ${expected} expected`);
  const offsets = Array.from({ length: segments }, (_, i) => view.getUint32(4 + 4 * i, true));
  const out = new Float64Array(pixels * samplesPerPixel);
  const plane = new Uint8Array(pixels);
  for (let s = 0; s < segments; s++) {
    const start = offsets[s];
    const end = s + 1 < segments ? offsets[s + 1] : data.length;
    if (start < 64 || end > data.length || start > end) throw new RleError(`segment ${s} lies outside the fragment (${start}..${end} of ${data.length})`);
    const got = unpackBits(data, start, end, plane);
    if (got < pixels) throw new RleError(`segment ${s} decodes to ${got} bytes, ${pixels} expected`);
    const sample = Math.floor(s / bytesPerSample);
    const weight = 2 ** (8 * (bytesPerSample - 1 - (s % bytesPerSample)));
    const at = sample * pixels;
    for (let i = 0; i < pixels; i++) out[at + i] += plane[i] * weight;
  }
  return out;
}

/** PackBits into `out`; returns how many bytes it produced (encoders may pad a segment: extra is dropped). */
function unpackBits(src: Uint8Array, start: number, end: number, out: Uint8Array): number {
  let o = 0;
  let i = start;
  while (i < end && o < out.length) {
    const n = src[i++];
    if (n < 128) {
      // n + 1 literal bytes
      const take = Math.min(n + 1, end - i, out.length - o);
      out.set(src.subarray(i, i + take), o);
      o += take;
      i += n + 1;
    } else if (n > 128) {
      // the next byte 257 − n times
      if (i >= end) break;
      const count = Math.min(257 - n, out.length - o);
      out.fill(src[i++], o, o + count);
      o += count;
    } // 128: no operation
  }
  return o;
}
