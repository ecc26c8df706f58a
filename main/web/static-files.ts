// The renderer bundle as files: only what lies inside the bundle folder, with exact content types
// (nosniff is on) and no caching of index.html, so a rebuilt bundle is picked up on reload; plus
// the app icon for /favicon.ico.

import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The app icon (scripts/make-icon.ts), answered for /favicon.ico, which browsers ask for unprompted.
 * Found when asked: in Electron's CommonJS bundle (electron/dist) import.meta.url is empty, so the
 * path is taken from the bundle's own folder there.
 */
export function appIconPath(): string {
  if (import.meta.url) return fileURLToPath(new URL('../../resources/favicon.ico', import.meta.url));
  return resolve(__dirname, '..', '..', 'resources', 'favicon.ico');
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticFile {
  status: 200;
  body: Buffer;
  headers: Record<string, string>;
}

export interface StaticMiss {
  status: 400 | 404 | 503;
  message: string;
}

const inside = (root: string, path: string): boolean => {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
};

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * The file for a URL path under `rootDir`. A path without an extension that names no file is an
 * app route and gets index.html; anything resolving outside the folder (.., encoded or through a
 * link) is a 404.
 */
export async function staticFile(rootDir: string, urlPath: string): Promise<StaticFile | StaticMiss> {
  const root = resolve(rootDir);
  const index = join(root, 'index.html');
  if (!(await isFile(index))) return { status: 503, message: `the app's bundle is missing (${index}); build it with: npm run build` };
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return { status: 400, message: 'malformed URL path' };
  }
  if (path.includes('\0')) return { status: 400, message: 'malformed URL path' };
  let file = path === '/' ? index : resolve(root, `.${path}`);
  const icon = path === '/favicon.ico' ? appIconPath() : '';
  if (icon && !(await isFile(file)) && (await isFile(icon))) {
    return { status: 200, body: await readFile(icon), headers: { 'Content-Type': CONTENT_TYPES['.ico'], 'Cache-Control': 'no-cache' } };
  }
  if (!inside(root, file)) return { status: 404, message: 'not found' };
  if (!(await isFile(file))) {
    if (extname(path) !== '') return { status: 404, message: 'not found' };
    file = index;
  }
  const real = await realpath(file);
  if (!inside(await realpath(root), real)) return { status: 404, message: 'not found' };
  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  return {
    status: 200,
    body: await readFile(real),
    headers: { 'Content-Type': type, 'Cache-Control': file === index ? 'no-store' : 'no-cache' },
  };
}
