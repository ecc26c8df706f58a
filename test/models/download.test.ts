// downloadModel against a fake Hub on 127.0.0.1: complete downloads, resumes (within one call and
// across calls), corrupt bytes, missing repositories, and that nothing half-done is ever installed.

import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { downloadModel, DownloadError, type DownloadProgress } from '../../main/models/download.ts';
import { listModels } from '../../main/models/registry.ts';
import { sha256, startFakeHub, TINY_FILES, tinyRepoFiles, type FakeHub } from './fake-hub.ts';

const REPO = 'CIDAS/clipseg-tiny';
const NAME = 'CIDAS--clipseg-tiny';
const files = tinyRepoFiles();
const weights = files.get('model.safetensors')!;

const temps: string[] = [];
const hubs: FakeHub[] = [];
after(async () => {
  await Promise.all(hubs.map((h) => h.close()));
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
const tempModels = (): string => {
  const t = mkdtempSync(join(tmpdir(), 'delineate-dl-'));
  temps.push(t);
  return join(t, 'models');
};
const hub = async (opts: Omit<Parameters<typeof startFakeHub>[0], 'repo' | 'files'> & { files?: Map<string, Buffer> }): Promise<FakeHub> => {
  const h = await startFakeHub({ repo: REPO, files, ...opts });
  hubs.push(h);
  return h;
};
const visible = (modelsDir: string): string[] => (existsSync(modelsDir) ? readdirSync(modelsDir).filter((n) => !n.startsWith('.')) : []);
const fast = { retryDelayMs: 10 };

test('downloads the listed model files (skipping others), verifies them and installs a valid model', async () => {
  const h = await hub({ redirectLfs: true, extras: new Map([['pytorch_model.bin', Buffer.alloc(64, 7)], ['README.md', Buffer.from('# tiny\n')]]) });
  const modelsDir = tempModels();
  const events: DownloadProgress[] = [];
  const r = await downloadModel({ repo: REPO, endpoint: h.endpoint, modelsDir, onProgress: (p) => events.push(p), ...fast });

  assert.equal(r.unchanged, false);
  assert.equal(r.model.dir, join(modelsDir, NAME));
  assert.deepEqual(visible(modelsDir), [NAME]);
  for (const f of TINY_FILES) assert.deepEqual(readFileSync(join(modelsDir, NAME, f)), files.get(f), f);
  assert.equal(r.model.sha256, sha256(weights));
  assert.equal(r.model.weightsBytes, weights.length);
  const total = TINY_FILES.reduce((a, f) => a + files.get(f)!.length, 0);
  assert.equal(r.downloadedBytes, total);
  assert.equal(r.commit, 'c0ffee0000000000000000000000000000000000');

  // Only the model files were fetched; the weights through the CDN redirect; no staging left.
  const fetched = h.requests.filter((q) => q.path.includes('/resolve/')).map((q) => q.path.split('/').pop()).sort();
  assert.deepEqual(fetched, [...TINY_FILES].sort());
  assert.ok(h.requests.some((q) => q.path === `/cdn/${sha256(weights)}` && q.status === 200));
  assert.deepEqual(readdirSync(modelsDir), [NAME]);

  const manifest = JSON.parse(readFileSync(join(modelsDir, NAME, 'delineate-model.json'), 'utf8'));
  assert.deepEqual(manifest.source, { kind: 'huggingface', endpoint: h.endpoint, repo: REPO, revision: 'main', commit: 'c0ffee0000000000000000000000000000000000' });
  for (const f of TINY_FILES) assert.equal(manifest.files[f].sha256, sha256(files.get(f)!), f);

  const last = events.at(-1)!;
  assert.equal(last.bytes, total);
  assert.equal(last.total, total);
  const w = events.filter((e) => e.file === 'model.safetensors' && e.status === 'downloading');
  assert.equal(w.at(-1)!.fileBytes, weights.length);
  assert.ok(w.every((e, i) => i === 0 || e.fileBytes >= w[i - 1].fileBytes), 'per-file progress never goes back');

  const [listed] = listModels(modelsDir);
  assert.equal(listed.info?.sha256, sha256(weights));

  // Again: already installed with the same bytes, so nothing is fetched.
  const before = h.requests.length;
  const again = await downloadModel({ repo: REPO, endpoint: h.endpoint, modelsDir, ...fast });
  assert.equal(again.unchanged, true);
  assert.equal(again.downloadedBytes, 0);
  assert.deepEqual(h.requests.slice(before).map((q) => q.path), [`/api/models/${REPO}/tree/main`]);
});

test('a connection dropped mid-file is retried with a Range request and the file completes intact', async () => {
  const cut = 100_000;
  const h = await hub({ drop: { path: 'model.safetensors', bytes: cut, times: 1 } });
  const modelsDir = tempModels();
  const retries: DownloadProgress[] = [];
  const r = await downloadModel({ repo: REPO, endpoint: h.endpoint, modelsDir, onProgress: (p) => p.status === 'retrying' && retries.push(p), ...fast });

  const gets = h.requests.filter((q) => q.path.endsWith('/model.safetensors'));
  assert.equal(gets.length, 2);
  assert.equal(gets[0].range, undefined);
  assert.equal(gets[1].range, `bytes=${cut}-`);
  assert.equal(gets[1].status, 206);
  assert.equal(retries.length, 1);
  assert.equal(retries[0].fileBytes, cut);
  assert.equal(sha256(readFileSync(join(modelsDir, NAME, 'model.safetensors'))), sha256(weights));
  assert.equal(r.model.sha256, sha256(weights));
  // The second request carried only the rest: transferred = everything once.
  assert.equal(r.downloadedBytes, TINY_FILES.reduce((a, f) => a + files.get(f)!.length, 0));
});

test('a server that ignores Range restarts the file from byte 0 and the result is intact', async () => {
  const h = await hub({ drop: { path: 'model.safetensors', bytes: 100_000, times: 1 }, ignoreRange: true });
  const modelsDir = tempModels();
  const r = await downloadModel({ repo: REPO, endpoint: h.endpoint, modelsDir, ...fast });
  const gets = h.requests.filter((q) => q.path.endsWith('/model.safetensors'));
  assert.deepEqual(gets.map((q) => [q.range, q.status]), [[undefined, 200], ['bytes=100000-', 200]]);
  assert.equal(sha256(readFileSync(join(r.model.dir, 'model.safetensors'))), sha256(weights));
});

test('a connection that keeps dropping without progress fails after the retries and installs nothing', async () => {
  const h = await hub({ drop: { path: 'model.safetensors', bytes: 0, times: 100 } });
  const modelsDir = tempModels();
  await assert.rejects(
    downloadModel({ repo: REPO, endpoint: h.endpoint, modelsDir, retries: 2, retryDelayMs: 1 }),
    (e: Error) => e instanceof DownloadError && /downloading model\.safetensors failed 3 times in a row.*run the same command again to resume/s.test(e.message),
  );
  assert.equal(h.requests.filter((q) => q.path.endsWith('/model.safetensors')).length, 3);
  assert.deepEqual(visible(modelsDir), []);
  assert.deepEqual(listModels(modelsDir), []);
});

test('bytes that do not match the listed sha256 are rejected and nothing is installed', async () => {
  const bad = Buffer.from(weights);
  bad[bad.length - 1] ^= 0xff;
  const h = await hub({ served: new Map([['model.safetensors', bad]]) });
  const modelsDir = tempModels();
  await assert.rejects(
    downloadModel({ repo: REPO, endpoint: h.endpoint, modelsDir, ...fast }),
    (e: Error) => e instanceof DownloadError && e.message === `checksum mismatch for model.safetensors: expected sha256 ${sha256(weights)} got ${sha256(bad)}`,
  );
  assert.deepEqual(visible(modelsDir), []);
  assert.deepEqual(listModels(modelsDir), []);
  const staging = join(modelsDir, `.staging-${NAME}`);
  assert.ok(!existsSync(join(staging, 'model.safetensors.partial')), 'the corrupt partial file is deleted');
  assert.ok(!existsSync(join(staging, 'model.safetensors')));
  assert.ok(!existsSync(join(modelsDir, `.staging-${NAME}.lock`)), 'the lock is released');
});

test('a small file whose bytes differ from its git blob id is rejected', async () => {
  const h = await hub({ served: new Map([['config.json', Buffer.from(files.get('config.json')!.toString().replace('"reduce_dim": 16', '"reduce_dim": 18'))]]) });
  const modelsDir = tempModels();
  await assert.rejects(downloadModel({ repo: REPO, endpoint: h.endpoint, modelsDir, ...fast }), /checksum mismatch for config\.json: expected git blob [0-9a-f]{40} got [0-9a-f]{40}/);
  assert.deepEqual(visible(modelsDir), []);
});

test('an unknown repository or revision is a clear error', async () => {
  const h = await hub({});
  const modelsDir = tempModels();
  await assert.rejects(
    downloadModel({ repo: 'nobody/nothing', endpoint: h.endpoint, modelsDir, ...fast }),
    (e: Error) => e instanceof DownloadError && e.message.startsWith(`nobody/nothing at revision 'main' was not found on ${h.endpoint} (HTTP 404: Repository not found)`),
  );
  await assert.rejects(downloadModel({ repo: REPO, revision: 'v9', endpoint: h.endpoint, modelsDir, ...fast }), /CIDAS\/clipseg-tiny at revision 'v9' was not found/);
  assert.deepEqual(visible(modelsDir), []);
});

test('a repository without model.safetensors is refused before downloading anything', async () => {
  const only = new Map(files);
  only.delete('model.safetensors');
  only.set('pytorch_model.bin', Buffer.alloc(32));
  const h = await hub({ files: only });
  await assert.rejects(
    downloadModel({ repo: REPO, endpoint: h.endpoint, modelsDir: tempModels(), ...fast }),
    /lacks model\.safetensors \(it has pytorch_model\.bin, which Delineate cannot read: it needs model\.safetensors\)/,
  );
  assert.equal(h.requests.filter((q) => q.path.includes('/resolve/')).length, 0);
});

test('an endpoint that cannot be reached fails at once with advice for offline machines', async () => {
  const h = await startFakeHub({ repo: REPO, files });
  const endpoint = h.endpoint;
  await h.close(); // nothing listens on that port now
  const started = performance.now();
  await assert.rejects(
    downloadModel({ repo: REPO, endpoint, modelsDir: tempModels() }), // default retry delays: a retry would take ≥ 1 s
    (e: Error) => e instanceof DownloadError && e.message === `cannot reach ${endpoint} (ECONNREFUSED). Without network access, fetch the model folder on another computer and install it with: npx delineate model import DIR`,
  );
  assert.ok(performance.now() - started < 900, 'not retried');
});

test('plain HTTP is refused for a non-loopback endpoint unless explicitly allowed', async () => {
  const seen: string[] = [];
  const fetchImpl = (async (url: string | URL | Request) => {
    seen.push(String(url));
    return new Response('[]', { status: 200 });
  }) as typeof fetch;
  const modelsDir = tempModels();
  await assert.rejects(downloadModel({ endpoint: 'http://mirror.example', modelsDir, fetchImpl }), /refusing http for http:\/\/mirror\.example: models are downloaded over HTTPS only/);
  assert.deepEqual(seen, []);
  // With the opt-in the request goes out (and the empty listing is then rejected as incomplete).
  await assert.rejects(downloadModel({ endpoint: 'http://mirror.example', modelsDir, fetchImpl, allowHttp: true }), /lacks config\.json/);
  assert.deepEqual(seen, ['http://mirror.example/api/models/CIDAS/clipseg-rd64-refined/tree/main']);
});

test('a download aborted by its signal resumes from the partial file in the next call', async () => {
  const h = await hub({ chunk: { size: 16 * 1024, delayMs: 2 } });
  const modelsDir = tempModels();
  const controller = new AbortController();
  await assert.rejects(
    downloadModel({
      repo: REPO,
      endpoint: h.endpoint,
      modelsDir,
      signal: controller.signal,
      onProgress: (p) => p.file === 'model.safetensors' && p.fileBytes >= 200_000 && controller.abort(),
      ...fast,
    }),
    { name: 'AbortError' },
  );
  assert.deepEqual(visible(modelsDir), [], 'nothing installed after the abort');
  const partial = join(modelsDir, `.staging-${NAME}`, 'model.safetensors.partial');
  const kept = statSync(partial).size;
  assert.ok(kept >= 200_000 && kept < weights.length, `partial file holds ${kept} bytes`);
  assert.ok(!existsSync(join(modelsDir, `.staging-${NAME}.lock`)));

  const before = h.requests.length;
  const r = await downloadModel({ repo: REPO, endpoint: h.endpoint, modelsDir, ...fast });
  const resumed = h.requests.slice(before).filter((q) => q.path.includes('/resolve/'));
  // The small files were already complete: only the weights are requested, from where they stopped.
  assert.deepEqual(resumed.map((q) => [q.path.split('/').pop(), q.range, q.status]), [['model.safetensors', `bytes=${kept}-`, 206]]);
  assert.equal(r.downloadedBytes, weights.length - kept);
  assert.equal(sha256(readFileSync(join(r.model.dir, 'model.safetensors'))), sha256(weights));
  assert.deepEqual(readdirSync(modelsDir), [NAME]);
  assert.ok(lstatSync(r.model.dir).isDirectory());
});

test('a different model already installed under the name is never replaced', async () => {
  const h = await hub({});
  const modelsDir = tempModels();
  await downloadModel({ repo: REPO, endpoint: h.endpoint, modelsDir, ...fast });
  const other = new Map(files);
  other.set('tokenizer_config.json', Buffer.from(files.get('tokenizer_config.json')!.toString().replace('"model_max_length": 16', '"model_max_length": 15')));
  const h2 = await hub({ files: other });
  const before = h2.requests.length;
  await assert.rejects(downloadModel({ repo: REPO, endpoint: h2.endpoint, modelsDir, ...fast }), /a different model named 'CIDAS--clipseg-tiny' is already installed/);
  assert.equal(h2.requests.length - before, 1, 'only the listing was fetched');
  assert.deepEqual(readFileSync(join(modelsDir, NAME, 'tokenizer_config.json')), files.get('tokenizer_config.json'));
  const r = await downloadModel({ repo: REPO, endpoint: h2.endpoint, modelsDir, name: 'tiny-15', ...fast });
  assert.equal(r.model.name, 'tiny-15');
  assert.deepEqual(visible(modelsDir).sort(), [NAME, 'tiny-15']);
});
