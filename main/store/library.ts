// The image library as the browser shows it: one page of a project's images with each image's
// annotation status, filtered and searched in SQL so thousands of images page quickly.

import type Database from 'better-sqlite3';
import type { ImageFilter, ImageSort, ImageSummary, Suggestion } from '../contract/contract.ts';
import { patientAffine } from '../contract/orientation.ts';
import { InvalidValueError } from './errors.ts';
import { farthestLook } from '../common/look.ts';
import { labelParams, lookOf, OPEN_SCORES, toSuggestionScore, type ScoreRow } from './suggestions.ts';

/** The library's rows and filters are the contract's (the API hands them out unchanged). */
export type LibraryFilter = ImageFilter;
export type LibraryRow = ImageSummary;

interface Row {
  id: number;
  file_name: string;
  width: number;
  height: number;
  frames: number;
  modality: string | null;
  pixel_spacing: string | null;
  window: string | null;
  imported_at: string;
  series_description: string | null;
  slice_spacing: number | null;
  geometry: string | null;
  status: LibraryRow['status'];
  /** the image's best open score (OPEN_SCORES, r = 1), all NULL when none */
  s_frame: number | null;
  s_label_id: number | null;
  s_prompt: string | null;
  s_score: number | null;
  s_entropy: number | null;
  s_disagreement: number | null;
  s_synonym_disagreement: number | null;
  s_adapter_id: number | null;
  s_scored_at: string | null;
}

const STATUS = `CASE
  WHEN EXISTS (SELECT 1 FROM masks m WHERE m.image_id = i.id AND m.kind = 'corrected') THEN 'corrected'
  WHEN EXISTS (SELECT 1 FROM masks m WHERE m.image_id = i.id AND m.kind = 'model') THEN 'model'
  ELSE 'not-started' END`;

const COLUMNS = `i.id, i.file_name, i.width, i.height, i.frames, i.modality, i.pixel_spacing, i.window, i.imported_at, i.series_description, i.geometry,
      CASE WHEN i.frames > 1 THEN json_extract(i.geometry, '$.spacing[2]') END AS slice_spacing, ${STATUS} AS status,
      b.frame AS s_frame, b.label_id AS s_label_id, b.prompt AS s_prompt, b.score AS s_score, b.entropy AS s_entropy, b.disagreement AS s_disagreement,
      b.synonym_disagreement AS s_synonym_disagreement, b.adapter_id AS s_adapter_id, b.scored_at AS s_scored_at`;

/** Most informative first: images with an open score by it, then the rest; ties by name. */
const ORDER: Record<ImageSort, string> = {
  name: 'i.file_name COLLATE NOCASE, i.id',
  informative: 'b.score IS NULL, b.score DESC, i.file_name COLLATE NOCASE, i.id',
};

/**
 * `search` matches file names and series descriptions case-insensitively (substring; % and _ are
 * literal). Each row carries its image's best open informativeness score (of `labelId`'s scores:
 * undefined = any label, null = free prompts); `sort: 'informative'` orders by it.
 */
export function libraryPage(db: Database.Database, q: { projectId: number; filter?: LibraryFilter; search?: string; offset?: number; limit?: number; sort?: ImageSort; labelId?: number | null }): { total: number; rows: LibraryRow[] } {
  const filter = q.filter ?? 'all';
  const pattern = q.search ? `%${q.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const where = `i.project_id = @projectId AND (@pattern IS NULL OR lower(i.file_name) LIKE @pattern ESCAPE '\\' OR lower(ifnull(i.series_description, '')) LIKE @pattern ESCAPE '\\') AND (@filter = 'all' OR ${STATUS} = @filter)`;
  const params = { projectId: q.projectId, pattern, filter };
  const total = (db.prepare(`SELECT count(*) AS n FROM images i WHERE ${where}`).get(params) as { n: number }).n;
  const limit = Math.max(0, Math.min(q.limit ?? 200, 1000));
  const sort = q.sort ?? 'name';
  if (!(sort in ORDER)) throw new InvalidValueError('library sort', `must be 'name' or 'informative', got ${JSON.stringify(sort)}`);
  const rows = db.prepare(`WITH ${OPEN_SCORES}
    SELECT ${COLUMNS}
    FROM images i LEFT JOIN open_scores b ON b.image_id = i.id AND b.r = 1
    WHERE ${where} ORDER BY ${ORDER[sort]} LIMIT @limit OFFSET @offset`).all({ ...params, ...labelParams(q.labelId), limit, offset: Math.max(0, q.offset ?? 0) }) as Row[];
  return { total, rows: rows.map(toSummary) };
}

/**
 * "Next suggested": the highest open score of the project (no corrected mask for its label on
 * that slice; of `labelId`'s scores as in libraryPage), skipping the (image, frame) pairs in
 * `exclude`; null when no score is open.
 */
/**
 * Corrections below this many (in the suggestion's scope) make "Next suggested" spread them over
 * the project's looks rather than follow the score: the active-learning experiment found a first
 * round chosen that way beats random choice, and the score (from a model not yet adapted) does not.
 */
export const COVERAGE_FIRST = 8;

export function nextSuggestion(db: Database.Database, q: { projectId: number; labelId?: number | null; exclude?: { imageId: number; frame: number }[]; coverageFirst?: number }): Suggestion | null {
  const exclude = JSON.stringify((q.exclude ?? []).map((e) => [e.imageId, e.frame]));
  const params = { projectId: q.projectId, ...labelParams(q.labelId), exclude };
  const open = db.prepare(`WITH ${OPEN_SCORES}
    SELECT * FROM open_scores o
    WHERE NOT EXISTS (SELECT 1 FROM json_each(@exclude) e WHERE json_extract(e.value, '$[0]') = o.image_id AND json_extract(e.value, '$[1]') = o.frame)
    ORDER BY o.score DESC, o.image_id, o.frame`);
  const corrected = (db.prepare(`SELECT count(*) AS n FROM (SELECT DISTINCT m.image_id, m.frame FROM masks m JOIN images i ON i.id = m.image_id
    WHERE i.project_id = @projectId AND m.kind = 'corrected' AND (@anyLabel = 1 OR m.label_id IS @labelId))`).get(params) as { n: number }).n;
  type Open = ScoreRow & { look: Buffer | null };
  let best: Open | undefined;
  let basis: Suggestion['basis'] = 'score';
  if (corrected < (q.coverageFirst ?? COVERAGE_FIRST)) {
    const all = open.all(params) as Open[];
    const candidates = all.filter((r) => r.look !== null);
    // what the corrections so far (and the slices just visited) look like: the scored slices now corrected, and the excluded ones
    const references = (db.prepare(`SELECT s.look FROM informativeness s JOIN images i ON i.id = s.image_id
      WHERE i.project_id = @projectId AND s.look IS NOT NULL AND (@anyLabel = 1 OR s.label_id IS @labelId)
        AND (EXISTS (SELECT 1 FROM masks m WHERE m.image_id = s.image_id AND m.frame = s.frame AND m.kind = 'corrected' AND m.label_id IS s.label_id)
          OR EXISTS (SELECT 1 FROM json_each(@exclude) e WHERE json_extract(e.value, '$[0]') = s.image_id AND json_extract(e.value, '$[1]') = s.frame))`).all(params) as { look: Buffer }[]);
    const at = farthestLook(candidates.map((c) => lookOf(c.look!)), references.map((r) => lookOf(r.look)));
    if (at >= 0) {
      best = candidates[at];
      basis = 'coverage';
    } else best = all[0]; // no look stored (scores from before migration 005): by score
  } else best = open.get(params) as Open | undefined;
  if (!best) return null;
  const row = db.prepare(`WITH ${OPEN_SCORES}
    SELECT ${COLUMNS}
    FROM images i LEFT JOIN open_scores b ON b.image_id = i.id AND b.r = 1 WHERE i.id = @imageId`).get({ ...params, imageId: best.image_id }) as Row;
  return { ...toSuggestionScore(best), basis, image: toSummary(row) };
}

function toSummary(r: Row): LibraryRow {
  return {
    id: r.id, fileName: r.file_name, width: r.width, height: r.height, frames: r.frames, modality: r.modality,
    pixelSpacing: r.pixel_spacing ? JSON.parse(r.pixel_spacing) : null, window: r.window ? JSON.parse(r.window) : null,
    status: r.status, importedAt: r.imported_at, seriesDescription: r.series_description, sliceSpacing: typeof r.slice_spacing === 'number' ? r.slice_spacing : null,
    affine: patientAffine(r.geometry ? JSON.parse(r.geometry) : null),
    suggestion: r.s_score === null ? null : toSuggestionScore({
      image_id: r.id, frame: r.s_frame!, label_id: r.s_label_id, prompt: r.s_prompt!, score: r.s_score, entropy: r.s_entropy!,
      disagreement: r.s_disagreement, synonym_disagreement: r.s_synonym_disagreement, adapter_id: r.s_adapter_id, scored_at: r.s_scored_at!,
    }),
  };
}

export interface ProjectCounts {
  images: number;
  /** mask slots (image, label, frame) with a corrected mask */
  correctedMasks: number;
  /** of those, the slots whose current corrected mask has a prompt or a label: what Adapt learns from */
  namedCorrections: number;
}

/** Image and corrected-mask counts per project. */
export function projectCounts(db: Database.Database): Map<number, ProjectCounts> {
  const rows = db.prepare(`SELECT p.id,
      (SELECT count(*) FROM images i WHERE i.project_id = p.id) AS images,
      (SELECT count(DISTINCT m.image_id || ':' || ifnull(m.label_id, '') || ':' || m.frame) FROM masks m JOIN images i ON i.id = m.image_id WHERE i.project_id = p.id AND m.kind = 'corrected') AS corrected,
      (SELECT count(*) FROM masks m JOIN images i ON i.id = m.image_id WHERE i.project_id = p.id AND m.kind = 'corrected'
        AND m.id = (SELECT max(x.id) FROM masks x WHERE x.image_id = m.image_id AND x.label_id IS m.label_id AND x.frame = m.frame AND x.kind = 'corrected')
        AND (m.label_id IS NOT NULL OR trim(ifnull(m.prompt, '')) <> '')) AS named
    FROM projects p`).all() as { id: number; images: number; corrected: number; named: number }[];
  return new Map(rows.map((r) => [r.id, { images: r.images, correctedMasks: r.corrected, namedCorrections: r.named }]));
}

export const NO_COUNTS: ProjectCounts = { images: 0, correctedMasks: 0, namedCorrections: 0 };
