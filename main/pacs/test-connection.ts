// "Test connection": every protocol a connection has is tried, DICOMweb (one QIDO-RS search) and
// DIMSE (C-ECHO, then a C-FIND that matches nothing, to learn whether we may query at all). The
// first failure is thrown as the PacsError that says what failed; success lists what was checked.

import type { PacsConnectionTest } from '../contract/contract.ts';
import type { PacsConnections } from './connections.ts';
import { testDicomWeb } from './dicomweb.ts';
import { DimseClient } from './dimse.ts';
import { PacsError } from './errors.ts';

/** A study UID no PACS holds (the UUID-derived root 2.25 with the UUID 1): a C-FIND for it matches nothing. */
const NO_STUDY = '2.25.1';

export async function testPacsConnection(connections: PacsConnections, name: string, timeoutMs: number, signal?: AbortSignal): Promise<PacsConnectionTest> {
  const c = connections.get(name);
  const checked: string[] = [];
  const servers: string[] = [];
  let studiesVisible: boolean | null = null;
  if (c.dicomweb) {
    const r = await testDicomWeb(connections.target(c.name, timeoutMs), signal);
    studiesVisible = r.studiesVisible;
    servers.push(r.server);
    checked.push(`DICOMweb: ${r.server} answers QIDO-RS${r.studiesVisible ? '' : ' (no studies visible to this user)'}`);
  }
  if (c.dimse) {
    const client = new DimseClient({ ...c.dimse, timeoutMs });
    try {
      await client.echo(signal);
      await client.searchSeries(NO_STUDY, {}, signal);
    } catch (e) {
      if (e instanceof PacsError && c.dicomweb) throw new PacsError(e.failure, `DIMSE: ${e.message}`, e.status);
      throw e;
    }
    servers.push(`${c.dimse.host}:${c.dimse.port}`);
    checked.push(`DIMSE: ${client.server} accepts ${c.dimse.callingAeTitle} for C-ECHO and C-FIND`);
  }
  return { server: servers.join(', '), studiesVisible, checked };
}
