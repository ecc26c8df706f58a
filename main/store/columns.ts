// Small conversions between SQLite columns and the typed rows the repositories return.

import type Database from 'better-sqlite3';
import { InvalidValueError } from './errors.ts';

/** Times are ISO-8601 UTC text: sortable, readable in the database, and what the UI shows. */
export const now = () => new Date().toISOString();

export const toJson = (value: unknown): string | null => (value === undefined || value === null ? null : JSON.stringify(value));

export function fromJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

/** SQLite's unique-constraint failures (UNIQUE columns and unique indexes). */
export function isUniqueViolation(e: unknown): boolean {
  return e instanceof Error && 'code' in e && (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY');
}

export function requireText(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidValueError(field, `must be a non-empty string, got ${JSON.stringify(value)}`);
  return value.trim();
}

export function requirePositiveInt(field: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) <= 0) throw new InvalidValueError(field, `must be a positive integer, got ${JSON.stringify(value)}`);
  return value as number;
}

export function requireObject(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidValueError(field, 'must be a JSON object');
  return value as Record<string, unknown>;
}

export const sha256Pattern = /^[0-9a-f]{64}$/;

/** Prepares each SQL text once per connection (better-sqlite3 does not cache statements itself). */
export type Statements = ReturnType<typeof statements>;

export function statements(db: Database.Database) {
  const cache = new Map<string, Database.Statement>();
  return <P extends unknown[] = unknown[], R = unknown>(sql: string): Database.Statement<P, R> => {
    let s = cache.get(sql);
    if (!s) cache.set(sql, (s = db.prepare(sql)));
    return s as unknown as Database.Statement<P, R>;
  };
}
