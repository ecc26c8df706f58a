// DICOM series → stacks: pure functions over parsed headers (no files, no pixels, no store). What
// 3D Slicer, ITK, dcm2niix and highdicom agree on (docs/formats.md, "DICOM series"):
// - group by StudyInstanceUID, then SeriesInstanceUID;
// - within a series, one stack per orientation, size, pixel spacing and acquisition key (echo,
//   temporal position, enhanced StackID): localizers and multi-echo series never merge;
// - sort by ImagePositionPatient projected on the slice normal (row × column cosines), never by
//   file name or InstanceNumber; spacing is the difference of successive projections;
// - uneven spacing (a gap) splits the stack, duplicate positions are reported and left out, and
//   every split says why.

import { createHash } from 'node:crypto';
import { affineFromDicom, makeGeometry, XFORM_SCANNER, type Geometry, type Vec3 } from '../geometry.ts';

/** One slice candidate: a single-frame file, or one frame of an enhanced multi-frame file. */
export interface SliceInfo {
  path: string;
  /** sha256 hex of the file's bytes */
  hash: string;
  /** frame within the file (0 for single-frame files) */
  frame: number;
  studyUid: string;
  seriesUid: string;
  frameOfReferenceUid: string | null;
  sopInstanceUid: string;
  sopClassUid: string;
  modality: string;
  seriesDescription: string;
  seriesNumber: number | null;
  rows: number;
  columns: number;
  /** ImagePositionPatient, LPS mm */
  ipp: Vec3;
  /** ImageOrientationPatient: row cosines, then column cosines */
  iop: readonly number[];
  /** [row spacing, column spacing] mm */
  pixelSpacing: [number, number];
  /** acquisition keys that must not be merged: EchoNumbers, TemporalPositionIdentifier (or index), StackID */
  echo: string | null;
  temporal: string | null;
  stackId: string | null;
}

/**
 * Spacing tolerance: successive slice steps may differ from the stack's median step by at most
 * max(1 % of it, 0.01 mm) (clinical-conventions.md); orientations agree within 1e-4 per cosine.
 */
export const SPACING_TOLERANCE = { relative: 0.01, absoluteMm: 0.01 } as const;
export const ORIENTATION_TOLERANCE = 1e-4;

export interface Stack {
  studyUid: string;
  seriesUid: string;
  frameOfReferenceUid: string | null;
  modality: string;
  seriesDescription: string;
  seriesNumber: number | null;
  /** sorted by position along the normal, first slice at k = 0 */
  slices: SliceInfo[];
  width: number;
  height: number;
  /** mm between successive slices (mean over the stack); null for a one-slice stack */
  sliceSpacing: number | null;
  /** RAS+ voxel → mm (clinical-conventions.md: IPP₀ + i·Δc·row + j·Δr·col + k·(IPPₖ−IPP₀)/k, then LPS → RAS) */
  geometry: Geometry;
  /** [row, column, slice] mm (slice = the step's length, or 1 for one slice) */
  pixelSpacing: [number, number, number];
  /** e.g. 'echo 2', 'part 2 of 3': tells stacks of one series apart; '' when the series is one stack */
  part: string;
  /** why this series was split, or what was left out; empty when nothing was */
  notes: string[];
}

export interface SeriesProblem {
  path: string;
  frame: number;
  reason: string;
}

export interface SeriesPlan {
  stacks: Stack[];
  /** slices reported and left out of every stack (duplicate positions) */
  problems: SeriesProblem[];
}

const dot = (a: readonly number[], b: readonly number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: readonly number[], b: readonly number[]): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const fmt = (v: number) => String(Math.round(v * 1000) / 1000);

/** The unit slice normal of an ImageOrientationPatient (row cosines × column cosines). */
export function sliceNormal(iop: readonly number[]): Vec3 {
  const n = cross(iop.slice(0, 3), iop.slice(3, 6));
  const len = Math.hypot(...n);
  return n.map((v) => v / len) as Vec3;
}

/** Where a slice sits along its normal (mm). */
export const slicePosition = (s: SliceInfo) => dot(s.ipp, sliceNormal(s.iop));

/** The stack's content hash: sha256 over its slices' identities (file hash and frame, in slice order). */
export function stackContentHash(slices: readonly { hash: string; frame: number; volume?: number }[]): string {
  const h = createHash('sha256').update('delineate-stack-v1\n');
  for (const s of slices) h.update(`${s.hash}:${s.frame}:${s.volume ?? 0}\n`);
  return h.digest('hex');
}

const orientationKey = (iop: readonly number[]) => iop.map((v) => Math.round(v / ORIENTATION_TOLERANCE)).join(',');

/** What splits a series: each key differs in one of these (named in the notes). */
function subKey(s: SliceInfo): { key: string; parts: Record<string, string> } {
  const parts = {
    orientation: orientationKey(s.iop),
    size: `${s.columns}×${s.rows}`,
    'pixel spacing': s.pixelSpacing.map(fmt).join('×'),
    echo: s.echo ?? '',
    'temporal position': s.temporal ?? '',
    stack: s.stackId ?? '',
  };
  return { key: JSON.stringify(parts), parts };
}

/** Groups slices into series and stacks. Deterministic: the same slices in any order give the same plan. */
export function planSeries(input: readonly SliceInfo[]): SeriesPlan {
  const slices = [...input].sort((a, b) => byText(a.path, b.path) || a.frame - b.frame);
  const series = new Map<string, SliceInfo[]>();
  for (const s of slices) {
    const key = `${s.studyUid}\n${s.seriesUid}`;
    const list = series.get(key) ?? [];
    list.push(s);
    series.set(key, list);
  }
  const plan: SeriesPlan = { stacks: [], problems: [] };
  for (const members of series.values()) planOneSeries(members, plan);
  return plan;
}

function planOneSeries(members: SliceInfo[], plan: SeriesPlan): void {
  const groups = new Map<string, { parts: Record<string, string>; slices: SliceInfo[] }>();
  for (const s of members) {
    const { key, parts } = subKey(s);
    const g = groups.get(key) ?? { parts, slices: [] };
    g.slices.push(s);
    groups.set(key, g);
  }
  // echoes and time points in their order, then the largest stack first (a localizer after its series)
  const num = (v: string) => (v === '' ? -Infinity : Number(v.split('\\')[0]));
  const list = [...groups.values()].sort((x, y) => num(x.parts.echo) - num(y.parts.echo) || num(x.parts['temporal position']) - num(y.parts['temporal position']) || y.slices.length - x.slices.length);
  const seriesName = describeSeries(members[0]);
  // what differs between the groups: named in each stack's note and used for its part label
  const differs = Object.keys(list[0].parts).filter((k) => new Set(list.map((g) => g.parts[k])).size > 1);
  const runsOut: { runs: SliceInfo[][]; notes: string[]; label: string }[] = [];
  for (const g of list) {
    const { runs, notes } = splitRuns(g.slices, plan.problems, seriesName);
    const label = differs.includes('echo') ? `echo ${g.parts.echo || '?'}` : differs.includes('temporal position') ? `t = ${g.parts['temporal position'] || '?'}` : '';
    if (list.length > 1) {
      const why = differs.map((d) => (d === 'orientation' ? 'orientation (a localizer or another plane)' : d)).join(', ');
      notes.unshift(`${seriesName} holds ${list.length} stacks that differ in ${why}: each is imported separately`);
    }
    runsOut.push({ runs, notes, label });
  }
  const total = runsOut.reduce((n, r) => n + r.runs.length, 0);
  let index = 0;
  for (const { runs, notes, label } of runsOut) {
    runs.forEach((run, j) => {
      index++;
      const part = total === 1 ? '' : label ? (runs.length > 1 ? `${label}, part ${j + 1} of ${runs.length}` : label) : `part ${index} of ${total}`;
      plan.stacks.push(makeStack(run, part, notes));
    });
  }
}

function describeSeries(s: SliceInfo): string {
  const name = s.seriesDescription || (s.seriesNumber !== null ? `series ${s.seriesNumber}` : 'series');
  return `${s.modality ? `${s.modality} ` : ''}${name} (${s.seriesUid})`;
}

const median = (values: number[]) => {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

/**
 * Sorts one orientation/size group along its normal, reports duplicate positions (left out), and
 * splits it where a step differs from the median step beyond the tolerance.
 */
function splitRuns(group: SliceInfo[], problems: SeriesProblem[], seriesName: string): { runs: SliceInfo[][]; notes: string[] } {
  const normal = sliceNormal(group[0].iop);
  const placed = group.map((s) => ({ s, d: dot(s.ipp, normal) })).sort((a, b) => a.d - b.d || byText(a.s.path, b.s.path) || a.s.frame - b.s.frame);
  const notes: string[] = [];
  const kept: typeof placed = [];
  for (const p of placed) {
    const prev = kept[kept.length - 1];
    if (prev && Math.abs(p.d - prev.d) <= SPACING_TOLERANCE.absoluteMm) {
      const where = (x: SliceInfo) => `${x.path}${x.frame ? ` frame ${x.frame}` : ''}`;
      const reason = `same position as ${where(prev.s)} (${fmt(p.d)} mm along the slice normal) in ${seriesName}: left out of the stack`;
      problems.push({ path: p.s.path, frame: p.s.frame, reason });
      notes.push(`duplicate position: ${where(p.s)} left out (same position as ${where(prev.s)})`);
      continue;
    }
    kept.push(p);
  }
  if (kept.length < 3) return { runs: [kept.map((p) => p.s)], notes };
  const steps = kept.slice(1).map((p, i) => p.d - kept[i].d);
  const step = median(steps);
  const tolerance = Math.max(SPACING_TOLERANCE.relative * step, SPACING_TOLERANCE.absoluteMm);
  const runs: SliceInfo[][] = [[kept[0].s]];
  steps.forEach((gap, i) => {
    if (Math.abs(gap - step) > tolerance) {
      notes.push(`${gap > step ? 'gap' : 'uneven spacing'}: ${fmt(gap)} mm between slices at ${fmt(kept[i].d)} and ${fmt(kept[i + 1].d)} mm (${fmt(step)} mm elsewhere, tolerance ${fmt(tolerance)} mm): the stack is split there`);
      runs.push([]);
    }
    runs[runs.length - 1].push(kept[i + 1].s);
  });
  return { runs, notes };
}

function makeStack(slices: SliceInfo[], part: string, notes: string[]): Stack {
  const first = slices[0];
  const last = slices[slices.length - 1];
  const n = slices.length;
  const normal = sliceNormal(first.iop);
  // the step vector (IPPₖ − IPP₀)/k keeps a tilted gantry's shear; one slice steps 1 mm along the normal
  const step: Vec3 = n > 1 ? (last.ipp.map((v, i) => (v - first.ipp[i]) / (n - 1)) as Vec3) : normal;
  const sliceSpacing = n > 1 ? Math.abs(dot(step, normal)) : null;
  const affine = affineFromDicom(first.ipp, [...first.iop], first.pixelSpacing, step);
  const geometry = makeGeometry([first.columns, first.rows, n], affine, XFORM_SCANNER);
  return {
    studyUid: first.studyUid,
    seriesUid: first.seriesUid,
    frameOfReferenceUid: first.frameOfReferenceUid,
    modality: first.modality,
    seriesDescription: first.seriesDescription,
    seriesNumber: first.seriesNumber,
    slices,
    width: first.columns,
    height: first.rows,
    sliceSpacing,
    geometry,
    pixelSpacing: [first.pixelSpacing[0], first.pixelSpacing[1], geometry.spacing[2]],
    part,
    notes: [...notes],
  };
}
