/**
 * A decoded 2-D image as it came from the file: interleaved channels, row-major, top row first.
 * Shared by the model's preprocessing (main/engine/model) and import/export (main/io), so it sits
 * below both.
 */
export interface Raster {
  width: number;
  height: number;
  /** 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA */
  channels: 1 | 2 | 3 | 4;
  bitDepth: 8 | 16;
  /** length width * height * channels; Uint16Array when bitDepth is 16 */
  data: Uint8Array | Uint16Array;
}
