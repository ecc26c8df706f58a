// A stand-in for the Hugging Face Hub on 127.0.0.1: the tree listing (with LFS sha256 and git blob
// ids computed here from the bytes served) and `resolve` downloads honouring Range, plus the
// misbehaviours the downloader must survive (dropped connections, corrupt bytes, slow streams).

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export const TINY_DIR = new URL('../fixtures/clipseg-tiny/', import.meta.url).pathname;
export const TINY_FILES = ['config.json', 'preprocessor_config.json', 'model.safetensors', 'vocab.json', 'merges.txt', 'tokenizer_config.json', 'special_tokens_map.json'];

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const gitBlobId = (b: Uint8Array): string => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

export const tinyRepoFiles = (): Map<string, Buffer> => new Map(TINY_FILES.map((f) => [f, readFileSync(join(TINY_DIR, f))]));

export interface FakeHubOptions {
  repo: string;
  revision?: string;
  /** Files of the repo; those named in `lfs` are listed as LFS files (with their sha256). */
  files: Map<string, Buffer>;
  lfs?: string[];
  /** Listed, never meant to be fetched (pytorch_model.bin, README.md…). */
  extras?: Map<string, Buffer>;
  /** Served instead of the listed bytes (the listing still describes `files`). */
  served?: Map<string, Buffer>;
  /** For the first `times` requests of `path`, send `bytes` bytes then destroy the socket. */
  drop?: { path: string; bytes: number; times: number };
  /** Redirect LFS downloads to /cdn/<sha256>, as the Hub does. */
  redirectLfs?: boolean;
  /** Answer Range requests with the whole file (200), as some servers do. */
  ignoreRange?: boolean;
  /** Stream bodies in chunks of this size with a pause between them (to interrupt mid-file). */
  chunk?: { size: number; delayMs: number };
}

export interface RequestRecord {
  path: string;
  range?: string;
  status: number;
}

export interface FakeHub {
  endpoint: string;
  requests: RequestRecord[];
  close(): Promise<void>;
}

async function sendBody(res: ServerResponse, body: Buffer, chunk?: FakeHubOptions['chunk']): Promise<void> {
  if (!chunk) return void res.end(body);
  for (let at = 0; at < body.length && !res.destroyed; at += chunk.size) {
    res.write(body.subarray(at, at + chunk.size));
    await new Promise((r) => setTimeout(r, chunk.delayMs));
  }
  res.end();
}

export async function startFakeHub(opts: FakeHubOptions): Promise<FakeHub> {
  const revision = opts.revision ?? 'main';
  const lfs = new Set(opts.lfs ?? ['model.safetensors']);
  const all = new Map([...opts.files, ...(opts.extras ?? [])]);
  const byHash = new Map([...all].map(([p, b]) => [sha256(b), p]));
  const requests: RequestRecord[] = [];
  const served = new Map<string, number>();

  const listing = [...all].map(([path, b]) => ({
    type: 'file',
    path,
    size: b.length,
    oid: lfs.has(path) ? gitBlobId(Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(b)}\nsize ${b.length}\n`)) : gitBlobId(b),
    ...(lfs.has(path) ? { lfs: { oid: sha256(b), size: b.length, pointerSize: 134 } } : {}),
  }));

  const serveFile = async (path: string, res: ServerResponse, range: string | undefined, record: RequestRecord): Promise<void> => {
    const body = opts.served?.get(path) ?? all.get(path)!;
    let start = 0;
    if (opts.ignoreRange) range = undefined;
    const m = range?.match(/^bytes=(\d+)-$/);
    if (m) start = Number(m[1]);
    if (start >= body.length && range) {
      record.status = 416;
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    const part = body.subarray(start);
    record.status = range ? 206 : 200;
    res.writeHead(record.status, {
      'content-length': part.length,
      'x-repo-commit': 'c0ffee0000000000000000000000000000000000',
      ...(range ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    const n = (served.get(path) ?? 0) + 1;
    served.set(path, n);
    if (opts.drop && opts.drop.path === path && n <= opts.drop.times) {
      res.write(part.subarray(0, opts.drop.bytes), () => res.destroy());
      return;
    }
    await sendBody(res, part, opts.chunk);
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    const path = decodeURIComponent(url.pathname);
    const range = req.headers.range;
    const record: RequestRecord = { path, range, status: 0 };
    requests.push(record);
    const notFound = (error: string): void => {
      record.status = 404;
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error }));
    };
    if (path === `/api/models/${opts.repo}/tree/${revision}`) {
      record.status = 200;
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(listing));
    }
    if (path.startsWith('/api/models/')) return notFound('Repository not found');
    const cdn = path.match(/^\/cdn\/([0-9a-f]{64})$/);
    if (cdn && byHash.has(cdn[1])) return void serveFile(byHash.get(cdn[1])!, res, range, record);
    const prefix = `/${opts.repo}/resolve/${revision}/`;
    if (!path.startsWith(prefix) || !all.has(path.slice(prefix.length))) return notFound('Entry not found');
    const file = path.slice(prefix.length);
    if (opts.redirectLfs && lfs.has(file)) {
      record.status = 302;
      return void res.writeHead(302, { location: `/cdn/${sha256(all.get(file)!)}`, 'x-repo-commit': 'c0ffee0000000000000000000000000000000000' }).end();
    }
    void serveFile(file, res, range, record);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
