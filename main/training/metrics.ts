// Segmentation metrics per image, with the conventions of the VLSM-Adapter comparison (see
// design/engine-facts.md, "Metrics"):
//
// - DSC = 2|P∩G| / (|P| + |G|) and IoU = |P∩G| / |P∪G|; when both masks are empty (0/0) the
//   score is 1, so an empty ground truth scores 1 for an empty prediction and 0 otherwise.
// - HD95 is MedPy's hd95: the 95th percentile of the symmetric boundary distances, i.e. the
//   distances from every boundary pixel of the prediction to the nearest boundary pixel of the
//   ground truth, together with those from every ground-truth boundary pixel to the prediction's
//   boundary, pooled into one list. (MONAI instead takes the larger of the two directed 95th
//   percentiles; the two agree on symmetric cases and differ slightly otherwise.)
//   - boundary: foreground pixels with at least one 4-neighbour that is background or outside the
//     image (MedPy: mask XOR binary_erosion(mask, 4-connectivity), border value 0);
//   - percentile: numpy's default 'linear' method, value at rank 0.95·(n − 1) of the sorted list,
//     interpolated between the two nearest ranks;
//   - distances between pixel centres, exact Euclidean (Felzenszwalb–Huttenlocher transform, O(N));
//     in pixels, or in mm when a spacing [row, col] in mm is given (anisotropic allowed);
//   - both masks empty: 0; exactly one empty: the image diagonal √((H·sr)² + (W·sc)²).
// - Masks are Uint8Array, row-major, top row first; any non-zero value is foreground.

/** Pixel spacing in mm: [between rows, between columns]. */
export type Spacing = readonly [number, number];

export interface ImageMetrics {
  dice: number;
  iou: number;
  /** in pixels of the grid scored */
  hd95: number;
  /** in mm; present when a spacing was given */
  hd95Mm?: number;
}

/** What a distance is measured in: mm where the spacing is known, else pixels. */
export type DistanceUnit = 'mm' | 'px';

function overlap(pred: Uint8Array, target: Uint8Array): { p: number; g: number; both: number } {
  if (pred.length !== target.length) throw new RangeError(`metrics: prediction has ${pred.length} pixels but the target has ${target.length}`);
  let p = 0;
  let g = 0;
  let both = 0;
  for (let i = 0; i < pred.length; i++) {
    const a = pred[i] !== 0;
    const b = target[i] !== 0;
    if (a) p++;
    if (b) g++;
    if (a && b) both++;
  }
  return { p, g, both };
}

/** Dice similarity coefficient, 1 when both masks are empty. */
export function dice(pred: Uint8Array, target: Uint8Array): number {
  const { p, g, both } = overlap(pred, target);
  return p + g === 0 ? 1 : (2 * both) / (p + g);
}

/** Intersection over union (Jaccard), 1 when both masks are empty. */
export function iou(pred: Uint8Array, target: Uint8Array): number {
  const { p, g, both } = overlap(pred, target);
  const union = p + g - both;
  return union === 0 ? 1 : both / union;
}

function checkPlane(what: string, mask: ArrayLike<number>, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) throw new RangeError(`${what}: size must be positive integers, got ${width}×${height}`);
  if (mask.length !== width * height) throw new RangeError(`${what}: ${mask.length} values do not make a ${width}×${height} mask`);
}

function checkSpacing(spacing: Spacing): void {
  if (spacing.length !== 2 || !spacing.every((s) => Number.isFinite(s) && s > 0)) throw new RangeError(`spacing must be two positive numbers [row, col] in mm, got ${JSON.stringify(spacing)}`);
}

/** Foreground pixels with a 4-neighbour that is background or outside the image (0/1). */
export function boundary(mask: Uint8Array, width: number, height: number): Uint8Array {
  checkPlane('boundary', mask, width, height);
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (mask[i] === 0) continue;
      const edge = x === 0 || y === 0 || x === width - 1 || y === height - 1;
      if (edge || mask[i - 1] === 0 || mask[i + 1] === 0 || mask[i - width] === 0 || mask[i + width] === 0) out[i] = 1;
    }
  }
  return out;
}

/**
 * Squared Euclidean distance from every pixel centre to the nearest non-zero pixel of `sites`
 * (Infinity everywhere when there is none), with rows `spacing[0]` and columns `spacing[1]` apart.
 * Felzenszwalb & Huttenlocher (2012): the exact 1-D transform as the lower envelope of parabolas,
 * along the rows and then along the columns; O(width·height).
 */
export function squaredDistanceTransform(sites: Uint8Array, width: number, height: number, spacing: Spacing = [1, 1]): Float64Array {
  checkPlane('squaredDistanceTransform', sites, width, height);
  checkSpacing(spacing);
  const d = new Float64Array(sites.length);
  for (let i = 0; i < sites.length; i++) d[i] = sites[i] !== 0 ? 0 : Infinity;
  const n = Math.max(width, height);
  const f = new Float64Array(n);
  const out = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) f[x] = d[row + x];
    envelope(f, width, spacing[1], out, v, z);
    for (let x = 0; x < width; x++) d[row + x] = out[x];
  }
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) f[y] = d[y * width + x];
    envelope(f, height, spacing[0], out, v, z);
    for (let y = 0; y < height; y++) d[y * width + x] = out[y];
  }
  return d;
}

/** The 1-D transform: out[i] = min over q of f[q] + (s·(i − q))², skipping infinite f[q]. */
function envelope(f: Float64Array, n: number, s: number, out: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[q];
    if (fq === Infinity) continue;
    const pq = q * s;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    // pop the parabolas that q's hides; z[0] = −∞ stops this at k = 0
    let cut: number;
    for (;;) {
      const pr = v[k] * s;
      // where the parabola of q starts to lie below that of v[k]
      cut = (fq + pq * pq - (f[v[k]] + pr * pr)) / (2 * (pq - pr));
      if (cut > z[k]) break;
      k--;
    }
    k++;
    v[k] = q;
    z[k] = cut;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    out.fill(Infinity, 0, n);
    return;
  }
  k = 0;
  for (let i = 0; i < n; i++) {
    const x = i * s;
    while (z[k + 1] < x) k++;
    const dx = x - v[k] * s;
    out[i] = dx * dx + f[v[k]];
  }
}

/** numpy.percentile(values, p) with the default 'linear' method; sorts `values` in place. */
export function percentile(values: Float64Array, p: number): number {
  if (values.length === 0) throw new RangeError('percentile of no values');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${p}`);
  values.sort();
  const rank = (p / 100) * (values.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, values.length - 1);
  return values[lo] + (rank - lo) * (values[hi] - values[lo]);
}

/** The image diagonal, HD95's value when exactly one of the masks is empty. */
export function imageDiagonal(width: number, height: number, spacing: Spacing = [1, 1]): number {
  return Math.hypot(height * spacing[0], width * spacing[1]);
}

/** MedPy-style HD95 (see the top of this file), in pixels or, with a spacing, in mm. */
export function hd95(pred: Uint8Array, target: Uint8Array, width: number, height: number, spacing: Spacing = [1, 1]): number {
  checkPlane('hd95 prediction', pred, width, height);
  checkPlane('hd95 target', target, width, height);
  checkSpacing(spacing);
  const bp = boundary(pred, width, height);
  const bg = boundary(target, width, height);
  let np = 0;
  let ng = 0;
  for (let i = 0; i < bp.length; i++) {
    np += bp[i];
    ng += bg[i];
  }
  if (np === 0 && ng === 0) return 0;
  if (np === 0 || ng === 0) return imageDiagonal(width, height, spacing);
  const toTarget = squaredDistanceTransform(bg, width, height, spacing);
  const toPred = squaredDistanceTransform(bp, width, height, spacing);
  const distances = new Float64Array(np + ng);
  let at = 0;
  for (let i = 0; i < bp.length; i++) {
    if (bp[i]) distances[at++] = Math.sqrt(toTarget[i]);
    if (bg[i]) distances[at++] = Math.sqrt(toPred[i]);
  }
  return percentile(distances, 95);
}

/** DSC, IoU and HD95 of one prediction against its ground truth. */
export function imageMetrics(pred: Uint8Array, target: Uint8Array, width: number, height: number, spacing?: Spacing): ImageMetrics {
  const m: ImageMetrics = { dice: dice(pred, target), iou: iou(pred, target), hd95: hd95(pred, target, width, height) };
  if (spacing) m.hd95Mm = hd95(pred, target, width, height, spacing);
  return m;
}

export interface ScoreBatchOptions {
  /** what `values` holds: raw logits z (default) or probabilities σ(z) */
  input?: 'logits' | 'probabilities';
  /** foreground where σ(z) > threshold (default 0.5, i.e. z > 0) */
  threshold?: number;
  /** one spacing for every image, or one per image, to also report HD95 in mm */
  spacing?: Spacing | readonly (Spacing | undefined)[];
}

/**
 * Per-image metrics of a batch: `values` and `targets` are [batch, height, width], row-major.
 * Targets are 0/1 (anything above 0.5 counts as foreground). Logits are compared as
 * z > log(t / (1 − t)), the same test as σ(z) > t without an exp per pixel.
 */
export function scoreBatch(values: Float32Array, targets: ArrayLike<number>, shape: { batch: number; height: number; width: number }, options: ScoreBatchOptions = {}): ImageMetrics[] {
  const { batch, height, width } = shape;
  if (!Number.isInteger(batch) || batch <= 0) throw new RangeError(`scoreBatch: batch must be a positive integer, got ${batch}`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) throw new RangeError(`scoreBatch: size must be positive integers, got ${width}×${height}`);
  if (values.length !== batch * height * width) throw new RangeError(`scoreBatch: ${values.length} values do not make ${batch}×${height}×${width}`);
  if (targets.length !== values.length) throw new RangeError(`scoreBatch: ${targets.length} target values, expected ${values.length}`);
  const t = options.threshold ?? 0.5;
  if (!(t >= 0 && t <= 1)) throw new RangeError(`scoreBatch: threshold must be in [0, 1], got ${t}`);
  const logits = (options.input ?? 'logits') === 'logits';
  const cut = logits ? (t === 0 ? -Infinity : t === 1 ? Infinity : Math.log(t) - Math.log1p(-t)) : t;
  const spacingOf = (b: number): Spacing | undefined => {
    const s = options.spacing;
    if (!s) return undefined;
    if (typeof s[0] === 'number') return s as Spacing;
    if (s.length !== batch) throw new RangeError(`scoreBatch: ${s.length} spacings for a batch of ${batch}`);
    return (s as readonly (Spacing | undefined)[])[b];
  };
  const plane = height * width;
  const out: ImageMetrics[] = [];
  for (let b = 0; b < batch; b++) {
    const pred = new Uint8Array(plane);
    const target = new Uint8Array(plane);
    for (let i = 0; i < plane; i++) {
      pred[i] = values[b * plane + i] > cut ? 1 : 0;
      target[i] = targets[b * plane + i] > 0.5 ? 1 : 0;
    }
    out.push(imageMetrics(pred, target, width, height, spacingOf(b)));
  }
  return out;
}

export interface Summary {
  mean: number;
  /** population standard deviation (ddof 0, numpy's default) */
  std: number;
  n: number;
}

/** Mean and population standard deviation (ddof 0) of per-image values; NaN for both when empty. */
export function summarize(values: ArrayLike<number>): Summary {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN, n };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(sq / n), n };
}

/**
 * HD95 over a set of images, in one unit: mm when every image had a spacing (hd95Mm), else pixels
 * for all of them (a mean of mm and pixels would mean nothing). Outputs name the unit.
 */
export function summarizeHd95(per: readonly ImageMetrics[]): Summary & { unit: DistanceUnit } {
  const mm = per.length > 0 && per.every((m) => m.hd95Mm !== undefined);
  return { ...summarize(per.map((m) => (mm ? m.hd95Mm! : m.hd95))), unit: mm ? 'mm' : 'px' };
}

/**
 * The [row, col] spacing of a width × height image once resized to toWidth × toHeight (the model's
 * input grid, where metrics are scored): each pixel then spans source/target as many source pixels.
 * `pixelSpacing` is the store's [row, col(, slice)] in mm; undefined when it is unknown.
 */
export function resizedSpacing(pixelSpacing: readonly number[] | null | undefined, width: number, height: number, toWidth: number, toHeight: number): Spacing | undefined {
  if (!pixelSpacing || pixelSpacing.length < 2 || !(pixelSpacing[0] > 0 && pixelSpacing[1] > 0)) return undefined;
  return [(pixelSpacing[0] * height) / toHeight, (pixelSpacing[1] * width) / toWidth];
}
