// Run by crash.test.ts as its own process: opens the store, queues one item job and runs it,
// printing "saved N" per item. Once item STOP is saved it stops dead (the thread blocks, nothing
// more is written) so the parent's SIGKILL lands at a known point, however slow the machine.
// usage: node --import tsx test/jobs/crash-child.ts DB_FILE resumable|plain STOP

import { JobQueue } from '../../main/jobs/queue.ts';
import { openStore } from '../../main/store/store.ts';
import { itemRunner } from './item-runner.ts';

const [file, mode, stop] = process.argv.slice(2);
const store = openStore({ file });
const project = store.projects.create('crash');
const onItem = (i: number): void => {
  process.stdout.write(`saved ${i}\n`);
  if (i === Number(stop)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // until killed
};
const queue = new JobQueue(store, { import: itemRunner({ resumable: mode === 'resumable', onItem }) });
queue.start();
const job = queue.enqueue('import', { projectId: project.id, items: 40, delayMs: 0 }, { projectId: project.id });
process.stdout.write(`job ${job.id}\n`);
