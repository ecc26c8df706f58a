// The PACS journey through the UI, against a real Orthanc (test/helpers/orthanc.ts) holding the
// chest CT fixture (uploaded through its REST API): the connection is added in the settings drawer
// (its password never shown again) and tested; "Open from PACS" finds the study by patient ID,
// date range and modality, expands it to its series, and imports the series as a job; the stack
// is segmented on all slices with a prompt, one slice is corrected with the brush and accepted;
// "Send masks to PACS" stores the SEG and reports it. Then Orthanc's DICOMweb is asked for the SEG
// (QIDO + WADO-RS over HTTP) and pydicom reads it: it references the pulled series, and the
// corrected slice's frame equals the correction saved through the app. Last, the C-STORE listener is
// turned on in the settings drawer and Orthanc sends the series to it: it lands in the inbox project.
// Needs Debian's chromium, orthanc, orthanc-dicomweb and python3-pydicom.
// Screenshots: test-artifacts/pacs-*.png.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ImagePage, MaskPixels, MaskRecord, ProjectSummary } from '../../main/contract/contract.ts';
import { freePort, startOrthanc, type Orthanc } from '../helpers/orthanc.ts';
import { withApp } from './helpers/app.ts';
import { api, settledShot, stepper, until, visible } from './helpers/page.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/dicom-clinical/chest-ct/', import.meta.url));
const STUDY = '1.2.826.0.1.3680043.10.1433.77.1';
const SERIES = '1.2.826.0.1.3680043.10.1433.77.1.1';
const PYTHON = '/usr/bin/python3'; // Debian's, with python3-pydicom
const W = 48;
const H = 40;

// The SEGs of the study on Orthanc, fetched over DICOMweb (QIDO for the SEG series and instances,
// WADO-RS for each instance's bytes) and read by pydicom; the axial slices of the fixture with
// their SOP Instance UIDs in the order of their position along the slice normal.
const READ = `
import io, json, os, sys, base64, urllib.request, pydicom
base, user, password, study, fixture = sys.argv[1:6]
auth = 'Basic ' + base64.b64encode(f'{user}:{password}'.encode()).decode()
def get(path, accept):
    req = urllib.request.Request(base + path, headers={'Authorization': auth, 'Accept': accept})
    with urllib.request.urlopen(req) as r:
        return r.headers.get('Content-Type', ''), r.read()
def qido(path):
    return json.loads(get(path, 'application/dicom+json')[1] or b'[]')
segs = []
for s in qido(f'/studies/{study}/series?Modality=SEG'):
    series = s['0020000E']['Value'][0]
    for i in qido(f'/studies/{study}/series/{series}/instances'):
        sop = i['00080018']['Value'][0]
        ctype, body = get(f'/studies/{study}/series/{series}/instances/{sop}', 'multipart/related; type="application/dicom"')
        boundary = [p.split('=', 1)[1].strip('"') for p in ctype.split(';') if p.strip().startswith('boundary=')][0].encode()
        part = body.split(b'--' + boundary)[1]
        ds = pydicom.dcmread(io.BytesIO(part.split(b'\\r\\n\\r\\n', 1)[1].rsplit(b'\\r\\n', 1)[0]))
        n, plane, data = int(ds.NumberOfFrames), int(ds.Rows) * int(ds.Columns), ds.PixelData
        bits = [(data[k >> 3] >> (k & 7)) & 1 for k in range(n * plane)]
        frames = [dict(source=g.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID, pixels=bits[f * plane:(f + 1) * plane]) for f, g in enumerate(ds.PerFrameFunctionalGroupsSequence)]
        segs.append(dict(sop=ds.SOPInstanceUID, modality=ds.Modality, study=ds.StudyInstanceUID, patientId=ds.PatientID, rows=int(ds.Rows), columns=int(ds.Columns),
            referencedSeries=[r.SeriesInstanceUID for r in ds.ReferencedSeriesSequence],
            referenced=[x.ReferencedSOPInstanceUID for r in ds.ReferencedSeriesSequence for x in r.ReferencedInstanceSequence], frames=frames))
axial = []
for name in os.listdir(fixture):
    ds = pydicom.dcmread(os.path.join(fixture, name))
    if 'LOCALIZER' in list(ds.ImageType): continue
    r, c = [float(v) for v in ds.ImageOrientationPatient[:3]], [float(v) for v in ds.ImageOrientationPatient[3:]]
    nrm = [r[1]*c[2]-r[2]*c[1], r[2]*c[0]-r[0]*c[2], r[0]*c[1]-r[1]*c[0]]
    axial.append((sum(float(p) * q for p, q in zip(ds.ImagePositionPatient, nrm)), ds.SOPInstanceUID))
print(json.dumps(dict(segs=segs, slices=[s for _, s in sorted(axial)])))
`;

interface Seen {
  segs: { sop: string; modality: string; study: string; patientId: string; rows: number; columns: number; referencedSeries: string[]; referenced: string[]; frames: { source: string; pixels: number[] }[] }[];
  slices: string[];
}

let orthanc: Orthanc;
before(async () => {
  orthanc = await startOrthanc();
  for (const f of readdirSync(FIXTURE).filter((n) => n.endsWith('.dcm'))) await orthanc.upload(readFileSync(join(FIXTURE, f)));
});
after(async () => {
  await orthanc?.dispose();
});

test('PACS through the UI: connection added and tested in settings, Open from PACS, segment and correct, Send masks to PACS; the SEG is on Orthanc referencing the pulled series', { timeout: 300_000 }, async (t) => {
  await withApp(async ({ page, url, shot: save }) => {
    const shot = (name: string) => settledShot(page, save, name);
    const step = stepper(t);

    await step('create a project', async () => {
      await page.getByRole('button', { name: 'New project' }).click();
      const dialog = page.getByRole('dialog', { name: 'New project' });
      await dialog.getByLabel('Project name').fill('Chest from PACS');
      await dialog.getByRole('button', { name: 'Create' }).click();
      await visible(page.getByRole('banner').getByText('Chest from PACS'));
    });

    await step('add the connection in settings and test it; the password is not shown again', async () => {
      await page.getByRole('button', { name: 'Settings', exact: true }).click();
      const drawer = page.getByRole('dialog', { name: 'Settings and status' });
      await visible(drawer.getByText('No PACS connection yet.'));
      await drawer.getByRole('button', { name: 'Add PACS connection' }).click();
      const form = drawer.getByRole('form', { name: 'New PACS connection' });
      await form.getByLabel('Connection name').fill('Orthanc');
      await form.getByLabel('DICOMweb URL').fill(orthanc.dicomweb);
      await form.getByLabel('Authentication').selectOption('basic');
      await form.getByLabel('User name').fill(orthanc.username);
      await form.getByLabel(/^Password/).fill(orthanc.password);
      await form.getByRole('button', { name: 'Save connection' }).click();
      const item = drawer.getByRole('listitem', { name: 'Orthanc' });
      await visible(item.getByText(`basic auth as ${orthanc.username} · password stored`));
      await item.getByRole('button', { name: 'Test Orthanc' }).click();
      const result = drawer.getByRole('status', { name: 'Test result of Orthanc' });
      await visible(result);
      assert.equal(await result.textContent(), `Works: DICOMweb: 127.0.0.1:${orthanc.httpPort} answers QIDO-RS.`);
      // editing: the password field is empty (never prefilled), and saving it so keeps the stored one
      await item.getByRole('button', { name: 'Edit Orthanc' }).click();
      const edit = drawer.getByRole('form', { name: 'Edit PACS connection Orthanc' });
      assert.equal(await edit.getByLabel(/^Password/).inputValue(), '');
      assert.ok(!(await drawer.innerHTML()).includes(orthanc.password), 'the password is nowhere in the drawer');
      await shot('pacs-settings-edit');
      await edit.getByRole('button', { name: 'Save connection' }).click();
      await item.getByRole('button', { name: 'Test Orthanc' }).click();
      await visible(result.getByText(/^Works: /));
      await shot('pacs-settings');
      await drawer.getByRole('button', { name: 'Close settings' }).click();
      await drawer.waitFor({ state: 'hidden' });
    });

    let imageId = 0;
    await step('Open from PACS: search, expand the study, pick its series, import it as a job', async () => {
      await page.getByRole('button', { name: 'Open from PACS' }).click();
      const dialog = page.getByRole('dialog', { name: 'Open from PACS' });
      const search = dialog.getByRole('search', { name: 'Search the PACS' });
      await search.getByLabel('Patient ID').fill('CLIN-77');
      await search.getByLabel('Study date from').fill('2024-01-01');
      await search.getByLabel('Study date to').fill('2024-01-31');
      await search.getByLabel('Modality').selectOption('CT');
      await search.getByRole('button', { name: 'Search' }).click();
      const studies = dialog.getByRole('table', { name: 'Studies' });
      await visible(studies);
      const expand = studies.getByRole('button', { name: /^Series of CLIN-77, 2024-01-\d\d/ });
      assert.equal(await expand.count(), 1, 'one study matches');
      await expand.click();
      const checkbox = studies.getByRole('checkbox', { name: /^Series \d+: CT Chest CT \(9 images\)$/ });
      await visible(checkbox);
      await checkbox.check();
      await shot('pacs-open-search');
      await dialog.getByRole('button', { name: 'Import series' }).click();
      await visible(dialog.getByText('2 images imported'), 60_000); // the stack and its localizer
      await shot('pacs-open-imported');
      await dialog.getByRole('button', { name: 'Done' }).click();
      await dialog.waitFor({ state: 'hidden' });
      const grid = page.getByRole('listbox', { name: 'Images' });
      await until(() => grid.getByRole('option').count(), (n) => n === 2, 'the library to show the pulled series and its localizer');
      const project = (await api<ProjectSummary[]>(url, 'listProjects', null)).find((p) => p.name === 'Chest from PACS')!;
      const images = (await api<ImagePage>(url, 'listImages', { projectId: project.id })).images;
      imageId = images.find((i) => i.frames === 8)!.id;
    });

    const K = 5; // the slice corrected by hand
    const viewer = page.getByRole('img', { name: 'Image viewer' });
    const marks = page.getByRole('img', { name: /^Slice marks: / });
    await step('segment all slices with a prompt, correct one slice with the brush, accept', async () => {
      await page.getByRole('listbox', { name: 'Images' }).getByRole('option').filter({ hasText: '8 slices' }).click();
      await visible(viewer);
      await page.getByRole('textbox', { name: 'Prompt' }).fill('bright lesion');
      await page.getByRole('button', { name: 'Segment all slices' }).click();
      await until(() => marks.getAttribute('aria-label'), (l) => l === 'Slice marks: 8 model · 0 corrected of 8 slices', 'eight model marks', 120_000);
      await marks.locator(`span[title="Slice ${K + 1}: model mask"]`).click();
      await visible(page.getByRole('heading', { name: `Slice ${K + 1} / 8` }));
      await page.getByRole('button', { name: 'Brush', exact: true }).click();
      const box = (await viewer.boundingBox())!;
      const zoom = Math.min((box.width - 16) / W, (box.height - 16) / H);
      const at = (x: number, y: number) => ({ x: box.x + (box.width - W * zoom) / 2 + x * zoom, y: box.y + (box.height - H * zoom) / 2 + y * zoom });
      const [a, b] = [at(6.5, 30.5), at(40.5, 30.5)];
      await page.mouse.move(a.x, a.y);
      await page.mouse.down();
      await page.mouse.move(b.x, b.y, { steps: 24 });
      await page.mouse.up();
      await page.getByRole('button', { name: 'Accept' }).click();
      await visible(page.getByRole('status').getByText('Saved as the corrected mask'));
      await until(() => marks.getAttribute('aria-label'), (l) => l === 'Slice marks: 8 model · 1 corrected of 8 slices', 'the corrected mark');
      await page.mouse.move(5, 5);
      await shot('pacs-corrected');
      await page.getByRole('button', { name: 'Close image' }).click();
    });

    let sentSop = '';
    await step('Send masks to PACS: one SEG, stored, reported per object', async () => {
      await page.getByRole('button', { name: 'Send masks to PACS' }).click();
      const dialog = page.getByRole('dialog', { name: 'Send masks to PACS' });
      await dialog.getByRole('button', { name: 'Send', exact: true }).click();
      const summary = dialog.getByRole('status', { name: 'Send summary' });
      await visible(summary, 60_000);
      assert.equal(await summary.textContent(), '1 SEG stored on Orthanc');
      const row = dialog.getByRole('table', { name: 'Sent objects' }).getByRole('row', { name: `SEG of image ${imageId}: stored` });
      await visible(row);
      sentSop = ((await row.getByRole('cell').nth(2).textContent()) ?? '').trim();
      assert.match(sentSop, /^[0-9.]+$/);
      await shot('pacs-sent');
      await dialog.getByRole('button', { name: 'Done' }).click();
    });

    await step('Orthanc has the SEG over DICOMweb: pydicom reads it referencing the pulled series, the corrected slice as saved', async () => {
      const r = spawnSync(PYTHON, ['-c', READ, orthanc.dicomweb, orthanc.username, orthanc.password, STUDY, FIXTURE], { encoding: 'utf8', maxBuffer: 64 << 20 });
      assert.equal(r.status, 0, `${PYTHON} (pydicom) failed: ${r.error?.message ?? r.stderr}`);
      const seen = JSON.parse(r.stdout) as Seen;
      assert.equal(seen.segs.length, 1, 'one SEG in the study on Orthanc');
      const seg = seen.segs[0];
      assert.deepEqual([seg.sop, seg.modality, seg.study, seg.patientId, seg.rows, seg.columns], [sentSop, 'SEG', STUDY, 'CLIN-77', H, W]);
      assert.deepEqual(seg.referencedSeries, [SERIES], 'it references the pulled series');
      assert.deepEqual([...seg.referenced].sort(), [...seen.slices].sort(), 'and its eight axial instances');
      const corrected = (await api<MaskRecord[]>(url, 'currentMasks', { imageId })).filter((m) => m.kind === 'corrected');
      assert.deepEqual(corrected.map((m) => m.frame), [K]);
      const pixels = (await api<MaskRecord & MaskPixels>(url, 'getMask', { maskId: corrected[0].id })).pixels;
      const frame = seg.frames.find((f) => f.source === seen.slices[K]);
      assert.ok(frame, `a frame references slice ${K} (${seen.slices[K]})`);
      assert.ok(frame.pixels.some((v) => v === 1), 'the corrected slice is not empty');
      assert.deepEqual(frame.pixels, Array.from(pixels, (v) => (v ? 1 : 0)), 'the SEG frame of the corrected slice equals the saved correction');
    });

    await step('Receive from PACS: the listener turned on in settings; Orthanc sends the series; it is imported into the inbox project', async () => {
      const port = await freePort();
      await page.getByRole('button', { name: 'Settings', exact: true }).click();
      const drawer = page.getByRole('dialog', { name: 'Settings and status' });
      const form = drawer.getByRole('form', { name: 'PACS listener' });
      const state = form.getByRole('status', { name: 'PACS listener state' });
      await visible(state.getByText('Off: Delineate receives nothing.'));
      await form.getByRole('switch', { name: 'Listen for studies sent by a PACS' }).check({ force: true });
      await form.getByLabel('Listen on port').fill(String(port));
      await form.getByLabel('Allowed calling AE titles').fill(orthanc.aeTitle);
      await form.getByLabel('Inbox project').fill('Received');
      await form.getByRole('button', { name: 'Save listener settings' }).click();
      await visible(state.getByText(`Listening as DELINEATE on 127.0.0.1:${port}.`));
      await shot('pacs-listener');
      await drawer.getByRole('button', { name: 'Close settings' }).click();
      assert.equal((await orthanc.rest('PUT', '/modalities/delineate', Buffer.from(JSON.stringify({ AET: 'DELINEATE', Host: '127.0.0.1', Port: port })))).status, 200);
      const [hit] = (await orthanc.rest('POST', '/tools/lookup', Buffer.from(SERIES))).json() as { ID: string }[];
      const sent = await orthanc.rest('POST', '/modalities/delineate/store', Buffer.from(JSON.stringify({ Resources: [hit.ID], Synchronous: true })));
      assert.equal(sent.status, 200, sent.body.toString());
      const inbox = await until(() => api<ProjectSummary[]>(url, 'listProjects', {}), (ps) => ps.some((p) => p.name === 'Received' && p.images > 0), 'the inbox project with the received series', 60_000);
      const received = inbox.find((p) => p.name === 'Received')!;
      const pulled = inbox.find((p) => p.name === 'Chest from PACS')!;
      assert.equal(received.images, pulled.images, 'the same series, imported the same way');
    });
  }, { name: 'pacs' });
});
