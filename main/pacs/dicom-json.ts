// Reading the DICOM JSON model (PS3.18 §F.2) that QIDO-RS and STOW-RS answer with.

export type DicomJson = Record<string, { vr?: string; Value?: unknown[] } | undefined>;

export const TAG = {
  sopInstanceUid: '00080018',
  studyDate: '00080020',
  accessionNumber: '00080050',
  modality: '00080060',
  modalitiesInStudy: '00080061',
  studyDescription: '00081030',
  seriesDescription: '0008103E',
  failedSops: '00081198',
  referencedSops: '00081199',
  referencedSopInstanceUid: '00081155',
  failureReason: '00081197',
  patientName: '00100010',
  patientId: '00100020',
  studyUid: '0020000D',
  seriesUid: '0020000E',
  seriesNumber: '00200011',
  instanceNumber: '00200013',
  studySeries: '00201206',
  studyInstances: '00201208',
  seriesInstances: '00201209',
} as const;

/** The first value of a tag as text (a person name's Alphabetic part), or ''. */
export function text(ds: DicomJson, tag: string): string {
  const v = ds[tag]?.Value?.[0];
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return String((v as { Alphabetic?: string }).Alphabetic ?? '');
  return String(v);
}

export function texts(ds: DicomJson, tag: string): string[] {
  return (ds[tag]?.Value ?? []).map((v) => String(v));
}

export function integer(ds: DicomJson, tag: string): number | null {
  const n = Number(ds[tag]?.Value?.[0]);
  return ds[tag]?.Value?.length && Number.isFinite(n) ? n : null;
}

export function sequence(ds: DicomJson, tag: string): DicomJson[] {
  return (ds[tag]?.Value ?? []) as DicomJson[];
}
