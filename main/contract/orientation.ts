// Which way an image's voxel axes point in the patient, from its affine: the closest axis codes,
// as nibabel's aff2axcodes gives them. Pure and import-free, so the core (tests, import reports)
// and the renderer (the radiological display, renderer/src/workspace/view/orientation.ts) share
// one copy of the math.
//
// The affine maps voxel (i = column, j = row, k = slice) to RAS+ mm (+x Right, +y Anterior,
// +z Superior), row-major, as ImageSummary.affine carries it. A code names the patient direction
// an index grows towards: 'L' for an axis whose index grows towards the patient's left.

export type AxisCode = 'R' | 'L' | 'A' | 'P' | 'S' | 'I';

const TOWARDS: readonly (readonly [AxisCode, AxisCode])[] = [
  ['R', 'L'],
  ['A', 'P'],
  ['S', 'I'],
];

/** The world axis a code lies on: 0 (R/L), 1 (A/P) or 2 (S/I). */
export function worldAxis(code: AxisCode): 0 | 1 | 2 {
  return code === 'R' || code === 'L' ? 0 : code === 'A' || code === 'P' ? 1 : 2;
}

/** The code pointing the other way on the same axis. */
export function oppositeCode(code: AxisCode): AxisCode {
  const [pos, neg] = TOWARDS[worldAxis(code)];
  return code === pos ? neg : pos;
}

/**
 * The patient direction each voxel axis (i, j, k) points to: for each column of the affine's 3×3
 * part, the world axis its direction cosine is closest to, with its sign. Every world axis is used
 * once: pairs are taken largest |cosine| first (so an oblique slice gets its nearest codes, and
 * two columns near one world axis cannot both take it). Null when a column is zero or not finite.
 */
export function axisCodes(affine: readonly (readonly number[])[]): [AxisCode, AxisCode, AxisCode] | null {
  if (affine.length < 3 || affine.slice(0, 3).some((r) => r.length < 3)) return null;
  const cos: number[][] = [];
  for (let c = 0; c < 3; c++) {
    const v = [affine[0][c], affine[1][c], affine[2][c]];
    const norm = Math.hypot(v[0], v[1], v[2]);
    if (!(norm > 0 && Number.isFinite(norm))) return null;
    cos.push(v.map((x) => x / norm));
  }
  const codes: (AxisCode | null)[] = [null, null, null];
  const worldUsed = [false, false, false];
  for (let round = 0; round < 3; round++) {
    let best = { c: -1, w: -1, size: -1 };
    for (let c = 0; c < 3; c++) {
      if (codes[c]) continue;
      for (let w = 0; w < 3; w++) {
        const size = Math.abs(cos[c][w]);
        if (!worldUsed[w] && size > best.size) best = { c, w, size };
      }
    }
    codes[best.c] = TOWARDS[best.w][cos[best.c][best.w] >= 0 ? 0 : 1];
    worldUsed[best.w] = true;
  }
  return codes as [AxisCode, AxisCode, AxisCode];
}

/**
 * The affine to orient an image by, or null when its file carries no patient orientation: a
 * geometry as the store keeps it (main/io/geometry.ts) counts when it came from a DICOM with
 * ImageOrientationPatient (scanner frame, xformCode 1) or a NIfTI whose qform or sform is set.
 * PNG/JPEG and DICOM radiographs without orientation get a stand-in affine at import; it is not
 * a patient direction, so they are shown as stored, without orientation letters.
 */
export function patientAffine(geometry: unknown): number[][] | null {
  if (typeof geometry !== 'object' || geometry === null) return null;
  const g = geometry as { affine?: unknown; xformCode?: unknown; nifti?: { qformCode?: unknown; sformCode?: unknown } };
  const affine = g.affine;
  if (!Array.isArray(affine) || affine.length < 3 || !affine.every((r) => Array.isArray(r) && r.length === 4 && r.every((v) => typeof v === 'number'))) return null;
  const nifti = g.nifti && ((g.nifti.qformCode as number) > 0 || (g.nifti.sformCode as number) > 0);
  const dicom = !g.nifti && g.xformCode === 1;
  return nifti || dicom ? (affine as number[][]).map((r) => [...r]) : null;
}
