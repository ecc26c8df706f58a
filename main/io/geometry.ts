/**
 * Where an image's voxels sit in the patient, in one convention for every format: a 4×4 affine
 * from voxel indices (i = column, fastest in memory; j = row; k = slice) to RAS+ millimetres
 * (+x patient Right, +y Anterior, +z Superior), the frame NIfTI's qform/sform use.
 */

/** Row-major 4×4 matrix; the last row is [0, 0, 0, 1]. */
export type Mat4 = number[][];
export type Vec3 = [number, number, number];

/** NIfTI xform codes: what the world frame of an affine means. */
export const XFORM_SCANNER = 1;
export const XFORM_ALIGNED = 2;

/**
 * A NIfTI source's transform fields as stored. Masks for a NIfTI image copy these verbatim rather
 * than re-deriving them from the affine, because readers disagree on qform vs sform precedence:
 * only an exact copy overlays the source in every reader.
 */
export interface NiftiTransform {
  /** spatial dims as stored: dim[1..min(dim[0], 3)] */
  dim: number[];
  /** pixdim[0..7] as stored; pixdim[0] is qfac */
  pixdim: number[];
  qformCode: number;
  sformCode: number;
  /** quatern_b, quatern_c, quatern_d */
  quatern: Vec3;
  /** qoffset_x, qoffset_y, qoffset_z */
  qoffset: Vec3;
  /** srow_x, srow_y, srow_z (3 rows of 4) */
  srow: number[][];
  /** spatial unit bits of xyzt_units (0 when the source left them unknown) */
  spatialUnits: number;
}

export interface Geometry {
  /** voxels along i (columns), j (rows), k (slices); a 2-D image has dims[2] === 1 */
  dims: Vec3;
  /** mm between neighbouring voxel centres along i, j, k: the column norms of the affine */
  spacing: Vec3;
  /** voxel (i, j, k, 1) → RAS+ mm; the third column is meaningful even for one slice */
  affine: Mat4;
  /** qform_code = sform_code to write: 1 scanner (DICOM with a patient position), 2 aligned otherwise */
  xformCode: number;
  /** present when the geometry came from a NIfTI file: the header's fields, copied on export */
  nifti?: NiftiTransform;
}

/** NIfTI's quaternion form of a rigid affine with per-axis scale (the qform fields). */
export interface Quaternion {
  b: number;
  c: number;
  d: number;
  qoffset: Vec3;
  /** -1 when the affine is a reflection; stored in pixdim[0] */
  qfac: 1 | -1;
  /** pixdim[1..3]: positive voxel sizes */
  pixdim: Vec3;
}

export function makeGeometry(dims: Vec3, affine: Mat4, xformCode: number): Geometry {
  const spacing = [0, 1, 2].map((c) => Math.hypot(affine[0][c], affine[1][c], affine[2][c])) as Vec3;
  return { dims, spacing, affine, xformCode };
}

/** The affine maps voxel (i, j, k) to world (x, y, z). */
export function voxelToWorld(affine: Mat4, [i, j, k]: Vec3): Vec3 {
  return [0, 1, 2].map((r) => affine[r][0] * i + affine[r][1] * j + affine[r][2] * k + affine[r][3]) as Vec3;
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/**
 * The RAS+ affine of a DICOM image (PS3.3 C.7.6.2.1.1). `iop` is ImageOrientationPatient (row
 * direction, i.e. along a row as i grows, then column direction); `pixelSpacing` is
 * PixelSpacing as stored: [row spacing (between rows, along j), column spacing (along i)].
 * `sliceStep` is the signed distance along the normal (row × column) between frames, or the LPS
 * vector from one frame's ImagePositionPatient to the next; default 1 mm along the normal.
 * DICOM's patient frame is LPS, so x and y are negated to reach RAS.
 */
export function affineFromDicom(ipp: Vec3, iop: number[], pixelSpacing: [number, number], sliceStep: number | Vec3 = 1): Mat4 {
  const row: Vec3 = [iop[0], iop[1], iop[2]];
  const col: Vec3 = [iop[3], iop[4], iop[5]];
  const step: Vec3 = typeof sliceStep === 'number' ? (cross(row, col).map((v) => v * sliceStep) as Vec3) : sliceStep;
  const [rowSpacing, colSpacing] = pixelSpacing;
  const lps = [0, 1, 2].map((r) => [row[r] * colSpacing, col[r] * rowSpacing, step[r], ipp[r]]);
  return [lps[0].map((v) => -v), lps[1].map((v) => -v), lps[2], [0, 0, 0, 1]].map((r) => r.map((v) => v + 0)); // + 0 turns -0 into 0
}

/**
 * The affine for a PNG/JPEG (or a DICOM without ImageOrientationPatient): the image is taken as an
 * axial slice seen from the feet, exactly as a DICOM with ImageOrientationPatient 1\0\0\0\1\0 at
 * position 0\0\0. Row 0 is the most anterior row, so every viewer shows row 0 at the top (upright);
 * column 0 is patient Right, which radiological-convention viewers (3D Slicer, ITK-SNAP, OHIF)
 * put on the screen's left, so they show the image unmirrored too. Neurological-convention
 * viewers (FSLeyes' default) show it upright but mirrored left-right, as they show any axial scan.
 * In RAS: i → −x, j → −y, k → +z; determinant positive, so qfac = 1.
 */
export function defaultRasterAffine(_width: number, _height: number, spacing = 1): Mat4 {
  return affineFromDicom([0, 0, 0], [1, 0, 0, 0, 1, 0], [spacing, spacing], spacing);
}

/** Geometry of a 2-D raster image (PNG/JPEG) under {@link defaultRasterAffine}. */
export function rasterGeometry(width: number, height: number, spacing = 1): Geometry {
  return makeGeometry([width, height, 1], defaultRasterAffine(width, height, spacing), XFORM_ALIGNED);
}

/**
 * The geometry of slice k of a volume as a one-slice image: the affine's origin moves to the
 * slice; the NIfTI header copy is dropped because its offsets no longer apply.
 */
export function sliceGeometry(g: Geometry, k: number): Geometry {
  if (!Number.isInteger(k) || k < 0 || k >= g.dims[2]) throw new RangeError(`slice ${k} is outside 0..${g.dims[2] - 1}`);
  const origin = voxelToWorld(g.affine, [0, 0, k]);
  const affine = g.affine.map((r, i) => (i < 3 ? [r[0], r[1], r[2], origin[i]] : [...r]));
  return { dims: [g.dims[0], g.dims[1], 1], spacing: [...g.spacing], affine, xformCode: g.xformCode };
}

type Mat3 = number[][];

const det3 = (m: Mat3) =>
  m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);

function inverse3(m: Mat3): Mat3 {
  const d = det3(m);
  const c = (r0: number, c0: number, r1: number, c1: number) => m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0];
  return [
    [c(1, 1, 2, 2) / d, -c(0, 1, 2, 2) / d, c(0, 1, 1, 2) / d],
    [-c(1, 0, 2, 2) / d, c(0, 0, 2, 2) / d, -c(0, 0, 1, 2) / d],
    [c(1, 0, 2, 1) / d, -c(0, 0, 2, 1) / d, c(0, 0, 1, 1) / d],
  ];
}

const rowNorm = (m: Mat3) => Math.max(...m.map((r) => Math.abs(r[0]) + Math.abs(r[1]) + Math.abs(r[2])));
const colNorm = (m: Mat3) => Math.max(...[0, 1, 2].map((c) => Math.abs(m[0][c]) + Math.abs(m[1][c]) + Math.abs(m[2][c])));

/** The nearest orthogonal matrix (nifti1_io.c's nifti_mat33_polar), so skewed sforms still get a qform. */
function polar(a: Mat3): Mat3 {
  let x = a.map((r) => [...r]);
  let gam = det3(x);
  while (gam === 0) {
    gam = 0.00001 * (0.001 + rowNorm(x));
    for (let i = 0; i < 3; i++) x[i][i] += gam;
    gam = det3(x);
  }
  let dif = 1;
  for (let k = 0; ; k++) {
    const y = inverse3(x);
    let g = 1;
    let gi = 1;
    if (dif > 0.3) {
      g = Math.sqrt(Math.sqrt(rowNorm(y) * colNorm(y)) / Math.sqrt(rowNorm(x) * colNorm(x)));
      gi = 1 / g;
    }
    const z = x.map((r, i) => r.map((v, j) => 0.5 * (g * v + gi * y[j][i])));
    dif = z.reduce((s, r, i) => s + r.reduce((t, v, j) => t + Math.abs(v - x[i][j]), 0), 0);
    x = z;
    if (k > 100 || dif < 3e-6) return x;
  }
}

/** nifti1_io.c's nifti_mat44_to_quatern: the qform that best represents an affine. */
export function affineToQuaternion(affine: Mat4): Quaternion {
  const r: Mat3 = [0, 1, 2].map((i) => [affine[i][0], affine[i][1], affine[i][2]]);
  const pixdim = [0, 1, 2].map((c) => Math.hypot(r[0][c], r[1][c], r[2][c])) as Vec3;
  for (let c = 0; c < 3; c++) {
    if (pixdim[c] === 0) {
      for (let i = 0; i < 3; i++) r[i][c] = i === c ? 1 : 0;
      pixdim[c] = 1;
    } else {
      for (let i = 0; i < 3; i++) r[i][c] /= pixdim[c];
    }
  }
  const p = polar(r);
  let qfac: 1 | -1 = 1;
  if (det3(p) <= 0) {
    // a reflection: flip the third column so R is a rotation, and record the flip in qfac
    qfac = -1;
    for (let i = 0; i < 3; i++) p[i][2] = -p[i][2];
  }
  const [[r11, r12, r13], [r21, r22, r23], [r31, r32, r33]] = p;
  let a = r11 + r22 + r33 + 1;
  let b: number, c: number, d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r32 - r23)) / a;
    c = (0.25 * (r13 - r31)) / a;
    d = (0.25 * (r21 - r12)) / a;
  } else {
    const xd = 1 + r11 - (r22 + r33);
    const yd = 1 + r22 - (r11 + r33);
    const zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r12 + r21)) / b;
      d = (0.25 * (r13 + r31)) / b;
      a = (0.25 * (r32 - r23)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r12 + r21)) / c;
      d = (0.25 * (r23 + r32)) / c;
      a = (0.25 * (r13 - r31)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r13 + r31)) / d;
      c = (0.25 * (r23 + r32)) / d;
      a = (0.25 * (r21 - r12)) / d;
    }
    if (a < 0) [b, c, d] = [-b, -c, -d];
  }
  return { b: b + 0, c: c + 0, d: d + 0, qoffset: [affine[0][3], affine[1][3], affine[2][3]], qfac, pixdim };
}

/** nifti1_io.c's nifti_quatern_to_mat44: the affine a qform describes. */
export function quaternionToAffine(q: Quaternion): Mat4 {
  let { b, c, d } = q;
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    // |(b,c,d)| ≈ 1: a 180° rotation; renormalise against float32 rounding
    a = 1 / Math.sqrt(b * b + c * c + d * d);
    [b, c, d] = [b * a, c * a, d * a];
    a = 0;
  } else {
    a = Math.sqrt(a);
  }
  const [dx, dy, dz0] = q.pixdim.map((v) => (v > 0 ? v : 1));
  const dz = q.qfac < 0 ? -dz0 : dz0;
  const [x, y, z] = q.qoffset;
  return [
    [(a * a + b * b - c * c - d * d) * dx, 2 * (b * c - a * d) * dy, 2 * (b * d + a * c) * dz, x],
    [2 * (b * c + a * d) * dx, (a * a + c * c - b * b - d * d) * dy, 2 * (c * d - a * b) * dz, y],
    [2 * (b * d - a * c) * dx, 2 * (c * d + a * b) * dy, (a * a + d * d - c * c - b * b) * dz, z],
    [0, 0, 0, 1],
  ];
}
