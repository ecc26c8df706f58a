// Where a stored image's pixels come from, shared by io (which reads them) and the store (which
// keeps them): a stack of DICOM files or one volume of a 4-D NIfTI is an image whose slice k
// lives in a file of its own (or a frame of one), checked by that file's hash when read.

/** One slice of an image assembled from several files or frames, as imported and as stored. */
export interface SliceSource {
  /** absolute path of the file holding the slice */
  sourcePath: string;
  /** sha256 hex of that file's bytes; the loader refuses the file when it changed */
  sourceHash: string;
  /** frame within that file (0 for a single-frame DICOM; slice z of a NIfTI volume) */
  sourceFrame: number;
  /** volume within that file: t of a 4-D NIfTI; absent: 0 */
  sourceVolume?: number;
  sopInstanceUid?: string | null;
  sopClassUid?: string | null;
  /** ImagePositionPatient of the slice (LPS mm, as in the file); null when not DICOM */
  position?: readonly number[] | null;
}

/**
 * Where one frame of a stored image is read from (the store's `images.frameSource(id, k)` gives
 * it, io's `loadImageFrame` reads it): file, sha256 of its bytes, frame within the file, volume of
 * a 4-D NIfTI, and the image's window applied when the call gives none (null: the file's own, as
 * at import — a stack's slices share the stored one, so scrolling does not flicker).
 */
export interface FrameSource {
  path: string;
  contentHash: string;
  frame: number;
  volume?: number;
  window?: { center: number; width: number } | null;
}
