// Informativeness scores (migration 004, docs/active-learning.md): what the suggest job writes and
// the ranking of slices that "Most informative first" and "Next suggested" read.

import type Database from 'better-sqlite3';
import type { SuggestionScore } from '../contract/contract.ts';
import { now, statements, type Statements } from './columns.ts';
import { InvalidValueError } from './errors.ts';
import { LOOK_GRID } from '../common/look.ts';

/** A score as the job writes it: the API's record plus what made it; the time is the store's. */
export interface NewScore extends Omit<SuggestionScore, 'scoredAt'> {
  imageId: number;
  modelId: string;
  jobId: number | null;
  /** the slice's look (common/look.ts), for spreading the first corrections over the project */
  look?: Float32Array | null;
}

export interface ScoreRow {
  image_id: number;
  frame: number;
  label_id: number | null;
  prompt: string;
  score: number;
  entropy: number;
  disagreement: number | null;
  synonym_disagreement: number | null;
  adapter_id: number | null;
  scored_at: string;
}

export const toSuggestionScore = (r: ScoreRow): SuggestionScore => ({
  frame: r.frame, labelId: r.label_id, prompt: r.prompt, score: r.score, entropy: r.entropy, disagreement: r.disagreement,
  synonymDisagreement: r.synonym_disagreement, adapterId: r.adapter_id, scoredAt: r.scored_at,
});

/**
 * The scores of a project's slices that are still open for suggestion, best first per image
 * (`r` = 1 is each image's best). Left out: a slice with a corrected mask for the score's label
 * (label NULL: a corrected free-prompt mask), and scores of other labels when @anyLabel is 0.
 * Parameters: @projectId, @anyLabel (1: every label), @labelId.
 */
export const OPEN_SCORES = `open_scores AS (
  SELECT s.image_id, s.frame, s.label_id, s.prompt, s.score, s.entropy, s.disagreement, s.synonym_disagreement, s.adapter_id, s.scored_at, s.look,
    row_number() OVER (PARTITION BY s.image_id ORDER BY s.score DESC, s.frame, s.id) AS r
  FROM informativeness s JOIN images si ON si.id = s.image_id
  WHERE si.project_id = @projectId AND (@anyLabel = 1 OR s.label_id IS @labelId)
    AND NOT EXISTS (SELECT 1 FROM masks m WHERE m.image_id = s.image_id AND m.frame = s.frame AND m.kind = 'corrected' AND m.label_id IS s.label_id))`;

/** OPEN_SCORES's label parameters: undefined = every label, null = free prompts, else that label. */
export const labelParams = (labelId: number | null | undefined) => ({ anyLabel: labelId === undefined ? 1 : 0, labelId: labelId ?? null });

const unit = (field: string, v: number | null): number | null => {
  if (v !== null && !(Number.isFinite(v) && v >= 0 && v <= 1)) throw new InvalidValueError(`informativeness ${field}`, `must be a number in [0, 1], got ${v}`);
  return v;
};

/** A look as stored: float32 little-endian. */
export const lookBytes = (look: Float32Array): Buffer => {
  const b = Buffer.alloc(look.length * 4);
  look.forEach((v, i) => b.writeFloatLE(v, i * 4));
  return b;
};
export const lookOf = (b: Buffer): Float32Array => Float32Array.from({ length: b.length / 4 }, (_, i) => b.readFloatLE(i * 4));

export class Suggestions {
  private readonly q: Statements;

  constructor(db: Database.Database) {
    this.q = statements(db);
  }

  /** Stores (or replaces) the score of one slot (image, frame, label, prompt). */
  put(s: NewScore): void {
    const prompt = s.prompt.trim();
    if (prompt === '') throw new InvalidValueError('informativeness prompt', 'must be non-empty text');
    this.q('DELETE FROM informativeness WHERE image_id = ? AND frame = ? AND label_id IS ? AND prompt = ?').run(s.imageId, s.frame, s.labelId, prompt);
    if (s.look && s.look.length !== LOOK_GRID * LOOK_GRID) throw new InvalidValueError('informativeness look', `must hold ${LOOK_GRID * LOOK_GRID} values, got ${s.look.length}`);
    this.q(`INSERT INTO informativeness (image_id, frame, label_id, prompt, score, entropy, disagreement, synonym_disagreement, adapter_id, model_id, job_id, scored_at, look)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      s.imageId, s.frame, s.labelId, prompt, unit('score', s.score), unit('entropy', s.entropy), unit('disagreement', s.disagreement),
      unit('synonym disagreement', s.synonymDisagreement), s.adapterId, s.modelId, s.jobId, now(), s.look ? lookBytes(s.look) : null,
    );
  }

  /** "imageId:frame" of the project's slices with a corrected mask for the label (null: a free-prompt correction). */
  correctedSlices(projectId: number, labelId: number | null): Set<string> {
    const rows = this.q<[number, number | null], { image_id: number; frame: number }>(`SELECT DISTINCT m.image_id, m.frame FROM masks m JOIN images i ON i.id = m.image_id
      WHERE i.project_id = ? AND m.kind = 'corrected' AND m.label_id IS ?`).all(projectId, labelId);
    return new Set(rows.map((r) => `${r.image_id}:${r.frame}`));
  }

  /** The prompt of the project's newest mask that has one: the free prompt a user works with when the project has no label. */
  latestPrompt(projectId: number): string | null {
    const row = this.q<[number], { prompt: string }>(`SELECT m.prompt FROM masks m JOIN images i ON i.id = m.image_id
      WHERE i.project_id = ? AND m.prompt IS NOT NULL AND trim(m.prompt) <> '' ORDER BY m.id DESC LIMIT 1`).get(projectId);
    return row?.prompt ?? null;
  }

  /** Every stored score of an image, by frame. */
  forImage(imageId: number): (SuggestionScore & { modelId: string; jobId: number | null })[] {
    return this.q<[number], ScoreRow & { model_id: string; job_id: number | null }>('SELECT * FROM informativeness WHERE image_id = ? ORDER BY frame, label_id, prompt').all(imageId)
      .map((r) => ({ ...toSuggestionScore(r), modelId: r.model_id, jobId: r.job_id }));
  }
}
