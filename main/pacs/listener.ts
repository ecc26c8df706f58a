// The C-STORE listener: Delineate as a storage SCP that a PACS (or any modality) can send studies
// to, as it sends them to a workstation. It binds one interface and port, answers C-ECHO, and
// accepts an association only when it calls our AE title from an allowed calling AE title (and,
// where a host list is set, from an allowed address); others are rejected at association time.
// Each instance is kept byte for byte as it arrived (pacs/part10.ts), written atomically beside
// pulled ones (`<data>/pacs/retrieved/<study>/<series>/<sop>.dcm`), so a received series can be
// segmented and its SEG sent back like a pulled one. When an association ends, what it brought is
// reported as one batch for the caller to import.

import { createServer, type Server, type Socket } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import dimse from 'dcmjs-dimse';
import { writeFileAtomic } from '../fs/atomic.ts';
import { readDicomHeader, TRANSFER_SYNTAXES } from '../io/dicom.ts';
import { pacsPaths } from './connections.ts';
import { seriesFolder } from './retrieve.ts';
import { patchRawCapture, rawFile } from './dimse.ts';
import type { ListenerSettings } from './listener-settings.ts';

const { Scp, constants, responses } = dimse;
const { Status, PresentationContextResult, RejectResult, RejectSource, RejectReason, SopClass } = constants;

/** What one association brought. */
export interface ReceivedBatch {
  callingAeTitle: string;
  host: string;
  /** series with at least one instance kept, and their folders */
  series: { studyUid: string; seriesUid: string; folder: string; instances: number }[];
  stored: number;
  failed: number;
}

export interface ListenerEvents {
  received(batch: ReceivedBatch): void;
  log(line: string): void;
}

/** Storage SOP classes share this root (PS3.4 B.5); anything under it may be stored. */
const STORAGE_ROOT = '1.2.840.10008.5.1.4.1.1.';
/** Transfer syntaxes whose pixel data we decode: a proposal of another is refused per context. */
const READABLE = new Set(TRANSFER_SYNTAXES.filter((t) => t.codec !== null).map((t) => t.uid));

const plainAddress = (a: string | undefined) => (a ?? '').replace(/^::ffff:/, '');

type Association = InstanceType<typeof dimse.association.Association>;
type StoreRequest = InstanceType<typeof dimse.requests.CStoreRequest>;
type AnyResponse = InstanceType<typeof dimse.responses.Response>;

export class StoreListener {
  private constructor(private readonly server: Server, private readonly sockets: Set<Socket>, readonly settings: ListenerSettings, readonly port: number) {}

  /** Starts listening; rejects with a clear error when the port is taken or the address is not this computer's. */
  static start(dataDir: string, settings: ListenerSettings, events: ListenerEvents): Promise<StoreListener> {
    const retrieved = pacsPaths.retrieved(dataDir);
    const allowedAe = new Set(settings.allowedAeTitles);
    const allowedHosts = new Set(settings.allowedHosts.map(plainAddress));

    class ListenerScp extends Scp {
      private calling = '';
      private readonly batch = new Map<string, ReceivedBatch['series'][number]>();
      private stored = 0;
      private failed = 0;
      private reported = false;

      constructor(private readonly socket: Socket, opts: ConstructorParameters<typeof Scp>[1]) {
        super(socket, opts);
        patchRawCapture(this as never, () => this.calling);
        this.on('close', () => this.report());
      }

      override associationRequested(association: Association): void {
        this.calling = association.getCallingAeTitle().trim();
        const called = association.getCalledAeTitle().trim();
        const host = plainAddress(this.socket.remoteAddress);
        const refuse = (reason: number, why: string) => {
          events.log(`rejected an association from ${this.calling || '(no AE title)'} at ${host}: ${why}`);
          this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, reason);
        };
        if (called !== settings.aeTitle) return refuse(RejectReason.CalledAeNotRecognized, `it called AE title ${called}, not ${settings.aeTitle}`);
        if (!allowedAe.has(this.calling)) return refuse(RejectReason.CallingAeNotRecognized, `calling AE title ${this.calling} is not on the allow-list`);
        if (allowedHosts.size > 0 && !allowedHosts.has(host)) return refuse(RejectReason.CallingAeNotRecognized, `address ${host} is not on the allow-list`);
        for (const { context } of association.getPresentationContexts()) {
          const abstract = context.getAbstractSyntaxUid();
          if (abstract !== SopClass.Verification && !abstract.startsWith(STORAGE_ROOT)) {
            context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
            continue;
          }
          // the sender's first choice among those we can read: kept as sent, no transcoding
          const ts = context.getTransferSyntaxUids().find((t) => READABLE.has(t));
          if (ts) context.setResult(PresentationContextResult.Accept, ts);
          else context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
        }
        events.log(`association from ${this.calling} at ${host} accepted`);
        this.sendAssociationAccept();
      }

      override associationReleaseRequested(): void {
        this.sendAssociationReleaseResponse();
        this.report();
      }

      override cEchoRequest(request: InstanceType<typeof dimse.requests.CEchoRequest>, callback: (r: InstanceType<typeof dimse.responses.CEchoResponse>) => void): void {
        const response = responses.CEchoResponse.fromRequest(request);
        response.setStatus(Status.Success);
        callback(response);
      }

      override cStoreRequest(request: StoreRequest, callback: (r: InstanceType<typeof dimse.responses.CStoreResponse>) => void): void {
        const response = responses.CStoreResponse.fromRequest(request);
        const fail = (status: number, why: string) => {
          this.failed++;
          events.log(`refused instance ${request.getAffectedSopInstanceUid()} from ${this.calling}: ${why}`);
          response.setStatus(status);
          response.setErrorComment(why.slice(0, 64));
          callback(response);
        };
        const file = rawFile(request);
        if (!file) return fail(Status.ProcessingFailure, 'the instance did not arrive whole');
        let header;
        try {
          header = readDicomHeader(file, `instance ${request.getAffectedSopInstanceUid()}`);
        } catch (e) {
          return fail(0xc000, `cannot be read: ${(e as Error).message}`);
        }
        if (header.sopInstanceUID !== request.getAffectedSopInstanceUid()) return fail(0xc000, 'its SOP Instance UID is not the one in the request');
        let folder: string;
        try {
          folder = seriesFolder(retrieved, header.studyInstanceUID, header.seriesInstanceUID);
          mkdirSync(folder, { recursive: true });
          writeFileAtomic(join(folder, `${header.sopInstanceUID}.dcm`), file);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          return fail(code === 'ENOSPC' ? 0xa700 : Status.ProcessingFailure, (e as Error).message);
        }
        const key = `${header.studyInstanceUID}/${header.seriesInstanceUID}`;
        const entry = this.batch.get(key) ?? { studyUid: header.studyInstanceUID, seriesUid: header.seriesInstanceUID, folder, instances: 0 };
        entry.instances++;
        this.batch.set(key, entry);
        this.stored++;
        response.setStatus(Status.Success);
        callback(response as AnyResponse as InstanceType<typeof dimse.responses.CStoreResponse>);
      }

      private report(): void {
        if (this.reported || (this.stored === 0 && this.failed === 0)) return;
        this.reported = true;
        events.received({ callingAeTitle: this.calling, host: plainAddress(this.socket.remoteAddress), series: [...this.batch.values()], stored: this.stored, failed: this.failed });
      }
    }

    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      const scp = new ListenerScp(socket, { associationTimeout: 30_000, pduTimeout: 60_000 });
      (scp as unknown as { connected: boolean }).connected = true;
      scp.on('networkError', (e: Error) => {
        events.log(`connection from ${plainAddress(socket.remoteAddress)} failed: ${e.message.replace(/^.*?->\s*/, '')}`);
        socket.end();
      });
    });
    return new Promise((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        const where = `${settings.host}:${settings.port}`;
        if (e.code === 'EADDRINUSE') reject(new Error(`the listener cannot use ${where}: another program listens there; choose another port`));
        else if (e.code === 'EADDRNOTAVAIL') reject(new Error(`the listener cannot bind ${settings.host}: it is not an address of this computer`));
        else if (e.code === 'EACCES') reject(new Error(`the listener may not bind port ${settings.port} (ports under 1024 need administrator rights); choose another port`));
        else reject(e);
      });
      server.listen(settings.port, settings.host, () => {
        const port = (server.address() as { port: number }).port;
        events.log(`listening as ${settings.aeTitle} on ${settings.host}:${port}; accepting ${[...allowedAe].join(', ') || 'nobody (no AE title is allowed)'}${allowedHosts.size ? ` from ${[...allowedHosts].join(', ')}` : ''}`);
        resolve(new StoreListener(server, sockets, settings, port));
      });
    });
  }

  /** Stops listening and drops open associations (an instance not yet written is not kept). */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
