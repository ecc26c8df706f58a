import type Database from 'better-sqlite3';
import { fromJson, isUniqueViolation, now, requireText, statements, type Statements } from './columns.ts';
import { DuplicateError, InvalidValueError, NotFoundError } from './errors.ts';

export interface Label {
  id: number;
  projectId: number;
  name: string;
  /** '#rrggbb' */
  color: string;
  /** text prompts for the model, most preferred first */
  prompts: string[];
  createdAt: string;
}

export interface NewLabel {
  projectId: number;
  name: string;
  color: string;
  prompts?: string[];
}

interface Row {
  id: number;
  project_id: number;
  name: string;
  color: string;
  prompts: string;
  created_at: string;
}

const toLabel = (r: Row): Label => ({ id: r.id, projectId: r.project_id, name: r.name, color: r.color, prompts: fromJson<string[]>(r.prompts) ?? [], createdAt: r.created_at });

function checkColor(color: string): string {
  if (!/^#[0-9a-fA-F]{6}$/.test(color)) throw new InvalidValueError('label color', `must be '#rrggbb', got '${color}'`);
  return color.toLowerCase();
}

function checkPrompts(prompts: string[]): string {
  if (!Array.isArray(prompts) || !prompts.every((p) => typeof p === 'string' && p.trim() !== '')) {
    throw new InvalidValueError('label prompts', `must be an array of non-empty strings, got ${JSON.stringify(prompts)}`);
  }
  return JSON.stringify(prompts.map((p) => p.trim()));
}

export class Labels {
  private readonly q: Statements;

  constructor(db: Database.Database) {
    this.q = statements(db);
  }

  /** Throws DuplicateError when the project has a label of that name (compared without case). */
  create(label: NewLabel): Label {
    const name = requireText('label name', label.name);
    try {
      const r = this.q<unknown[], Row>('INSERT INTO labels (project_id, name, color, prompts, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *').get(
        label.projectId,
        name,
        checkColor(label.color),
        checkPrompts(label.prompts ?? []),
        now(),
      )!;
      return toLabel(r);
    } catch (e) {
      if (isUniqueViolation(e)) throw new DuplicateError(`project ${label.projectId} already has a label named '${name}'`);
      if (e instanceof Error && 'code' in e && e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new NotFoundError('project', label.projectId);
      throw e;
    }
  }

  get(id: number): Label | undefined {
    const r = this.q<[number], Row>('SELECT * FROM labels WHERE id = ?').get(id);
    return r && toLabel(r);
  }

  list(projectId: number): Label[] {
    return this.q<[number], Row>('SELECT * FROM labels WHERE project_id = ? ORDER BY id').all(projectId).map(toLabel);
  }

  update(id: number, patch: Partial<Pick<NewLabel, 'name' | 'color' | 'prompts'>>): Label {
    const old = this.get(id);
    if (!old) throw new NotFoundError('label', id);
    const name = patch.name === undefined ? old.name : requireText('label name', patch.name);
    try {
      const r = this.q<unknown[], Row>('UPDATE labels SET name = ?, color = ?, prompts = ? WHERE id = ? RETURNING *').get(
        name,
        checkColor(patch.color ?? old.color),
        checkPrompts(patch.prompts ?? old.prompts),
        id,
      )!;
      return toLabel(r);
    } catch (e) {
      if (isUniqueViolation(e)) throw new DuplicateError(`project ${old.projectId} already has a label named '${name}'`);
      throw e;
    }
  }

  /** Deletes the label and every mask saved for it (corrections included: the caller confirms first). */
  remove(id: number): boolean {
    return this.q('DELETE FROM labels WHERE id = ?').run(id).changes > 0;
  }
}
