// The chest CT fixture the PACS tests upload to Orthanc, and pydicom's facts of DICOM files
// (SOP/series UIDs, pixel hash, geometry) to compare what comes back with what went in.

import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURE = join(root, 'test/fixtures/dicom-clinical/chest-ct');
export const STUDY = '1.2.826.0.1.3680043.10.1433.77.1';
export const SERIES = '1.2.826.0.1.3680043.10.1433.77.1.1';
export const PATIENT = 'CLIN-77';
export const fixtureFiles = readdirSync(FIXTURE).filter((f) => f.endsWith('.dcm')).map((f) => join(FIXTURE, f));

export interface Facts { sopInstanceUID: string; seriesInstanceUID: string; pixelSha256: string; position: number[] | null; orientation: number[] | null; pixelSpacing: number[] | null; rows: number; columns: number }
export const facts = (files: string[]): Facts[] => JSON.parse(execFileSync('/usr/bin/python3', [join(root, 'test/pacs/dicom-facts.py'), ...files], { encoding: 'utf8' })) as Facts[];
export const bySop = (list: Facts[]) => new Map(list.map((f) => [f.sopInstanceUID, f]));
