// The built Electron shell (electron/dist/main.cjs) run by plain Node with a recording fake of
// the `electron` module (test/helpers/fake-electron.cjs): where Electron's binary is missing this
// still checks the real bundle's wiring — hardening options, schemes, IPC with sender checks, the
// core loaded from sources, job events to the window, session and navigation guards, clean quit.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OPERATIONS } from '../../main/contract/operations.ts';
import { CONTENT_SECURITY_POLICY } from '../../main/web/security.ts';
import { DESKTOP_CSP } from '../../electron/policy.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('the shell bundle hardens its window, wires IPC and protocols to the core and closes it on quit', (t) => {
  const build = spawnSync(process.execPath, [join(root, 'scripts/build-renderer.mjs'), '--only', 'electron'], { encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  const dir = mkdtempSync(join(tmpdir(), 'delineate-shell-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'resources'));
  const r = spawnSync(process.execPath, ['--require', join(root, 'test/helpers/fake-electron.cjs'), join(root, 'electron/dist/main.cjs')], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, DELINEATE_DATA: join(dir, 'data'), DELINEATE_APP_MODEL: join(root, 'test/fixtures/clipseg-tiny'), DELINEATE_RESOURCES: join(dir, 'resources'), DELINEATE_PROVIDER: 'cpu' },
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('REPORT '));
  assert.ok(line, `no report:\n${r.stdout}\n${r.stderr}`);
  const report = JSON.parse(line.slice('REPORT '.length));

  assert.deepEqual(report.order, ['registerSchemes(ready=false)', 'enableSandbox(ready=false)'], 'schemes are registered before the app is ready');
  assert.deepEqual(report.schemes.map((s: { scheme: string }) => s.scheme), ['delineate-app', 'delineate-media']);
  assert.ok(report.schemes.every((s: { privileges: { standard: boolean; secure: boolean; bypassCSP?: boolean } }) => s.privileges.standard && s.privileges.secure && !s.privileges.bypassCSP));
  assert.equal(report.url, 'delineate-app://app/index.html');
  const wp = report.webPreferences;
  assert.deepEqual(
    [wp.contextIsolation, wp.sandbox, wp.nodeIntegration, wp.nodeIntegrationInWorker, wp.nodeIntegrationInSubFrames, wp.webSecurity, wp.allowRunningInsecureContent, wp.webviewTag],
    [true, true, false, false, false, true, false, false],
  );
  assert.equal(wp.preload, join(root, 'electron/dist/preload.cjs'));
  assert.deepEqual(report.channels, [...OPERATIONS.map((op) => `api:${op}`), 'dialog:chooseFolder'].sort());

  assert.equal(report.created.ok, true);
  assert.deepEqual(report.listed.value.map((p: { name: string }) => p.name), ['Shell'], 'IPC reaches the core opened from the sources');
  assert.equal(report.refused.ok, false);
  assert.match(report.refused.error.message, /not Delineate's/);
  assert.equal(report.folderRefused, null);
  assert.equal(report.job.ok, true);
  assert.ok(report.sent.includes('job-event:state:queued') && report.sent.some((s: string) => /^job-event:state:(done|failed)$/.test(s)), report.sent.join(' '));

  assert.equal(report.page.status, 200, report.page.body);
  assert.equal(report.page.csp, DESKTOP_CSP);
  assert.match(report.page.body, /<div id="root"><\/div>/);
  assert.equal(report.otherHost, 404);
  assert.equal(report.media, 404);
  assert.equal(report.permission, false);
  assert.equal(report.permissionCheck, false);
  assert.deepEqual(report.headers['Content-Security-Policy'], [DESKTOP_CSP]);
  assert.deepEqual(report.headers.a, ['b'], 'other headers are kept');
  assert.deepEqual(report.guards, { 'will-navigate': true, 'will-redirect': true, 'will-attach-webview': true });
  assert.deepEqual(report.windowOpen, { action: 'deny' });
  assert.equal(report.quitPrevented, true, 'the first quit waits for the core to close');
  assert.equal(report.quit, 'quit');
  // the desktop policy is the web one's counterpart: the media scheme for images, no WebSocket
  assert.ok(DESKTOP_CSP.includes("img-src 'self' data: blob: delineate-media:") && !DESKTOP_CSP.includes('ws:'));
  assert.ok(CONTENT_SECURITY_POLICY.includes("default-src 'self'") && DESKTOP_CSP.includes("default-src 'self'"));
});

test('hosted mode (delineate app): the hardened window shows the loopback core, with no preload, IPC, schemes or core of its own', (t) => {
  const build = spawnSync(process.execPath, [join(root, 'scripts/build-renderer.mjs'), '--only', 'electron'], { encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
  const dir = mkdtempSync(join(tmpdir(), 'delineate-shell-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const run = (url: string) => spawnSync(process.execPath, ['--require', join(root, 'test/helpers/fake-electron.cjs'), join(root, 'electron/dist/main.cjs')], {
    encoding: 'utf8',
    timeout: 60_000,
    // a data folder the shell must not open: the core lives in the CLI's process
    env: { ...process.env, DELINEATE_CORE_URL: url, DELINEATE_DATA: join(dir, 'data') },
  });
  const r = run('http://127.0.0.1:45678/');
  const line = r.stdout.split('\n').find((l) => l.startsWith('REPORT '));
  assert.ok(line, `no report:\n${r.stdout}\n${r.stderr}`);
  const report = JSON.parse(line.slice('REPORT '.length));
  assert.equal(report.url, 'http://127.0.0.1:45678/');
  const wp = report.webPreferences;
  assert.deepEqual([wp.contextIsolation, wp.sandbox, wp.nodeIntegration, wp.webSecurity, wp.preload], [true, true, false, true, undefined]);
  assert.deepEqual([report.channels, report.protocols, report.cspHook], [[], [], false], 'the web host serves API, media and its own CSP');
  assert.equal(report.permission, false);
  assert.equal(report.navigationBlocked, true);
  assert.deepEqual(report.windowOpen, { action: 'deny' });
  assert.equal(report.quitPrevented, false, 'no core here to close');
  assert.equal(existsSync(join(dir, 'data')), false, 'no data folder opened by the shell');

  const bad = run('http://evil.example/');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stdout + bad.stderr, /DELINEATE_CORE_URL must be http:\/\/127\.0\.0\.1:<port>\//);
});
