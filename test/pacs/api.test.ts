// The PACS operations of the API (what the app's settings, "Open from PACS" and "Send masks to
// PACS" call), against a real Orthanc (test/helpers/orthanc.ts) with the real import and export
// runners: secrets go in and never come back out (the listing says only whether one is set, and an
// edit without a password keeps the stored one); "Test connection" and searches answer or fail as
// ApiResult values whose message says what failed without the secret; a pull is an import job with
// config.pacs, a push an export job with config.pacs whose result reports each SEG, and the SEG is
// then on Orthanc referencing the pulled series.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createApi } from '../../main/api/handlers.ts';
import type { ApiResult, DelineateApi, JobInfo, PacsPushResult } from '../../main/contract/contract.ts';
import { JobQueue } from '../../main/jobs/queue.ts';
import { defaultRunners } from '../../main/jobs/runners/index.ts';
import { pacsPaths } from '../../main/pacs/connections.ts';
import { openStore, type Store } from '../../main/store/store.ts';
import { freePort, startOrthanc, type Orthanc } from '../helpers/orthanc.ts';
import { InboxService } from '../../main/jobs/pacs-inbox.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const root = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = join(root, 'test/fixtures/dicom-clinical/chest-ct');
const STUDY = '1.2.826.0.1.3680043.10.1433.77.1';
const SERIES = '1.2.826.0.1.3680043.10.1433.77.1.1';
const fixtureFiles = readdirSync(FIXTURE).filter((f) => f.endsWith('.dcm')).map((f) => join(FIXTURE, f));

let orthanc: Orthanc;
let store: Store;
let queue: JobQueue;
let api: DelineateApi;
const dir = mkdtempSync(join(tmpdir(), 'delineate-pacs-api-'));

before(async () => {
  orthanc = await startOrthanc();
  for (const f of fixtureFiles) await orthanc.upload(readFileSync(f));
  store = openStore(join(dir, 'data'));
  queue = new JobQueue(store, defaultRunners({ dataDir: store.dataDir }), { progressIntervalMs: 0 });
  queue.start();
  api = createApi({ store, queue, inference: () => assert.fail('no model is needed here'), jobKinds: ['import', 'export'] });
});
after(async () => {
  await queue?.close();
  store?.close();
  await orthanc?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const ok = <T>(r: ApiResult<T>): T => {
  if (!r.ok) assert.fail(`${r.error.code}: ${r.error.message}`);
  return r.value;
};
const fails = <T>(r: ApiResult<T>, code: string, pattern: RegExp): string => {
  assert.equal(r.ok, false, `expected a failure, got ${JSON.stringify(r)}`);
  if (r.ok) return '';
  assert.equal(r.error.code, code, r.error.message);
  assert.match(r.error.message, pattern);
  return r.error.message;
};

async function finished(job: JobInfo): Promise<JobInfo> {
  for (;;) {
    const j = store.jobs.get(job.id)!;
    if (['done', 'failed', 'cancelled', 'interrupted'].includes(j.state)) return ok(await api.listJobs({})).find((x) => x.id === job.id)!;
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('connections: a secret goes in and never comes out; an edit without one keeps it; bad settings are refused by field', async () => {
  assert.deepEqual(ok(await api.listPacsConnections()), []);
  const saved = ok(await api.savePacsConnection({ name: 'Orthanc', dicomweb: orthanc.dicomweb, auth: 'basic', username: orthanc.username, password: orthanc.password }));
  assert.deepEqual(saved, { name: 'Orthanc', dicomweb: orthanc.dicomweb, auth: 'basic', username: orthanc.username, caFile: null, secretSet: true, dimse: null });
  const listed = ok(await api.listPacsConnections());
  assert.deepEqual(listed, [saved]);
  assert.ok(!JSON.stringify(listed).includes(orthanc.password), 'the listing holds no password');
  assert.ok(readFileSync(pacsPaths.credentials(store.dataDir), 'utf8').includes(orthanc.password), 'the password is in the credentials file');

  // edited (as the settings form sends it: password field left empty): the password stays
  ok(await api.savePacsConnection({ name: 'Orthanc', dicomweb: `${orthanc.dicomweb}/`, auth: 'basic', username: orthanc.username, password: '' }));
  assert.equal(ok(await api.listPacsConnections())[0].secretSet, true);
  ok(await api.testPacsConnection({ name: 'orthanc' }));

  fails(await api.savePacsConnection({ name: 'x', dicomweb: 'ftp://pacs.example/', auth: 'none' }), 'invalid', /DICOMweb URL must be http:\/\/ or https:\/\//);
  fails(await api.savePacsConnection({ name: 'x', dicomweb: orthanc.dicomweb, auth: 'bearer' }), 'invalid', /bearer auth needs a token/);
  fails(await api.savePacsConnection({ name: 'x', dicomweb: orthanc.dicomweb, auth: 'none', caFile: 'ca.pem' }), 'invalid', /CA file must be an absolute path/);
  fails(await api.savePacsConnection({ name: '', dicomweb: orthanc.dicomweb, auth: 'none' }), 'invalid', /connection name ""/);
  assert.equal(ok(await api.listPacsConnections()).length, 1, 'nothing refused was saved');
});

test('test connection: works against Orthanc; a wrong password fails as a PACS problem without the password; a dead port says refused', async () => {
  const works = ok(await api.testPacsConnection({ name: 'Orthanc' }));
  assert.deepEqual(works, { server: `127.0.0.1:${orthanc.httpPort}`, studiesVisible: true, checked: [`DICOMweb: 127.0.0.1:${orthanc.httpPort} answers QIDO-RS`] });
  const wrong = 'not-the-password-Zq9';
  ok(await api.savePacsConnection({ name: 'wrong', dicomweb: orthanc.dicomweb, auth: 'basic', username: orthanc.username, password: wrong }));
  const message = fails(await api.testPacsConnection({ name: 'wrong' }), 'pacs', /refused the credentials \(HTTP 401/);
  assert.ok(!message.includes(wrong) && !message.includes(Buffer.from(`${orthanc.username}:${wrong}`).toString('base64')), message);
  ok(await api.savePacsConnection({ name: 'dead', dicomweb: 'http://127.0.0.1:9/dicom-web', auth: 'none' }));
  fails(await api.testPacsConnection({ name: 'dead' }), 'pacs', /refused the connection/);
  fails(await api.testPacsConnection({ name: 'nobody' }), 'invalid', /no PACS connection named 'nobody' \(connections: 'dead', 'Orthanc', 'wrong'\)/);
  ok(await api.removePacsConnection({ name: 'wrong' }));
  ok(await api.removePacsConnection({ name: 'dead' }));
  fails(await api.removePacsConnection({ name: 'dead' }), 'not-found', /no PACS connection named 'dead'/);
  assert.ok(!readFileSync(pacsPaths.credentials(store.dataDir), 'utf8').includes(wrong), 'the removed connection\'s password is gone');
});

test('find, pull (an import job with config.pacs), push (an export job with config.pacs): the SEG is on Orthanc referencing the pulled series', async () => {
  const studies = ok(await api.findPacsStudies({ connection: 'Orthanc', query: { patientId: 'CLIN-77', modality: 'ct' } }));
  assert.deepEqual(studies.map((s) => [s.studyUid, s.patientId, s.modalities, s.instances]), [[STUDY, 'CLIN-77', ['CT'], fixtureFiles.length]]);
  assert.deepEqual(ok(await api.findPacsStudies({ connection: 'Orthanc', query: { patientId: 'CLIN-77', modality: 'MR' } })), []);
  fails(await api.findPacsStudies({ connection: 'Orthanc', query: { studyDate: 'last week' } }), 'invalid', /study date "last week": give YYYYMMDD/);
  const series = ok(await api.findPacsSeries({ connection: 'Orthanc', studyUid: STUDY }));
  assert.deepEqual(series.map((s) => [s.seriesUid, s.modality, s.instances]), [[SERIES, 'CT', fixtureFiles.length]]);

  const project = ok(await api.createProject({ name: 'From PACS' }));
  fails(await api.pullFromPacs({ projectId: project.id, connection: 'Orthanc', studyUid: 'not a uid' }), 'invalid', /study UID "not a uid" is not a DICOM UID/);
  fails(await api.pullFromPacs({ projectId: project.id, connection: 'elsewhere', studyUid: STUDY }), 'invalid', /no PACS connection named 'elsewhere'/);
  const pull = ok(await api.pullFromPacs({ projectId: project.id, connection: 'orthanc', studyUid: STUDY, seriesUid: SERIES }));
  assert.equal(pull.kind, 'import');
  assert.deepEqual(store.jobs.get(pull.id)!.config, { projectId: project.id, pacs: { connection: 'Orthanc', studyUid: STUDY, seriesUid: SERIES } }, 'the job names the connection, never its secret');
  const pulled = await finished(pull);
  assert.equal(pulled.state, 'done', pulled.error ?? '');
  const images = ok(await api.listImages({ projectId: project.id })).images;
  const stack = images.find((i) => i.frames > 1);
  assert.ok(stack, `a stacked series was imported: ${JSON.stringify(images.map((i) => [i.fileName, i.frames]))}`);
  assert.equal((pulled.result as { imported: number }).imported, images.length);

  // nothing corrected yet: the push fails saying so
  const empty = await finished(ok(await api.pushToPacs({ projectId: project.id, connection: 'Orthanc' })));
  assert.equal(empty.state, 'failed');
  assert.match(empty.error ?? '', /nothing to export: project \d+ has no corrected masks/);

  const pixels = new Uint8Array(stack.width * stack.height);
  for (let y = 10; y < 20; y++) for (let x = 10; x < 30; x++) pixels[y * stack.width + x] = 1;
  ok(await api.saveCorrectedMask({ imageId: stack.id, frame: 2, mask: { width: stack.width, height: stack.height, pixels }, prompt: 'lesion' }));
  const push = ok(await api.pushToPacs({ projectId: project.id, connection: 'Orthanc' }));
  assert.equal(push.kind, 'export');
  assert.deepEqual(store.jobs.get(push.id)!.config, { projectId: project.id, pacs: { connection: 'Orthanc' } });
  const pushed = await finished(push);
  assert.equal(pushed.state, 'done', pushed.error ?? '');
  const r = pushed.result as PacsPushResult;
  assert.equal(r.stored, 1);
  assert.equal(r.failed, 0);
  assert.deepEqual(r.objects.map((o) => [o.imageId, o.seriesUid, o.stored]), [[stack.id, SERIES, true]]);

  // Orthanc has it: its REST API finds the SEG instance, and its tags reference the pulled series
  const sop = r.objects[0].sopInstanceUid;
  const lookup = await orthanc.rest('POST', '/tools/lookup', Buffer.from(sop));
  const found = lookup.json() as { ID: string; Type: string }[];
  assert.deepEqual(found.map((f) => f.Type), ['Instance']);
  const tags = (await orthanc.rest('GET', `/instances/${found[0].ID}/simplified-tags`)).json() as Record<string, unknown>;
  assert.equal(tags.Modality, 'SEG');
  assert.equal(tags.StudyInstanceUID, STUDY);
  const referenced = tags.ReferencedSeriesSequence as { SeriesInstanceUID: string }[];
  assert.deepEqual(referenced.map((s) => s.SeriesInstanceUID), [SERIES]);
});

test('the listener: off by default; on, Orthanc sends a series and it is imported into the inbox; bad settings are refused by field', async () => {
  const inboxService = new InboxService(store, (i) => queue.enqueue('import', { projectId: i.projectId, paths: i.paths }, { projectId: i.projectId }), () => {});
  const withInbox = createApi({ store, queue, inference: () => assert.fail('no model is needed here'), jobKinds: ['import', 'export'], inbox: inboxService });
  try {
    const off = ok(await withInbox.getPacsListener());
    assert.deepEqual([off.settings.enabled, off.listeningOn, off.settings.aeTitle, off.settings.host], [false, null, 'DELINEATE', '127.0.0.1']);
    fails(await withInbox.savePacsListener({ ...off.settings, host: 'localhost' }), 'invalid', /interface "localhost" must be an IP address/);
    fails(await withInbox.savePacsListener({ ...off.settings, allowedAeTitles: ['A\\B'] }), 'invalid', /allowed AE title "A\\\\B"/);
    const nobody = ok(await withInbox.savePacsListener({ ...off.settings, enabled: true, port: await freePort() }));
    assert.equal(nobody.listeningOn, null);
    assert.match(nobody.error ?? '', /no calling AE title is allowed/);
    const port = await freePort();
    const on = ok(await withInbox.savePacsListener({ ...off.settings, enabled: true, port, allowedAeTitles: [orthanc.aeTitle], inboxProject: 'From PACS' }));
    assert.deepEqual([on.listeningOn, on.error], [port, null]);
    assert.equal((await orthanc.rest('PUT', '/modalities/app-inbox', Buffer.from(JSON.stringify({ AET: 'DELINEATE', Host: '127.0.0.1', Port: port })))).status, 200);
    const [hit] = (await orthanc.rest('POST', '/tools/lookup', Buffer.from(SERIES))).json() as { ID: string }[];
    const sent = await orthanc.rest('POST', '/modalities/app-inbox/store', Buffer.from(JSON.stringify({ Resources: [hit.ID], Synchronous: true })));
    assert.equal(sent.status, 200, sent.body.toString());
    let job;
    for (let i = 0; i < 100 && !job; i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = store.jobs.list().find((j) => j.kind === 'import' && j.projectId === store.projects.byName('From PACS')?.id && (j.state === 'done' || j.state === 'failed'));
    }
    assert.ok(job, 'an import job ran for the received series');
    assert.equal(job.state, 'done', job.error ?? '');
    assert.ok(store.images.count(job.projectId!) > 0, 'the inbox project has the series');
    const offAgain = ok(await withInbox.savePacsListener({ ...on.settings, enabled: false }));
    assert.equal(offAgain.listeningOn, null);
  } finally {
    await inboxService.close();
  }
});

test('deleting a project deletes the pulled files only its images used; a series another project uses, and files no image uses yet, stay', async () => {
  const folder = join(pacsPaths.retrieved(store.dataDir), STUDY, SERIES);
  const pull = async (name: string) => {
    const p = ok(await api.createProject({ name }));
    const job = await finished(ok(await api.pullFromPacs({ projectId: p.id, connection: 'Orthanc', studyUid: STUDY, seriesUid: SERIES })));
    assert.equal(job.state, 'done', job.error ?? '');
    return p.id;
  };
  const [one, two] = [await pull('Pulled once'), await pull('Pulled twice')];
  const files = readdirSync(folder).filter((f) => f.endsWith('.dcm'));
  assert.equal(files.length, fixtureFiles.length);
  // a series being retrieved right now: its files belong to no image yet
  const pending = join(pacsPaths.retrieved(store.dataDir), STUDY, '1.2.3.4.5');
  mkdirSync(pending, { recursive: true });
  writeFileSync(join(pending, '1.2.3.4.5.6.dcm'), 'DICM');
  ok(await api.deleteProject({ projectId: one }));
  assert.deepEqual(readdirSync(folder).filter((f) => f.endsWith('.dcm')).sort(), files.sort(), 'the other project still reads them');
  ok(await api.deleteProject({ projectId: two }));
  // the earlier tests' project pulled the same series: still there
  const rest = ok(await api.listProjects());
  assert.ok(rest.length > 0 && readdirSync(folder).length === files.length, 'the earlier pull\'s project still reads them');
  for (const p of rest) ok(await api.deleteProject({ projectId: p.id }));
  assert.ok(!existsSync(folder), 'no project uses the series: its files and folder are gone');
  assert.ok(existsSync(join(pending, '1.2.3.4.5.6.dcm')), 'a file no image refers to is left alone');
});
