import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Adapters } from './adapters.ts';
import { dataPaths } from '../fs/data-folder.ts';
import { NotADelineateDatabaseError } from './errors.ts';
import { Images } from './images.ts';
import { Jobs } from './jobs.ts';
import { Labels } from './labels.ts';
import { Masks } from './masks.ts';
import { migrate, schemaVersion } from './migrations.ts';
import { APPLICATION_ID } from './migrations/001-initial.ts';
import { Projects } from './projects.ts';
import { Suggestions } from './suggestions.ts';

export interface StoreFile {
  /** the database file */
  file: string;
  /** the folder adapter paths are relative to; defaults to the database's folder */
  dataDir?: string;
}

export interface StoreOptions {
  /** how long a write waits for another connection's write to finish (ms); default 5000 */
  busyTimeoutMs?: number;
}

/**
 * One connection to the app's database with its repositories. better-sqlite3 is synchronous, so
 * calls block the thread: keep it in the main process (or one worker) and keep transactions short.
 */
export class Store {
  readonly projects: Projects;
  readonly images: Images;
  readonly labels: Labels;
  readonly masks: Masks;
  readonly adapters: Adapters;
  readonly jobs: Jobs;
  readonly suggestions: Suggestions;

  constructor(readonly db: Database.Database, readonly file: string, readonly dataDir: string) {
    this.projects = new Projects(db);
    this.images = new Images(db);
    this.labels = new Labels(db);
    this.masks = new Masks(db);
    this.adapters = new Adapters(db, dataDir);
    this.jobs = new Jobs(db);
    this.suggestions = new Suggestions(db);
  }

  /** Runs `fn` in one transaction (nested calls become savepoints). `fn` must be synchronous. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  close(): void {
    if (!this.db.open) return;
    this.db.pragma('optimize');
    this.db.close();
  }
}

/**
 * Opens (creating if needed) the database of a data folder, or a given file, and migrates it to
 * this app's schema. Refuses a database from a newer app (SchemaTooNewError) and an SQLite file
 * that is not Delineate's (NotADelineateDatabaseError), without writing to either.
 */
export function openStore(target: string | StoreFile, options: StoreOptions = {}): Store {
  const dataDir = resolve(typeof target === 'string' ? target : (target.dataDir ?? dirname(target.file)));
  const file = typeof target === 'string' ? dataPaths.database(dataDir) : resolve(target.file);
  // The folder holds data derived from patient images: private to the user from the start.
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.round(options.busyTimeoutMs ?? 5000))}`);
    checkOwnership(db, file);
    if ((db.pragma('user_version', { simple: true }) as number) <= schemaVersion) {
      // WAL: readers never block the writer and vice versa; NORMAL sync is safe with WAL (a power
      // cut may lose the last commits, never corrupt the file).
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    migrate(db, file);
    db.pragma('foreign_keys = ON');
    return new Store(db, file, dataDir);
  } catch (e) {
    db.close();
    throw e;
  }
}

function checkOwnership(db: Database.Database, file: string): void {
  const appId = db.pragma('application_id', { simple: true }) as number;
  if (appId === APPLICATION_ID) return;
  if (appId !== 0) throw new NotADelineateDatabaseError(file, `application_id is 0x${appId.toString(16)}`);
  const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' LIMIT 3").all();
  if (tables.length > 0) throw new NotADelineateDatabaseError(file, `it already has tables (${tables.map((t) => t.name).join(', ')}) but no Delineate marker`);
}
