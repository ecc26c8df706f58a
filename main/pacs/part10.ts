// A DICOM file (PS3.10) around a dataset received over DIMSE, byte for byte as it came: preamble,
// "DICM", a File Meta Information group written here, then the dataset in the transfer syntax the
// association accepted. Nothing of the instance is parsed and written again, so what the PACS sent
// is what lands on disk (a round trip through a DICOM library can reformat values).

import { IMPLEMENTATION_CLASS_UID } from '../io/dicom-seg/encode.ts';

const IMPLEMENTATION_VERSION = 'DELINEATE';

function element(elementNo: number, vr: string, value: Buffer): Buffer {
  const longForm = vr === 'OB';
  const head = Buffer.alloc(longForm ? 12 : 8);
  head.writeUInt16LE(0x0002, 0);
  head.writeUInt16LE(elementNo, 2);
  head.write(vr, 4, 'latin1');
  if (longForm) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}

/** A value padded to even length: UIDs with a NUL, text with a space (PS3.5 6.2). */
function padded(text: string, pad: '\0' | ' '): Buffer {
  return Buffer.from(text.length % 2 ? text + pad : text, 'latin1');
}

export interface Part10Meta {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  /** the AE title that sent it (Source Application Entity Title) */
  sourceAeTitle?: string;
}

/** The File Meta Information group (0002) as explicit VR little endian, with its group length. */
export function fileMetaGroup(meta: Part10Meta): Buffer {
  const rest = Buffer.concat([
    element(0x0001, 'OB', Buffer.from([0, 1])),
    element(0x0002, 'UI', padded(meta.sopClassUid, '\0')),
    element(0x0003, 'UI', padded(meta.sopInstanceUid, '\0')),
    element(0x0010, 'UI', padded(meta.transferSyntaxUid, '\0')),
    element(0x0012, 'UI', padded(IMPLEMENTATION_CLASS_UID, '\0')),
    element(0x0013, 'SH', padded(IMPLEMENTATION_VERSION, ' ')),
    ...(meta.sourceAeTitle ? [element(0x0016, 'AE', padded(meta.sourceAeTitle.trim(), ' '))] : []),
  ]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(rest.length, 0);
  return Buffer.concat([element(0x0000, 'UL', length), rest]);
}

/** A PS3.10 file: 128-byte preamble, "DICM", the meta group, the dataset bytes unchanged. */
export function part10File(meta: Part10Meta, dataset: Uint8Array): Buffer {
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), fileMetaGroup(meta), dataset]);
}
