// The core's layers point down only (VS Code's layering rule, for our folders). Every import under
// main/ is parsed from source and checked against the order written in docs/architecture.md, so a
// module that reaches up or sideways fails here instead of tangling the next change.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Bottom first. Names on one line are one layer: peers, which must not import each other. A name
 * is a folder or file under main/; the longest one that matches a file is its unit.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['contract', 'common', 'fs'],
  ['engine'],
  ['io', 'store', 'models'],
  ['inference', 'training', 'pacs'],
  ['jobs'],
  ['jobs/runners/*'],
  ['jobs/runners/index.ts'],
  ['api'],
  ['core.ts'],
  ['web', 'app', 'bench'],
  ['cli'],
  ['cli.ts'],
  ['delineate.mjs'],
];

/** The unit a main/ file belongs to; under a `dir/*` entry each file is its own unit (job runners are peers). */
function unitOf(file: string): string {
  const rel = relative(join(root, 'main'), file).split(sep).join('/');
  let best = '';
  for (const name of LAYERS.flat()) {
    const unit = name.endsWith('/*') && rel.startsWith(name.slice(0, -1)) ? rel : name;
    if ((rel === name || rel.startsWith(`${name}/`) || unit === rel) && unit.length > best.length) best = unit;
  }
  return best || rel.split('/')[0];
}

function layerOf(unit: string): number {
  let i = LAYERS.findIndex((l) => l.includes(unit));
  if (i < 0) i = LAYERS.findIndex((l) => l.some((name) => name.endsWith('/*') && unit.startsWith(name.slice(0, -1))));
  if (i < 0) throw new Error(`main/${unit} is in no layer: add it to LAYERS and to docs/architecture.md`);
  return i;
}

function sources(dir: string, ext = /\.(ts|tsx|mts|mjs)$/): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : sources(p, ext);
    return ext.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Relative module specifiers of static imports, re-exports and dynamic imports. */
export function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found = new Set<string>();
  for (const m of code.matchAll(/(?:^|[;\s])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]/g)) found.add(m[1]);
  for (const m of code.matchAll(/(?:^|[;\s])import\s*['"]([^'"]+)['"]/g)) found.add(m[1]);
  for (const m of code.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) found.add(m[1]);
  for (const m of code.matchAll(/new URL\(\s*['"](\.[^'"]+\.(?:ts|mjs))['"]\s*,\s*import\.meta\.url/g)) found.add(m[1]);
  return [...found].filter((s) => s.startsWith('.'));
}

function violations(): string[] {
  const bad: string[] = [];
  for (const file of sources(join(root, 'main'))) {
    const from = unitOf(file);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec);
      const rel = relative(join(root, 'main'), target);
      const where = relative(root, file);
      if (rel.startsWith('..')) {
        bad.push(`${where} imports ${spec}, outside main/ (the core must not depend on ${relative(root, target).split(sep)[0]}/)`);
        continue;
      }
      const to = unitOf(target);
      if (to === from) continue;
      const [lf, lt] = [layerOf(from), layerOf(to)];
      if (lt > lf) bad.push(`${where} imports ${spec}: main/${from} (layer ${lf}) reaches up to main/${to} (layer ${lt})`);
      else if (lt === lf) bad.push(`${where} imports ${spec}: main/${from} and main/${to} are peers in layer ${lf}`);
    }
  }
  return bad;
}

test('every import under main/ points to its own folder or a lower layer', () => {
  const files = sources(join(root, 'main'));
  assert.ok(files.length > 100, `found only ${files.length} source files under main/`);
  assert.deepEqual(violations(), []);
});

test('the renderer reaches the core only through the contract, which runs anywhere', () => {
  const bad: string[] = [];
  for (const file of sources(join(root, 'renderer'))) {
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const rel = relative(join(root, 'main'), resolve(dirname(file), spec));
      if (!rel.startsWith('..') && !rel.startsWith(`contract${sep}`)) bad.push(`${relative(root, file)} imports ${spec}`);
    }
  }
  for (const file of sources(join(root, 'main', 'contract'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/from\s*['"]((?:node:)?[a-z@][^'"]*)['"]/g)) bad.push(`${relative(root, file)} imports the package ${m[1]}: the contract is shared with the renderer`);
  }
  assert.deepEqual(bad, []);
});

test('the checker sees imports of every form, and an upward one fails', () => {
  const text = `import a from './a.ts';\nimport type { B } from "../b.ts";\nexport { c } from './c.ts';\nimport './d.ts';\nconst e = await import('./e.ts');\n// import x from './commented.ts';\nnew URL('./w.ts', import.meta.url);`;
  assert.deepEqual(importsOf(text).sort(), ['../b.ts', './a.ts', './c.ts', './d.ts', './e.ts', './w.ts']);
  assert.ok(layerOf('store') > layerOf('engine'));
  assert.equal(unitOf(join(root, 'main/jobs/runners/import.ts')), 'jobs/runners/import.ts');
  assert.equal(unitOf(join(root, 'main/jobs/queue.ts')), 'jobs');
  assert.equal(unitOf(join(root, 'main/jobs/runners/index.ts')), 'jobs/runners/index.ts');
  assert.ok(layerOf('jobs/runners/import.ts') > layerOf('jobs'));
  assert.throws(() => layerOf('nowhere'), /in no layer/);
});
