// DIMSE against a real Orthanc (test/helpers/orthanc.ts): C-ECHO and C-FIND for "Test
// connection", study and series search, a C-GET pull whose files pydicom reads as equal (pixels and
// geometry) to the uploaded ones, a SEG pushed back with C-STORE and read from Orthanc with pydicom;
// an AE title Orthanc does not know is refused by name. Then the C-STORE listener: Orthanc sends a
// study to it (REST /modalities/{id}/store) and the series lands in the inbox project as sent;
// dcmtk's storescu calling with an AE title (or from an address) not on the allow-list is rejected
// at association time and nothing is written. Everything runs on 127.0.0.1.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runJob } from '../../main/cli/job-cli.ts';
import { startInbox, type InboxImport } from '../../main/jobs/pacs-inbox.ts';
import type { PacsPullResult, PacsPushResult } from '../../main/jobs/runners/pacs.ts';
import { PacsConnections, pacsPaths } from '../../main/pacs/connections.ts';
import { DimseClient } from '../../main/pacs/dimse.ts';
import type { PacsError } from '../../main/pacs/errors.ts';
import { DEFAULT_LISTENER, type ListenerSettings } from '../../main/pacs/listener-settings.ts';
import { testPacsConnection } from '../../main/pacs/test-connection.ts';
import type { Store } from '../../main/store/store.ts';
import { freePort, startOrthanc, type Orthanc } from '../helpers/orthanc.ts';
import { tempStore } from '../helpers/temp-store.ts';
import { storescu } from '../helpers/storescu.ts';
import { bySop, facts, fixtureFiles, PATIENT, SERIES, STUDY } from '../helpers/chest-ct.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Orthanc's own id of a DICOM UID (its REST API names resources by these). */
async function orthancId(uid: string): Promise<string> {
  const r = await orthanc.rest('POST', '/tools/lookup', Buffer.from(uid));
  const [hit] = r.json() as { ID: string }[];
  assert.ok(hit, `Orthanc knows ${uid}`);
  return hit.ID;
}

let orthanc: Orthanc;
const OUR_AE = 'DELINEATE_T';

before(async () => {
  orthanc = await startOrthanc();
  for (const f of fixtureFiles) assert.match((await orthanc.upload(readFileSync(f))).Status, /Success|AlreadyStored/);
});
after(async () => {
  await orthanc?.dispose();
});

/** Registers an AE title with Orthanc (as a PACS administrator does), allowed to query, retrieve and receive. */
async function register(id: string, aeTitle: string, port: number): Promise<void> {
  const r = await orthanc.rest('PUT', `/modalities/${id}`, Buffer.from(JSON.stringify({ AET: aeTitle, Host: '127.0.0.1', Port: port, AllowEcho: true, AllowFind: true, AllowGet: true, AllowMove: true, AllowStore: true })));
  assert.equal(r.status, 200, r.body.toString());
}

function connect(store: Store, callingAeTitle = OUR_AE): PacsConnections {
  const c = new PacsConnections(store.dataDir);
  c.save({ name: 'orthanc-dimse', dicomweb: null, auth: 'none', dimse: { host: '127.0.0.1', port: orthanc.dicomPort, calledAeTitle: orthanc.aeTitle, callingAeTitle } });
  return c;
}

describe('a real Orthanc over DIMSE', () => {
  before(async () => register('delineate-test', OUR_AE, 1));

  test('an AE title the PACS does not know: echo works, a query is refused by name', async (t) => {
    const { store } = tempStore(t);
    const connections = connect(store, 'STRANGER');
    await new DimseClient({ host: '127.0.0.1', port: orthanc.dicomPort, callingAeTitle: 'STRANGER', calledAeTitle: orthanc.aeTitle }).echo();
    await assert.rejects(testPacsConnection(connections, 'orthanc-dimse', 10_000), (e: PacsError) => e.failure === 'rejected' && /STRANGER/.test(e.message) && /register/.test(e.message));
  });

  test('test connection: C-ECHO and C-FIND; nothing listening is "refused"', async (t) => {
    const { store } = tempStore(t);
    const r = await testPacsConnection(connect(store), 'orthanc-dimse', 10_000);
    assert.equal(r.checked.length, 1);
    assert.match(r.checked[0], new RegExp(`^DIMSE: 127\\.0\\.0\\.1:${orthanc.dicomPort} \\(AE ${orthanc.aeTitle}\\) accepts ${OUR_AE}`));
    const port = await freePort();
    await assert.rejects(new DimseClient({ host: '127.0.0.1', port, callingAeTitle: OUR_AE, calledAeTitle: 'X', timeoutMs: 5000 }).echo(), (e: PacsError) => e.failure === 'refused' && e.message.includes(`127.0.0.1:${port}`));
  });

  test('C-FIND: by patient ID, modality and date; series and instances', async (t) => {
    const { store } = tempStore(t);
    const client = connect(store).client('orthanc-dimse');
    assert.equal(client.protocol, 'dimse');
    const found = await client.searchStudies({ patientId: PATIENT, modality: 'CT' });
    assert.deepEqual(found.map((s) => [s.studyUid, s.patientId, s.modalities, s.instances]), [[STUDY, PATIENT, ['CT'], fixtureFiles.length]]);
    assert.deepEqual(await client.searchStudies({ patientId: PATIENT, modality: 'MR' }), []);
    assert.deepEqual(await client.searchStudies({ patientId: 'NOBODY' }), []);
    assert.equal((await client.searchStudies({ studyDate: '20240101-20240131' })).length, 1);
    assert.equal((await client.searchStudies({ studyDate: '20250101-' })).length, 0);
    assert.deepEqual(await client.searchStudies({ patientId: PATIENT, offset: 1 }), [], 'the second page of one match is empty');
    const series = await client.searchSeries(STUDY);
    assert.deepEqual(series.map((s) => [s.seriesUid, s.modality, s.instances]), [[SERIES, 'CT', fixtureFiles.length]]);
    assert.deepEqual((await client.listInstances(STUDY, SERIES)).sort(), facts(fixtureFiles).map((f) => f.sopInstanceUID).sort());
  });

  test('C-GET pull equals the uploaded files; resumes per instance; a SEG sent with C-STORE references the pulled series', async (t) => {
    const { store } = tempStore(t);
    connect(store);
    const project = store.projects.create('pulled');
    const { job } = await runJob(store, 'import', { projectId: project.id, pacs: { connection: 'orthanc-dimse', studyUid: STUDY } }, project.id);
    assert.equal(job.state, 'done', job.error ?? '');
    const r = job.result as PacsPullResult & { imported: number; failed: number };
    assert.deepEqual([r.failed, r.pacs.series.length, r.pacs.series[0].retrieved], [0, 1, fixtureFiles.length]);
    const folder = join(pacsPaths.retrieved(store.dataDir), STUDY, SERIES);
    const pulledFiles = readdirSync(folder).map((n) => join(folder, n));
    assert.equal(pulledFiles.length, fixtureFiles.length);
    const original = bySop(facts(fixtureFiles));
    for (const f of facts(pulledFiles)) assert.deepEqual(f, original.get(f.sopInstanceUID), `instance ${f.sopInstanceUID}: pixels and geometry`);
    // the dcmtk reader agrees the files are well formed DICOM
    for (const p of pulledFiles.slice(0, 2)) assert.equal(spawnSync('dcmdump', ['-q', p]).status, 0, `dcmdump reads ${p}`);

    // two instances lost: the next pull fetches exactly those (image-level C-GET)
    rmSync(pulledFiles[0]);
    rmSync(pulledFiles[3]);
    const again = store.projects.create('again');
    const { job: j2 } = await runJob(store, 'import', { projectId: again.id, pacs: { connection: 'orthanc-dimse', studyUid: STUDY, seriesUid: SERIES } }, again.id);
    const r2 = j2.result as PacsPullResult;
    assert.deepEqual([j2.state, r2.pacs.series[0].retrieved, r2.pacs.series[0].present], ['done', 2, fixtureFiles.length - 2]);
    assert.equal(readdirSync(folder).length, fixtureFiles.length, 'no duplicates, no temporaries');

    // a corrected mask, pushed as a SEG over C-STORE
    const image = store.images.list(project.id).sort((a, b) => b.frames - a.frames)[0];
    const label = store.labels.create({ projectId: project.id, name: 'nodule', color: '#20a0ff' });
    const pixels = new Uint8Array(image.width * image.height);
    for (let y = 2; y < 6; y++) for (let x = 3; x < 9; x++) pixels[y * image.width + x] = 1;
    store.masks.save({ imageId: image.id, labelId: label.id, frame: 0, kind: 'corrected', width: image.width, height: image.height, pixels });
    const { job: push } = await runJob(store, 'export', { projectId: project.id, pacs: { connection: 'orthanc-dimse' } }, project.id);
    assert.equal(push.state, 'done', push.error ?? '');
    const pr = push.result as PacsPushResult;
    assert.deepEqual([pr.stored, pr.failed], [1, 0]);
    const sop = pr.objects[0].sopInstanceUid;
    const file = await orthanc.rest('GET', `/instances/${await orthancId(sop)}/file`);
    assert.equal(file.status, 200, 'Orthanc holds the SEG');
    const tmp = mkdtempSync(join(tmpdir(), 'delineate-seg-'));
    t.after(() => rmSync(tmp, { recursive: true, force: true }));
    writeFileSync(join(tmp, 'seg.dcm'), file.body);
    const seg = JSON.parse(execFileSync('/usr/bin/python3', [join(root, 'test/helpers/read-dicom-seg.py'), join(tmp, 'seg.dcm')], { encoding: 'utf8' }));
    assert.equal(seg.modality, 'SEG');
    assert.equal(seg.studyInstanceUID, STUDY);
    assert.deepEqual(seg.referencedSeries.map((s: { seriesInstanceUID: string }) => s.seriesInstanceUID), [SERIES]);
    assert.deepEqual(new Set(seg.referencedSeries[0].sopInstanceUIDs), new Set(store.images.slices(image.id).map((s) => s.sopInstanceUid)));
    const ones = [...seg.frames[0].bits as string].flatMap((b, i) => (b === '1' ? [i] : []));
    assert.deepEqual(ones, [...pixels].flatMap((v, i) => (v ? [i] : [])), 'the mask bits');
  });
});

describe('the C-STORE listener', () => {
  async function listen(t: { after(f: () => unknown): void }, store: Store, more: Partial<ListenerSettings> = {}) {
    const port = await freePort();
    const imports: InboxImport[] = [];
    const lines: string[] = [];
    const settings: ListenerSettings = { ...DEFAULT_LISTENER, enabled: true, aeTitle: 'DELINEATE', host: '127.0.0.1', port, allowedAeTitles: [orthanc.aeTitle], inboxProject: 'PACS inbox', ...more };
    let arrived: () => void = () => {};
    const batch = new Promise<void>((r) => (arrived = r));
    const listener = await startInbox(store, settings, (i) => {
      imports.push(i);
      arrived();
    }, (l) => lines.push(l));
    t.after(() => listener.close());
    return { port, imports, lines, batch, listener };
  }

  test('Orthanc sends a series: it lands in the inbox project as sent', async (t) => {
    const { store } = tempStore(t);
    const { port, imports, batch } = await listen(t, store);
    await register('delineate-inbox', 'DELINEATE', port);
    const r = await orthanc.rest('POST', '/modalities/delineate-inbox/store', Buffer.from(JSON.stringify({ Resources: [await orthancId(SERIES)], Synchronous: true })));
    assert.equal(r.status, 200, r.body.toString());
    await batch;
    assert.equal(imports.length, 1);
    const [i] = imports;
    assert.equal(i.batch.callingAeTitle, orthanc.aeTitle);
    assert.deepEqual([i.batch.stored, i.batch.failed, i.batch.series.map((s) => s.seriesUid)], [fixtureFiles.length, 0, [SERIES]]);
    const received = readdirSync(i.paths[0]).map((n) => join(i.paths[0], n));
    const original = bySop(facts(fixtureFiles));
    for (const f of facts(received)) assert.deepEqual(f, original.get(f.sopInstanceUID), `instance ${f.sopInstanceUID}: pixels and geometry`);
    const { job } = await runJob(store, 'import', { projectId: i.projectId, paths: i.paths }, i.projectId);
    assert.equal(job.state, 'done', job.error ?? '');
    assert.equal(store.projects.get(i.projectId)!.name, 'PACS inbox');
    const slices = store.images.list(i.projectId).reduce((n, im) => n + (im.frames ?? 1), 0);
    assert.ok(store.images.count(i.projectId) > 0 && slices >= fixtureFiles.length - 1, `the series is in the inbox (${slices} slices)`);
  });

  test('storescu calling an AE title, or from an address, not on the allow-list is rejected; nothing is written', async (t) => {
    const { store } = tempStore(t);
    const { port, imports, lines } = await listen(t, store, { allowedAeTitles: ['ORTHANC_TEST'] });
    const send = (aet: string, aec = 'DELINEATE', p = port) => storescu(['-aet', aet, '-aec', aec, '127.0.0.1', String(p), fixtureFiles[0]]);
    const wrong = await send('WRONG');
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.output, /Association Rejected/i);
    assert.match(wrong.output, /Calling AE Title Not Recognized/i);
    assert.ok(lines.some((l) => /rejected an association from WRONG .*not on the allow-list/.test(l)), lines.join('\n'));
    const calledWrong = await send('ORTHANC_TEST', 'SOMEONE');
    assert.match(calledWrong.output, /Called AE Title Not Recognized/i);
    assert.ok(!existsSync(pacsPaths.retrieved(store.dataDir)), 'nothing written');
    assert.equal(imports.length, 0);
    const allowed = await send('ORTHANC_TEST');
    assert.equal(allowed.status, 0, `an allowed AE title may send: ${allowed.output}`);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(imports.length, 1);

    const { store: other } = tempStore(t);
    const hosts = await listen(t, other, { allowedAeTitles: ['ORTHANC_TEST'], allowedHosts: ['10.1.2.3'] });
    const fromHere = await send('ORTHANC_TEST', 'DELINEATE', hosts.port);
    assert.match(fromHere.output, /Association Rejected/i);
    assert.ok(hosts.lines.some((l) => /address 127\.0\.0\.1 is not on the allow-list/.test(l)), hosts.lines.join('\n'));
    assert.ok(!existsSync(pacsPaths.retrieved(other.dataDir)) || readdirSync(pacsPaths.retrieved(other.dataDir)).length === 0, 'nothing written');
  });

  test('a taken port is refused by name', async (t) => {
    const { store } = tempStore(t);
    const { port } = await listen(t, store);
    await assert.rejects(startInbox(store, { ...DEFAULT_LISTENER, enabled: true, port, allowedAeTitles: ['X'] }, () => {}, () => {}), /cannot use 127\.0\.0\.1:\d+: another program listens there/);
  });
});
