// The C-STORE listener's settings, in <data>/pacs/listener.json: off until a user turns it on, our
// AE title, the interface and port it binds, and who may send (calling AE titles, and hosts).

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { PacsListenerSettings } from '../contract/contract.ts';
import { writeFileAtomic } from '../fs/atomic.ts';
import { pacsPaths } from './connections.ts';
import { PacsError } from './errors.ts';

/** The contract's shape: the app edits exactly these. */
export type ListenerSettings = PacsListenerSettings;

export const DEFAULT_LISTENER: ListenerSettings = {
  enabled: false, aeTitle: 'DELINEATE', host: '127.0.0.1', port: 11112, allowedAeTitles: [], allowedHosts: [], inboxProject: 'PACS inbox',
};

const AE = /^[\x20-\x5b\x5d-\x7e]{1,16}$/;

export const listenerPath = (dataDir: string) => join(pacsPaths.folder(dataDir), 'listener.json');

/** Checks settings; throws PacsError('config') naming the field. */
export function checkListener(s: ListenerSettings): ListenerSettings {
  const bad = (why: string): never => {
    throw new PacsError('config', `listener: ${why}`);
  };
  if (!AE.test(s.aeTitle) || s.aeTitle.trim() === '') bad(`AE title ${JSON.stringify(s.aeTitle)} must be 1–16 printable characters without a backslash`);
  if (!isIP(s.host)) bad(`interface ${JSON.stringify(s.host)} must be an IP address (127.0.0.1 for this computer only, 0.0.0.0 for every interface)`);
  if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535) bad(`port must be 1–65535, got ${s.port}`);
  for (const ae of s.allowedAeTitles) if (!AE.test(ae) || ae.trim() === '') bad(`allowed AE title ${JSON.stringify(ae)} must be 1–16 printable characters without a backslash`);
  for (const h of s.allowedHosts) if (!isIP(h)) bad(`allowed host ${JSON.stringify(h)} must be an IP address`);
  if (!s.inboxProject.trim()) bad('the inbox project needs a name');
  return { ...s, aeTitle: s.aeTitle.trim(), allowedAeTitles: s.allowedAeTitles.map((a) => a.trim()), inboxProject: s.inboxProject.trim() };
}

export function readListenerSettings(dataDir: string): ListenerSettings {
  const path = listenerPath(dataDir);
  if (!existsSync(path)) return { ...DEFAULT_LISTENER };
  let stored: Partial<ListenerSettings>;
  try {
    stored = JSON.parse(readFileSync(path, 'utf8')) as Partial<ListenerSettings>;
  } catch (e) {
    throw new PacsError('config', `${path} is not valid JSON (${(e as Error).message}); fix or remove it`);
  }
  return checkListener({ ...DEFAULT_LISTENER, ...stored });
}

export function saveListenerSettings(dataDir: string, settings: ListenerSettings): ListenerSettings {
  const s = checkListener(settings);
  mkdirSync(pacsPaths.folder(dataDir), { recursive: true, mode: 0o700 });
  writeFileAtomic(listenerPath(dataDir), JSON.stringify(s, null, 1) + '\n', 0o600);
  return s;
}
