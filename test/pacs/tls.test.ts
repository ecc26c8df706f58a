// TLS that does not verify: a self-signed certificate (made with openssl at test time) served by a
// tiny https server on loopback that answers QIDO-RS like an empty archive. Without its CA the
// test connection fails as 'tls'; with the certificate given as the connection's CA file it works.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { PacsConnections } from '../../main/pacs/connections.ts';
import { testDicomWeb } from '../../main/pacs/dicomweb.ts';
import type { PacsError } from '../../main/pacs/errors.ts';
import { tempDir } from '../helpers/temp-store.ts';

test('a self-signed certificate fails as TLS, and verifies once its CA file is given', async (t) => {
  const dir = tempDir(t);
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    if (req.url?.startsWith('/dicom-web/studies')) {
      res.writeHead(200, { 'Content-Type': 'application/dicom+json' });
      res.end('[]');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const url = `https://127.0.0.1:${(server.address() as { port: number }).port}/dicom-web`;
  const c = new PacsConnections(dir);
  c.save({ name: 'selfsigned', dicomweb: url, auth: 'none' });
  await assert.rejects(testDicomWeb(c.target('selfsigned')), (e: PacsError) => e.failure === 'tls' && /TLS connection to 127\.0\.0\.1:\d+ failed: .*self[- ]signed/i.test(e.message) && /--ca FILE/.test(e.message));
  c.save({ name: 'selfsigned', dicomweb: url, auth: 'none', caFile: cert });
  assert.deepEqual(await testDicomWeb(c.target('selfsigned')), { server: `127.0.0.1:${(server.address() as { port: number }).port}`, studiesVisible: false });
});
