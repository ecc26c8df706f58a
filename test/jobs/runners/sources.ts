// Source files for the runner tests, made byte by byte here with known pixels and geometry, and a
// helper that runs one job through a real JobQueue.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encode } from 'fast-png';
import { makeGeometry, type Mat4 } from '../../../main/io/geometry.ts';
import { encodeNifti } from '../../../main/io/nifti.ts';
import { JobQueue } from '../../../main/jobs/queue.ts';
import type { JobRunner } from '../../../main/jobs/runner.ts';
import type { Job, JobKind, JobLogLine, JobProgress } from '../../../main/store/jobs.ts';
import type { Store } from '../../../main/store/store.ts';
import { dicomFile, pixelModule } from '../../helpers/dicom-writer.ts';

export function put(path: string, bytes: Uint8Array | string): Uint8Array {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
}

/** An 8-bit grey PNG whose pixel i is f(i). */
export function greyPng(width: number, height: number, f: (i: number) => number): { bytes: Uint8Array; pixels: Uint8Array } {
  const pixels = Uint8Array.from({ length: width * height }, (_, i) => f(i) & 255);
  return { bytes: encode({ width, height, data: pixels, depth: 8, channels: 1 }), pixels };
}

/** A 0/1 mask as a 0/255 PNG, what MedVLSM datasets ship. */
export function maskPng(width: number, height: number, mask: Uint8Array): Uint8Array {
  return encode({ width, height, data: mask.map((v) => v * 255), depth: 8, channels: 1 });
}

/**
 * A CT DICOM, 3 columns × 2 rows, PixelSpacing 0.7 (rows) \ 0.6 (columns), window 40/400, at
 * ImagePositionPatient (10, 20, 30) with axial orientation 1\0\0\0\1\0.
 */
export function ctDicom(): Uint8Array {
  return dicomFile([
    { tag: 0x00080060, vr: 'CS', value: 'CT' },
    { tag: 0x00200032, vr: 'DS', value: [10, 20, 30] },
    { tag: 0x00200037, vr: 'DS', value: [1, 0, 0, 0, 1, 0] },
    { tag: 0x00280030, vr: 'DS', value: [0.7, 0.6] },
    { tag: 0x00281050, vr: 'DS', value: [40] },
    { tag: 0x00281051, vr: 'DS', value: [400] },
    { tag: 0x00281052, vr: 'DS', value: [-1024] },
    { tag: 0x00281053, vr: 'DS', value: [1] },
    ...pixelModule({ rows: 2, columns: 3, bits: 16, photometric: 'MONOCHROME2', pixels: Uint16Array.from([824, 1064, 1124, 1324, 1064, 0]) }),
  ]);
}

/** RAS affine of ctDicom(), by hand: i → −x·0.6, j → −y·0.7, k → +z, origin (−10, −20, 30). */
export const ctAffine: Mat4 = [
  [-0.6, 0, 0, -10],
  [0, -0.7, 0, -20],
  [0, 0, 1, 30],
  [0, 0, 0, 1],
];

/** A NIfTI volume 4×3×5 (int16, value i + 10 j + 100 k) with a sform that moves and flips it; gzip-compressed. */
export const volumeAffine: Mat4 = [
  [-0.5, 0, 0, 10],
  [0, 0.75, 0, -5],
  [0, 0, 2, 7],
  [0, 0, 0, 1],
];
export function niftiVolume(): Uint8Array {
  const values = Array.from({ length: 60 }, (_, v) => (v % 4) + 10 * (Math.floor(v / 4) % 3) + 100 * Math.floor(v / 12));
  return gzipSync(encodeNifti({ data: values, dims: [4, 3, 5], datatype: 'int16', geometry: makeGeometry([4, 3, 5], volumeAffine, 1) }));
}

export interface DatasetRecord {
  split: 'train' | 'val' | 'test';
  image: string;
  mask: string;
  prompts: Record<string, string | string[]>;
}

/** Writes a MedVLSM dataset folder: images and masks by name, and the records per split. */
export function writeDataset(root: string, images: Record<string, Uint8Array>, masks: Record<string, Uint8Array>, records: DatasetRecord[]): void {
  for (const [name, bytes] of Object.entries(images)) put(join(root, 'images', name), bytes);
  for (const [name, bytes] of Object.entries(masks)) put(join(root, 'masks', name), bytes);
  for (const split of ['train', 'val', 'test'] as const) {
    const list = records.filter((r) => r.split === split).map((r) => ({ img_name: r.image, mask_name: r.mask, prompts: r.prompts }));
    if (list.length > 0) put(join(root, 'anns', `${split}.json`), JSON.stringify(list));
  }
}

/** Runs one job to its end on a fresh queue and returns the job row, its log lines and its progress events. */
export async function runJob(store: Store, runners: Partial<Record<JobKind, JobRunner>>, kind: JobKind, config: Record<string, unknown>): Promise<{ job: Job; log: string[]; progress: JobProgress[] }> {
  const queue = new JobQueue(store, runners, { progressIntervalMs: 0 });
  const progress: JobProgress[] = [];
  queue.subscribe((e) => {
    if (e.type === 'progress') progress.push(e.progress);
  });
  queue.start();
  const projectId = store.projects.get(config.projectId as number) ? (config.projectId as number) : null;
  const { id } = queue.enqueue(kind, config, { projectId });
  await queue.idle();
  await queue.close();
  return { job: store.jobs.get(id)!, log: store.jobs.log(id).map((l: JobLogLine) => l.line), progress };
}
