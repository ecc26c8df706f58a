// How much a correction of one image (or slice) is likely to teach the adapter: an
// informativeness score computed from the model's probability maps at its input grid (352² for
// CLIPSeg). Pure functions over maps; the suggest job (jobs/runners/suggest.ts) gets the maps
// from the inference service. Definitions and the reasons for them: docs/active-learning.md.

/**
 * Half-width of the boundary band, in pixels of the model's grid. CLIPSeg decodes 22×22 tokens
 * (352 / 16) and its transposed-convolution head upsamples each by 16, so the predicted boundary
 * is only resolved to within one 16-px patch: a band of ±8 px (one patch across, centred on the
 * boundary) holds the uncertain ramp, and a wider one would mix in the confident interior.
 */
export const BAND_HALF_WIDTH = 8;

/** The band's half-width for maps of another side (a model with another input size): the same fraction of the map, at least 1 px. */
export const bandHalfWidthFor = (size: number): number => Math.max(1, Math.round((BAND_HALF_WIDTH * size) / 352));

export interface InformativenessInput {
  /** side of the square maps (the model's input size) */
  size: number;
  /** σ(logits) under the current prompt and the active adapter (or the base model when none), size², row-major */
  primary: Float32Array;
  /** the base model's map for the same prompt; only when an adapter is active */
  base?: Float32Array | null;
  /** the maps of the label's other prompts (synonyms), under the same model as `primary` */
  synonyms?: readonly Float32Array[];
  /** the mask is p > threshold; default 0.5 */
  threshold?: number;
  /** default {@link BAND_HALF_WIDTH} at 352², scaled for other sizes ({@link bandHalfWidthFor}) */
  bandHalfWidth?: number;
}

export interface Informativeness {
  /** the mean of the terms available (entropy, and disagreement / synonymDisagreement where not null), in [0, 1] */
  score: number;
  /** mean binary entropy (bits, in [0, 1]) over the boundary band; over the whole map when the mask has no boundary */
  entropy: number;
  /** 1 − Dice(base mask, adapter mask); null without an adapter */
  disagreement: number | null;
  /** 1 − mean Dice(primary mask, synonym mask); null without synonyms */
  synonymDisagreement: number | null;
  /** pixels the entropy was averaged over */
  bandPixels: number;
}

/** h(p) = −p log₂ p − (1 − p) log₂(1 − p), with h(0) = h(1) = 0. */
export function binaryEntropy(p: number): number {
  if (!(p > 0 && p < 1)) return 0;
  return -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p));
}

/** 1 where p > threshold. */
export function maskOf(p: Float32Array, threshold = 0.5): Uint8Array {
  const m = new Uint8Array(p.length);
  for (let i = 0; i < p.length; i++) m[i] = p[i] > threshold ? 1 : 0;
  return m;
}

/** 2|a ∩ b| / (|a| + |b|); two empty masks agree (1). */
export function dice(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new RangeError(`dice: masks of ${a.length} and ${b.length} pixels`);
  let both = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    sa += a[i];
    sb += b[i];
    both += a[i] & b[i];
  }
  return sa + sb === 0 ? 1 : (2 * both) / (sa + sb);
}

/**
 * Pixels within Chebyshev distance `halfWidth` of the mask's boundary. A boundary pixel is one
 * with a 4-neighbour of the other value, so both sides of an edge count; the map's border is
 * not an edge. Empty when the mask is all 0 or all 1.
 */
export function boundaryBand(mask: Uint8Array, size: number, halfWidth = BAND_HALF_WIDTH): Uint8Array {
  checkSize('boundaryBand', mask.length, size);
  if (!(Number.isInteger(halfWidth) && halfWidth >= 0)) throw new RangeError(`boundaryBand: half-width must be a whole number ≥ 0, got ${halfWidth}`);
  const edge = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      const v = mask[i];
      if ((x > 0 && mask[i - 1] !== v) || (x < size - 1 && mask[i + 1] !== v) || (y > 0 && mask[i - size] !== v) || (y < size - 1 && mask[i + size] !== v)) edge[i] = 1;
    }
  }
  // A square dilation is separable: rows, then columns, each a running count over the window.
  return dilateAxis(dilateAxis(edge, size, halfWidth, 1), size, halfWidth, size);
}

function dilateAxis(src: Uint8Array, size: number, r: number, stride: number): Uint8Array {
  const out = new Uint8Array(src.length);
  const step = stride === 1 ? size : 1; // the other axis
  for (let line = 0; line < size; line++) {
    const base = line * step;
    let count = 0;
    for (let k = 0; k < Math.min(r, size - 1) + 1; k++) count += src[base + k * stride];
    for (let k = 0; k < size; k++) {
      out[base + k * stride] = count > 0 ? 1 : 0;
      const enter = k + r + 1;
      const leave = k - r;
      if (enter < size) count += src[base + enter * stride];
      if (leave >= 0) count -= src[base + leave * stride];
    }
  }
  return out;
}

/** Mean binary entropy over the pixels where `region` is 1 (all pixels when `region` is null or empty). */
export function meanEntropy(p: Float32Array, region: Uint8Array | null): { mean: number; pixels: number } {
  let sum = 0;
  let n = 0;
  if (region) {
    for (let i = 0; i < p.length; i++) {
      if (region[i]) {
        sum += binaryEntropy(p[i]);
        n++;
      }
    }
  }
  if (n === 0) {
    for (let i = 0; i < p.length; i++) sum += binaryEntropy(p[i]);
    n = p.length;
  }
  return { mean: n === 0 ? 0 : sum / n, pixels: n };
}

/** The score of one image (or slice) under one prompt; see {@link Informativeness}. */
export function informativeness(input: InformativenessInput): Informativeness {
  const { size, primary } = input;
  const threshold = input.threshold ?? 0.5;
  checkSize('informativeness: primary map', primary.length, size);
  const mask = maskOf(primary, threshold);
  const band = boundaryBand(mask, size, input.bandHalfWidth ?? bandHalfWidthFor(size));
  const { mean: entropy, pixels: bandPixels } = meanEntropy(primary, band);

  let disagreement: number | null = null;
  if (input.base) {
    checkSize('informativeness: base map', input.base.length, size);
    disagreement = 1 - dice(maskOf(input.base, threshold), mask);
  }
  let synonymDisagreement: number | null = null;
  const synonyms = input.synonyms ?? [];
  if (synonyms.length > 0) {
    let agree = 0;
    synonyms.forEach((s, k) => {
      checkSize(`informativeness: synonym map ${k}`, s.length, size);
      agree += dice(mask, maskOf(s, threshold));
    });
    synonymDisagreement = 1 - agree / synonyms.length;
  }
  return { score: combine(entropy, disagreement, synonymDisagreement), entropy, disagreement, synonymDisagreement, bandPixels };
}

/**
 * The one score: the mean of the terms that exist. Each is in [0, 1] with 0 meaning "the model is
 * sure" and 1 "as unsure as it can be", and no labelled data exists on the device to fit weights
 * on, so they weigh the same. Within one job every item has the same terms (one adapter, one
 * label), so its scores compare with each other.
 */
export function combine(entropy: number, disagreement: number | null, synonymDisagreement: number | null): number {
  const terms = [entropy, disagreement, synonymDisagreement].filter((t): t is number => t !== null);
  return terms.reduce((s, t) => s + t, 0) / terms.length;
}

function checkSize(what: string, length: number, size: number): void {
  if (!(Number.isInteger(size) && size > 0) || length !== size * size) throw new RangeError(`${what}: ${length} values, expected ${size}×${size}`);
}
