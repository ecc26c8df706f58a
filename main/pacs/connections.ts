// A user's PACS connections, kept in the data folder: settings in pacs/connections.json, secrets
// (a basic-auth password, a bearer token) apart in pacs/credentials.json, which only the OS user
// may read (mode 0600 from creation, written atomically; a looser file found later is tightened).
// Jobs and logs name a connection, never its secrets.

import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { writeFileAtomic } from '../fs/atomic.ts';
import { PacsError } from './errors.ts';
import type { HttpTarget } from './http.ts';
import type { PacsClient } from './client.ts';
import { DicomWebClient } from './dicomweb.ts';
import { DimseClient } from './dimse.ts';

export type PacsAuth = 'none' | 'basic' | 'bearer';

export interface DimseSettings {
  host: string;
  port: number;
  calledAeTitle: string;
  callingAeTitle: string;
}

/** What a connection is; no secrets (those are in credentials.json). */
export interface PacsConnection {
  name: string;
  /** the DICOMweb base URL: QIDO-RS, WADO-RS and STOW-RS are under it (…/dicom-web) */
  dicomweb: string | null;
  auth: PacsAuth;
  /** basic auth's user name */
  username?: string;
  /** an extra certificate authority (PEM) trusted for this server, beside the system's */
  caFile?: string;
  /** DIMSE (C-FIND, C-GET, C-STORE): used where no DICOMweb URL is set */
  dimse?: DimseSettings;
}

export interface PacsSecret {
  password?: string;
  token?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;
const AE = /^[\x20-\x5b\x5d-\x7e]{1,16}$/; // 16 printable characters, no backslash

export const pacsPaths = {
  folder: (dataDir: string) => join(dataDir, 'pacs'),
  connections: (dataDir: string) => join(dataDir, 'pacs', 'connections.json'),
  credentials: (dataDir: string) => join(dataDir, 'pacs', 'credentials.json'),
  /** pulled instances, `<study>/<series>/<sop>.dcm`: the imported images' source files */
  retrieved: (dataDir: string) => join(dataDir, 'pacs', 'retrieved'),
  /** SEGs written for a push job before they are sent */
  outbox: (dataDir: string, jobId: number) => join(dataDir, 'pacs', 'outbox', `job-${jobId}`),
};

/** Checks a connection's settings; throws PacsError('config') naming the field. */
export function checkConnection(c: PacsConnection): PacsConnection {
  const bad = (field: string, why: string): never => {
    throw new PacsError('config', `connection '${c.name}': ${field} ${why}`);
  };
  if (typeof c.name !== 'string' || !NAME.test(c.name)) throw new PacsError('config', `connection name ${JSON.stringify(c.name)}: use 1–64 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit`);
  if (c.dicomweb === null && !c.dimse) bad('address', 'is missing: give a DICOMweb base URL (or DIMSE host and port)');
  if (c.dicomweb !== null) {
    let url: URL;
    try {
      url = new URL(c.dicomweb);
    } catch {
      return bad('DICOMweb URL', 'is not a URL (like https://pacs.example.org/dicom-web)');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') bad('DICOMweb URL', `must be http:// or https://, not ${url.protocol}`);
    if (url.username || url.password) bad('DICOMweb URL', 'must not hold a user name or password: give them as the connection\'s credentials');
    if (url.search || url.hash) bad('DICOMweb URL', 'must not have a query or fragment');
  }
  if (!['none', 'basic', 'bearer'].includes(c.auth)) bad('auth', `must be none, basic or bearer, not ${JSON.stringify(c.auth)}`);
  if (c.auth === 'basic' && !c.username) bad('user name', 'is required for basic auth');
  if (c.username !== undefined && (c.username.includes(':') || c.username === '')) bad('user name', 'must be non-empty and without ":"');
  if (c.caFile !== undefined && !existsSync(c.caFile)) bad('CA file', `${c.caFile} does not exist`);
  if (c.dimse) {
    const d = c.dimse;
    if (!d.host) bad('DIMSE host', 'is empty');
    if (!Number.isInteger(d.port) || d.port < 1 || d.port > 65535) bad('DIMSE port', `must be 1–65535, got ${d.port}`);
    if (!AE.test(d.calledAeTitle) || !AE.test(d.callingAeTitle)) bad('AE titles', 'must be 1–16 printable characters without a backslash');
  }
  return c;
}

function readJson<T>(path: string, fallback: T): T {
  if (!existsSync(path)) return fallback;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (e) {
    throw new PacsError('config', `${path} is not valid JSON (${(e as Error).message}); fix or remove it`);
  }
}

export class PacsConnections {
  constructor(readonly dataDir: string) {}

  list(): PacsConnection[] {
    const file = readJson<{ connections?: PacsConnection[] }>(pacsPaths.connections(this.dataDir), {});
    return (file.connections ?? []).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The connection of that name (compared without case); throws naming the known ones. */
  get(name: string): PacsConnection {
    const all = this.list();
    const found = all.find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (!found) throw new PacsError('config', `no PACS connection named '${name}' (${all.length ? `connections: ${all.map((c) => `'${c.name}'`).join(', ')}` : 'none is set up; add one with `delineate pacs add`'})`);
    return found;
  }

  /**
   * Adds or replaces a connection and its secret (a replaced connection without a new secret keeps
   * none, unless `keepSecret`: then the stored secret of the same kind stays, as when the app's
   * settings are edited without retyping the password).
   */
  save(connection: PacsConnection, secret: PacsSecret = {}, options: { keepSecret?: boolean } = {}): PacsConnection {
    const c = checkConnection({ ...connection });
    if (options.keepSecret && !secret.password && !secret.token) secret = this.storedSecret(c.name);
    if (c.auth === 'basic' && !secret.password) throw new PacsError('config', `connection '${c.name}': basic auth needs a password`);
    if (c.auth === 'bearer' && !secret.token) throw new PacsError('config', `connection '${c.name}': bearer auth needs a token`);
    const others = this.list().filter((o) => o.name.toLowerCase() !== c.name.toLowerCase());
    const secrets = this.secrets();
    for (const k of Object.keys(secrets)) if (k.toLowerCase() === c.name.toLowerCase()) delete secrets[k];
    if (c.auth !== 'none') secrets[c.name] = c.auth === 'basic' ? { password: secret.password } : { token: secret.token };
    mkdirSync(pacsPaths.folder(this.dataDir), { recursive: true, mode: 0o700 });
    // secrets first: a connection is never listed without the secret it needs
    writeFileAtomic(pacsPaths.credentials(this.dataDir), JSON.stringify(secrets, null, 1) + '\n', 0o600);
    writeFileAtomic(pacsPaths.connections(this.dataDir), JSON.stringify({ connections: [...others, c] }, null, 1) + '\n', 0o600);
    return c;
  }

  /** Removes a connection and its secret; false when there was none. */
  remove(name: string): boolean {
    const all = this.list();
    const keep = all.filter((c) => c.name.toLowerCase() !== name.toLowerCase());
    if (keep.length === all.length) return false;
    writeFileAtomic(pacsPaths.connections(this.dataDir), JSON.stringify({ connections: keep }, null, 1) + '\n', 0o600);
    const secrets = this.secrets();
    for (const k of Object.keys(secrets)) if (k.toLowerCase() === name.toLowerCase()) delete secrets[k];
    writeFileAtomic(pacsPaths.credentials(this.dataDir), JSON.stringify(secrets, null, 1) + '\n', 0o600);
    return true;
  }

  /** Whether a password (basic) or token (bearer) is stored for the connection, as its auth needs. */
  hasSecret(name: string): boolean {
    const c = this.get(name);
    const secret = this.storedSecret(c.name);
    return c.auth === 'basic' ? !!secret.password : c.auth === 'bearer' ? !!secret.token : false;
  }

  private storedSecret(name: string): PacsSecret {
    const secrets = this.secrets();
    const key = Object.keys(secrets).find((k) => k.toLowerCase() === name.toLowerCase());
    return key ? secrets[key] : {};
  }

  private secrets(): Record<string, PacsSecret> {
    const path = pacsPaths.credentials(this.dataDir);
    if (existsSync(path) && process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600); // copied in loosely: tighten
    return readJson<Record<string, PacsSecret>>(path, {});
  }

  /** How to reach a connection's DICOMweb service: base URL, Authorization header, CAs. */
  target(name: string, timeoutMs?: number): HttpTarget {
    const c = this.get(name);
    if (!c.dicomweb) throw new PacsError('config', `connection '${c.name}' has no DICOMweb URL (it is reached over DIMSE)`);
    const secret = this.secrets()[c.name] ?? {};
    let authorization: string | undefined;
    if (c.auth === 'basic') {
      if (!secret.password) throw new PacsError('config', `connection '${c.name}': its password is missing from ${pacsPaths.credentials(this.dataDir)}; add the connection again`);
      authorization = `Basic ${Buffer.from(`${c.username}:${secret.password}`).toString('base64')}`;
    } else if (c.auth === 'bearer') {
      if (!secret.token) throw new PacsError('config', `connection '${c.name}': its token is missing from ${pacsPaths.credentials(this.dataDir)}; add the connection again`);
      authorization = `Bearer ${secret.token}`;
    }
    let ca: (string | Buffer)[] | undefined;
    if (c.caFile) {
      try {
        ca = [...rootCertificates, readFileSync(c.caFile)];
      } catch (e) {
        throw new PacsError('config', `connection '${c.name}': cannot read its CA file ${c.caFile}: ${(e as Error).message}`);
      }
    }
    return { base: new URL(c.dicomweb), authorization, ca, timeoutMs };
  }

  /** The client that reaches a connection: DICOMweb where a base URL is set, DIMSE otherwise. */
  client(name: string, timeoutMs?: number): PacsClient {
    const c = this.get(name);
    if (c.dicomweb) return new DicomWebClient(this.target(c.name, timeoutMs));
    return new DimseClient({ ...c.dimse!, timeoutMs });
  }
}
