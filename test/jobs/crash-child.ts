// Run by crash.test.ts as its own process: opens the store, queues one item job and runs it,
// printing "saved N" per item, until the parent kills it with SIGKILL.
// usage: node --import tsx test/jobs/crash-child.ts DB_FILE resumable|plain

import { JobQueue } from '../../main/jobs/queue.ts';
import { openStore } from '../../main/store/store.ts';
import { itemRunner } from './item-runner.ts';

const [file, mode] = process.argv.slice(2);
const store = openStore({ file });
const project = store.projects.create('crash');
const queue = new JobQueue(store, { import: itemRunner({ resumable: mode === 'resumable', onItem: (i) => process.stdout.write(`saved ${i}\n`) }) });
queue.start();
const job = queue.enqueue('import', { projectId: project.id, items: 40, delayMs: 10 }, { projectId: project.id });
process.stdout.write(`job ${job.id}\n`);
