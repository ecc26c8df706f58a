// Numbered schema migrations, tracked with PRAGMA user_version. To change the schema add
// migrations/NNN-name.ts and append it here; never edit a migration that has shipped.

import type Database from 'better-sqlite3';
import { MigrationError, SchemaTooNewError } from './errors.ts';
import { initial } from './migrations/001-initial.ts';
import { maskSource } from './migrations/002-mask-source.ts';
import { imageSlices } from './migrations/003-image-slices.ts';
import { informativeness } from './migrations/004-informativeness.ts';
import { informativenessLook } from './migrations/005-informativeness-look.ts';

export interface Migration {
  /** 1, 2, 3… in order; the database's user_version after it has run */
  version: number;
  name: string;
  /** SQL run with exec, or a function for changes SQL alone cannot express */
  up: string | ((db: Database.Database) => void);
}

export const migrations: readonly Migration[] = [initial, maskSource, imageSlices, informativeness, informativenessLook];

/** The schema version this app writes. */
export const schemaVersion = migrations.length;

export const migrationName = (m: Migration) => `${String(m.version).padStart(3, '0')}-${m.name}`;

/**
 * Brings `db` up to the last of `list`. Each migration runs in its own transaction together with
 * its user_version bump, so a failure leaves the database at the previous version, untouched.
 * Foreign keys are off while migrating (SQLite's procedure for table rebuilds) and checked with
 * foreign_key_check before each commit. A database newer than `list` is refused.
 */
export function migrate(db: Database.Database, file: string, list: readonly Migration[] = migrations): { from: number; to: number } {
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list: ${migrationName(m)} is at position ${i + 1}; versions must be 1, 2, 3… in order`);
  });
  const latest = list.length;
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > latest) throw new SchemaTooNewError(file, from, latest);
  if (from === latest) return { from, to: from };
  db.pragma('foreign_keys = OFF');
  try {
    for (const m of list.slice(from)) {
      try {
        db.transaction(() => {
          if (typeof m.up === 'string') db.exec(m.up);
          else m.up(db);
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length > 0) throw new Error(`${broken.length} foreign key violation(s), first: ${JSON.stringify(broken[0])}`);
          db.pragma(`user_version = ${m.version}`);
        })();
      } catch (e) {
        throw new MigrationError(file, migrationName(m), m.version - 1, e);
      }
    }
  } finally {
    db.pragma('foreign_keys = ON');
  }
  return { from, to: latest };
}
