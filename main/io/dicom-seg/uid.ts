// New DICOM UIDs. Without a root: `2.25.<the decimal value of a random (version 4) UUID>`, the
// ISO/IEC 9834-8 / ITU-T X.667 form PS3.5 §B.2 allows without registering anything. With an
// organisation's root: `<root>.<decimal digits of a random UUID>`, cut to fit the 64-character limit.

import { randomUUID } from 'node:crypto';

const UID_MAX = 64;
const ROOT = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;
/** at least 23 random digits (~76 bits) must follow a root */
const ROOT_MAX = UID_MAX - 24;

const uuidDecimal = () => BigInt('0x' + randomUUID().replace(/-/g, '')).toString();

/** Throws unless `root` is a valid UID root short enough to leave room for 23 random digits. */
export function checkUidRoot(root: string): void {
  if (!ROOT.test(root)) throw new Error(`UID root ${JSON.stringify(root)} is not a dotted list of numbers without leading zeros`);
  if (root.length > ROOT_MAX) throw new Error(`UID root ${root} is ${root.length} characters; at most ${ROOT_MAX} leave room for the random part`);
}

/** A new UID, unique with overwhelming probability. */
export function newUid(root?: string): string {
  if (root === undefined) return `2.25.${uuidDecimal()}`;
  checkUidRoot(root);
  // a UUID's decimal form has no leading zero, so any prefix of it is a valid component
  return `${root}.${uuidDecimal().slice(0, UID_MAX - root.length - 1)}`;
}
