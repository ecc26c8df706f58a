// The int8 fidelity guard: the same images and prompts through the fp32 and the int8 vision
// tower, compared by the decision a user sees (the mask at logit 0) and by the largest logit change
// relative to the fp32 logit range. int8 is only offered as the default when every sample agrees.

import type { Precision } from '../contract/precision.ts';
import type { Segmenter } from '../engine/model/segmenter.ts';

/** Mask Dice below which int8 is judged to disagree with fp32 on an image (the 0.97). */
export const MIN_INT8_DICE = 0.97;

export interface PrecisionSample { name: string; pixels: Float32Array; prompt: string }

export interface SampleAgreement {
  name: string;
  prompt: string;
  /** Dice of the fp32 and int8 masks (logit > 0); 1 when both are empty. */
  dice: number;
  /** max |Δlogit| / (max − min of the fp32 logits). */
  relativeLogitError: number;
  /**
   * false when both masks are specks (under {@link SPECK_FRACTION} of the pixels): the prompt names
   * nothing in the image, and the Dice of a few stray pixels says nothing about agreement.
   */
  judged: boolean;
}

/** Masks smaller than this fraction of the image are not judged by Dice. */
export const SPECK_FRACTION = 0.001;

function positives(logits: Float32Array): number {
  let n = 0;
  for (const v of logits) if (v > 0) n++;
  return n;
}

export interface PrecisionCheck {
  samples: SampleAgreement[];
  minDice: number;
  maxRelativeLogitError: number;
  /** int8 may be used: every judged sample's Dice ≥ `threshold`. */
  int8Agrees: boolean;
  threshold: number;
  /** In words, for the app and the CLI. */
  summary: string;
}

export function maskDice(a: Float32Array, b: Float32Array): number {
  let inter = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] > 0, y = b[i] > 0;
    if (x) na++;
    if (y) nb++;
    if (x && y) inter++;
  }
  return na + nb === 0 ? 1 : (2 * inter) / (na + nb);
}

export function relativeLogitError(ref: Float32Array, other: Float32Array): number {
  let lo = Infinity, hi = -Infinity, worst = 0;
  for (let i = 0; i < ref.length; i++) {
    lo = Math.min(lo, ref[i]);
    hi = Math.max(hi, ref[i]);
    worst = Math.max(worst, Math.abs(ref[i] - other[i]));
  }
  return worst / Math.max(hi - lo, 1e-12);
}

async function logitsAt(segmenter: Segmenter, precision: Precision, samples: readonly PrecisionSample[]): Promise<Float32Array[]> {
  await segmenter.setPrecision(precision);
  const out: Float32Array[] = [];
  for (const [k, s] of samples.entries()) {
    const key = `precision-check:${precision}:${k}`;
    await segmenter.encodeImage(key, s.pixels);
    out.push(await segmenter.logits(key, s.prompt));
  }
  return out;
}

/** Runs the samples at fp32 and int8; leaves the segmenter at the precision it had. */
export async function checkInt8Fidelity(segmenter: Segmenter, samples: readonly PrecisionSample[], threshold = MIN_INT8_DICE): Promise<PrecisionCheck> {
  if (samples.length === 0) throw new RangeError('the int8 check needs at least one sample image');
  const before = segmenter.precision;
  try {
    const fp32 = await logitsAt(segmenter, 'fp32', samples);
    const int8 = await logitsAt(segmenter, 'int8', samples);
    const agreements = samples.map((s, k) => ({
      name: s.name, prompt: s.prompt, dice: maskDice(fp32[k], int8[k]), relativeLogitError: relativeLogitError(fp32[k], int8[k]),
      judged: Math.max(positives(fp32[k]), positives(int8[k])) >= SPECK_FRACTION * fp32[k].length,
    }));
    const judged = agreements.filter((a) => a.judged);
    const minDice = judged.length ? Math.min(...judged.map((a) => a.dice)) : 1;
    const maxRel = Math.max(...agreements.map((a) => a.relativeLogitError));
    const worst = judged.find((a) => a.dice === minDice);
    const int8Agrees = minDice >= threshold;
    const summary = int8Agrees
      ? `int8 agrees with fp32 on ${samples.length} sample${samples.length === 1 ? '' : 's'} (mask Dice ≥ ${minDice.toFixed(3)}, logits within ${(maxRel * 100).toFixed(2)} % of their range)`
      : `int8 disagrees with fp32: mask Dice ${minDice.toFixed(3)} on ${worst!.name} ("${worst!.prompt}"), below ${threshold}; staying on fp32`;
    return { samples: agreements, minDice, maxRelativeLogitError: maxRel, int8Agrees, threshold, summary };
  } finally {
    await segmenter.setPrecision(before);
  }
}
