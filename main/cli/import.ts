// `delineate import PATH... --project NAME`: adds images (PNG, JPEG, DICOM, NIfTI, MedVLSM dataset
// folders) to a project through a persisted import job, then prints what happened.

import { resolve } from 'node:path';
import type { ImportResult } from '../jobs/runners/import.ts';
import { dataFolder } from '../fs/data-folder.ts';
import { parse, UsageError } from './args.ts';
import { jobFailure, projectByName, runJob } from './job-cli.ts';
import { openLockedStore } from '../store/data-lock.ts';

const help = `usage: delineate import PATH... --project NAME [options]

  PATH             files and folders (walked recursively; a folder with anns/, images/ and masks/
                   is a MedVLSM dataset: its masks become corrected masks, one label per p1 prompt)
  --project NAME   the project to add to
  --create         make the project if it does not exist
  --data DIR       the data folder (default DELINEATE_DATA, else the per-user application-data folder)
  --json           print the result as one JSON line (with the failures) instead of text

Files already in the project are counted as duplicates; unreadable ones are listed with the reason.
Ctrl-C cancels; what was imported until then stays.`;

export async function importCommand(argv: string[]): Promise<void> {
  const { values, flags, positionals } = parse(argv, { project: { type: 'string' }, create: { type: 'boolean' }, data: { type: 'string' }, json: { type: 'boolean' } }, help, true);
  if (positionals.length === 0) throw new UsageError(`give at least one file or folder to import\n\n${help}`);
  if (!values.project) throw new UsageError(`--project is required\n\n${help}`);
  const { store, close } = openLockedStore(dataFolder(values.data), 'delineate import');
  try {
    const project = projectByName(store, values.project, flags.create);
    const { job, log } = await runJob(store, 'import', { projectId: project.id, paths: positionals.map((p) => resolve(p)) }, project.id);
    if (job.state !== 'done') throw jobFailure(job);
    const result = job.result as ImportResult;
    const failures = log.map((l) => l.line).filter((l) => l.startsWith('failed '));
    if (flags.json) {
      console.log(JSON.stringify({ project: project.name, ...result, failures: failures.map((l) => l.slice('failed '.length)) }));
      return;
    }
    const extra = result.datasets ? `, datasets ${result.datasets} (${result.masks} masks, ${result.labels} new labels)` : '';
    console.log(`imported ${result.imported}, duplicates ${result.duplicates}, failed ${result.failed}${extra} into project '${project.name}' (${store.images.count(project.id)} images)`);
    for (const line of failures) console.log(`  ${line}`);
  } finally {
    close();
  }
}
