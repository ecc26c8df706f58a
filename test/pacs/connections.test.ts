// Connection settings and their secrets: the password only in a 0600 file, written atomically, a
// loose one tightened, bad settings refused by field; the request target built from them.

import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { test } from 'node:test';
import { PacsConnections, pacsPaths } from '../../main/pacs/connections.ts';
import { PacsError } from '../../main/pacs/errors.ts';
import { networkError } from '../../main/pacs/http.ts';
import { tempDir } from '../helpers/temp-store.ts';

const SECRET = 'pw-Secret-91x';

test('a basic-auth connection keeps its password apart, readable by the owner only', (t) => {
  const dir = tempDir(t);
  const c = new PacsConnections(dir);
  c.save({ name: 'Site PACS', dicomweb: 'https://pacs.example.org/dicom-web', auth: 'basic', username: 'radiology' }, { password: SECRET });
  assert.deepEqual(c.list().map((x) => x.name), ['Site PACS']);
  assert.ok(!readFileSync(pacsPaths.connections(dir), 'utf8').includes(SECRET));
  assert.equal(JSON.parse(readFileSync(pacsPaths.credentials(dir), 'utf8'))['Site PACS'].password, SECRET);
  if (process.platform !== 'win32') assert.equal(statSync(pacsPaths.credentials(dir)).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(pacsPaths.folder(dir)).sort(), ['connections.json', 'credentials.json'], 'no temporaries left');
  const target = c.target('site pacs');
  assert.equal(target.authorization, `Basic ${Buffer.from(`radiology:${SECRET}`).toString('base64')}`);
  assert.equal(target.base.href, 'https://pacs.example.org/dicom-web');

  // a copy made with loose permissions is tightened when read
  chmodSync(pacsPaths.credentials(dir), 0o644);
  c.target('Site PACS');
  if (process.platform !== 'win32') assert.equal(statSync(pacsPaths.credentials(dir)).mode & 0o777, 0o600);

  assert.equal(c.remove('SITE PACS'), true);
  assert.deepEqual(c.list(), []);
  assert.ok(!readFileSync(pacsPaths.credentials(dir), 'utf8').includes(SECRET), 'the secret goes with it');
  assert.equal(c.remove('Site PACS'), false);
});

test('bad settings are refused naming the field, and never echo a secret', (t) => {
  const c = new PacsConnections(tempDir(t));
  const refuses = (conn: Parameters<PacsConnections['save']>[0], secret: Parameters<PacsConnections['save']>[1], re: RegExp) =>
    assert.throws(() => c.save(conn, secret), (e: PacsError) => e instanceof PacsError && e.failure === 'config' && re.test(e.message) && !e.message.includes(SECRET));
  refuses({ name: 'a', dicomweb: `https://u:${SECRET}@pacs/dicom-web`, auth: 'none' }, {}, /must not hold a user name or password/);
  refuses({ name: 'a', dicomweb: 'ftp://pacs/dicom-web', auth: 'none' }, {}, /must be http:\/\/ or https:\/\//);
  refuses({ name: 'a', dicomweb: 'not a url', auth: 'none' }, {}, /is not a URL/);
  refuses({ name: '../evil', dicomweb: 'http://pacs', auth: 'none' }, {}, /connection name/);
  refuses({ name: 'a', dicomweb: 'http://pacs', auth: 'basic' }, { password: SECRET }, /user name is required/);
  refuses({ name: 'a', dicomweb: 'http://pacs', auth: 'basic', username: 'u' }, {}, /basic auth needs a password/);
  refuses({ name: 'a', dicomweb: 'http://pacs', auth: 'bearer' }, {}, /bearer auth needs a token/);
  refuses({ name: 'a', dicomweb: 'http://pacs', auth: 'none', caFile: '/nowhere/ca.pem' }, {}, /CA file \/nowhere\/ca.pem does not exist/);
  refuses({ name: 'a', dicomweb: null, auth: 'none', dimse: { host: 'pacs', port: 70000, calledAeTitle: 'PACS', callingAeTitle: 'DELINEATE' } }, {}, /DIMSE port must be 1–65535/);
  assert.throws(() => c.get('nothing'), /no PACS connection named 'nothing' \(none is set up/);
});

test('a bearer token becomes the Authorization header; DIMSE settings are stored for later', (t) => {
  const c = new PacsConnections(tempDir(t));
  c.save({ name: 'cloud', dicomweb: 'https://dicom.example.org/v1/dicomWeb', auth: 'bearer', dimse: { host: 'pacs', port: 104, calledAeTitle: 'PACS', callingAeTitle: 'DELINEATE' } }, { token: 'tok-123' });
  assert.equal(c.target('cloud').authorization, 'Bearer tok-123');
  assert.deepEqual(c.get('cloud').dimse, { host: 'pacs', port: 104, calledAeTitle: 'PACS', callingAeTitle: 'DELINEATE' });
});

test('socket errors become the failure a user can act on', () => {
  const err = (code: string, message = code) => Object.assign(new Error(message), { code });
  const kind = (code: string, message?: string) => networkError(err(code, message), 'pacs.example.org:443', 'GET', '/dicom-web/studies').failure;
  assert.equal(kind('ENOTFOUND'), 'dns');
  assert.equal(kind('EAI_AGAIN'), 'dns');
  assert.equal(kind('ECONNREFUSED'), 'refused');
  assert.equal(kind('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), 'tls');
  assert.equal(kind('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls');
  assert.equal(kind('CERT_HAS_EXPIRED'), 'tls');
  assert.equal(kind('ECONNRESET'), 'connection');
  assert.match(networkError(err('ENOTFOUND'), 'pacs.example.org:443', 'GET', '/x').message, /cannot resolve the host name 'pacs\.example\.org'/);
});
