// The PACS path against a real Orthanc (test/helpers/orthanc.ts): upload the chest CT fixture
// through Orthanc's REST API, find it by patient ID and modality, pull it into a project (pixels
// and geometry compared with the uploaded files by pydicom, and with a local import of the same
// files), push a SEG back and read it from Orthanc with pydicom; then the failures: wrong password,
// the server stopped mid-retrieve (fails by name, resumes without duplicates), a server that is
// not DICOMweb. Everything runs on 127.0.0.1. Without Orthanc the tests fail saying what to install.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runJob } from '../../main/cli/job-cli.ts';
import { loadImageFrame } from '../../main/io/import-scan.ts';
import type { PacsPullResult, PacsPushResult } from '../../main/jobs/runners/pacs.ts';
import { PacsConnections, pacsPaths } from '../../main/pacs/connections.ts';
import { DicomWebClient, testDicomWeb } from '../../main/pacs/dicomweb.ts';
import { PacsError } from '../../main/pacs/errors.ts';
import type { Store } from '../../main/store/store.ts';
import { startOrthanc, type Orthanc } from '../helpers/orthanc.ts';
import { tempStore } from '../helpers/temp-store.ts';
import { bySop, facts, FIXTURE, fixtureFiles, PATIENT, SERIES, STUDY } from '../helpers/chest-ct.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

let orthanc: Orthanc;

before(async () => {
  orthanc = await startOrthanc();
  for (const f of fixtureFiles) assert.match((await orthanc.upload(readFileSync(f))).Status, /Success|AlreadyStored/);
});
after(async () => {
  await orthanc?.dispose();
});

function connect(store: Store, password = orthanc.password, url = orthanc.dicomweb): PacsConnections {
  const c = new PacsConnections(store.dataDir);
  c.save({ name: 'orthanc', dicomweb: url, auth: 'basic', username: orthanc.username }, { password });
  return c;
}

/** Every text the data folder keeps about jobs (rows, logs) and the database file itself. */
function jobTexts(store: Store): string {
  const jobs = store.jobs.list();
  return JSON.stringify(jobs) + jobs.flatMap((j) => store.jobs.log(j.id).map((l) => l.line)).join('\n') + readFileSync(store.file).toString('latin1');
}

describe('a real Orthanc over DICOMweb', () => {
  test('find by patient ID and modality, with paging', async (t) => {
    const { store } = tempStore(t);
    const client = new DicomWebClient(connect(store).target('orthanc'));
    const found = await client.searchStudies({ patientId: PATIENT, modality: 'CT' });
    assert.equal(found.length, 1);
    assert.equal(found[0].studyUid, STUDY);
    assert.deepEqual(found[0].modalities, ['CT']);
    assert.equal(found[0].instances, fixtureFiles.length);
    assert.deepEqual(await client.searchStudies({ patientId: PATIENT, modality: 'MR' }), []);
    assert.deepEqual(await client.searchStudies({ patientId: 'NOBODY' }), []);
    assert.deepEqual(await client.searchStudies({ patientId: PATIENT, offset: 1 }), [], 'the second page of one match is empty');
    assert.equal((await client.searchStudies({ studyDate: '20240101-20240131' })).length, 1);
    assert.equal((await client.searchStudies({ studyDate: '20250101-' })).length, 0);
    const series = await client.searchSeries(STUDY);
    assert.deepEqual(series.map((s) => [s.seriesUid, s.modality, s.instances]), [[SERIES, 'CT', fixtureFiles.length]]);
    assert.deepEqual((await client.listInstances(STUDY, SERIES, undefined, 4)).sort(), facts(fixtureFiles).map((f) => f.sopInstanceUID).sort(), 'paged by 4');
  });

  test('pull: pixels and geometry equal the uploaded files; a SEG pushed back references the pulled series', async (t) => {
    const { store } = tempStore(t);
    connect(store);
    const project = store.projects.create('pulled');
    const { job } = await runJob(store, 'import', { projectId: project.id, pacs: { connection: 'orthanc', studyUid: STUDY, seriesUid: SERIES } }, project.id);
    assert.equal(job.state, 'done', job.error ?? '');
    const r = job.result as PacsPullResult & { imported: number; failed: number };
    assert.equal(r.failed, 0);
    assert.equal(r.pacs.series[0].retrieved, fixtureFiles.length);

    // the retrieved files, read by pydicom, against the uploaded ones
    const folder = join(pacsPaths.retrieved(store.dataDir), STUDY, SERIES);
    const pulledFiles = readdirSync(folder).map((n) => join(folder, n));
    assert.equal(pulledFiles.length, fixtureFiles.length);
    assert.ok(pulledFiles.every((p) => p.endsWith('.dcm')), 'whole instances only, no temporaries');
    const original = bySop(facts(fixtureFiles));
    for (const f of facts(pulledFiles)) assert.deepEqual(f, original.get(f.sopInstanceUID), `instance ${f.sopInstanceUID}`);

    // the stored images against a local import of the same files
    const local = store.projects.create('local');
    const { job: imp } = await runJob(store, 'import', { projectId: local.id, paths: [FIXTURE] }, local.id);
    assert.equal(imp.state, 'done');
    const key = (id: number) => store.images.slices(id).map((s) => s.sopInstanceUid).join(',');
    const pulled = new Map(store.images.list(project.id).map((i) => [key(i.id), i]));
    const locals = store.images.list(local.id);
    assert.equal(pulled.size, locals.length);
    assert.equal(r.imported, locals.length);
    for (const l of locals) {
      const p = pulled.get(key(l.id));
      assert.ok(p, `a pulled image with the slices of local image ${l.id}`);
      assert.deepEqual(p.geometry, l.geometry, 'affine and grid');
      assert.deepEqual([p.width, p.height, p.frames, p.seriesUid, p.studyUid], [l.width, l.height, l.frames, l.seriesUid, l.studyUid]);
      const k = Math.floor(l.frames / 2);
      const [a, b] = [await loadImageFrame(store.images.frameSource(p.id, k)), await loadImageFrame(store.images.frameSource(l.id, k))];
      assert.deepEqual(Buffer.from(a.data), Buffer.from(b.data), `slice ${k}`);
    }

    // pulling again: nothing fetched, nothing added
    const { job: again } = await runJob(store, 'import', { projectId: project.id, pacs: { connection: 'orthanc', studyUid: STUDY } }, project.id);
    const ar = again.result as PacsPullResult & { imported: number; duplicates: number };
    assert.deepEqual([again.state, ar.pacs.series[0].retrieved, ar.pacs.series[0].present, ar.imported], ['done', 0, fixtureFiles.length, 0]);
    assert.equal(store.images.count(project.id), locals.length);

    // a corrected mask on the largest stack, pushed as a SEG
    const image = [...pulled.values()].sort((a, b) => b.frames - a.frames)[0];
    const label = store.labels.create({ projectId: project.id, name: 'nodule', color: '#20a0ff' });
    const pixels = new Uint8Array(image.width * image.height);
    for (let y = 2; y < 6; y++) for (let x = 3; x < 9; x++) pixels[y * image.width + x] = 1;
    store.masks.save({ imageId: image.id, labelId: label.id, frame: 0, kind: 'corrected', width: image.width, height: image.height, pixels });
    // the local copy has a mask too: its SEG is not of a pulled series and must be left out
    const localImage = locals.find((l) => key(l.id) === key(image.id))!;
    store.masks.save({ imageId: localImage.id, labelId: store.labels.create({ projectId: local.id, name: 'x', color: '#ff0000' }).id, frame: 0, kind: 'corrected', width: image.width, height: image.height, pixels });
    const { job: push } = await runJob(store, 'export', { projectId: project.id, pacs: { connection: 'orthanc' } }, project.id);
    assert.equal(push.state, 'done', push.error ?? '');
    const pr = push.result as PacsPushResult;
    assert.deepEqual([pr.stored, pr.failed, pr.objects.length], [1, 0, 1]);
    assert.equal(pr.objects[0].seriesUid, SERIES);
    assert.ok(!existsSync(pacsPaths.outbox(store.dataDir, push.id)), 'the outbox is removed');

    const client = new DicomWebClient(new PacsConnections(store.dataDir).target('orthanc'));
    const segSeries = (await client.searchSeries(STUDY, { modality: 'SEG' }));
    assert.equal(segSeries.length, 1);
    const [segUid] = await client.listInstances(STUDY, segSeries[0].seriesUid);
    assert.equal(segUid, pr.objects[0].sopInstanceUid);
    const tmp = mkdtempSync(join(tmpdir(), 'delineate-seg-'));
    t.after(() => rmSync(tmp, { recursive: true, force: true }));
    writeFileSync(join(tmp, 'seg.dcm'), await client.retrieveInstance(STUDY, segSeries[0].seriesUid, segUid));
    const seg = JSON.parse(execFileSync('/usr/bin/python3', [join(root, 'test/helpers/read-dicom-seg.py'), join(tmp, 'seg.dcm')], { encoding: 'utf8' }));
    assert.equal(seg.modality, 'SEG');
    assert.equal(seg.studyInstanceUID, STUDY);
    assert.equal(seg.patientID, PATIENT);
    assert.deepEqual(seg.referencedSeries.map((s: { seriesInstanceUID: string }) => s.seriesInstanceUID), [SERIES]);
    const slices = store.images.slices(image.id);
    assert.deepEqual(new Set(seg.referencedSeries[0].sopInstanceUIDs), new Set(slices.map((s) => s.sopInstanceUid)));
    assert.deepEqual(seg.segments.map((s: { label: string }) => s.label), ['nodule']);
    assert.equal(seg.frames[0].sopInstanceUID, slices[0].sopInstanceUid, 'frame 0 is derived from slice 0');
    const ones = [...seg.frames[0].bits as string].flatMap((b, i) => (b === '1' ? [i] : []));
    assert.deepEqual(ones, [...pixels].flatMap((v, i) => (v ? [i] : [])), 'the mask bits');

    // pushing again sends nothing: the SEG went out unchanged
    const { job: push2 } = await runJob(store, 'export', { projectId: project.id, pacs: { connection: 'orthanc' } }, project.id);
    const pr2 = push2.result as PacsPushResult;
    assert.deepEqual([push2.state, pr2.stored, pr2.unchanged], ['done', 0, 1]);
    assert.equal((await client.listInstances(STUDY, segSeries[0].seriesUid)).length, 1, 'still one SEG on the server');
  });

  test('a wrong password fails by name, imports nothing and is never written down', async (t) => {
    const { store } = tempStore(t);
    const wrong = 'wrong-pass-Zk39';
    const connections = connect(store, wrong);
    await assert.rejects(testDicomWeb(connections.target('orthanc')), (e: PacsError) => e.failure === 'auth' && /HTTP 401/.test(e.message) && !e.message.includes(wrong));
    const project = store.projects.create('p');
    const { job } = await runJob(store, 'import', { projectId: project.id, pacs: { connection: 'orthanc', studyUid: STUDY } }, project.id);
    assert.equal(job.state, 'failed');
    assert.match(job.error ?? '', /PACS 'orthanc'.*refused the credentials \(HTTP 401/);
    assert.equal(store.images.count(project.id), 0);
    assert.ok(!jobTexts(store).includes(wrong), 'the password is in no job row, log or the database');
    assert.ok(!jobTexts(store).includes(Buffer.from(`${orthanc.username}:${wrong}`).toString('base64')), 'nor its basic-auth form');
    const secrets = pacsPaths.credentials(store.dataDir);
    assert.equal((await import('node:fs')).statSync(secrets).mode & 0o777, 0o600);
    assert.ok(!readFileSync(pacsPaths.connections(store.dataDir), 'utf8').includes(wrong));
  });

  test('the server stopped mid-retrieve: the job fails saying why, nothing is imported, and a pull once it is back resumes without duplicates', async (t) => {
    const { store } = tempStore(t);
    // a loopback relay in front of Orthanc: at the 4th instance it stops Orthanc for real, so the
    // retrieve meets a server that is gone at a known point
    let instances = 0;
    const relay = http.createServer(async (req, res) => {
      if (/\/instances\/[0-9.]+$/.test(req.url ?? '') && ++instances === 4) await orthanc.stop();
      const up = http.request({ host: '127.0.0.1', port: orthanc.httpPort, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.socket?.destroy()); // Orthanc is gone: so is the connection
      req.pipe(up);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => relay.close(() => r())));
    t.after(() => orthanc.start()); // for the tests after this one, whatever happens
    const port = (relay.address() as { port: number }).port;
    connect(store, orthanc.password, `http://127.0.0.1:${port}/dicom-web`);
    const project = store.projects.create('p');
    const config = { projectId: project.id, pacs: { connection: 'orthanc', studyUid: STUDY, seriesUid: SERIES } };
    const { job } = await runJob(store, 'import', config, project.id);
    assert.equal(job.state, 'failed');
    assert.match(job.error ?? '', /pulling study .* from PACS 'orthanc': 127\.0\.0\.1:\d+ closed the connection during GET .*instances\/[0-9.]+ \(ECONNRESET\)/);
    assert.equal(store.images.count(project.id), 0, 'nothing imported from a half-retrieved series');
    const folder = join(pacsPaths.retrieved(store.dataDir), STUDY, SERIES);
    assert.equal(readdirSync(folder).length, 3, 'three whole instances, nothing half-written');

    // asked directly while it is down, the server refuses by name
    await assert.rejects(testDicomWeb({ base: new URL(orthanc.dicomweb) }), (e: PacsError) => e.failure === 'refused' && /refused the connection/.test(e.message));

    await orthanc.start();
    const { job: resumed } = await runJob(store, 'import', config, project.id);
    assert.equal(resumed.state, 'done', resumed.error ?? '');
    const r = resumed.result as PacsPullResult & { imported: number; duplicates: number };
    assert.deepEqual([r.pacs.series[0].present, r.pacs.series[0].retrieved], [3, fixtureFiles.length - 3]);
    assert.equal(readdirSync(folder).length, fixtureFiles.length);
    const images = store.images.list(project.id);
    assert.equal(r.imported, images.length);
    const sops = images.flatMap((i) => store.images.slices(i.id).map((s) => s.sopInstanceUid));
    assert.equal(new Set(sops).size, sops.length, 'no slice twice');
    assert.deepEqual(new Set(sops), new Set(facts(fixtureFiles).map((f) => f.sopInstanceUID)));
    assert.ok(store.jobs.log(resumed.id).some((l) => /3 of 9 instances already retrieved/.test(l.line)));
  });

  test('a server that is not DICOMweb, and one that is not there, each say so', async (t) => {
    const plain = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html><body>Welcome to the intranet</body></html>');
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => plain.close(() => r())));
    const base = new URL(`http://127.0.0.1:${(plain.address() as { port: number }).port}/dicom-web`);
    await assert.rejects(testDicomWeb({ base }), (e: PacsError) => e.failure === 'not-dicomweb' && /answered text\/html, not DICOM JSON/.test(e.message));
    // Orthanc's own REST root is a web server too, but not its DICOMweb root
    await assert.rejects(testDicomWeb({ base: new URL(`${orthanc.url}/app`), authorization: `Basic ${Buffer.from(`${orthanc.username}:${orthanc.password}`).toString('base64')}` }), (e: PacsError) => e.failure === 'not-dicomweb');
    const closed = await (await import('../helpers/orthanc.ts')).freePort();
    await assert.rejects(testDicomWeb({ base: new URL(`http://127.0.0.1:${closed}/dicom-web`) }), (e: PacsError) => e.failure === 'refused');
  });

  test('the command line: add (password from the environment), list, test, find --json, pull, push', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'delineate-pacs-cli-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const cli = (args: string[], env: Record<string, string> = {}) => {
      const r = spawnSync(process.execPath, [join(root, 'main/delineate.mjs'), ...args, '--data', dir], { encoding: 'utf8', env: { ...process.env, DELINEATE_DATA: '', ...env } });
      return { code: r.status, out: r.stdout, err: r.stderr };
    };
    const add = cli(['pacs', 'add', 'site', '--url', orthanc.dicomweb, '--user', orthanc.username], { DELINEATE_PACS_PASSWORD: orthanc.password });
    assert.equal(add.code, 0, add.err);
    assert.match(add.out, /connection 'site' works/);
    const listed = cli(['pacs', 'list']);
    assert.match(listed.out, new RegExp(`site  ${orthanc.dicomweb.replace(/[.]/g, '\\.')}  auth basic \\(${orthanc.username}\\)`));
    const found = cli(['pacs', 'find', '--patient-id', PATIENT, '--modality', 'CT', '--date', '20240101-20241231', '--json']);
    assert.equal(found.code, 0, found.err);
    const json = JSON.parse(found.out);
    assert.deepEqual(json.studies.map((s: { studyUid: string }) => s.studyUid), [STUDY]);
    assert.equal(json.studies[0].seriesList[0].seriesUid, SERIES);
    const pull = cli(['pacs', 'pull', `${STUDY}/${SERIES}`, '--project', 'cli', '--create']);
    assert.equal(pull.code, 0, pull.err);
    assert.match(pull.out, new RegExp(`retrieved ${fixtureFiles.length} instances of 1 series from 'site'; imported \\d+, duplicates 0, failed 0 into project 'cli'`));
    const push = cli(['pacs', 'push', '--project', 'cli']);
    assert.notEqual(push.code, 0, 'no masks: nothing to send');
    assert.match(push.err, /nothing to export|nothing to send/);
    const badUser = cli(['pacs', 'add', 'bad', '--url', orthanc.dicomweb, '--user', orthanc.username], { DELINEATE_PACS_PASSWORD: 'nope-wrong-8' });
    assert.equal(badUser.code, 1);
    assert.match(badUser.err, /connection 'bad' failed \(auth\): .*HTTP 401/);
    assert.ok(![add, listed, found, pull, push, badUser].some((r) => `${r.out}${r.err}`.includes(orthanc.password) || `${r.out}${r.err}`.includes('nope-wrong-8')), 'no secret printed');
    const removed = cli(['pacs', 'remove', 'bad']);
    assert.equal(removed.code, 0);
    assert.ok(!readFileSync(pacsPaths.credentials(dir), 'utf8').includes('nope-wrong-8'), 'its secret is gone too');
  });
});
