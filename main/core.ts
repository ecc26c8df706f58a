// The headless core as one object: the data folder's lock, store, job queue (with the runners this
// build has), the model, and the typed API over them. Electron's main process and the web host
// each open one and only add a transport.

import type { DelineateApi } from './contract/contract.ts';
import { appInfoSource, gpuUsable } from './api/app-info.ts';
import { createApi } from './api/handlers.ts';
import type { EngineOptions } from './engine/runtime/engine.ts';
import { InstalledModelInference } from './inference/installed-model.ts';
import { JobQueue } from './jobs/queue.ts';
import { InboxService } from './jobs/pacs-inbox.ts';
import { defaultRunners } from './jobs/runners/index.ts';
import { openLockedStore } from './store/data-lock.ts';
import { appLog, sweepTemporaries } from './store/app-log.ts';
import { dataFolder, dataPaths } from './fs/data-folder.ts';
import type { Store } from './store/store.ts';
import type { JobKind } from './store/jobs.ts';

export interface CoreOptions {
  /** the data folder (default: DELINEATE_DATA or the platform's) */
  data?: string;
  /** a model folder or installed model name (default: the installed one) */
  model?: string;
  engine?: EngineOptions;
  /** who holds the data folder, for the lock's message */
  purpose?: string;
  /** `model` is the bundled demo model (appInfo says so, and the UI says how to install a real one) */
  demo?: boolean;
}

export interface Core {
  readonly dataDir: string;
  readonly store: Store;
  readonly queue: JobQueue;
  readonly api: DelineateApi;
  close(): Promise<void>;
}

export function openCore(o: CoreOptions = {}): Core {
  const dataDir = dataFolder(o.data);
  const { store, close: closeStore } = openLockedStore(dataDir, o.purpose ?? 'Delineate');
  const log = appLog(dataDir);
  log(`opened ${dataDir} (pid ${process.pid})`);
  for (const path of sweepTemporaries(dataDir)) log(`removed ${path}, left by an interrupted model import`);
  const inference = new InstalledModelInference(dataPaths.models(dataDir), o.model, { log, ...o.engine }, { graphCacheDir: dataPaths.graphs(dataDir), precisionDir: dataPaths.precision(dataDir), log });
  const gpu = () => gpuUsable(o.engine?.provider);
  const runners = defaultRunners({ inference, dataDir, engine: o.engine, gpu });
  const queue = new JobQueue(store, runners);
  queue.subscribe((e) => {
    if (e.type === 'state') log(`job ${e.job.id} (${e.job.kind}) ${e.job.state}${e.job.error ? `: ${e.job.error}` : ''}`);
  });
  queue.start(); // recovers what a crash left running, then runs the queue
  const appInfo = appInfoSource({ dataDir, modelsDir: dataPaths.models(dataDir), model: o.model, demo: o.demo, provider: o.engine?.provider });
  const inbox = new InboxService(store, (i) => {
    queue.enqueue('import', { projectId: i.projectId, paths: i.paths }, { projectId: i.projectId });
  }, log);
  void inbox.apply(); // listens only when the user turned it on
  const api = createApi({ store, queue, inference: () => inference, jobKinds: Object.keys(runners) as JobKind[], appInfo, inbox });
  let closed = false;
  return {
    dataDir, store, queue, api,
    async close() {
      if (closed) return;
      closed = true;
      await inbox.close();
      await queue.close();
      await inference.close();
      log('closed');
      closeStore();
    },
  };
}
