// `delineate model list|import|download|check-precision`: manage the CLIPSeg models in the data folder.

import { dataFolder, dataPaths } from '../fs/data-folder.ts';
import { downloadModel } from '../models/download.ts';
import { importModel, installHint, listModels, resolveModel, type InstallResult } from '../models/registry.ts';
import type { ModelFolderInfo } from '../models/model-folder.ts';
import { DEFAULT_REPO } from '../models/layout.ts';
import { intOption, parse, UsageError } from './args.ts';
import { formatCheck, selfCheckModel } from './model-precision.ts';
import { formatBytes, progressReporter } from './download-progress.ts';

const HELP = `usage: delineate model <command> [options]

commands:
  list [--json]                          the installed models
  import DIR [--link] [--name NAME]      install a local model folder (HF snapshot layout); --link
                                         links to its files instead of copying them
  download [--repo R] [--revision REV] [--endpoint URL] [--name NAME] [--allow-http]
                                         download from the Hugging Face Hub (default ${DEFAULT_REPO}
                                         at main; endpoint default HF_ENDPOINT, else https://huggingface.co).
                                         An interrupted download resumes when run again.
  check-precision [NAME|DIR] [--json]    run int8 against fp32 on the bundled sample images and
                                         record the result (automatic precision uses int8 only
                                         when every sample's mask Dice is ≥ 0.97); import and
                                         download run it too

options:
  --data DIR     the data folder (default DELINEATE_DATA, else the per-user application-data folder)
  --allow-http   accept a plain-HTTP endpoint other than localhost (a mirror that serves only HTTP)`;

const modelsDirOf = (data: string | undefined): string => dataPaths.models(dataFolder(data));

function describeSource(m: ModelFolderInfo): string {
  const s = m.manifest?.source;
  if (!s) return 'unknown (no manifest)';
  if (s.kind === 'huggingface') return `${s.repo}@${s.revision}${s.commit ? ` (${s.commit.slice(0, 10)})` : ''}${s.endpoint !== 'https://huggingface.co' ? ` from ${s.endpoint}` : ''}`;
  return `${s.link ? 'linked to' : 'imported from'} ${s.path}`;
}

function list(argv: string[]): void {
  const { values, flags } = parse(argv, { data: { type: 'string' }, json: { type: 'boolean' } }, HELP);
  const modelsDir = modelsDirOf(values.data);
  const models = listModels(modelsDir);
  if (flags.json) {
    for (const m of models) {
      const row = m.info
        ? { name: m.name, dir: m.dir, ok: true, weights_bytes: m.info.weightsBytes, sha256: m.info.sha256, parameters: m.info.config.parameters, source: m.info.manifest?.source ?? null }
        : { name: m.name, dir: m.dir, ok: false, error: m.error };
      console.log(JSON.stringify(row));
    }
    return;
  }
  if (models.length === 0) {
    console.log(installHint(modelsDir));
    return;
  }
  const width = Math.max(4, ...models.map((m) => m.name.length));
  console.log(`${'NAME'.padEnd(width)}  ${'WEIGHTS'.padStart(9)}  SHA256        SOURCE`);
  for (const m of models) {
    if (m.info) console.log(`${m.name.padEnd(width)}  ${formatBytes(m.info.weightsBytes).padStart(9)}  ${m.info.sha256.slice(0, 12)}  ${describeSource(m.info)}`);
    else console.log(`${m.name.padEnd(width)}  ${'-'.padStart(9)}  ${'-'.padEnd(12)}  unusable: ${m.error!.split('\n')[0]}`);
  }
  console.log(`\n(${modelsDir})`);
}

async function report(r: InstallResult, data: string | undefined): Promise<void> {
  const m = r.model;
  if (r.unchanged) console.log(`${m.name} is already installed with the same files (${m.dir})`);
  else console.log(`installed ${m.name} (${formatBytes(m.weightsBytes)} of weights, sha256 ${m.sha256}) in ${m.dir}`);
  // the first start's work (compiled models for this computer) and the int8 self-check, now
  console.log('preparing the model for this computer and checking int8 against fp32…');
  try {
    console.log((await selfCheckModel(m.dir, { data })).summary);
  } catch (e) {
    console.log(`the int8 self-check could not run (${(e as Error).message}); the model runs at fp32`);
  }
}

async function checkPrecision(argv: string[]): Promise<void> {
  const { values, flags, positionals } = parse(argv, { data: { type: 'string' }, json: { type: 'boolean' }, threads: { type: 'string' } }, HELP, true);
  if (positionals.length > 1) throw new UsageError(`model check-precision takes at most one model, got ${positionals.length}`);
  const info = resolveModel(positionals[0], modelsDirOf(values.data));
  const check = await selfCheckModel(info.dir, { data: values.data, threads: values.threads ? intOption(values.threads, 'threads', 2) : undefined });
  if (flags.json) console.log(JSON.stringify({ model: info.name, ...check }));
  else console.log(`${info.name}: int8 against fp32 on ${check.samples.length} samples\n${formatCheck(check)}`);
}

async function importCommand(argv: string[]): Promise<void> {
  const { values, flags, positionals } = parse(argv, { data: { type: 'string' }, link: { type: 'boolean' }, name: { type: 'string' } }, HELP, true);
  if (positionals.length !== 1) throw new UsageError(`model import takes one folder, got ${positionals.length}\n\n${HELP}`);
  await report(importModel(positionals[0], modelsDirOf(values.data), { link: flags.link ?? false, name: values.name }), values.data);
}

async function download(argv: string[]): Promise<void> {
  const { values, flags } = parse(
    argv,
    { data: { type: 'string' }, repo: { type: 'string' }, revision: { type: 'string' }, endpoint: { type: 'string' }, name: { type: 'string' }, 'allow-http': { type: 'boolean' } },
    HELP,
  );
  const modelsDir = modelsDirOf(values.data);
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = progressReporter(process.stderr);
  try {
    const r = await downloadModel({
      modelsDir,
      repo: values.repo,
      revision: values.revision,
      endpoint: values.endpoint,
      name: values.name,
      allowHttp: flags['allow-http'] ?? false,
      signal: controller.signal,
      onProgress: progress.update,
    });
    progress.finish();
    await report(r, values.data);
  } catch (err) {
    progress.finish();
    if (controller.signal.aborted) throw new Error('interrupted; what was downloaded is kept, run the same command again to resume');
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export async function modelCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === 'list') return list(rest);
  if (sub === 'import') return importCommand(rest);
  if (sub === 'download') return download(rest);
  if (sub === 'check-precision') return checkPrecision(rest);
  if (sub === undefined || sub.startsWith('-')) {
    parse(argv, { data: { type: 'string' } }, HELP); // --help prints and exits
    throw new UsageError(`model needs a command: list, import, download or check-precision\n\n${HELP}`);
  }
  throw new UsageError(`unknown model command '${sub}' (known: list, import, download, check-precision)\n\n${HELP}`);
}
