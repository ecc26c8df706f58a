// From CLIPSeg's logits (one h×w map per prompt, row-major) to what the user sees: a binary mask
// at the source image's size, or per-pixel probabilities.

/** σ(z) for every logit, float32. */
export function probabilities(logits: Float32Array): Float32Array {
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) {
    const z = logits[i];
    // The two branches keep exp() from overflowing on either side.
    if (z >= 0) {
      out[i] = 1 / (1 + Math.exp(-z));
    } else {
      const e = Math.exp(z);
      out[i] = e / (1 + e);
    }
  }
  return out;
}

/**
 * The mask σ(z) > threshold (1 inside, 0 outside), resized to outH×outW with torch's 'nearest'.
 * The comparison is made on the logit, z > log(t / (1 − t)), which is the same test without an
 * exp per pixel; t = 0 selects every pixel (σ(z) > 0 for any finite z) and t = 1 none. NaN
 * logits are outside.
 */
export function logitsToMask(logits: Float32Array, h: number, w: number, outH: number, outW: number, threshold = 0.5): Uint8Array {
  checkSize('logitsToMask', logits.length, h, w);
  if (!(threshold >= 0 && threshold <= 1)) throw new RangeError(`logitsToMask: threshold must be in [0, 1], got ${threshold}`);
  const cut = threshold === 0 ? -Infinity : threshold === 1 ? Infinity : Math.log(threshold) - Math.log1p(-threshold);
  const mask = new Uint8Array(h * w);
  if (threshold < 1) for (let i = 0; i < mask.length; i++) mask[i] = logits[i] > cut ? 1 : 0;
  return resizeNearest(mask, h, w, outH, outW);
}

/**
 * torch.nn.functional.interpolate(mode='nearest') on one h×w plane: output row i reads input row
 * min(floor(i · s), h − 1) with s = h / outH computed in float32, as ATen does (with its special
 * cases: equal sizes copy, an exact 2× upscale reads i >> 1). The float32 scale matters only at
 * rare boundaries where it differs from the exact floor(i · h / outH).
 */
export function resizeNearest<T extends Uint8Array | Float32Array>(plane: T, h: number, w: number, outH: number, outW: number): T {
  checkSize('resizeNearest', plane.length, h, w);
  for (const [name, v] of [['output height', outH], ['output width', outW]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`resizeNearest: ${name} must be a positive integer, got ${v}`);
  }
  const rows = nearestIndices(h, outH);
  const cols = nearestIndices(w, outW);
  const out = new (plane.constructor as new (n: number) => T)(outH * outW);
  for (let y = 0; y < outH; y++) {
    const src = rows[y] * w;
    const dst = y * outW;
    for (let x = 0; x < outW; x++) out[dst + x] = plane[src + cols[x]];
  }
  return out;
}

/** ATen's nearest_idx for every output index. */
function nearestIndices(inSize: number, outSize: number): Int32Array {
  const idx = new Int32Array(outSize);
  if (outSize === inSize) {
    for (let i = 0; i < outSize; i++) idx[i] = i;
  } else if (outSize === 2 * inSize) {
    for (let i = 0; i < outSize; i++) idx[i] = i >> 1;
  } else {
    const scale = Math.fround(inSize / outSize);
    for (let i = 0; i < outSize; i++) idx[i] = Math.min(Math.floor(Math.fround(i * scale)), inSize - 1);
  }
  return idx;
}

function checkSize(what: string, length: number, h: number, w: number): void {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h <= 0 || w <= 0) throw new RangeError(`${what}: size must be positive integers, got ${h}×${w}`);
  if (length !== h * w) throw new RangeError(`${what}: ${length} values do not make a ${h}×${w} plane`);
}
