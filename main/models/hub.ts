// The two Hugging Face Hub endpoints a model download needs: the file listing of a repository at a
// revision (`/api/models/{repo}/tree/{revision}`) and the file contents (`/{repo}/resolve/…`,
// which redirects large files to a CDN). Only HTTPS, except loopback or an explicit opt-in.

/** A download that cannot succeed as asked; retrying the same request would not help. */
export class DownloadError extends Error {
  override name = 'DownloadError';
}

/** A transfer problem worth retrying (5xx, 429, a stalled connection). */
export class TransientError extends Error {
  override name = 'TransientError';
}

export type FetchImpl = typeof fetch;

export interface RepoFile {
  path: string;
  size: number;
  /** sha256 of the content, for files stored with LFS (the listing's `lfs.oid`). */
  sha256?: string;
  /** The git blob id (sha1 of "blob <size>\0" + content), for files stored in git itself. */
  gitOid?: string;
}

export interface HubTarget {
  endpoint: string;
  repo: string;
  revision: string;
  fetchImpl: FetchImpl;
  /** Allow plain HTTP to a non-loopback host (a mirror that says it serves HTTP only). */
  allowHttp: boolean;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Throws unless `url` may be used: HTTPS, or HTTP to loopback, or HTTP with the explicit opt-in. */
export function checkTransport(url: string, allowHttp: boolean): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DownloadError(`'${url}' is not a URL`);
  }
  if (u.protocol === 'https:') return;
  if (u.protocol === 'http:' && (LOOPBACK.has(u.hostname) || allowHttp)) return;
  throw new DownloadError(
    `refusing ${u.protocol.replace(':', '')} for ${u.origin}: models are downloaded over HTTPS only ` +
      `(plain HTTP is accepted for 127.0.0.1/localhost, or with --allow-http for a mirror you trust)`,
  );
}

export const isValidRepo = (repo: string): boolean => /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/.test(repo);

const repoPath = (repo: string): string => repo.split('/').map(encodeURIComponent).join('/');

export const treeUrl = (t: HubTarget): string => `${t.endpoint}/api/models/${repoPath(t.repo)}/tree/${encodeURIComponent(t.revision)}`;

export const resolveUrl = (t: HubTarget, path: string): string =>
  `${t.endpoint}/${repoPath(t.repo)}/resolve/${encodeURIComponent(t.revision)}/${path.split('/').map(encodeURIComponent).join('/')}`;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

export interface HubResponse {
  res: Response;
  /** The URL that answered, after redirects. */
  url: string;
  /** X-Repo-Commit from any hop: the commit the revision resolved to. */
  commit?: string;
}

/**
 * GET with redirects followed by hand, so each hop is held to the HTTPS rule and keeps the Range
 * header. Identity encoding: byte counts and ranges must refer to the stored bytes.
 */
export async function hubGet(t: HubTarget, url: string, headers: Record<string, string>, signal?: AbortSignal): Promise<HubResponse> {
  let commit: string | undefined;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    checkTransport(url, t.allowHttp);
    const res = await t.fetchImpl(url, { headers: { 'accept-encoding': 'identity', ...headers }, redirect: 'manual', signal });
    commit ??= res.headers.get('x-repo-commit') ?? undefined;
    if (!REDIRECTS.has(res.status)) return { res, url, commit };
    await res.body?.cancel();
    const location = res.headers.get('location');
    if (!location) throw new DownloadError(`HTTP ${res.status} redirect without a Location header from ${url}`);
    url = new URL(location, url).href;
  }
  throw new DownloadError(`more than ${MAX_REDIRECTS} redirects fetching ${url}`);
}

/** The server's own explanation of an error response (HF answers {"error": "..."}), if any. */
export async function serverMessage(res: Response): Promise<string> {
  try {
    const text = (await res.text()).trim();
    try {
      const json = JSON.parse(text) as { error?: unknown };
      if (typeof json.error === 'string') return json.error;
    } catch {
      /* not JSON */
    }
    return text.slice(0, 200);
  } catch {
    return '';
  }
}

const nextLink = (link: string | null): string | undefined => link?.match(/<([^>]+)>\s*;\s*rel="?next"?/)?.[1];

function parseEntry(e: unknown, url: string): RepoFile | undefined {
  const bad = (): DownloadError => new DownloadError(`unexpected file listing from ${url}: ${JSON.stringify(e).slice(0, 200)}`);
  if (typeof e !== 'object' || e === null) throw bad();
  const { type, path, size, oid, lfs } = e as Record<string, unknown>;
  if (type !== 'file') return undefined;
  if (typeof path !== 'string' || !Number.isSafeInteger(size) || (size as number) < 0) throw bad();
  const file: RepoFile = { path, size: size as number };
  if (lfs !== undefined && lfs !== null) {
    const l = lfs as Record<string, unknown>;
    if (typeof l.oid !== 'string' || !/^[0-9a-f]{64}$/.test(l.oid)) throw bad();
    file.sha256 = l.oid;
    if (Number.isSafeInteger(l.size)) file.size = l.size as number;
  } else if (typeof oid === 'string' && /^[0-9a-f]{40}$/.test(oid)) {
    file.gitOid = oid;
  }
  return file;
}

/** The files at the top of the repository at the revision (the listing is paginated by Link headers). */
export async function listRepoFiles(t: HubTarget, signal?: AbortSignal): Promise<RepoFile[]> {
  const files: RepoFile[] = [];
  let url: string | undefined = treeUrl(t);
  while (url) {
    const { res } = await hubGet(t, url, { accept: 'application/json' }, signal);
    if (!res.ok) {
      const why = await serverMessage(res);
      const detail = why ? `: ${why}` : '';
      if (res.status === 401 || res.status === 403 || res.status === 404) {
        throw new DownloadError(`${t.repo} at revision '${t.revision}' was not found on ${t.endpoint} (HTTP ${res.status}${detail}); check --repo and --revision (private or gated repositories are not supported)`);
      }
      const error = `listing ${t.repo} at '${t.revision}' on ${t.endpoint} failed: HTTP ${res.status}${detail}`;
      throw res.status >= 500 || res.status === 429 ? new TransientError(error) : new DownloadError(error);
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch (err) {
      throw new DownloadError(`the file listing from ${url} is not JSON (${(err as Error).message}); is ${t.endpoint} a Hugging Face Hub endpoint?`);
    }
    if (!Array.isArray(json)) throw new DownloadError(`the file listing from ${url} is not a JSON array; is ${t.endpoint} a Hugging Face Hub endpoint?`);
    for (const e of json) {
      const f = parseEntry(e, url);
      if (f) files.push(f);
    }
    const next = nextLink(res.headers.get('link'));
    url = next ? new URL(next, url).href : undefined;
  }
  return files;
}
