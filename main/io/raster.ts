export type { Raster } from '../common/raster.ts';

/** Thrown for an image that cannot be decoded; names the file (or source) and the reason. */
export class ImageDecodeError extends Error {
  constructor(readonly source: string, reason: string) {
    super(`${source}: cannot decode image: ${reason}`);
    this.name = 'ImageDecodeError';
  }
}
