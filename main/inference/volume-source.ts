// What `segment` reads a whole volume from: one file (NIfTI 3-D or one volume of a 4-D one,
// multi-frame DICOM, or a 2-D image as a one-slice volume), as slices in stored order plus the
// full grid's geometry the mask is written with. Slices come from import's own decoder
// (decodeFile), so each is exactly the raster the viewer shows and a one-slice segment sees.

import { readFile } from 'node:fs/promises';
import { detectFileKind } from '../io/file-kind.ts';
import type { Geometry } from '../io/geometry.ts';
import { decodeFile } from '../io/import-scan.ts';
import { decodeNiftiHeader } from '../io/nifti.ts';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import type { SliceSource } from './volume-segment.ts';

export interface VolumeInput {
  source: SliceSource;
  /** the full grid: dims [width, height, slices], the source's affine (and NIfTI header fields) */
  geometry: Geometry;
  kind: 'raster' | 'dicom' | 'nifti';
  /** per slice, the DICOM file and frame it came from (DICOM inputs only): what a SEG references */
  dicomSlices?: { path: string; frame?: number }[];
  /** things the user should be told (which volume of a 4-D file was read) */
  notes: string[];
}

/** The input needs a choice the user did not make (which volume of a 4-D NIfTI). */
export class VolumeChoiceError extends Error {
  override name = 'VolumeChoiceError';
}

/** The number of volumes (product of dim[4..]) of a NIfTI file's bytes, read from the header alone. */
function niftiVolumes(bytes: Uint8Array, path: string): { volumes: number; dims: number[] } {
  // gzip: the header is at the start of the stream, so inflating a prefix (flushed, not finished) is enough
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes.subarray(0, 64 * 1024), { finishFlush: zlibConstants.Z_SYNC_FLUSH }) : bytes;
  const h = decodeNiftiHeader(raw, path);
  const dims = h.dim.slice(1, h.dim[0] + 1);
  return { volumes: dims.slice(3).reduce((a, b) => a * b, 1), dims };
}

/**
 * Opens one image file as a volume. A 4-D (or higher) NIfTI needs `volume` (0-based over
 * dim[4..]); without it this is a {@link VolumeChoiceError} that says how many there are.
 */
export async function openVolumeFile(path: string, opts: { volume?: number } = {}): Promise<VolumeInput> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const kind = detectFileKind(bytes);
  const notes: string[] = [];
  let niftiVolume: number | undefined;
  if (kind === 'nifti') {
    const { volumes, dims } = niftiVolumes(bytes, path);
    if (volumes > 1 && opts.volume === undefined) {
      throw new VolumeChoiceError(`${path} is a ${dims.length}-D NIfTI (${dims.join('×')}) with ${volumes} volumes: pick one with --volume t (0..${volumes - 1})`);
    }
    if (opts.volume !== undefined && !(opts.volume >= 0 && opts.volume < volumes)) {
      throw new VolumeChoiceError(`--volume ${opts.volume}: ${path} has ${volumes === 1 ? 'one volume (--volume 0)' : `volumes 0..${volumes - 1}`}`);
    }
    niftiVolume = opts.volume ?? 0;
    if (volumes > 1) notes.push(`volume t = ${niftiVolume} of ${volumes}`);
  } else if (opts.volume !== undefined && opts.volume !== 0) {
    throw new VolumeChoiceError(`--volume ${opts.volume}: ${path} is not a 4-D NIfTI`);
  }
  const file = decodeFile(bytes, path, { niftiVolume });
  bytes = new Uint8Array(0); // the decoded file holds what it needs
  const { meta } = file;
  const slices = meta.frames;
  const geometry: Geometry = meta.geometry.dims[2] === slices ? meta.geometry : { ...meta.geometry, dims: [meta.width, meta.height, slices] };
  const source: SliceSource = { name: path, width: meta.width, height: meta.height, slices, read: async (k) => file.display(k) };
  const input: VolumeInput = { source, geometry, kind: meta.kind, notes };
  if (meta.kind === 'dicom') input.dicomSlices = Array.from({ length: slices }, (_, k) => (slices > 1 ? { path, frame: k } : { path }));
  return input;
}
