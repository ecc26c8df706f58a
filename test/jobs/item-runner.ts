// A fake runner for queue tests: it "processes" numbered items, saving each as a label of the
// job's project together with a checkpoint in one transaction, so a crash keeps both or neither.

import type { Job } from '../../main/store/jobs.ts';
import { resumable as markResumable, type JobContext, type JobRunner } from '../../main/jobs/runner.ts';

export interface ItemJobConfig {
  projectId: number;
  items: number;
  delayMs: number;
}

/** Waits `ms`, or rejects with the signal's reason as soon as it is aborted. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `onItem` hears each item index as it is saved (the crash test prints them; tests record them). */
export function itemRunner(options: { resumable: boolean; onItem?: (i: number) => void }): JobRunner {
  const run = async (job: Job, ctx: JobContext) => {
    const config = job.config as unknown as ItemJobConfig;
    const start = (job.checkpoint as { next: number } | null)?.next ?? 0;
    if (start > 0) ctx.log(`resuming at item ${start}`);
    for (let i = start; i < config.items; i++) {
      await sleep(config.delayMs, ctx.signal);
      ctx.store.transaction(() => {
        ctx.store.labels.create({ projectId: config.projectId, name: `item-${i}`, color: '#00ff00' });
        ctx.checkpoint({ next: i + 1 });
      });
      ctx.progress({ done: i + 1, total: config.items, message: `item ${i}` });
      options.onItem?.(i);
    }
    return { items: config.items - start };
  };
  return options.resumable ? markResumable(run) : run;
}
