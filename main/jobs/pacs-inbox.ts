// Received studies into the inbox project: the C-STORE listener (pacs/listener.ts) reports what
// each association brought, and each report becomes one import job of those series' folders into
// the inbox project (made when missing), run like any import (resumable, in the job list).

import { StoreListener, type ReceivedBatch } from '../pacs/listener.ts';
import type { PacsListenerState } from '../contract/contract.ts';
import { DEFAULT_LISTENER, readListenerSettings, saveListenerSettings, type ListenerSettings } from '../pacs/listener-settings.ts';
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

/**
 * The app's listener: follows the saved settings (started when enabled, restarted when they change)
 * and enqueues each received batch's import. A listener that cannot start (port taken) leaves the
 * app running and says why in its state.
 */
export class InboxService {
  private listener: StoreListener | null = null;
  private error: string | null = null;
  private applying: Promise<void> = Promise.resolve();

  constructor(private readonly store: Store, private readonly enqueue: (i: InboxImport) => void, private readonly log: (line: string) => void) {}

  state(): PacsListenerState {
    let settings: ListenerSettings;
    try {
      settings = readListenerSettings(this.store.dataDir);
    } catch (e) {
      return { settings: { ...DEFAULT_LISTENER }, listeningOn: null, error: (e as Error).message };
    }
    return { settings, listeningOn: this.listener?.port ?? null, error: this.error };
  }

  /** Saves (when given) and applies the settings; resolves with the state after. */
  apply(settings?: ListenerSettings): Promise<PacsListenerState> {
    let next: ListenerSettings;
    if (settings) next = saveListenerSettings(this.store.dataDir, settings); // a bad field throws to the caller
    else {
      try {
        next = readListenerSettings(this.store.dataDir);
      } catch {
        return Promise.resolve(this.state()); // a hand-edited file gone wrong: the app still starts, and the state says why
      }
    }
    this.applying = this.applying.then(async () => {
      await this.listener?.close();
      this.listener = null;
      this.error = null;
      if (!next.enabled) return;
      if (next.allowedAeTitles.length === 0) {
        this.error = 'no calling AE title is allowed to send: add the PACS\'s AE title to the allow-list';
        return;
      }
      try {
        this.listener = await startInbox(this.store, next, this.enqueue, (l) => this.log(`PACS listener: ${l}`));
      } catch (e) {
        this.error = (e as Error).message;
        this.log(`PACS listener: ${this.error}`);
      }
    });
    return this.applying.then(() => this.state());
  }

  async close(): Promise<void> {
    await this.applying;
    await this.listener?.close();
    this.listener = null;
  }
}
