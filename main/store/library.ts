// The image library as the browser shows it: one page of a project's images with each image's
// annotation status, filtered and searched in SQL so thousands of images page quickly.

import type Database from 'better-sqlite3';
import type { ImageFilter, ImageSummary } from '../contract/contract.ts';
import { patientAffine } from '../contract/orientation.ts';

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
}

const STATUS = `CASE
  WHEN EXISTS (SELECT 1 FROM masks m WHERE m.image_id = i.id AND m.kind = 'corrected') THEN 'corrected'
  WHEN EXISTS (SELECT 1 FROM masks m WHERE m.image_id = i.id AND m.kind = 'model') THEN 'model'
  ELSE 'not-started' END`;

/** `search` matches file names and series descriptions case-insensitively (substring; % and _ are literal). */
export function libraryPage(db: Database.Database, q: { projectId: number; filter?: LibraryFilter; search?: string; offset?: number; limit?: number }): { total: number; rows: LibraryRow[] } {
  const filter = q.filter ?? 'all';
  const pattern = q.search ? `%${q.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const where = `i.project_id = @projectId AND (@pattern IS NULL OR lower(i.file_name) LIKE @pattern ESCAPE '\\' OR lower(ifnull(i.series_description, '')) LIKE @pattern ESCAPE '\\') AND (@filter = 'all' OR ${STATUS} = @filter)`;
  const params = { projectId: q.projectId, pattern, filter };
  const total = (db.prepare(`SELECT count(*) AS n FROM images i WHERE ${where}`).get(params) as { n: number }).n;
  const limit = Math.max(0, Math.min(q.limit ?? 200, 1000));
  const rows = db.prepare(`SELECT i.id, i.file_name, i.width, i.height, i.frames, i.modality, i.pixel_spacing, i.window, i.imported_at, i.series_description, i.geometry,
      CASE WHEN i.frames > 1 THEN json_extract(i.geometry, '$.spacing[2]') END AS slice_spacing, ${STATUS} AS status
    FROM images i WHERE ${where} ORDER BY i.file_name COLLATE NOCASE, i.id LIMIT @limit OFFSET @offset`).all({ ...params, limit, offset: Math.max(0, q.offset ?? 0) }) as Row[];
  return {
    total,
    rows: rows.map((r) => ({
      id: r.id, fileName: r.file_name, width: r.width, height: r.height, frames: r.frames, modality: r.modality,
      pixelSpacing: r.pixel_spacing ? JSON.parse(r.pixel_spacing) : null, window: r.window ? JSON.parse(r.window) : null,
      status: r.status, importedAt: r.imported_at, seriesDescription: r.series_description, sliceSpacing: typeof r.slice_spacing === 'number' ? r.slice_spacing : null,
      affine: patientAffine(r.geometry ? JSON.parse(r.geometry) : null),
    })),
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
