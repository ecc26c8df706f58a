// Walks a PNG's chunk list by hand (independent of any PNG library), for tests that check what a
// writer put into the file.

export function pngChunkTypes(png: Uint8Array): string[] {
  const signature = [137, 80, 78, 71, 13, 10, 26, 10];
  if (!signature.every((b, i) => png[i] === b)) throw new Error('not a PNG signature');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const types: string[] = [];
  let off = 8;
  while (off < png.length) {
    const length = view.getUint32(off);
    types.push(String.fromCharCode(...png.subarray(off + 4, off + 8)));
    off += 12 + length;
  }
  if (off !== png.length) throw new Error(`chunk list overruns the file (${off} > ${png.length})`);
  return types;
}

/** IHDR fields read straight from the bytes. */
export function pngHeader(png: Uint8Array): { width: number; height: number; bitDepth: number; colorType: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20), bitDepth: png[24], colorType: png[25] };
}
