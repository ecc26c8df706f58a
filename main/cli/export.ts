// `delineate export --project NAME --out DIR --format F`: a project's masks as PNG, NIfTI or a
// MedVLSM dataset, written by a persisted export job (see main/jobs/runners/export.ts for layouts).

import { resolve } from 'node:path';
import { exportFormats, type ExportFormat, type ExportResult } from '../jobs/runners/export.ts';
import { dataFolder } from '../fs/data-folder.ts';
import { parse, UsageError } from './args.ts';
import { jobFailure, projectByName, runJob } from './job-cli.ts';
import { openLockedStore } from '../store/data-lock.ts';

const help = `usage: delineate export --project NAME --out DIR --format FORMAT [options]

  --project NAME   the project to export
  --out DIR        a new (or empty) folder; it appears only once the export is complete
  --format F       png        0/255 grey PNG per mask, the image's size
                   png-index  0/1 PNG per mask
                   nii|nii.gz uint8 NIfTI label mask with the image's geometry (PNG/JPEG images
                              are written beside it as img-<id>_image.nii[.gz], same header)
                   dicom-seg  one DICOM SEG per DICOM image (img-<id>.dcm), a segment per label;
                              per slice the corrected mask, else the model's (--kind model: model only)
                   dataset    a MedVLSM dataset folder (images/, masks/, anns/) for training
  --kind K         corrected (default) or model masks
  --label NAME     only this label's masks
  --data DIR       the data folder (default DELINEATE_DATA, else the per-user application-data folder)
  --json           print the result as one JSON line

File names come from internal ids (img-<id>[-f<frame>][-l<label id>]); manifest.json and
labels.json say which image, frame and label each file holds.`;

export async function exportCommand(argv: string[]): Promise<void> {
  const { values, flags } = parse(argv, {
    project: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' }, kind: { type: 'string' }, label: { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean' },
  }, help);
  if (!values.project) throw new UsageError(`--project is required\n\n${help}`);
  if (!values.out) throw new UsageError(`--out is required\n\n${help}`);
  const format = values.format as ExportFormat;
  if (!exportFormats.includes(format)) throw new UsageError(`--format must be one of ${exportFormats.join(', ')}, got '${values.format ?? ''}'`);
  const kind = values.kind ?? 'corrected';
  if (kind !== 'corrected' && kind !== 'model') throw new UsageError(`--kind must be corrected or model, got '${kind}'`);
  const { store, close } = openLockedStore(dataFolder(values.data), 'delineate export');
  try {
    const project = projectByName(store, values.project);
    let labelId: number | undefined;
    if (values.label !== undefined) {
      const label = store.labels.list(project.id).find((l) => l.name.toLowerCase() === values.label!.trim().toLowerCase());
      if (!label) throw new UsageError(`--label: project '${project.name}' has no label '${values.label}' (labels: ${store.labels.list(project.id).map((l) => `'${l.name}'`).join(', ') || 'none'})`);
      labelId = label.id;
    }
    const config = { projectId: project.id, outDir: resolve(values.out), format, kind, ...(labelId === undefined ? {} : { labelId }) };
    const { job, log } = await runJob(store, 'export', config, project.id);
    if (job.state !== 'done') throw jobFailure(job);
    const result = job.result as ExportResult;
    const skipped = log.map((l) => l.line).filter((l) => l.startsWith('skipped '));
    if (flags.json) {
      console.log(JSON.stringify({ ...result, skippedReasons: skipped }));
      return;
    }
    console.log(`wrote ${result.files} files (${result.masks} masks) to ${result.dir}${result.skipped ? `; skipped ${result.skipped}` : ''}`);
    for (const line of skipped) console.log(`  ${line}`);
  } finally {
    close();
  }
}
