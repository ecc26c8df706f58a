// A DIMSE client for PACS that do not speak DICOMweb: C-ECHO, C-FIND (study, series, instance
// level, Study Root), C-GET (instances arrive on the same association, no listener needed) and
// C-STORE, on dcmjs-dimse (docs/architecture.md says why). It offers what DicomWebClient offers,
// so pulls and pushes do not care which protocol a connection uses.
//
// Instances a C-GET brings are kept as the bytes that came: the library's per-association network
// is given a stream that collects the raw dataset, which pacs/part10.ts wraps as a file. Every
// association failure becomes a PacsError naming what went wrong (refused, DNS, rejected, a status).

import dimse from 'dcmjs-dimse';
import type { Writable } from 'node:stream';
import { PassThrough } from 'node:stream';
import type { PacsSeries, PacsStudy, PacsStudyQuery } from '../contract/contract.ts';
import { checkDateRange, checkUid, type StowOutcome } from './dicomweb.ts';
import type { PacsClient } from './client.ts';
import { PacsError } from './errors.ts';
import { networkError } from './http.ts';
import { part10File } from './part10.ts';

const { Client, Dataset, constants, requests, responses } = dimse;
const { Status, TransferSyntax, RejectReason, RejectSource, RejectResult } = constants;
dimse.log.setLevel(process.env.DIMSE_LOG ? 'info' : 'silent'); // its failures reach the user as PacsErrors, not as console lines

export interface DimseTarget {
  host: string;
  port: number;
  callingAeTitle: string;
  calledAeTitle: string;
  /** connect, association and PDU timeouts */
  timeoutMs?: number;
}

type AnyRequest = InstanceType<typeof requests.Request>;
type AnyResponse = InstanceType<typeof responses.Response>;
type StoreRequest = InstanceType<typeof requests.CStoreRequest>;
type Elements = Record<string, unknown>;
type Association = InstanceType<typeof dimse.association.Association>;

/** Transfer syntaxes proposed for instances a C-GET brings, beside the uncompressed ones: those our
 * reader decodes, so a server need not transcode (and cannot refuse for lack of a codec). */
const RECEIVE_SYNTAXES = [
  TransferSyntax.ExplicitVRLittleEndian,
  TransferSyntax.ImplicitVRLittleEndian,
  TransferSyntax.JpegLsLossless,
  TransferSyntax.Jpeg2000Lossless,
  TransferSyntax.RleLossless,
  TransferSyntax.JpegLossless,
];

const PENDING = new Set([Status.Pending, 0xff01]);

/** A DIMSE status as words, for messages. */
export function statusText(status: number): string {
  const name = Object.entries(Status).find(([, v]) => v === status)?.[0];
  const hex = `0x${status.toString(16).padStart(4, '0').toUpperCase()}`;
  return name ? `${name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()} (${hex})` : `status ${hex}`;
}

function rejectionText(r: { result: number; source: number; reason: number }): string {
  const permanent = r.result === RejectResult.Permanent ? 'permanently' : 'for now';
  if (r.source === RejectSource.ServiceUser) {
    if (r.reason === RejectReason.CallingAeNotRecognized) return `rejected ${permanent}: the server does not accept our calling AE title`;
    if (r.reason === RejectReason.CalledAeNotRecognized) return `rejected ${permanent}: the server's AE title is not the called AE title we gave`;
    if (r.reason === 2) return `rejected ${permanent}: application context not supported`;
  }
  if (r.source === RejectSource.ServiceProviderPresentation && r.reason === 1) return 'rejected: the server is busy (temporary congestion)';
  if (r.source === RejectSource.ServiceProviderPresentation && r.reason === 2) return 'rejected: the server\'s association limit is reached';
  return `rejected ${permanent} (source ${r.source}, reason ${r.reason})`;
}

/** A DICOM string value as one text: person names by their alphabetic part, lists joined by '\'. */
function str(ds: Elements, key: string): string {
  const v = ds[key];
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' && x ? String((x as { Alphabetic?: string }).Alphabetic ?? '') : String(x))).join('\\');
  if (typeof v === 'object') return String((v as { Alphabetic?: string }).Alphabetic ?? '');
  return String(v);
}

function int(ds: Elements, key: string): number | null {
  const s = str(ds, key);
  const n = Number(s.split('\\')[0]);
  return s !== '' && Number.isFinite(n) ? n : null;
}

export class DimseClient implements PacsClient {
  readonly protocol = 'dimse';
  constructor(readonly target: DimseTarget) {}

  get server(): string {
    return `${this.target.host}:${this.target.port} (AE ${this.target.calledAeTitle})`;
  }

  /** C-ECHO: the association is accepted and the server answers. */
  async echo(signal?: AbortSignal): Promise<void> {
    const request = new requests.CEchoRequest();
    const final = (await this.run([request], 'C-ECHO', signal)).get(request);
    if (final?.getStatus() !== Status.Success) throw this.statusError('C-ECHO', final);
  }

  /** Study search (C-FIND, STUDY level). C-FIND has no paging: offset and limit are applied to the
   * matches in the order the server gives them. */
  async searchStudies(q: PacsStudyQuery, signal?: AbortSignal): Promise<PacsStudy[]> {
    const found = await this.find(
      requests.CFindRequest.createStudyFindRequest({
        PatientID: q.patientId ?? '', PatientName: '', StudyDate: q.studyDate ? checkDateRange(q.studyDate) : '', AccessionNumber: q.accessionNumber ?? '',
        ModalitiesInStudy: q.modality ?? '', StudyDescription: '', StudyInstanceUID: '', NumberOfStudyRelatedSeries: '', NumberOfStudyRelatedInstances: '',
      }),
      'C-FIND studies', signal,
    );
    const offset = q.offset ?? 0;
    return found.slice(offset, q.limit !== undefined ? offset + q.limit : undefined).map((ds) => ({
      studyUid: str(ds, 'StudyInstanceUID'),
      patientId: str(ds, 'PatientID'),
      patientName: str(ds, 'PatientName'),
      studyDate: str(ds, 'StudyDate'),
      accessionNumber: str(ds, 'AccessionNumber'),
      description: str(ds, 'StudyDescription'),
      modalities: str(ds, 'ModalitiesInStudy').split('\\').filter(Boolean),
      series: int(ds, 'NumberOfStudyRelatedSeries'),
      instances: int(ds, 'NumberOfStudyRelatedInstances'),
    }));
  }

  /** The series of a study (C-FIND, SERIES level). */
  async searchSeries(studyUid: string, q: { modality?: string; limit?: number; offset?: number } = {}, signal?: AbortSignal): Promise<PacsSeries[]> {
    const found = await this.find(
      requests.CFindRequest.createSeriesFindRequest({
        StudyInstanceUID: checkUid(studyUid, 'study UID'), SeriesInstanceUID: '', Modality: q.modality ?? '', SeriesDescription: '', SeriesNumber: '', NumberOfSeriesRelatedInstances: '',
      }),
      'C-FIND series', signal,
    );
    const offset = q.offset ?? 0;
    return found.slice(offset, q.limit !== undefined ? offset + q.limit : undefined).map((ds) => ({
      studyUid,
      seriesUid: str(ds, 'SeriesInstanceUID'),
      modality: str(ds, 'Modality'),
      description: str(ds, 'SeriesDescription'),
      number: int(ds, 'SeriesNumber'),
      instances: int(ds, 'NumberOfSeriesRelatedInstances'),
    }));
  }

  /** Every SOP Instance UID of a series (C-FIND, IMAGE level). */
  async listInstances(studyUid: string, seriesUid: string, signal?: AbortSignal): Promise<string[]> {
    const found = await this.find(
      requests.CFindRequest.createImageFindRequest({ StudyInstanceUID: checkUid(studyUid, 'study UID'), SeriesInstanceUID: checkUid(seriesUid, 'series UID'), SOPInstanceUID: '' }),
      'C-FIND instances', signal,
    );
    return [...new Set(found.map((ds) => checkUid(str(ds, 'SOPInstanceUID'), `an instance UID the server listed for series ${seriesUid}`)))];
  }

  /**
   * C-GET of instances of a series on one association: one series-level request for a whole
   * series, else one request per instance. Each instance is handed to `each` as a PS3.10 file as it
   * arrives; resolves when the server has answered every request, throws if any sub-operation failed.
   */
  async retrieveInstances(studyUid: string, seriesUid: string, sops: readonly string[], each: (sop: string, file: Buffer) => void, signal?: AbortSignal, wholeSeries = false): Promise<void> {
    checkUid(studyUid, 'study UID');
    checkUid(seriesUid, 'series UID');
    const gets = wholeSeries
      ? [requests.CGetRequest.createSeriesGetRequest(studyUid, seriesUid)]
      : sops.map((sop) => requests.CGetRequest.createImageGetRequest(studyUid, seriesUid, checkUid(sop, 'instance UID')));
    let failure: Error | null = null;
    const finals = await this.run(gets, 'C-GET', signal, (sop, file) => {
      try {
        each(sop, file);
        return true;
      } catch (e) {
        failure ??= e as Error;
        return false;
      }
    });
    if (failure) throw failure;
    for (const g of gets) {
      const r = finals.get(g) as InstanceType<typeof responses.CGetResponse> | undefined;
      if (!r || (r.getStatus() !== Status.Success && r.getStatus() !== 0xb000)) throw this.statusError('C-GET', r);
      if (r.getFailures() > 0) throw new PacsError('bad-response', `${this.server}: C-GET failed for ${r.getFailures()} instance(s) of series ${seriesUid}`);
    }
  }

  /** C-STORE of one DICOM file's object; says whether the server kept it. */
  async store(bytes: Uint8Array, sopInstanceUid: string, signal?: AbortSignal): Promise<StowOutcome> {
    let dataset;
    try {
      dataset = (Dataset as unknown as { _fromP10Buffer(b: Buffer): InstanceType<typeof Dataset> })._fromP10Buffer(Buffer.from(bytes));
    } catch (e) {
      throw new PacsError('config', `SEG ${sopInstanceUid} cannot be read to send: ${(e as Error).message}`);
    }
    const request = new requests.CStoreRequest(dataset);
    const finals = await this.run([request], 'C-STORE', signal);
    const r = finals.get(request);
    if (!r) return { sopInstanceUid, stored: false, reason: 'the server did not accept this kind of object (its SOP class) on the association' };
    const status = r.getStatus();
    if (status === Status.Success || (status & 0xf000) === 0xb000) return { sopInstanceUid, stored: true };
    return { sopInstanceUid, stored: false, reason: `the server refused it: ${statusText(status)}${r.getErrorComment() ? ` (${r.getErrorComment()})` : ''}` };
  }

  private async find(request: InstanceType<typeof requests.CFindRequest>, what: string, signal?: AbortSignal): Promise<Elements[]> {
    const matches: Elements[] = [];
    request.on('response', (r: AnyResponse) => {
      if (PENDING.has(r.getStatus()) && r.hasDataset()) matches.push(r.getDataset()!.getElements());
    });
    const finals = await this.run([request], what, signal);
    const final = finals.get(request);
    if (final?.getStatus() !== Status.Success) throw this.statusError(what, final);
    return matches;
  }

  private statusError(what: string, r: AnyResponse | undefined): PacsError {
    if (!r) return new PacsError('rejected', `${this.server} did not accept ${what} on the association (the service is not offered to us)`);
    const comment = r.getErrorComment();
    if (r.getStatus() === Status.NotAuthorized || r.getStatus() === 0xa801) return new PacsError('rejected', `${this.server} refused ${what}: ${statusText(r.getStatus())}${comment ? ` (${comment})` : ''}; the server may need our AE title (${this.target.callingAeTitle}) registered`);
    return new PacsError('bad-response', `${this.server}: ${what} ended with ${statusText(r.getStatus())}${comment ? ` (${comment})` : ''}`);
  }

  /**
   * One association carrying `list`: resolves, when it is released, with each request's final
   * (non-pending) response; a request the server gave no presentation context for has none.
   * `onInstance` receives instances a C-GET brings and says whether each was kept.
   */
  private run(list: AnyRequest[], what: string, signal?: AbortSignal, onInstance?: (sop: string, file: Buffer) => boolean): Promise<Map<AnyRequest, AnyResponse>> {
    signal?.throwIfAborted();
    const timeout = this.target.timeoutMs ?? 30_000;
    const finals = new Map<AnyRequest, AnyResponse>();
    return new Promise((resolve, reject) => {
      const client = new Client();
      let settled = false;
      let failure: Error | null = null;
      const finish = () => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (failure) reject(failure);
        else resolve(finals);
      };
      const onAbort = () => {
        failure ??= signal!.reason instanceof Error ? signal!.reason : new Error('aborted');
        try {
          client.abort();
        } catch {
          /* already closed */
        }
        finish();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      for (const request of list) {
        request.on('response', (r: AnyResponse) => {
          if (!PENDING.has(r.getStatus())) finals.set(request, r);
        });
        client.addRequest(request);
      }
      client.on('associationRejected', (r: { result: number; source: number; reason: number }) => {
        failure ??= new PacsError('rejected', `${this.server}: association ${rejectionText(r)} (calling AE ${this.target.callingAeTitle})`);
      });
      client.on('networkError', (e: Error) => {
        failure ??= dimseNetworkError(e, this.server, what);
      });
      client.on('closed', finish);
      client.on('cStoreRequest', (request: StoreRequest, callback: (r: AnyResponse) => void) => {
        const response = responses.CStoreResponse.fromRequest(request);
        const file = rawFile(request);
        const kept = file !== undefined && onInstance ? onInstance(request.getAffectedSopInstanceUid(), file) : false;
        response.setStatus(kept ? Status.Success : Status.ProcessingFailure);
        callback(response);
      });
      client.send(this.target.host, this.target.port, this.target.callingAeTitle, this.target.calledAeTitle, {
        connectTimeout: timeout, associationTimeout: timeout, pduTimeout: timeout, associationLingerTimeout: 0,
      });
      const network = (client as unknown as { network?: { on(event: 'abort', f: () => void): void; socket?: { destroy(): void } } }).network;
      network?.on('abort', () => {
        failure ??= new PacsError('rejected', `${this.server} aborted the association when asked for ${what}: it may not let AE title ${this.target.callingAeTitle} do this (on the PACS, register ${this.target.callingAeTitle} with this computer's address)`);
        network.socket?.destroy();
      });
      if (onInstance) receiveOn(client);
    });
  }
}

const RAW = Symbol('raw part 10 file');

/** The library's network errors carry the socket's code in their message only. */
function dimseNetworkError(e: Error, server: string, what: string): PacsError {
  const code = /\b(E[A-Z_]+)\b/.exec(e.message)?.[1];
  if (/Connection timeout/i.test(e.message)) return new PacsError('connection', `${server} did not answer ${what} in time (no DIMSE response before the timeout)`);
  const plain = Object.assign(new Error(e.message.replace(/^.*?->\s*/, '')), code ? { code } : {});
  return networkError(plain, server, 'DIMSE', what);
}

/** Storage classes a C-GET may bring beyond the library's list (its list has no SEG). */
const EXTRA_STORAGE = ['1.2.840.10008.5.1.4.1.1.66.4', '1.2.840.10008.5.1.4.1.1.481.3'];

/**
 * Prepares a C-GET association: the storage contexts (SCP role) also offer the compressed syntaxes
 * we decode and include SEG, and the network collects each C-STORE's dataset raw (the library's
 * default parses and re-encodes it). Reaches into the client's network, which dcmjs-dimse 0.3.3
 * (pinned) creates synchronously in send() and asks to send the association request on connect.
 */
function receiveOn(client: InstanceType<typeof Client>): void {
  const network = (client as unknown as { network?: RawCapable & { sendAssociationRequest(a: Association): void } }).network;
  if (!network || typeof network.createStoreWritableStream !== 'function') throw new Error('dcmjs-dimse changed: its client has no network to receive instances on (the pinned version is 0.3.3)');
  const send = network.sendAssociationRequest.bind(network);
  network.sendAssociationRequest = (association: Association) => {
    const storage = new Set([...Object.values(constants.StorageClass), ...EXTRA_STORAGE]);
    for (const uid of EXTRA_STORAGE) association.getPresentationContext(association.addOrGetPresentationContext(uid)).setProviderRole(true);
    for (const { context } of association.getPresentationContexts()) {
      if (!storage.has(context.getAbstractSyntaxUid())) continue;
      for (const ts of RECEIVE_SYNTAXES) if (!context.hasTransferSyntaxUid(ts)) context.addTransferSyntaxUid(ts);
    }
    send(association);
  };
  patchRawCapture(network);
}

interface RawCapable {
  createStoreWritableStream(context: { getAcceptedTransferSyntaxUid(): string | undefined }, request: StoreRequest): Writable;
  createDatasetFromStoreWritableStream(writable: Writable, context: { getAcceptedTransferSyntaxUid(): string | undefined }, callback: (ds: unknown) => void): void;
}

/** Raw capture on a network or an SCP (the listener uses it too). */
export function patchRawCapture(network: RawCapable, sourceAeTitle?: () => string): void {
  const pending = new WeakMap<Writable, { chunks: Buffer[]; request: StoreRequest }>();
  network.createStoreWritableStream = (_context, request) => {
    const stream = new PassThrough();
    const state = { chunks: [] as Buffer[], request };
    stream.on('data', (c: Buffer) => state.chunks.push(c));
    pending.set(stream, state);
    return stream;
  };
  network.createDatasetFromStoreWritableStream = (writable, context, callback) => {
    const state = pending.get(writable);
    if (!state) return callback(new Dataset({}, context.getAcceptedTransferSyntaxUid()));
    const { request, chunks } = state;
    (request as unknown as { [RAW]?: Buffer })[RAW] = part10File(
      { sopClassUid: request.getAffectedSopClassUid(), sopInstanceUid: request.getAffectedSopInstanceUid(), transferSyntaxUid: context.getAcceptedTransferSyntaxUid() ?? TransferSyntax.ImplicitVRLittleEndian, sourceAeTitle: sourceAeTitle?.() },
      Buffer.concat(chunks),
    );
    callback(new Dataset({}, context.getAcceptedTransferSyntaxUid())); // the request's dataset is not parsed: the file above is what is kept
  };
}

/** The PS3.10 file a C-STORE request brought, when its network captured it raw. */
export function rawFile(request: StoreRequest): Buffer | undefined {
  return (request as unknown as { [RAW]?: Buffer })[RAW];
}
