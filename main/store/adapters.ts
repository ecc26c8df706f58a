import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { fromJson, isUniqueViolation, now, requireObject, requireText, sha256Pattern, statements, type Statements } from './columns.ts';
import { insideDataFolder } from '../fs/data-folder.ts';
import { DataPathError, DuplicateError, InvalidValueError, NotFoundError, StoreError } from './errors.ts';

export interface Adapter {
  id: number;
  /** null: site-wide */
  projectId: number | null;
  name: string;
  /** adapter architecture, e.g. a VLSM-Adapter variant name */
  variant: string;
  /** sha256 hex of the base model weights it was trained on */
  baseModelHash: string;
  /** path relative to the data folder, '/'-separated */
  file: string;
  /** the adapter it was trained from: what rollback re-activates */
  parentId: number | null;
  metrics: Record<string, unknown>;
  config: Record<string, unknown>;
  active: boolean;
  createdAt: string;
}

export interface NewAdapter {
  projectId?: number | null;
  name: string;
  variant: string;
  baseModelHash: string;
  /** relative to the data folder, or absolute inside it; the file must exist */
  file: string;
  parentId?: number | null;
  metrics?: Record<string, unknown>;
  config?: Record<string, unknown>;
  /** make it the active adapter of its scope at once */
  activate?: boolean;
}

interface Row {
  id: number;
  project_id: number | null;
  name: string;
  variant: string;
  base_model_hash: string;
  file: string;
  parent_id: number | null;
  metrics: string;
  config: string;
  active: number;
  created_at: string;
}

const toAdapter = (r: Row): Adapter => ({
  id: r.id,
  projectId: r.project_id,
  name: r.name,
  variant: r.variant,
  baseModelHash: r.base_model_hash,
  file: r.file,
  parentId: r.parent_id,
  metrics: fromJson<Record<string, unknown>>(r.metrics) ?? {},
  config: fromJson<Record<string, unknown>>(r.config) ?? {},
  active: r.active === 1,
  createdAt: r.created_at,
});

const scopeName = (projectId: number | null) => (projectId === null ? 'site-wide' : `project ${projectId}`);

/**
 * Adapter rows. A scope is one project or the whole site (projectId null); each scope has at most
 * one active adapter, and a project uses its own active adapter, else the site's (`effective`).
 * Files are written by the caller (temporary name, then rename) before they are registered.
 */
export class Adapters {
  private readonly q: Statements;

  constructor(private readonly db: Database.Database, private readonly dataDir: string) {
    this.q = statements(db);
  }

  register(a: NewAdapter): Adapter {
    const projectId = a.projectId ?? null;
    if (!sha256Pattern.test(a.baseModelHash)) throw new InvalidValueError('adapter baseModelHash', `must be 64 lower-case hex digits (sha256), got '${a.baseModelHash}'`);
    const file = this.checkFile(a.file, 'adapter file');
    return this.db.transaction(() => {
      if (projectId !== null && !this.q('SELECT 1 FROM projects WHERE id = ?').get(projectId)) throw new NotFoundError('project', projectId);
      if (a.parentId != null) {
        const parent = this.get(a.parentId);
        if (!parent) throw new NotFoundError('adapter', a.parentId);
        if (parent.baseModelHash !== a.baseModelHash) {
          throw new InvalidValueError('adapter parentId', `adapter ${parent.id} was trained on base model ${parent.baseModelHash.slice(0, 12)}…, this one on ${a.baseModelHash.slice(0, 12)}…`);
        }
      }
      let id: number;
      try {
        id = this.q<unknown[], { id: number }>(
          `INSERT INTO adapters (project_id, name, variant, base_model_hash, file, parent_id, metrics, config, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        ).get(
          projectId,
          requireText('adapter name', a.name),
          requireText('adapter variant', a.variant),
          a.baseModelHash,
          file.relative,
          a.parentId ?? null,
          JSON.stringify(requireObject('adapter metrics', a.metrics ?? {})),
          JSON.stringify(requireObject('adapter config', a.config ?? {})),
          now(),
        )!.id;
      } catch (e) {
        if (isUniqueViolation(e)) throw new DuplicateError(`adapter file '${file.relative}' is already registered`);
        throw e;
      }
      return a.activate ? this.activate(id) : this.get(id)!;
    })();
  }

  get(id: number): Adapter | undefined {
    const r = this.q<[number], Row>('SELECT * FROM adapters WHERE id = ?').get(id);
    return r && toAdapter(r);
  }

  /** A project's adapters, with the site-wide ones unless told otherwise; newest first. No argument: all. */
  list(filter: { projectId?: number | null; includeSiteWide?: boolean } = {}): Adapter[] {
    if (filter.projectId === undefined) return this.q<[], Row>('SELECT * FROM adapters ORDER BY id DESC').all().map(toAdapter);
    const site = filter.projectId === null || filter.includeSiteWide !== false;
    return this.q<[number | null, number], Row>('SELECT * FROM adapters WHERE project_id IS ? OR (? AND project_id IS NULL) ORDER BY id DESC')
      .all(filter.projectId, site ? 1 : 0)
      .map(toAdapter);
  }

  /** The active adapter of exactly this scope. */
  active(projectId: number | null): Adapter | undefined {
    const r = this.q<[number | null], Row>('SELECT * FROM adapters WHERE project_id IS ? AND active = 1').get(projectId);
    return r && toAdapter(r);
  }

  /** What a project segments with: its own active adapter, else the site-wide one, else none (base model). */
  effective(projectId: number): Adapter | undefined {
    return this.active(projectId) ?? this.active(null);
  }

  /** Makes `id` the active adapter of its scope, deactivating the previous one. Checks the file is still there. */
  activate(id: number): Adapter {
    return this.db.transaction(() => {
      const a = this.get(id);
      if (!a) throw new NotFoundError('adapter', id);
      this.checkFile(a.file, `adapter ${id} file`);
      this.q('UPDATE adapters SET active = 0 WHERE project_id IS ? AND active = 1 AND id != ?').run(a.projectId, id);
      this.q('UPDATE adapters SET active = 1 WHERE id = ?').run(id);
      return { ...a, active: true };
    })();
  }

  /** Back to the base model (or, for a project, to the site-wide adapter). */
  deactivate(projectId: number | null): void {
    this.q('UPDATE adapters SET active = 0 WHERE project_id IS ? AND active = 1').run(projectId);
  }

  /**
   * Undoes the last activation in a scope: the active adapter is deactivated and its parent, when
   * the parent is in the same scope, activated. Returns the scope's active adapter afterwards
   * (undefined: none, so the project falls back to the site-wide adapter or the base model).
   */
  rollback(projectId: number | null): Adapter | undefined {
    return this.db.transaction(() => {
      const current = this.active(projectId);
      if (!current) throw new StoreError(`no adapter is active (${scopeName(projectId)}); there is nothing to roll back`);
      const parent = current.parentId === null ? undefined : this.get(current.parentId);
      if (parent && parent.projectId === projectId) return this.activate(parent.id);
      this.deactivate(projectId);
      return undefined;
    })();
  }

  /** Merges evaluation results into the adapter's metrics (e.g. Dice on held-out corrections). */
  setMetrics(id: number, metrics: Record<string, unknown>): Adapter {
    requireObject('adapter metrics', metrics);
    return this.db.transaction(() => {
      const a = this.get(id);
      if (!a) throw new NotFoundError('adapter', id);
      const merged = { ...a.metrics, ...metrics };
      this.q('UPDATE adapters SET metrics = ? WHERE id = ?').run(JSON.stringify(merged), id);
      return { ...a, metrics: merged };
    })();
  }

  /** The adapter's file as an absolute path, checked to be inside the data folder. */
  filePath(id: number): string {
    const a = this.get(id);
    if (!a) throw new NotFoundError('adapter', id);
    return insideDataFolder(this.dataDir, a.file, `adapter ${id} file`).absolute;
  }

  /** Deletes the row (children keep a null parent) and returns it; deleting the file is the caller's. */
  remove(id: number): Adapter | undefined {
    const a = this.get(id);
    if (a) this.q('DELETE FROM adapters WHERE id = ?').run(id);
    return a;
  }

  private checkFile(path: string, what: string): { absolute: string; relative: string } {
    const file = insideDataFolder(this.dataDir, path, what);
    let isFile = false;
    try {
      isFile = statSync(file.absolute).isFile();
    } catch {
      throw new DataPathError(`${what}: '${path}' does not exist in the data folder ${this.dataDir}`);
    }
    if (!isFile) throw new DataPathError(`${what}: '${path}' is not a file`);
    return file;
  }
}
