// `delineate pacs …`: PACS connections (add, list, test, remove), study search, pulling a study or
// series into a project and pushing a project's DICOM SEGs back, over DICOMweb or DIMSE; and the
// C-STORE listener that receives what a PACS sends. Secrets are read
// from stdin or an environment variable, never from the command line (shells keep history, `ps`
// shows arguments), and never printed.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { dataFolder } from '../fs/data-folder.ts';
import type { PacsPullResult, PacsPushResult } from '../jobs/runners/pacs.ts';
import { PacsConnections, type PacsAuth, type PacsConnection } from '../pacs/connections.ts';
import type { PacsClient } from '../pacs/client.ts';
import type { StudyMatch } from '../pacs/dicomweb.ts';
import { testPacsConnection } from '../pacs/test-connection.ts';
import { PacsError } from '../pacs/errors.ts';
import { openLockedStore } from '../store/data-lock.ts';
import { startInbox } from '../jobs/pacs-inbox.ts';
import { checkListener, readListenerSettings, saveListenerSettings } from '../pacs/listener-settings.ts';
import { intOption, parse, UsageError } from './args.ts';
import { jobFailure, projectByName, runJob } from './job-cli.ts';

const help = `usage: delineate pacs <command> [options]

  add NAME --url URL [--auth none|basic|bearer] [--user USER] [--ca FILE] [--no-test]
  add NAME --dimse-host H [--dimse-port 104] --called-ae AE [--calling-ae DELINEATE] [--no-test]
        a DICOMweb connection (URL: the service's base, e.g. https://pacs.example.org/dicom-web),
        or a DIMSE one (C-FIND, C-GET, C-STORE; used where no --url is given), or both.
        basic auth: the password from DELINEATE_PACS_PASSWORD or the first line of stdin
        (--password-stdin); bearer: the token from DELINEATE_PACS_TOKEN or stdin (--token-stdin).
  list [--json]            the connections (never their secrets)
  test NAME                try a connection and say exactly what fails (DNS, refused, TLS, 401/403,
                           not a DICOMweb service, association rejected)
  remove NAME              forget a connection and its secret
  find [--pacs NAME] [--patient-id ID] [--accession N] [--modality CT] [--date YYYYMMDD[-YYYYMMDD]]
       [--limit 25] [--offset 0] [--series] [--json]
                           search studies (QIDO-RS or C-FIND); --series lists each study's series too
  pull STUDY_UID[/SERIES_UID] --project P [--create] [--pacs NAME]
                           retrieve a study or one series (WADO-RS or C-GET) and import it as a job; a pull
                           that stopped resumes where it was when run again
  push --project P [--series UID]... [--pacs NAME]
                           send the project's DICOM SEGs of pulled series (STOW-RS or C-STORE), one result per
                           object; SEGs already sent unchanged are not sent again, so run it again
                           to retry what failed

  listen [--ae DELINEATE] [--host 127.0.0.1] [--port 11112] [--allow-ae AE]... [--allow-host IP]...
         [--inbox "PACS inbox"] [--save]
                           receive studies a PACS sends (C-STORE SCP) until Ctrl-C; each association's
                           series are imported into the inbox project. Only calling AE titles given
                           with --allow-ae (and, if any --allow-host, only those addresses) may send;
                           others are rejected. Options not given come from the saved listener
                           settings; --save stores the ones given (and turns the app's listener on)

  --pacs NAME    which connection (optional when there is only one)
  --data DIR     the data folder (default DELINEATE_DATA, else the per-user application-data folder)`;

export async function pacsCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'add':
      return add(rest);
    case 'list':
      return list(rest);
    case 'test':
      return test(rest);
    case 'remove':
      return remove(rest);
    case 'find':
      return find(rest);
    case 'pull':
      return pull(rest);
    case 'push':
      return push(rest);
    case 'listen':
      return listen(rest);
    case undefined:
    case '--help':
    case '-h':
      console.log(help);
      if (sub === undefined) throw new UsageError('give a pacs command');
      return;
    default:
      throw new UsageError(`unknown pacs command '${sub}'\n\n${help}`);
  }
}

const dataOption = { data: { type: 'string' } } as const;

function readSecret(env: string, fromStdin: boolean, what: string): string {
  if (fromStdin) {
    const line = readFileSync(0, 'utf8').split(/\r?\n/)[0];
    if (!line) throw new UsageError(`no ${what} on stdin`);
    return line;
  }
  const v = process.env[env];
  if (!v) throw new UsageError(`give the ${what} in ${env} or on stdin with --${what}-stdin (never as an argument)`);
  return v;
}

async function add(argv: string[]): Promise<void> {
  const { values, flags, positionals } = parse(argv, {
    ...dataOption, url: { type: 'string' }, auth: { type: 'string' }, user: { type: 'string' }, ca: { type: 'string' },
    'password-stdin': { type: 'boolean' }, 'token-stdin': { type: 'boolean' }, 'no-test': { type: 'boolean' },
    'dimse-host': { type: 'string' }, 'dimse-port': { type: 'string' }, 'called-ae': { type: 'string' }, 'calling-ae': { type: 'string' },
  }, help, true);
  const [name] = positionals;
  if (!name || positionals.length > 1) throw new UsageError(`give one connection name\n\n${help}`);
  if (!values.url && !values['dimse-host']) throw new UsageError('give --url (the DICOMweb base URL) or --dimse-host and --called-ae (DIMSE)');
  if (values['dimse-host'] && !values['called-ae']) throw new UsageError('--called-ae is required with --dimse-host (the PACS\'s AE title)');
  const auth = (values.auth ?? (values.user ? 'basic' : 'none')) as PacsAuth;
  if (!['none', 'basic', 'bearer'].includes(auth)) throw new UsageError(`--auth must be none, basic or bearer, got '${auth}'`);
  const connection: PacsConnection = {
    name,
    dicomweb: values.url ?? null,
    auth,
    ...(values.user ? { username: values.user } : {}),
    ...(values.ca ? { caFile: resolve(values.ca) } : {}),
    ...(values['dimse-host']
      ? { dimse: { host: values['dimse-host'], port: intOption(values['dimse-port'], 'dimse-port', 104), calledAeTitle: values['called-ae']!, callingAeTitle: values['calling-ae'] ?? 'DELINEATE' } }
      : {}),
  };
  const secret = auth === 'basic' ? { password: readSecret('DELINEATE_PACS_PASSWORD', flags['password-stdin'], 'password') } : auth === 'bearer' ? { token: readSecret('DELINEATE_PACS_TOKEN', flags['token-stdin'], 'token') } : {};
  const connections = new PacsConnections(dataFolder(values.data));
  const saved = connections.save(connection, secret);
  console.log(`saved PACS connection '${saved.name}' (${saved.dicomweb ?? `DIMSE ${saved.dimse!.host}:${saved.dimse!.port}`}, auth ${saved.auth})`);
  if (!flags['no-test']) await testConnection(connections, saved.name);
}

async function list(argv: string[]): Promise<void> {
  const { values, flags } = parse(argv, { ...dataOption, json: { type: 'boolean' } }, help);
  const all = new PacsConnections(dataFolder(values.data)).list();
  if (flags.json) return console.log(JSON.stringify(all));
  if (all.length === 0) return console.log('no PACS connections; add one with `delineate pacs add NAME --url URL`');
  for (const c of all) {
    const dimse = c.dimse ? `  DIMSE ${c.dimse.host}:${c.dimse.port} ${c.dimse.callingAeTitle}→${c.dimse.calledAeTitle}${c.dicomweb ? ' (tested; DICOMweb is used)' : ''}` : '';
    console.log(`${c.name}  ${c.dicomweb ?? '-'}  auth ${c.auth}${c.username ? ` (${c.username})` : ''}${c.caFile ? `  CA ${c.caFile}` : ''}${dimse}`);
  }
}

async function testConnection(connections: PacsConnections, name: string): Promise<void> {
  try {
    const r = await testPacsConnection(connections, name, 15_000);
    console.log(`connection '${name}' works:\n${r.checked.map((l) => `  ${l}`).join('\n')}`);
  } catch (e) {
    if (e instanceof PacsError) throw new Error(`connection '${name}' failed (${e.failure}): ${e.message}`);
    throw e;
  }
}

async function test(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, dataOption, help, true);
  if (positionals.length !== 1) throw new UsageError(`give one connection name\n\n${help}`);
  const connections = new PacsConnections(dataFolder(values.data));
  await testConnection(connections, connections.get(positionals[0]).name);
}

async function remove(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, dataOption, help, true);
  if (positionals.length !== 1) throw new UsageError(`give one connection name\n\n${help}`);
  if (!new PacsConnections(dataFolder(values.data)).remove(positionals[0])) throw new Error(`no PACS connection named '${positionals[0]}'`);
  console.log(`removed PACS connection '${positionals[0]}' and its secret`);
}

/** --pacs NAME, or the only connection there is. */
function chosen(connections: PacsConnections, name: string | undefined): string {
  if (name) return connections.get(name).name;
  const all = connections.list();
  if (all.length === 1) return all[0].name;
  throw new UsageError(all.length === 0 ? 'no PACS connection; add one with `delineate pacs add NAME --url URL`' : `give --pacs NAME (connections: ${all.map((c) => `'${c.name}'`).join(', ')})`);
}

async function find(argv: string[]): Promise<void> {
  const { values, flags } = parse(argv, {
    ...dataOption, pacs: { type: 'string' }, 'patient-id': { type: 'string' }, accession: { type: 'string' }, modality: { type: 'string' },
    date: { type: 'string' }, limit: { type: 'string' }, offset: { type: 'string' }, series: { type: 'boolean' }, json: { type: 'boolean' },
  }, help);
  const connections = new PacsConnections(dataFolder(values.data));
  const name = chosen(connections, values.pacs);
  const client = connections.client(name);
  const query = {
    patientId: values['patient-id'], accessionNumber: values.accession, modality: values.modality?.toUpperCase(), studyDate: values.date,
    limit: intOption(values.limit, 'limit', 25), offset: intOption(values.offset, 'offset', 0, 0),
  };
  const studies: (StudyMatch & { seriesList?: Awaited<ReturnType<PacsClient['searchSeries']>> })[] = await client.searchStudies(query);
  if (flags.series || flags.json) for (const s of studies) s.seriesList = await client.searchSeries(s.studyUid, { modality: query.modality });
  if (flags.json) return console.log(JSON.stringify({ connection: name, offset: query.offset, limit: query.limit, studies }));
  if (studies.length === 0) return console.log(`no studies match on '${name}'`);
  for (const s of studies) {
    console.log(`${s.studyUid}  ${s.patientId}  ${s.patientName || '-'}  ${s.studyDate || '-'}  acc ${s.accessionNumber || '-'}  ${s.modalities.join('/') || '-'}  ${s.series ?? '?'} series, ${s.instances ?? '?'} instances${s.description ? `  ${s.description}` : ''}`);
    for (const se of s.seriesList ?? []) console.log(`    ${se.seriesUid}  ${se.modality}  #${se.number ?? '-'}  ${se.instances ?? '?'} instances  ${se.description}`);
  }
  if (studies.length === query.limit) console.log(`(more may match: --offset ${query.offset + query.limit})`);
}

async function pull(argv: string[]): Promise<void> {
  const { values, flags, positionals } = parse(argv, { ...dataOption, pacs: { type: 'string' }, project: { type: 'string' }, create: { type: 'boolean' } }, help, true);
  if (positionals.length !== 1) throw new UsageError(`give one STUDY_UID or STUDY_UID/SERIES_UID\n\n${help}`);
  if (!values.project) throw new UsageError(`--project is required\n\n${help}`);
  const [studyUid, seriesUid, extra] = positionals[0].split('/');
  if (extra !== undefined || !studyUid) throw new UsageError(`'${positionals[0]}' is not STUDY_UID or STUDY_UID/SERIES_UID`);
  const dataDir = dataFolder(values.data);
  const name = chosen(new PacsConnections(dataDir), values.pacs);
  const { store, close } = openLockedStore(dataDir, 'delineate pacs pull');
  try {
    const project = projectByName(store, values.project, flags.create);
    const { job } = await runJob(store, 'import', { projectId: project.id, pacs: { connection: name, studyUid, ...(seriesUid ? { seriesUid } : {}) } }, project.id);
    if (job.state !== 'done') throw jobFailure(job);
    const r = job.result as PacsPullResult & { imported: number; duplicates: number; failed: number; masks: number };
    const fetched = r.pacs.series.reduce((n, s) => n + s.retrieved, 0);
    const present = r.pacs.series.reduce((n, s) => n + s.present, 0);
    console.log(`retrieved ${fetched} instances${present ? ` (${present} were already here)` : ''} of ${r.pacs.series.length} series from '${name}'; imported ${r.imported}, duplicates ${r.duplicates}, failed ${r.failed}${r.masks ? `, ${r.masks} masks from SEGs` : ''} into project '${project.name}'`);
  } finally {
    close();
  }
}

async function push(argv: string[]): Promise<void> {
  const { values, lists } = parse(argv, { ...dataOption, pacs: { type: 'string' }, project: { type: 'string' }, series: { type: 'string', multiple: true } }, help);
  if (!values.project) throw new UsageError(`--project is required\n\n${help}`);
  const dataDir = dataFolder(values.data);
  const name = chosen(new PacsConnections(dataDir), values.pacs);
  const { store, close } = openLockedStore(dataDir, 'delineate pacs push');
  try {
    const project = projectByName(store, values.project);
    const series = lists.series ?? [];
    const { job } = await runJob(store, 'export', { projectId: project.id, pacs: { connection: name, ...(series.length ? { seriesUids: series } : {}) } }, project.id);
    if (job.state !== 'done') throw jobFailure(job);
    const r = job.result as PacsPushResult;
    for (const o of r.objects) console.log(`${o.stored ? 'stored' : 'FAILED'}  SEG ${o.sopInstanceUid}  image ${o.imageId}  series ${o.seriesUid}${o.stored ? '' : `  ${o.reason}`}`);
    console.log(`sent to '${name}': stored ${r.stored}, failed ${r.failed}${r.unchanged ? `, ${r.unchanged} unchanged since sent` : ''}${r.leftOut ? `, ${r.leftOut} left out (not pulled from a PACS or not asked for)` : ''}`);
    if (r.failed > 0) throw new Error(`${r.failed} SEG${r.failed > 1 ? 's were' : ' was'} not stored; run the same push again to retry ${r.failed > 1 ? 'them' : 'it'}`);
  } finally {
    close();
  }
}

async function listen(argv: string[]): Promise<void> {
  const { values, flags, lists } = parse(argv, {
    ...dataOption, ae: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, inbox: { type: 'string' },
    'allow-ae': { type: 'string', multiple: true }, 'allow-host': { type: 'string', multiple: true }, save: { type: 'boolean' },
  }, help);
  const dataDir = dataFolder(values.data);
  const stored = readListenerSettings(dataDir);
  const settings = checkListener({
    ...stored,
    enabled: true,
    ...(values.ae ? { aeTitle: values.ae } : {}),
    ...(values.host ? { host: values.host } : {}),
    ...(values.port ? { port: intOption(values.port, 'port', stored.port, 1) } : {}),
    ...(values.inbox ? { inboxProject: values.inbox } : {}),
    ...(lists['allow-ae']?.length ? { allowedAeTitles: lists['allow-ae'] } : {}),
    ...(lists['allow-host']?.length ? { allowedHosts: lists['allow-host'] } : {}),
  });
  if (settings.allowedAeTitles.length === 0) throw new UsageError('no calling AE title may send: give --allow-ae AE (the PACS\'s AE title), or save one in the listener settings');
  if (flags.save) saveListenerSettings(dataDir, settings);
  const { store, close } = openLockedStore(dataDir, 'delineate pacs listen');
  let chain: Promise<void> = Promise.resolve();
  const log = (line: string) => console.log(`[${new Date().toISOString()}] ${line}`);
  let listener;
  try {
    listener = await startInbox(store, settings, (inbox) => {
      chain = chain.then(async () => {
        const { job } = await runJob(store, 'import', { projectId: inbox.projectId, paths: inbox.paths }, inbox.projectId);
        const r = job.result as { imported?: number; duplicates?: number; failed?: number } | null;
        if (job.state === 'done') log(`imported into '${settings.inboxProject}': ${r?.imported ?? 0} new, ${r?.duplicates ?? 0} already there, ${r?.failed ?? 0} failed`);
        else log(`import into '${settings.inboxProject}' did not finish: ${jobFailure(job).message}`);
      }).catch((e: unknown) => log(`import into '${settings.inboxProject}' failed: ${(e as Error).message}`));
    }, log);
  } catch (e) {
    close();
    throw e;
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log('stopping: no new associations; finishing imports');
  await listener.close();
  await chain;
  close();
}
