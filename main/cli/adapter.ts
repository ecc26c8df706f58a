// `delineate adapter list|export|import|activate|report`: a data folder's adapters, and adapter packs
// (.dlad) to share adaptation between sites without sharing images (docs/adapter-packs.md).

import { resolve } from 'node:path';
import type { AdapterOrigin } from '../contract/contract.ts';
import { dataFolder, dataPaths } from '../fs/data-folder.ts';
import { resolveModel } from '../models/registry.ts';
import { openLockedStore } from '../store/data-lock.ts';
import type { Adapter } from '../store/adapters.ts';
import type { Store } from '../store/store.ts';
import { exportAdapterPack, importAdapterPack, originOf, packModelAt } from '../training/adapter-pack-exchange.ts';
import { evidenceOf, worseThan } from '../contract/adapter-report.ts';
import { REPORT_HELP, reportCommand } from './adapter-report.ts';
import { parse, UsageError } from './args.ts';
import { projectByName } from './job-cli.ts';

const HELP = `usage: delineate adapter <command> [options]

commands:
  list [--project NAME] [--json]       the adapters (a project's and the site-wide ones), newest first
  export ID --out FILE.dlad [--note TEXT]
                                       write adapter ID as a pack: its weights under the reference
                                       module names, variant and dims, the base model's sha256, label
                                       names and prompts, recipe, counts and held-out scores; no image,
                                       mask or patient data
  import FILE [--project NAME] [--name NAME] [--model NAME|DIR]
                                       add a pack (or a reference-trainer safetensors file) for the
                                       project, else site-wide; checked against the model (default: the
                                       installed one); it stays inactive until activated
  activate ID                          make adapter ID the active one of its project (or site-wide)
${REPORT_HELP}

options:
  --data DIR   the data folder (default DELINEATE_DATA, else the per-user application-data folder)`;

const pct = (x: number | null) => (x === null ? '—' : (100 * x).toFixed(1));

function describeOrigin(o: AdapterOrigin): string {
  const parts = [`imported from ${o.fileName}`, o.createdAt ? `made ${o.createdAt}` : null, o.kind === 'reference' ? 'reference trainer' : o.delineateVersion ? `Delineate ${o.delineateVersion}` : null,
    o.counts.trainCorrections !== null ? `${o.counts.trainCorrections} corrections` : null, o.metrics.dsc !== null ? `source DSC ${pct(o.metrics.dsc)} % (n=${o.metrics.heldOut ?? '?'})` : null,
    o.baseModelSha256 === null ? 'base model not recorded' : null, o.note ? `note: ${o.note}` : null];
  return parts.filter(Boolean).join('; ');
}

function row(a: Adapter) {
  return { id: a.id, projectId: a.projectId, name: a.name, variant: a.variant, active: a.active, createdAt: a.createdAt, parentId: a.parentId, baseModelSha256: a.baseModelHash, metrics: a.metrics, origin: originOf(a) };
}

function withStore<T>(data: string | undefined, purpose: string, fn: (store: Store) => T): T {
  const { store, close } = openLockedStore(dataFolder(data), purpose);
  try {
    return fn(store);
  } finally {
    close();
  }
}

const adapterId = (text: string | undefined): number => {
  const id = Number(text);
  if (!text || !Number.isInteger(id) || id < 1) throw new UsageError(`expected an adapter id (a positive integer, see 'delineate adapter list'), got '${text ?? ''}'\n\n${HELP}`);
  return id;
};

function list(argv: string[]): void {
  const { values, flags } = parse(argv, { data: { type: 'string' }, project: { type: 'string' }, json: { type: 'boolean' } }, HELP);
  withStore(values.data, 'delineate adapter list', (store) => {
    const adapters = values.project === undefined ? store.adapters.list() : store.adapters.list({ projectId: projectByName(store, values.project).id });
    if (flags.json) {
      for (const a of adapters) console.log(JSON.stringify(row(a)));
      return;
    }
    if (adapters.length === 0) {
      console.log(`no adapters in ${store.dataDir}`);
      return;
    }
    for (const a of adapters) {
      const scope = a.projectId === null ? 'site-wide' : `project '${store.projects.get(a.projectId)?.name ?? a.projectId}'`;
      const origin = originOf(a);
      console.log(`${String(a.id).padStart(4)}  ${a.active ? 'active  ' : 'inactive'}  ${a.variant.padEnd(6)}  ${a.name}  (${scope}, ${a.createdAt})`);
      if (origin) console.log(`        ${describeOrigin(origin)}`);
    }
  });
}

function exportPack(argv: string[]): void {
  const { values, positionals } = parse(argv, { data: { type: 'string' }, out: { type: 'string' }, note: { type: 'string' } }, HELP, true);
  if (positionals.length !== 1) throw new UsageError(`export takes one adapter id\n\n${HELP}`);
  const id = adapterId(positionals[0]);
  if (!values.out) throw new UsageError(`--out FILE.dlad is required\n\n${HELP}`);
  const out = resolve(values.out);
  withStore(values.data, 'delineate adapter export', (store) => {
    const r = exportAdapterPack(store, id, out, { note: values.note });
    console.log(`wrote ${r.path} (${r.bytes} bytes): ${r.record.layout.variant}, base model ${r.record.baseModelSha256.slice(0, 12)}…, ${r.record.labels.map((l) => l.name).join(', ') || 'no labels'}`);
  });
}

function importPack(argv: string[]): void {
  const { values, positionals } = parse(argv, { data: { type: 'string' }, project: { type: 'string' }, name: { type: 'string' }, model: { type: 'string' } }, HELP, true);
  if (positionals.length !== 1) throw new UsageError(`import takes one pack file\n\n${HELP}`);
  const data = dataFolder(values.data);
  const info = resolveModel(values.model, dataPaths.models(data));
  withStore(values.data, 'delineate adapter import', (store) => {
    const projectId = values.project === undefined ? null : projectByName(store, values.project).id;
    const a = importAdapterPack(store, resolve(positionals[0]), { model: packModelAt(info.dir, info.sha256), projectId, name: values.name });
    console.log(`imported adapter ${a.id} "${a.name}" (${a.variant}, ${projectId === null ? 'site-wide' : `project '${values.project}'`}), inactive: activate it with 'delineate adapter activate ${a.id}' or in the app's Adapter versions`);
    console.log(`  ${describeOrigin(originOf(a)!)}`);
  });
}

function activate(argv: string[]): void {
  const { values, positionals } = parse(argv, { data: { type: 'string' } }, HELP, true);
  if (positionals.length !== 1) throw new UsageError(`activate takes one adapter id\n\n${HELP}`);
  const id = adapterId(positionals[0]);
  withStore(values.data, 'delineate adapter activate', (store) => {
    const a = store.adapters.activate(id);
    const worse = worseThan(evidenceOf(a.metrics));
    if (worse.length) console.error(`warning: adapter ${a.id}'s report found it worse than ${worse.join(' and ')} on its held-out images ('delineate adapter report ${a.id}')`);
    console.log(`adapter ${a.id} "${a.name}" is active (${a.projectId === null ? 'site-wide' : `project ${store.projects.get(a.projectId)?.name ?? a.projectId}`})`);
  });
}

export async function adapterCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(HELP);
    if (sub === undefined) throw new UsageError('a command is required (list, export, import, activate or report)');
    return;
  }
  if (sub === 'list') list(rest);
  else if (sub === 'export') exportPack(rest);
  else if (sub === 'import') importPack(rest);
  else if (sub === 'activate') activate(rest);
  else if (sub === 'report') await reportCommand(rest, HELP, adapterId);
  else throw new UsageError(`unknown adapter command '${sub}' (list, export, import, activate or report)\n\n${HELP}`);
}
