// jpeg-lossless-decoder-js 2.1.2 names a declaration file it does not ship: the part used here.
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    /** precision of the last decoded frame, bits */
    precision: number;
    numComp: number;
    xDim: number;
    yDim: number;
    decode(buffer: ArrayBufferLike, offset: number, length: number, numBytes?: number): Uint8Array | Uint16Array;
  }
}
