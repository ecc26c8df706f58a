/** Base class of every error the store raises on purpose (not SQLite's own errors). */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The database was written by a newer app (its schema version is above the latest migration). */
export class SchemaTooNewError extends StoreError {
  constructor(readonly file: string, readonly found: number, readonly supported: number) {
    super(
      `${file}: the database has schema version ${found} but this version of Delineate supports up to ${supported}; ` +
        'it was written by a newer Delineate. Update the app, or open another data folder.',
    );
  }
}

/** The file is an SQLite database that some other program made. */
export class NotADelineateDatabaseError extends StoreError {
  constructor(readonly file: string, reason: string) {
    super(`${file}: not a Delineate database (${reason}); refusing to modify it`);
  }
}

/** A migration threw; its transaction was rolled back, so the database is still at `from`. */
export class MigrationError extends StoreError {
  constructor(readonly file: string, readonly migration: string, readonly from: number, cause: unknown) {
    super(`${file}: migration ${migration} failed, the database stays at version ${from}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.cause = cause;
  }
}

/** A row the caller named does not exist. */
export class NotFoundError extends StoreError {
  constructor(readonly entity: string, readonly id: number | string) {
    super(`${entity} ${id} does not exist`);
  }
}

/** A unique rule would be broken (project name, image content per project, label name…). */
export class DuplicateError extends StoreError {
  /** the row that already holds the value, when there is one */
  constructor(message: string, readonly existingId?: number) {
    super(message);
  }
}

/** A field's value is not acceptable; the message names the field and why. */
export class InvalidValueError extends StoreError {
  constructor(readonly field: string, reason: string) {
    super(`${field}: ${reason}`);
  }
}

/** A mask whose size differs from its image's (or whose bytes disagree with its size). */
export class MaskSizeError extends StoreError {}

// The data folder's layout sits below the store (fs/), which still raises its path errors.
export { DataPathError } from '../fs/data-folder.ts';
