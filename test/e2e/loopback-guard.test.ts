// The network guard the offline test loads into the server process: it must see and refuse what
// leaves the computer, let loopback through, record both, and stay off without its variable.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tempDir } from '../helpers/temp-store.ts';

const guard = pathToFileURL(fileURLToPath(new URL('./helpers/loopback-guard.mjs', import.meta.url))).href;

// a loopback server and client, a TCP connect and a fetch to outside addresses, and a DNS lookup
const probe = `
const net = require('node:net'), dns = require('node:dns');
const out = {};
const server = net.createServer((c) => c.end()).listen(0, '127.0.0.1', async () => {
  const port = server.address().port;
  out.loopback = await new Promise((r) => net.connect(port, '127.0.0.1').on('connect', function () { this.destroy(); r('connected'); }).on('error', (e) => r(e.code)));
  out.remote = await new Promise((r) => net.connect({ port: 80, host: '192.0.2.1' }).on('connect', () => r('connected')).on('error', (e) => r(e.code)));
  out.fetch = await fetch('http://192.0.2.1:8080/').then(() => 'sent', (e) => String(e.cause?.code ?? e.message));
  out.dns = await new Promise((r) => dns.lookup('example.com', (e) => r(e ? e.code : 'resolved')));
  server.close();
  console.log(JSON.stringify(out));
});`;

test('guarded, a process reaches loopback only; every attempt is in the log', (t) => {
  const log = join(tempDir(t), 'net.log');
  const r = spawnSync(process.execPath, ['-e', probe], { env: { ...process.env, NODE_OPTIONS: `--import=${guard}`, DELINEATE_NET_GUARD_LOG: log }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { loopback: 'connected', remote: 'ENETUNREACH', fetch: 'ENETUNREACH', dns: 'ENETUNREACH' });
  const entries = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(entries.every((e) => e.pid === entries[0].pid));
  assert.equal(entries[0].kind, 'guard');
  const refused = entries.filter((e) => e.allowed === false).map(({ kind, host, port }) => ({ kind, host, port }));
  assert.deepEqual(refused, [
    { kind: 'connect', host: '192.0.2.1', port: 80 },
    { kind: 'connect', host: '192.0.2.1', port: 8080 },
    { kind: 'lookup', host: 'example.com', port: undefined },
  ]);
  const allowed = entries.filter((e) => e.allowed === true);
  assert.ok(allowed.some((e) => e.kind === 'connect' && e.host === '127.0.0.1' && Number.isInteger(e.port)), JSON.stringify(allowed));
  assert.ok(allowed.every((e) => e.host === '127.0.0.1'), JSON.stringify(allowed));
});

test('without its variable the guard does nothing', (t) => {
  const log = join(tempDir(t), 'net.log');
  const r = spawnSync(process.execPath, ['-e', 'require("node:net").connect(9, "192.0.2.1").on("error", () => {}).destroy()'], { env: { ...process.env, NODE_OPTIONS: `--import=${guard}` }, encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(existsSync(log), false);
});
