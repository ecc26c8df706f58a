import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobInfo } from '../../main/contract/contract.ts';
import { activeSummary, applyJobEvent, emptyJobsState, MAX_LOG_LINES, mergeJobList, sortedJobs } from '../../renderer/src/lib/jobs-state.ts';

const job = (id: number, o: Partial<JobInfo> = {}): JobInfo => ({
  id, kind: 'import', projectId: 1, state: 'queued', progress: null, error: null, result: null, createdAt: '2026-01-01T00:00:00Z', startedAt: null, finishedAt: null, ...o,
});

test('state, progress and log events build the picture of a job', () => {
  let s = applyJobEvent(emptyJobsState, { type: 'state', job: job(1) });
  s = applyJobEvent(s, { type: 'state', job: job(1, { state: 'running' }) });
  s = applyJobEvent(s, { type: 'progress', jobId: 1, progress: { done: 2, total: 10, message: 'a.png' } });
  // a later state event without progress keeps the progress shown
  s = applyJobEvent(s, { type: 'state', job: job(1, { state: 'running' }) });
  assert.deepEqual(s.jobs[1].progress, { done: 2, total: 10, message: 'a.png' });
  s = applyJobEvent(s, { type: 'log', jobId: 1, line: 'skipped b.png: not an image', at: 't1' });
  assert.deepEqual(s.logs[1], [{ at: 't1', line: 'skipped b.png: not an image' }]);
  s = applyJobEvent(s, { type: 'state', job: job(1, { state: 'done', progress: { done: 10, total: 10 }, result: { imported: 10 } }) });
  assert.equal(s.jobs[1].state, 'done');
  // a progress event arriving after the end changes nothing
  const after = applyJobEvent(s, { type: 'progress', jobId: 1, progress: { done: 3, total: 10 } });
  assert.equal(after, s);
});

test('a finished job without progress does not inherit the running progress', () => {
  let s = applyJobEvent(emptyJobsState, { type: 'state', job: job(2, { state: 'running' }) });
  s = applyJobEvent(s, { type: 'progress', jobId: 2, progress: { done: 1, total: 4 } });
  s = applyJobEvent(s, { type: 'state', job: job(2, { state: 'failed', error: 'disk full' }) });
  assert.equal(s.jobs[2].progress, null);
  assert.equal(s.jobs[2].error, 'disk full');
});

test('progress of an unknown job is dropped until the job itself is known', () => {
  const s = applyJobEvent(emptyJobsState, { type: 'progress', jobId: 9, progress: { done: 1, total: 2 } });
  assert.deepEqual(s.jobs, {});
});

test('the log keeps the newest MAX_LOG_LINES lines', () => {
  let s = emptyJobsState;
  for (let k = 0; k < MAX_LOG_LINES + 5; k++) s = applyJobEvent(s, { type: 'log', jobId: 3, line: `line ${k}`, at: '' });
  assert.equal(s.logs[3].length, MAX_LOG_LINES);
  assert.equal(s.logs[3][0].line, 'line 5');
  assert.equal(s.logs[3].at(-1)!.line, `line ${MAX_LOG_LINES + 4}`);
});

test('adapt progress events feed the chart points of their job only', () => {
  let s = applyJobEvent(emptyJobsState, { type: 'state', job: job(4, { kind: 'adapt', state: 'running' }) });
  s = applyJobEvent(s, { type: 'state', job: job(5, { kind: 'export', state: 'running' }) });
  const adaptProgress = (step: number, loss: number) => ({ done: step, total: 10, phase: 'training', step, epoch: 0, maxEpochs: 2, loss, lr: 0.001, valDice: null, valLoss: null, eta: 10 });
  s = applyJobEvent(s, { type: 'progress', jobId: 4, progress: adaptProgress(1, 0.9) });
  s = applyJobEvent(s, { type: 'progress', jobId: 4, progress: adaptProgress(2, 0.8) });
  s = applyJobEvent(s, { type: 'progress', jobId: 5, progress: adaptProgress(1, 0.1) }); // not an adapt job
  assert.deepEqual(s.adaptPoints[4].map((p) => [p.step, p.loss]), [[1, 0.9], [2, 0.8]]);
  assert.equal(s.adaptPoints[5], undefined);
});

test('a job list merges with live state: running progress is kept where the list has none', () => {
  let s = applyJobEvent(emptyJobsState, { type: 'state', job: job(1, { state: 'running' }) });
  s = applyJobEvent(s, { type: 'progress', jobId: 1, progress: { done: 5, total: 9 } });
  s = mergeJobList(s, [job(1, { state: 'running' }), job(3, { projectId: 2, state: 'done' }), job(2, { state: 'failed' })]);
  assert.deepEqual(s.jobs[1].progress, { done: 5, total: 9 });
  assert.deepEqual(sortedJobs(s).map((j) => j.id), [3, 2, 1]);
  assert.deepEqual(sortedJobs(s, 1).map((j) => j.id), [2, 1]);
});

test('a start answer that arrives after the job\'s own events does not move it back', () => {
  // the events socket told 'running' then 'done' before the HTTP answer ('queued') came back
  let s = applyJobEvent(emptyJobsState, { type: 'state', job: job(1, { state: 'running', startedAt: 't1' }) });
  s = applyJobEvent(s, { type: 'state', job: job(1, { state: 'done', startedAt: 't1', finishedAt: 't2', result: { imported: 5 } }) });
  s = mergeJobList(s, [job(1)]);
  assert.equal(s.jobs[1].state, 'done');
  assert.deepEqual(s.jobs[1].result, { imported: 5 });
  // nor from running back to queued
  s = applyJobEvent(s, { type: 'state', job: job(2, { state: 'running', startedAt: 't3' }) });
  s = mergeJobList(s, [job(2)]);
  assert.equal(s.jobs[2].state, 'running');
  // a job that ran again (resumed after a restart) has a later start: the list is newer
  s = mergeJobList(s, [job(1, { state: 'running', startedAt: 't4' })]);
  assert.equal(s.jobs[1].state, 'running');
  // and a later stage always wins
  s = mergeJobList(s, [job(2, { state: 'failed', startedAt: 't3', error: 'x' })]);
  assert.equal(s.jobs[2].state, 'failed');
});

test('the header summary adds up active jobs with a known total', () => {
  const jobs = [
    job(1, { state: 'running', progress: { done: 3, total: 4 } }),
    job(2, { state: 'queued' }),
    job(3, { state: 'running', progress: { done: 1, total: 4 } }),
    job(4, { state: 'done', progress: { done: 4, total: 4 } }),
  ];
  assert.deepEqual(activeSummary(jobs), { active: 3, fraction: 0.5 });
  assert.deepEqual(activeSummary([job(5, { state: 'queued' })]), { active: 1, fraction: null });
  assert.deepEqual(activeSummary([]), { active: 0, fraction: null });
});
