// The radiological display: how a slice turns on screen so the patient appears as radiologists
// read it (clinical-conventions.md, "Radiological display"). Axial: anterior at the top, the
// patient's left on the screen's right (as if looking up from the feet); coronal: superior at the
// top, left on the right (facing the patient); sagittal: superior at the top, anterior on the left.
// The turn is a transpose and two mirrors of the image grid, chosen from the affine's closest
// axis codes (main/contract/orientation.ts); masks and edits stay in source voxel order, and
// coords.ts maps canvas ↔ source pixels through the turn.

import { axisCodes, oppositeCode, worldAxis, type AxisCode } from '../../../../main/contract/orientation.ts';

/** Source pixels → screen: transpose first (screen x runs along source rows), then mirror. */
export interface Turn {
  readonly transpose: boolean;
  readonly flipX: boolean;
  readonly flipY: boolean;
}

export const NO_TURN: Turn = { transpose: false, flipX: false, flipY: false };

export type Plane = 'axial' | 'coronal' | 'sagittal';

export interface DisplayOrientation {
  turn: Turn;
  /** the plane the slice is closest to; null when the image has no patient orientation */
  plane: Plane | null;
  /** the patient direction at each screen edge; null when not known (shown as stored, no letters) */
  edges: { top: AxisCode; bottom: AxisCode; left: AxisCode; right: AxisCode } | null;
}

/** The patient directions that point to the screen's right and down, per plane. */
const SCREEN: Record<Plane, { right: AxisCode; down: AxisCode }> = {
  axial: { right: 'L', down: 'P' },
  coronal: { right: 'L', down: 'I' },
  sagittal: { right: 'P', down: 'I' },
};

const PLANE_OF_NORMAL: readonly Plane[] = ['sagittal', 'coronal', 'axial'];

const AS_STORED: DisplayOrientation = { turn: NO_TURN, plane: null, edges: null };

/**
 * How to show a slice of an image whose voxel (column, row, slice) → RAS+ affine is `affine`.
 * The slice axis's code decides the plane; the in-plane axis closest to the screen's right
 * direction goes across (transposing when that is the row axis), and each axis is mirrored when
 * it points the other way. No affine: shown as stored.
 */
export function displayOrientation(affine: readonly (readonly number[])[] | null | undefined): DisplayOrientation {
  const codes = affine ? axisCodes(affine) : null;
  if (!codes) return AS_STORED;
  const [i, j, k] = codes;
  const plane = PLANE_OF_NORMAL[worldAxis(k)];
  const { right, down } = SCREEN[plane];
  const transpose = worldAxis(i) !== worldAxis(right);
  const across = transpose ? j : i;
  const along = transpose ? i : j;
  return {
    turn: { transpose, flipX: across !== right, flipY: along !== down },
    plane,
    edges: { top: oppositeCode(down), bottom: down, left: oppositeCode(right), right },
  };
}

/** Width and height on screen (in source pixels) of a width × height image under a turn. */
export function turnedSize(turn: Turn, width: number, height: number): { width: number; height: number } {
  return turn.transpose ? { width: height, height: width } : { width, height };
}
