import type Database from 'better-sqlite3';
import { fromJson, isUniqueViolation, now, requireObject, requireText, statements, type Statements } from './columns.ts';
import { DuplicateError, NotFoundError } from './errors.ts';

/** The key of project settings that holds dataset splits: { [contentHash]: split }. */
export const IMAGE_SPLITS_SETTING = 'imageSplits';

export interface Project {
  id: number;
  name: string;
  settings: Record<string, unknown>;
  createdAt: string;
}

interface Row {
  id: number;
  name: string;
  settings: string;
  created_at: string;
}

const toProject = (r: Row): Project => ({ id: r.id, name: r.name, settings: fromJson<Record<string, unknown>>(r.settings) ?? {}, createdAt: r.created_at });

export class Projects {
  private readonly q: Statements;

  constructor(private readonly db: Database.Database) {
    this.q = statements(db);
  }

  /** Throws DuplicateError when the name (compared without case) is taken. */
  create(name: string, settings: Record<string, unknown> = {}): Project {
    const n = requireText('project name', name);
    try {
      const r = this.q<[string, string, string], Row>('INSERT INTO projects (name, settings, created_at) VALUES (?, ?, ?) RETURNING *')
        .get(n, JSON.stringify(requireObject('project settings', settings)), now())!;
      return toProject(r);
    } catch (e) {
      if (isUniqueViolation(e)) throw new DuplicateError(`a project named '${n}' already exists`);
      throw e;
    }
  }

  get(id: number): Project | undefined {
    const r = this.q<[number], Row>('SELECT * FROM projects WHERE id = ?').get(id);
    return r && toProject(r);
  }

  byName(name: string): Project | undefined {
    const r = this.q<[string], Row>('SELECT * FROM projects WHERE name = ?').get(name.trim());
    return r && toProject(r);
  }

  list(): Project[] {
    return this.q<[], Row>('SELECT * FROM projects ORDER BY name, id').all().map(toProject);
  }

  rename(id: number, name: string): Project {
    const n = requireText('project name', name);
    try {
      const r = this.q<[string, number], Row>('UPDATE projects SET name = ? WHERE id = ? RETURNING *').get(n, id);
      if (!r) throw new NotFoundError('project', id);
      return toProject(r);
    } catch (e) {
      if (isUniqueViolation(e)) throw new DuplicateError(`a project named '${n}' already exists`);
      throw e;
    }
  }

  /** Shallow merge: keys in `patch` replace the stored ones; a key set to null is removed. */
  updateSettings(id: number, patch: Record<string, unknown>): Project {
    requireObject('project settings', patch);
    return this.db.transaction(() => {
      const p = this.get(id);
      if (!p) throw new NotFoundError('project', id);
      const settings = { ...p.settings, ...patch };
      for (const [k, v] of Object.entries(patch)) if (v === null) delete settings[k];
      this.q('UPDATE projects SET settings = ? WHERE id = ?').run(JSON.stringify(settings), id);
      return { ...p, settings };
    })();
  }

  /** Deletes the project with its images, masks, labels and project adapters (rows only, not files). */
  remove(id: number): boolean {
    return this.q('DELETE FROM projects WHERE id = ?').run(id).changes > 0;
  }
}
