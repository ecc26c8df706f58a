// Segment colours: the app's '#rrggbb' (sRGB) as DICOM's RecommendedDisplayCIELabValue, through
// dcmjs's conversion (sRGB → XYZ, Bradford-adapted to the D50 white of the ICC PCS → CIELab, then
// scaled as PS3.3 C.10.7.1.1 says: L 0..100 → 0..65535, a and b −128..127 → 0..65535).

import dcmjs from 'dcmjs';

const HEX = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i;

export type DicomLab = [number, number, number];

/** '#rrggbb' → [r, g, b] 0..255; null when not in that form. */
export function parseHexColour(colour: string): [number, number, number] | null {
  const m = HEX.exec(colour);
  return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : null;
}

export function hexToDicomLab(colour: string): DicomLab {
  const rgb = parseHexColour(colour);
  if (!rgb) throw new Error(`colour ${JSON.stringify(colour)} is not '#rrggbb'`);
  const [l, a, b] = dcmjs.data.Colors.rgb82DICOMLAB(rgb);
  return [l, a, b];
}

export function dicomLabToHex(lab: ArrayLike<number>): string {
  return '#' + dcmjs.data.Colors.dicomlab2RGB8(lab).map((v) => v.toString(16).padStart(2, '0')).join('');
}
