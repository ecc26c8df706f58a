#!/usr/bin/env node
// Builds what the app shows and the shell that shows it, with esbuild:
//   renderer/src/main.tsx (+ its CSS imports) → renderer/dist/{index.html, main.js, main.css, assets/}
//   electron/main.ts, electron/preload.ts     → electron/dist/{main,preload}.cjs
// Production (minified) by default; --dev keeps names and adds source maps. Each output folder is
// written next to its final place and renamed into it, so a running web host never serves half a
// bundle. The renderer gets a build stamp that `serve` compares with the sources' times.
//
// usage: node scripts/build-renderer.mjs [--dev] [--only renderer|electron]

import { build } from 'esbuild';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dev = process.argv.includes('--dev');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
if (only !== undefined && only !== 'renderer' && only !== 'electron') {
  console.error(`build-renderer: --only takes renderer or electron, got ${JSON.stringify(only)}`);
  process.exit(2);
}
const at = (...p) => join(root, ...p);

function html(hasCss) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Delineate</title>
${hasCss ? '<link rel="stylesheet" href="/main.css">\n' : ''}<script type="module" src="/main.js"></script>
</head>
<body>
<div id="root"></div>
</body>
</html>
`;
}

/** Builds into a fresh sibling folder, then swaps it in. */
async function into(finalDir, fn) {
  const tmp = `${finalDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    await fn(tmp);
    rmSync(finalDir, { recursive: true, force: true });
    renameSync(tmp, finalDir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function buildRenderer() {
  const entry = at('renderer', 'src', 'main.tsx');
  if (!existsSync(entry)) throw new Error(`the renderer's entry point ${entry} is missing`);
  await into(at('renderer', 'dist'), async (out) => {
    const result = await build({
      entryPoints: { main: entry },
      bundle: true,
      outdir: out,
      format: 'esm',
      platform: 'browser',
      target: ['chrome120'],
      jsx: 'automatic',
      tsconfig: at('renderer', 'tsconfig.json'),
      minify: !dev,
      sourcemap: dev ? 'linked' : false,
      define: { 'process.env.NODE_ENV': JSON.stringify(dev ? 'development' : 'production') },
      loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.png': 'file', '.svg': 'file', '.jpg': 'file' },
      assetNames: 'assets/[name]-[hash]',
      // absolute URLs in CSS so app routes like /project/3 still find the assets
      publicPath: '/',
      metafile: true,
      logLevel: 'warning',
    });
    const hasCss = Object.keys(result.metafile.outputs).some((f) => f.endsWith('main.css'));
    writeFileSync(join(out, 'index.html'), html(hasCss));
    writeFileSync(join(out, '.build-stamp'), `${new Date().toISOString()} ${dev ? 'dev' : 'production'}\n`);
  });
}

async function buildElectron() {
  await into(at('electron', 'dist'), async (out) => {
    await build({
      entryPoints: { main: at('electron', 'main.ts'), preload: at('electron', 'preload.ts') },
      bundle: true,
      outdir: out,
      outExtension: { '.js': '.cjs' },
      platform: 'node',
      format: 'cjs',
      target: ['node20'],
      // electron is the host; tsx and the core (electron/app-core.ts and main/) load from sources at run time
      external: ['electron', 'tsx', 'tsx/*'],
      minify: false,
      sourcemap: dev ? 'inline' : false,
      logLevel: 'warning',
    });
  });
}

const started = Date.now();
try {
  const targets = { renderer: buildRenderer, electron: buildElectron };
  const names = only ? [only] : Object.keys(targets);
  // both run to the end even when one fails, so a broken UI does not block the shell's build
  const results = await Promise.allSettled(names.map((n) => targets[n]()));
  const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
  if (failed.length > 0) throw failed.length === 1 ? failed[0] : new Error(failed.map((e) => e.message).join('\n'));
  console.log(`built ${names.map((n) => `${n}/dist`).join(' and ')} (${dev ? 'dev' : 'production'}) in ${Date.now() - started} ms`);
} catch (e) {
  console.error(`build-renderer: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
