// Run by import-crash.test.ts as its own process: imports a folder in batches of 2 entries (files
// or dataset records) and SIGKILLs itself at its KILL_AT-th progress event (one per entry), when
// the batches before are committed and the entry just read is not.
// usage: node --import tsx test/jobs/runners/import-crash-child.ts DB_FILE FOLDER KILL_AT

import { JobQueue } from '../../../main/jobs/queue.ts';
import { importRunner } from '../../../main/jobs/runners/import.ts';
import { openStore } from '../../../main/store/store.ts';

const [file, folder, killAt] = process.argv.slice(2);
const store = openStore({ file });
const project = store.projects.create('crash');
const queue = new JobQueue(store, { import: importRunner }, { progressIntervalMs: 0 });
let events = 0;
queue.subscribe((e) => {
  if (e.type === 'progress' && ++events === Number(killAt)) {
    process.kill(process.pid, 'SIGKILL');
    for (;;); // nothing more may run before the signal lands
  }
});
queue.start();
queue.enqueue('import', { projectId: project.id, paths: [folder], batchSize: 2 }, { projectId: project.id });
