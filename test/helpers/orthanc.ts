// A real Orthanc (Debian's `orthanc` + `orthanc-dicomweb`) for the PACS tests: started from its
// binary with a JSON configuration in a temporary folder (storage, index, config), on free
// loopback ports, with the DICOMweb plugin, basic auth for one test user, RemoteAccessAllowed
// false and a DICOM port with a known AE title. `stop()` and `start()` keep the storage, so a test
// can take the server away mid-retrieve and bring it back. Callers stop it in an after hook;
// a process exit kills it too.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';

export const ORTHANC_BINARY = '/usr/sbin/Orthanc';
/** where Debian's orthanc-dicomweb puts the plugin (`dpkg -L orthanc-dicomweb`) */
export const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
export const INSTALL_HINT = 'install them with: apt-get install -y --no-install-recommends orthanc orthanc-dicomweb';

export interface Orthanc {
  /** http://127.0.0.1:PORT */
  url: string;
  /** the DICOMweb base URL */
  dicomweb: string;
  httpPort: number;
  dicomPort: number;
  aeTitle: string;
  username: string;
  password: string;
  folder: string;
  /** an Orthanc REST call as the test user; JSON answers parsed */
  rest(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: Buffer): Promise<{ status: number; body: Buffer; json(): unknown }>;
  /** POST /instances; returns Orthanc's answer (ID, ParentSeries, …) */
  upload(bytes: Buffer): Promise<{ ID: string; ParentSeries: string; Status: string }>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** stop and remove the folder */
  dispose(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Throws saying what to install when Orthanc or its DICOMweb plugin is missing (the tests fail, never skip). */
export function requireOrthanc(): void {
  const missing = [ORTHANC_BINARY, DICOMWEB_PLUGIN].filter((p) => !existsSync(p));
  if (missing.length) throw new Error(`the PACS tests need Orthanc and its DICOMweb plugin (${missing.join(', ')} missing); ${INSTALL_HINT}`);
}

export async function startOrthanc(options: { username?: string; password?: string; aeTitle?: string } = {}): Promise<Orthanc> {
  requireOrthanc();
  const folder = mkdtempSync(join(tmpdir(), 'delineate-orthanc-'));
  const storage = join(folder, 'storage');
  mkdirSync(storage);
  const [httpPort, dicomPort] = [await freePort(), await freePort()];
  const username = options.username ?? 'delineate-test';
  const password = options.password ?? 'orthanc-test-secret-7Qx';
  const aeTitle = options.aeTitle ?? 'ORTHANC_TEST';
  const config = {
    Name: 'DelineateTest',
    StorageDirectory: storage,
    IndexDirectory: storage,
    HttpPort: httpPort,
    DicomPort: dicomPort,
    DicomAet: aeTitle,
    DicomServerEnabled: true,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: true,
    RegisteredUsers: { [username]: password },
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false, Ssl: false },
    SaveJobs: false,
    ConcurrentJobs: 1,
    HttpDescribeErrors: true,
    StableAge: 1,
  };
  const configFile = join(folder, 'orthanc.json');
  writeFileSync(configFile, JSON.stringify(config, null, 1));
  const logFile = join(folder, 'orthanc.log');
  const auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  let child: ChildProcess | null = null;
  const kill = () => child?.kill('SIGKILL');

  const rest: Orthanc['rest'] = (method, path, body) =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: httpPort, path, method, headers: { Authorization: auth, ...(body ? { 'Content-Length': body.length, 'Content-Type': 'application/dicom' } : {}) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const b = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, body: b, json: () => JSON.parse(b.toString('utf8')) });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });

  const start = async () => {
    if (child) return;
    const out = [] as string[];
    child = spawn(ORTHANC_BINARY, [`--logfile=${logFile}`, configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => out.push(d.toString()));
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    process.once('exit', kill);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const early = await Promise.race([exited, new Promise<'alive'>((r) => setTimeout(() => r('alive'), 200))]);
      if (early !== 'alive') {
        child = null;
        const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : out.join('');
        throw new Error(`Orthanc exited (code ${early}) before it answered; its log:\n${log}`);
      }
      const ok = await rest('GET', '/system').then((r) => r.status === 200, () => false);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`Orthanc did not answer on 127.0.0.1:${httpPort} within 60 s`);
    }
  };

  const stop = async () => {
    const c = child;
    if (!c) return;
    child = null;
    process.off('exit', kill);
    const exited = new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    url: `http://127.0.0.1:${httpPort}`,
    dicomweb: `http://127.0.0.1:${httpPort}/dicom-web`,
    httpPort,
    dicomPort,
    aeTitle,
    username,
    password,
    folder,
    rest,
    async upload(bytes) {
      const r = await rest('POST', '/instances', bytes);
      if (r.status !== 200) throw new Error(`Orthanc refused an upload: HTTP ${r.status} ${r.body.toString().slice(0, 200)}`);
      return r.json() as { ID: string; ParentSeries: string; Status: string };
    },
    start,
    stop,
    async dispose() {
      await stop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
