// `delineate segment --project NAME --prompt TEXT`: one prompt over a project's images as a
// persisted segment-batch job; each result is saved as a model mask (with the project's active
// adapter), ready for review in the app or `delineate export --kind model`.

import { InstalledModelInference } from '../inference/installed-model.ts';
import { defaultRunners } from '../jobs/runners/index.ts';
import type { SegmentBatchResult } from '../jobs/runners/segment-batch.ts';
import { dataFolder, dataPaths } from '../fs/data-folder.ts';
import { openLockedStore } from '../store/data-lock.ts';
import { intOption, providerOption, UsageError } from './args.ts';
import { jobFailure, projectByName, runJob } from './job-cli.ts';

export interface ProjectSegmentOptions {
  project: string;
  prompts: string[];
  threshold: number;
  label?: string;
  allFrames: boolean;
  model?: string;
  data?: string;
  provider?: string;
  threads?: string;
  json: boolean;
}

export async function segmentProject(o: ProjectSegmentOptions): Promise<void> {
  if (o.prompts.length !== 1) throw new UsageError('with --project give exactly one --prompt (each batch is one prompt; run again for another)');
  const data = dataFolder(o.data);
  const { store, close } = openLockedStore(data, 'delineate segment');
  const inference = new InstalledModelInference(dataPaths.models(data), o.model, {
    provider: providerOption(o.provider), threads: o.threads ? intOption(o.threads, 'threads', 2) : undefined,
  });
  try {
    const project = projectByName(store, o.project);
    let labelId: number | undefined;
    if (o.label) {
      const label = store.labels.list(project.id).find((l) => l.name.toLowerCase() === o.label!.toLowerCase());
      if (!label) throw new UsageError(`project '${project.name}' has no label '${o.label}' (labels: ${store.labels.list(project.id).map((l) => l.name).join(', ') || 'none'})`);
      labelId = label.id;
    }
    const config = { projectId: project.id, prompt: o.prompts[0], threshold: o.threshold, labelId, allFrames: o.allFrames };
    const { job, log } = await runJob(store, 'segment-batch', config, project.id, defaultRunners({ inference }));
    if (job.state !== 'done') throw jobFailure(job);
    const r = job.result as SegmentBatchResult;
    if (o.json) console.log(JSON.stringify({ project: project.name, prompt: o.prompts[0], ...r }));
    else {
      console.log(`segmented ${r.segmented} frames of '${project.name}' with "${o.prompts[0]}"${r.failed ? `, ${r.failed} failed:` : ''}`);
      for (const line of log.filter((l) => l.line.startsWith('failed '))) console.log(`  ${line.line}`);
    }
  } finally {
    await inference.close();
    close();
  }
}
