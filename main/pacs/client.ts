// What pulls, pushes and searches need of a PACS, whichever protocol reaches it: DICOMweb
// (pacs/dicomweb.ts) or DIMSE (pacs/dimse.ts). A connection's client is chosen by
// PacsConnections.client: DICOMweb where a base URL is set, DIMSE otherwise.

import type { PacsSeries, PacsStudy, PacsStudyQuery } from '../contract/contract.ts';
import type { StowOutcome } from './dicomweb.ts';

export interface PacsClient {
  /** `host:port` (and AE title for DIMSE), for messages */
  readonly server: string;
  readonly protocol: 'dicomweb' | 'dimse';
  searchStudies(q: PacsStudyQuery, signal?: AbortSignal): Promise<PacsStudy[]>;
  searchSeries(studyUid: string, q?: { modality?: string; limit?: number; offset?: number }, signal?: AbortSignal): Promise<PacsSeries[]>;
  listInstances(studyUid: string, seriesUid: string, signal?: AbortSignal): Promise<string[]>;
  /**
   * Retrieves instances of a series, handing each to `each` as a PS3.10 file as it arrives (`each`
   * throws to refuse one, which fails the retrieve). `wholeSeries`: `sops` is every instance the
   * server lists (DIMSE then asks for the series in one request).
   */
  retrieveInstances(studyUid: string, seriesUid: string, sops: readonly string[], each: (sop: string, file: Buffer) => void, signal?: AbortSignal, wholeSeries?: boolean): Promise<void>;
  /** Stores one DICOM object and says whether the server kept it. */
  store(bytes: Uint8Array, sopInstanceUid: string, signal?: AbortSignal): Promise<StowOutcome>;
}
