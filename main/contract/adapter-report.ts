// An adapter's evaluation report (docs/adapter-report.md): its held-out corrected images scored
// under the adapter, the base model and the adapter active before it, with paired differences,
// their bootstrap interval and a plain verdict. Pure types and rules, shared with the renderer: the
// adapt job's comparison dialog and this report use the same MIN_JUDGED and verdict rule.

/**
 * Held-out images needed before a spread or a verdict is shown. Below it a standard deviation and
 * a bootstrap interval are noise (with 2 images a resample is one of 4 pairs).
 */
export const MIN_JUDGED = 3;

/** Bootstrap resamples behind every interval of the report. */
export const BOOTSTRAP_RESAMPLES = 10_000;

export type Verdict = 'better' | 'no measurable difference' | 'worse' | 'too few held-out images';

/** A two-sided interval of a mean difference (percentile bootstrap). */
export interface Interval {
  low: number;
  high: number;
}

/**
 * The verdict of a paired comparison of n images whose mean difference (this − other) has the
 * interval given: fewer than MIN_JUDGED images, 'too few held-out images'; an interval wholly on
 * the good side of 0, 'better'; wholly on the bad side, 'worse'; one that touches or spans 0, 'no
 * measurable difference'. `higherIsBetter`: false for distances (HD95).
 */
export function verdictOf(n: number, interval: Interval | null, higherIsBetter = true): Verdict {
  if (!(n >= MIN_JUDGED) || interval === null) return 'too few held-out images';
  const { low, high } = higherIsBetter ? interval : { low: -interval.high, high: -interval.low };
  if (low > 0) return 'better';
  if (high < 0) return 'worse';
  return 'no measurable difference';
}

export type ReportMetric = 'dsc' | 'iou' | 'hd95';

export interface MetricSummary {
  mean: number;
  /** population standard deviation */
  std: number;
}

/** One model's scores over the report's images (DSC and IoU as fractions, HD95 in the report's hd95Unit). */
export interface ModelScores {
  n: number;
  dsc: MetricSummary;
  iou: MetricSummary;
  hd95: MetricSummary;
}

/** Mean of the per-image differences (adapter − other) of one metric, with its interval and verdict. */
export interface PairedDifference {
  mean: number;
  /** null below MIN_JUDGED images */
  interval: Interval | null;
  verdict: Verdict;
}

export interface ReportComparison {
  /** the model compared with: null is the base model */
  adapterId: number | null;
  name: string;
  scores: ModelScores;
  differences: Record<ReportMetric, PairedDifference>;
  /** the DSC difference's verdict: what the report leads with */
  verdict: Verdict;
}

export interface ImageScores {
  dsc: number;
  iou: number;
  /** in the report's hd95Unit */
  hd95: number;
}

export interface ReportImage {
  imageId: number;
  /** slice of a volume, 0 for a 2-D image */
  frame: number;
  fileName: string;
  label: string | null;
  /** the prompt the comparison used (the correction's own, else its label's first) */
  prompt: string;
  adapter: ImageScores;
  base: ImageScores;
  previous: ImageScores | null;
}

/** DSC under one prompt of a label, over the report's images of that label. */
export interface PromptScores {
  label: string | null;
  prompt: string;
  n: number;
  base: number;
  adapter: number;
}

export interface GalleryEntry {
  imageId: number;
  frame: number;
  fileName: string;
  /** DSC adapter − base on this image */
  change: number;
  kind: 'gain' | 'loss';
}

export interface AdapterReport {
  adapterId: number;
  adapterName: string;
  /** the model the images were scored with (name@sha256-prefix) */
  modelId: string;
  computedAt: string;
  /** where the images come from and what is missing */
  heldOut: {
    /** 'adapt': the held-out set the adapt job recorded; 'imported': every corrected image of the adapter's project (a pack trained elsewhere saw none of them); 'none': no record */
    source: 'adapt' | 'imported' | 'none';
    recorded: number;
    scored: number;
    /** held-out images no longer in the store, or whose recorded mask is gone */
    missing: number;
    /** a plain sentence for the reader */
    note: string;
  };
  /** mm where every image's pixel spacing is known, else pixels */
  hd95Unit: 'mm' | 'px';
  /** the probability threshold of every mask; masks are scored at each image's own size, as the app shows them */
  threshold: number;
  minJudged: number;
  resamples: number;
  seed: number;
  adapter: ModelScores | null;
  base: ReportComparison | null;
  previous: ReportComparison | null;
  /** why there is no comparison with a previous adapter, when there is none */
  previousNote: string | null;
  images: ReportImage[];
  prompts: PromptScores[];
  gallery: GalleryEntry[];
}

/**
 * What the report records in the adapter's metrics (`evidence`), so the versions table and the
 * activation check know the verdicts without scoring again.
 */
export interface AdapterEvidence {
  modelId: string;
  computedAt: string;
  n: number;
  vsBase: Verdict | null;
  vsPrevious: Verdict | null;
}

/** The verdicts of a recorded report that should make the user think twice before activating. */
export function worseThan(evidence: AdapterEvidence | null | undefined): ('the base model' | 'the previous adapter')[] {
  if (!evidence) return [];
  const out: ('the base model' | 'the previous adapter')[] = [];
  if (evidence.vsBase === 'worse') out.push('the base model');
  if (evidence.vsPrevious === 'worse') out.push('the previous adapter');
  return out;
}

/** An adapter's recorded evidence from its free-form metrics, or null. */
export function evidenceOf(metrics: Record<string, unknown> | null | undefined): AdapterEvidence | null {
  const e = metrics?.evidence;
  if (!e || typeof e !== 'object') return null;
  const { modelId, computedAt, n } = e as Partial<AdapterEvidence>;
  if (typeof modelId !== 'string' || typeof computedAt !== 'string' || typeof n !== 'number') return null;
  return e as AdapterEvidence;
}
