// A DICOMweb client for what Delineate needs: QIDO-RS study/series/instance searches with paging,
// WADO-RS retrieval of one instance, STOW-RS of one object with its per-object outcome. Written
// on node:http rather than `dicomweb-client` (a browser library on XMLHttpRequest; see
// docs/architecture.md). Every answer is checked before it is used: a server that is not a
// DICOMweb service fails as 'not-dicomweb', a cut multipart answer as 'bad-response'.

import type { PacsSeries, PacsStudy, PacsStudyQuery } from '../contract/contract.ts';
import { request, type HttpResponse, type HttpTarget } from './http.ts';
import { PacsError, serverName } from './errors.ts';
import { buildMultipart, contentTypeParams, MultipartError, parseMultipart } from './multipart.ts';
import { integer, sequence, TAG, text, texts, type DicomJson } from './dicom-json.ts';
import type { PacsClient } from './client.ts';

// The query and its matches are the API's own types: the app shows them as the client returns them.
export type StudyQuery = PacsStudyQuery;
export type StudyMatch = PacsStudy;
export type SeriesMatch = PacsSeries;

export interface StowOutcome {
  sopInstanceUid: string;
  stored: boolean;
  /** why the server refused it (its Failure Reason code, or the HTTP status) */
  reason?: string;
}

const UID = /^[0-9]+(\.[0-9]+)*$/;
const DATE = /^(\d{8})?(-(\d{8})?)?$/;

/** A UID as it may appear in a URL or a file name: digits and dots, at most 64 characters. */
export function checkUid(uid: string, what: string): string {
  if (!UID.test(uid) || uid.length > 64) throw new PacsError('config', `${what} ${JSON.stringify(uid)} is not a DICOM UID (digits and dots, at most 64 characters)`);
  return uid;
}

export function checkDateRange(value: string): string {
  if (!DATE.test(value) || value === '' || value === '-') throw new PacsError('config', `study date ${JSON.stringify(value)}: give YYYYMMDD or a range YYYYMMDD-YYYYMMDD`);
  return value;
}

const DICOM_JSON = 'application/dicom+json';

export class DicomWebClient implements PacsClient {
  readonly protocol = 'dicomweb';
  constructor(readonly target: HttpTarget) {}

  get server(): string {
    return serverName(this.target.base);
  }

  /** Study search (QIDO-RS /studies). */
  async searchStudies(q: StudyQuery, signal?: AbortSignal): Promise<StudyMatch[]> {
    const params = new URLSearchParams();
    if (q.patientId) params.set('PatientID', q.patientId);
    if (q.accessionNumber) params.set('AccessionNumber', q.accessionNumber);
    if (q.studyDate) params.set('StudyDate', checkDateRange(q.studyDate));
    if (q.modality) params.set('ModalitiesInStudy', q.modality);
    for (const t of [TAG.modalitiesInStudy, TAG.studySeries, TAG.studyInstances, TAG.studyDescription]) params.append('includefield', t);
    page(params, q);
    return (await this.qido(`/studies?${params}`, signal)).map((ds) => ({
      studyUid: text(ds, TAG.studyUid),
      patientId: text(ds, TAG.patientId),
      patientName: text(ds, TAG.patientName),
      studyDate: text(ds, TAG.studyDate),
      accessionNumber: text(ds, TAG.accessionNumber),
      description: text(ds, TAG.studyDescription),
      modalities: texts(ds, TAG.modalitiesInStudy),
      series: integer(ds, TAG.studySeries),
      instances: integer(ds, TAG.studyInstances),
    }));
  }

  /** The series of a study (QIDO-RS /studies/{uid}/series), optionally of one modality. */
  async searchSeries(studyUid: string, q: { modality?: string; limit?: number; offset?: number } = {}, signal?: AbortSignal): Promise<SeriesMatch[]> {
    const params = new URLSearchParams();
    if (q.modality) params.set('Modality', q.modality);
    for (const t of [TAG.seriesDescription, TAG.seriesNumber, TAG.seriesInstances]) params.append('includefield', t);
    page(params, q);
    return (await this.qido(`/studies/${checkUid(studyUid, 'study UID')}/series?${params}`, signal)).map((ds) => ({
      studyUid,
      seriesUid: text(ds, TAG.seriesUid),
      modality: text(ds, TAG.modality),
      description: text(ds, TAG.seriesDescription),
      number: integer(ds, TAG.seriesNumber),
      instances: integer(ds, TAG.seriesInstances),
    }));
  }

  /** Every SOP Instance UID of a series, in pages of `pageSize`. */
  async listInstances(studyUid: string, seriesUid: string, signal?: AbortSignal, pageSize = 500): Promise<string[]> {
    const base = `/studies/${checkUid(studyUid, 'study UID')}/series/${checkUid(seriesUid, 'series UID')}/instances`;
    const uids: string[] = [];
    for (let offset = 0; ; offset += pageSize) {
      const found = await this.qido(`${base}?limit=${pageSize}&offset=${offset}`, signal);
      for (const ds of found) uids.push(checkUid(text(ds, TAG.sopInstanceUid), `an instance UID the server listed for series ${seriesUid}`));
      if (found.length < pageSize) break;
    }
    return [...new Set(uids)];
  }

  /** Instances one WADO-RS request each (per instance even for a whole series: each is checked and written as it comes). */
  async retrieveInstances(studyUid: string, seriesUid: string, sops: readonly string[], each: (sop: string, file: Buffer) => void, signal?: AbortSignal): Promise<void> {
    for (const sop of sops) {
      signal?.throwIfAborted();
      each(sop, await this.retrieveInstance(studyUid, seriesUid, sop, signal));
    }
  }

  /** One instance's DICOM file (WADO-RS), in the transfer syntax it is stored in. */
  async retrieveInstance(studyUid: string, seriesUid: string, sopInstanceUid: string, signal?: AbortSignal): Promise<Buffer> {
    const path = `/studies/${checkUid(studyUid, 'study UID')}/series/${checkUid(seriesUid, 'series UID')}/instances/${checkUid(sopInstanceUid, 'instance UID')}`;
    let res = await request(this.target, 'GET', path, { headers: { Accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' }, signal });
    // a server that cannot send the stored syntax as it is gets the default (Explicit VR Little Endian)
    if (res.status === 406 || res.status === 400) res = await request(this.target, 'GET', path, { headers: { Accept: 'multipart/related; type="application/dicom"' }, signal });
    this.check(res, `WADO-RS instance ${sopInstanceUid}`);
    let parts;
    try {
      parts = parseMultipart(String(res.headers['content-type'] ?? ''), res.body);
    } catch (e) {
      if (e instanceof MultipartError) throw new PacsError('bad-response', `${this.server}: the answer for instance ${sopInstanceUid} cannot be read: ${e.message}`);
      throw e;
    }
    if (parts.length !== 1) throw new PacsError('bad-response', `${this.server}: the answer for instance ${sopInstanceUid} has ${parts.length} parts, not one`);
    const body = parts[0].body;
    if (body.length < 132 || body.toString('latin1', 128, 132) !== 'DICM') throw new PacsError('bad-response', `${this.server}: the answer for instance ${sopInstanceUid} is not a DICOM file (no DICM preamble)`);
    return body;
  }

  /** Stores one DICOM object (STOW-RS) and says whether the server kept it. */
  async store(bytes: Uint8Array, sopInstanceUid: string, signal?: AbortSignal): Promise<StowOutcome> {
    const { contentType, body } = buildMultipart([bytes]);
    const res = await request(this.target, 'POST', '/studies', { headers: { 'Content-Type': contentType, Accept: DICOM_JSON }, body, signal });
    if (res.status === 401 || res.status === 403) this.check(res, 'STOW-RS');
    let report: DicomJson | null = null;
    try {
      if (res.body.length > 0) report = JSON.parse(res.body.toString('utf8')) as DicomJson;
    } catch {
      report = null;
    }
    const failed = report ? sequence(report, TAG.failedSops).find((s) => text(s, TAG.referencedSopInstanceUid) === sopInstanceUid) : undefined;
    if (failed) return { sopInstanceUid, stored: false, reason: `the server refused it (failure reason ${text(failed, TAG.failureReason) || 'not given'}, HTTP ${res.status})` };
    const stored = report ? sequence(report, TAG.referencedSops).some((s) => text(s, TAG.referencedSopInstanceUid) === sopInstanceUid) : false;
    if (res.status >= 200 && res.status < 300 && stored) return { sopInstanceUid, stored: true };
    if (res.status >= 200 && res.status < 300) return { sopInstanceUid, stored: false, reason: `HTTP ${res.status} but the server's report does not list the object as stored` };
    return { sopInstanceUid, stored: false, reason: `HTTP ${res.status}${report ? '' : ` (${snippet(res)})`}` };
  }

  private async qido(path: string, signal?: AbortSignal): Promise<DicomJson[]> {
    const res = await request(this.target, 'GET', path, { headers: { Accept: DICOM_JSON }, signal });
    this.check(res, `QIDO-RS ${path.split('?')[0]}`);
    if (res.status === 204 || res.body.length === 0) return [];
    const type = contentTypeParams(String(res.headers['content-type'] ?? '')).type;
    let json: unknown;
    try {
      json = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw new PacsError('not-dicomweb', `${this.server} is not a DICOMweb service: QIDO-RS ${path.split('?')[0]} answered ${type || 'untyped content'}, not DICOM JSON (${snippet(res)}); check the base URL (it usually ends in /dicom-web)`);
    }
    if (!Array.isArray(json) || json.some((d) => typeof d !== 'object' || d === null || Array.isArray(d))) {
      throw new PacsError('not-dicomweb', `${this.server} is not a DICOMweb service: QIDO-RS ${path.split('?')[0]} answered JSON that is not a list of DICOM datasets; check the base URL`);
    }
    return json as DicomJson[];
  }

  /** Throws for an error status: 401/403 as 'auth', 404 and other non-DICOMweb answers as 'not-dicomweb'. */
  private check(res: HttpResponse, what: string): void {
    if (res.status >= 200 && res.status < 300) return;
    if (res.status === 401) throw new PacsError('auth', `${this.server} refused the credentials (HTTP 401 for ${what}): check the user name and password or token`, 401);
    if (res.status === 403) throw new PacsError('auth', `${this.server} denied access (HTTP 403 for ${what}): the user may not use this service`, 403);
    if (res.status === 404 && what.startsWith('QIDO-RS /studies') && !what.includes('/series')) {
      throw new PacsError('not-dicomweb', `${this.server} is not a DICOMweb service: ${what} is not there (HTTP 404); check the base URL (it usually ends in /dicom-web)`, 404);
    }
    throw new PacsError('http', `${this.server}: ${what} failed with HTTP ${res.status} (${snippet(res)})`, res.status);
  }
}

function page(params: URLSearchParams, q: { limit?: number; offset?: number }): void {
  if (q.limit !== undefined) params.set('limit', String(q.limit));
  if (q.offset) params.set('offset', String(q.offset));
}

/** The start of an answer's text, for an error message. */
function snippet(res: HttpResponse): string {
  const t = res.body.subarray(0, 200).toString('utf8').replace(/\s+/g, ' ').trim();
  return t ? `"${t.length >= 200 ? `${t}…` : t}"` : 'empty body';
}

/**
 * "Test connection": one QIDO-RS study search (limit 1). Resolves on success; throws the PacsError
 * that says what failed (dns, refused, tls, auth, not-dicomweb).
 */
export async function testDicomWeb(target: HttpTarget, signal?: AbortSignal): Promise<{ server: string; studiesVisible: boolean }> {
  const client = new DicomWebClient(target);
  let found: StudyMatch[];
  try {
    found = await client.searchStudies({ limit: 1 }, signal);
  } catch (e) {
    // any other error status to the simplest search means this is not (or not only) DICOMweb
    if (e instanceof PacsError && e.failure === 'http') throw new PacsError('not-dicomweb', `${serverName(target.base)} is not a DICOMweb service: ${e.message.slice(e.message.indexOf(': ') + 2)}; check the base URL`, e.status);
    throw e;
  }
  return { server: serverName(target.base), studiesVisible: found.length > 0 };
}
