// The pull runner's phases without a server: a job killed after its retrieve resumes in the import
// phase (the connection is not even looked up), the import runner getting its own checkpoint back
// and its checkpoints wrapped in the pull's; a plain import passes through untouched.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobContext, JobRunner } from '../../main/jobs/runner.ts';
import { withPacsPull } from '../../main/jobs/runners/pacs.ts';
import type { Job } from '../../main/store/jobs.ts';
import { tempStore } from '../helpers/temp-store.ts';

test('a pull stopped after its retrieve resumes in the import phase with the import checkpoint', async (t) => {
  const { store } = tempStore(t);
  const project = store.projects.create('p');
  const seen: { config: unknown; checkpoint: unknown }[] = [];
  const fakeImport: JobRunner = async (job, ctx) => {
    seen.push({ config: job.config, checkpoint: job.checkpoint });
    ctx.checkpoint({ entry: 7 });
    return { imported: 1 };
  };
  const saved: unknown[] = [];
  const ctx: JobContext = { signal: new AbortController().signal, store, progress: () => {}, log: () => {}, checkpoint: (d) => saved.push(d) };
  const series = [{ seriesUid: '1.2.3', folder: '/data/pacs/retrieved/1.2/1.2.3', total: 9, retrieved: 9, present: 0 }];
  const job = {
    id: 1, kind: 'import', projectId: project.id, state: 'running', attempts: 2,
    config: { projectId: project.id, pacs: { connection: 'not-configured', studyUid: '1.2', seriesUid: '1.2.3' } },
    checkpoint: { phase: 'import', folders: ['/data/pacs/retrieved/1.2/1.2.3'], series, import: { entry: 4 } },
  } as unknown as Job;
  const runner = withPacsPull(fakeImport);
  assert.equal(runner.resumable, true);
  const result = await runner(job, ctx);
  assert.deepEqual(seen, [{ config: { projectId: project.id, paths: ['/data/pacs/retrieved/1.2/1.2.3'] }, checkpoint: { entry: 4 } }]);
  assert.deepEqual(saved, [{ phase: 'import', folders: ['/data/pacs/retrieved/1.2/1.2.3'], series, import: { entry: 7 } }]);
  assert.deepEqual(result, { imported: 1, pacs: { connection: 'not-configured', studyUid: '1.2', series } });

  // a fresh pull with no such connection fails by name before any request
  await assert.rejects(runner({ ...job, checkpoint: null }, ctx), /no PACS connection named 'not-configured'/);
  // a plain import is the import runner's own
  const plain = { ...job, config: { projectId: project.id, paths: ['/x'] }, checkpoint: null };
  await runner(plain, ctx);
  assert.deepEqual(seen.at(-1), { config: { projectId: project.id, paths: ['/x'] }, checkpoint: null });
});
