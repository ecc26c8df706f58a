// Received studies into the inbox project: the C-STORE listener (pacs/listener.ts) reports what
// each association brought, and each report becomes one import job of those series' folders into
// the inbox project (made when missing), run like any import (resumable, in the job list).

import { StoreListener, type ReceivedBatch } from '../pacs/listener.ts';
import type { ListenerSettings } from '../pacs/listener-settings.ts';
import type { Store } from '../store/store.ts';

export interface InboxImport {
  projectId: number;
  paths: string[];
  batch: ReceivedBatch;
}

/**
 * Starts the listener; `submit` is called once per association that stored something, with the
 * import to run (the app enqueues it, the command line runs it). `log` gets the listener's lines.
 */
export function startInbox(store: Store, settings: ListenerSettings, submit: (i: InboxImport) => void, log: (line: string) => void): Promise<StoreListener> {
  return StoreListener.start(store.dataDir, settings, {
    log,
    received(batch) {
      log(`${batch.callingAeTitle} sent ${batch.stored} instance${batch.stored === 1 ? '' : 's'} of ${batch.series.length} series${batch.failed ? `; ${batch.failed} refused` : ''}`);
      if (batch.series.length === 0) return;
      const project = store.projects.byName(settings.inboxProject) ?? store.projects.create(settings.inboxProject);
      submit({ projectId: project.id, paths: batch.series.map((s) => s.folder), batch });
    },
  });
}
