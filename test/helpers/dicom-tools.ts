// The independent DICOM readers the SEG tests check our files with: dicom3tools' dciodvfy (IOD
// validation) and pydicom (Debian's python3-pydicom, through test/helpers/read-dicom-seg.py).
// A missing tool fails the test with the package to install; nothing is skipped.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const READER = fileURLToPath(new URL('./read-dicom-seg.py', import.meta.url));

function run(cmd: string, args: string[], install: string): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new Error(`${cmd} could not run (${r.error.message}); install it: ${install}`);
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** dciodvfy's report on a file: every line, and the lines that are errors. */
export function dciodvfy(path: string): { errors: string[]; output: string } {
  const r = run('dciodvfy', [path], 'apt-get install dicom3tools');
  const output = `${r.stdout}${r.stderr}`;
  return { errors: output.split('\n').filter((l) => /^\s*Error\b/i.test(l)), output };
}

export interface PydicomSeg {
  sopClassUID: string;
  sopInstanceUID: string;
  mediaSopInstanceUID: string;
  transferSyntax: string;
  modality: string;
  segmentationType: string;
  bitsAllocated: number;
  rows: number;
  columns: number;
  numberOfFrames: number;
  pixelDataBytes: number;
  studyInstanceUID: string;
  seriesInstanceUID: string;
  frameOfReferenceUID: string;
  patientID: string;
  patientName: string | null;
  referringPhysicianName: string | null;
  accessionNumber: string;
  studyDate: string;
  manufacturer: string;
  seriesDescription: string;
  orientation: number[];
  pixelSpacing: number[];
  sliceThickness: number | null;
  spacingBetweenSlices: number | null;
  dimensionPointers: [string, string][];
  referencedSeries: { seriesInstanceUID: string; sopInstanceUIDs: string[] }[];
  segments: { number: number; label: string; algorithmType: string; algorithmName: string | null; lab: number[]; category: [string, string]; type: [string, string, string] }[];
  frames: { sopInstanceUID: string; sopClassUID: string; purpose: string; frameNumber: number | null; segment: number; position: number[]; dimensionIndexValues: number[]; bits: string }[];
  sources: { path: string; sopInstanceUID: string; sopClassUID: string; position: number[]; studyInstanceUID: string; seriesInstanceUID: string; frameOfReferenceUID: string; patientID: string; patientName: string | null; referringPhysicianName: string | null }[];
}

/** The SEG and its sources as pydicom reads them. */
export function pydicomReadSeg(seg: string, sources: readonly string[] = []): PydicomSeg {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing; install Debian's python3 and python3-pydicom: apt-get install python3-pydicom`);
  const r = run(PYTHON, [READER, seg, ...sources], 'apt-get install python3-pydicom');
  if (r.status !== 0) {
    const hint = /No module named 'pydicom'/.test(r.stderr) ? ' (install it: apt-get install python3-pydicom)' : '';
    throw new Error(`pydicom could not read ${seg}${hint}:\n${r.stderr}`);
  }
  return JSON.parse(r.stdout) as PydicomSeg;
}
