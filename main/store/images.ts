import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { fromJson, isUniqueViolation, now, requirePositiveInt, requireText, sha256Pattern, statements, toJson, type Statements } from './columns.ts';
import { DuplicateError, InvalidValueError, NotFoundError } from './errors.ts';

/** The window (DICOM VOI, linear) that mapped the image to the model's 8-bit input. */
export interface ImageWindow {
  center: number;
  width: number;
}

export interface NewImage {
  projectId: number;
  sourcePath: string;
  /** sha256 of the file's bytes, lower-case hex (see contentHash) */
  contentHash: string;
  fileName: string;
  width: number;
  height: number;
  /** slices of a volume or frames of a series; 1 for a 2-D image */
  frames?: number;
  modality?: string | null;
  /** [row, column(, slice)] spacing in mm */
  pixelSpacing?: number[] | null;
  /** affine / orientation / origin exactly as the importer read them */
  geometry?: Record<string, unknown> | null;
  window?: ImageWindow | null;
  /** PNG bytes */
  thumbnail?: Uint8Array | null;
}

export interface Image {
  id: number;
  projectId: number;
  sourcePath: string;
  contentHash: string;
  fileName: string;
  width: number;
  height: number;
  frames: number;
  modality: string | null;
  pixelSpacing: number[] | null;
  geometry: Record<string, unknown> | null;
  window: ImageWindow | null;
  hasThumbnail: boolean;
  importedAt: string;
}

export type ImageUpdate = Partial<Pick<NewImage, 'modality' | 'pixelSpacing' | 'geometry' | 'window' | 'thumbnail'>>;

interface Row {
  id: number;
  project_id: number;
  source_path: string;
  content_hash: string;
  file_name: string;
  width: number;
  height: number;
  frames: number;
  modality: string | null;
  pixel_spacing: string | null;
  geometry: string | null;
  window: string | null;
  has_thumbnail: number;
  imported_at: string;
}

// Thumbnails stay out of row queries: lists of hundreds of images should not drag PNGs along.
const columns = `id, project_id, source_path, content_hash, file_name, width, height, frames, modality,
  pixel_spacing, geometry, window, thumbnail IS NOT NULL AS has_thumbnail, imported_at`;

const toImage = (r: Row): Image => ({
  id: r.id,
  projectId: r.project_id,
  sourcePath: r.source_path,
  contentHash: r.content_hash,
  fileName: r.file_name,
  width: r.width,
  height: r.height,
  frames: r.frames,
  modality: r.modality,
  pixelSpacing: fromJson<number[]>(r.pixel_spacing),
  geometry: fromJson<Record<string, unknown>>(r.geometry),
  window: fromJson<ImageWindow>(r.window),
  hasThumbnail: r.has_thumbnail === 1,
  importedAt: r.imported_at,
});

/** sha256 hex of a file's bytes, the form images.contentHash takes. */
export const contentHash = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function checkOptional(u: ImageUpdate): void {
  if (u.pixelSpacing != null && (!Array.isArray(u.pixelSpacing) || u.pixelSpacing.length < 2 || u.pixelSpacing.length > 3 || !u.pixelSpacing.every((v) => Number.isFinite(v) && v > 0))) {
    throw new InvalidValueError('image pixelSpacing', `must be 2 or 3 positive numbers (mm), got ${JSON.stringify(u.pixelSpacing)}`);
  }
  if (u.window != null && !(Number.isFinite(u.window.center) && Number.isFinite(u.window.width) && u.window.width > 0)) {
    throw new InvalidValueError('image window', `must be {center, width} with width > 0, got ${JSON.stringify(u.window)}`);
  }
  if (u.geometry != null && (typeof u.geometry !== 'object' || Array.isArray(u.geometry))) throw new InvalidValueError('image geometry', 'must be a JSON object');
  if (u.thumbnail != null && !pngSignature.every((b, i) => u.thumbnail![i] === b)) throw new InvalidValueError('image thumbnail', 'must be PNG bytes');
}

export class Images {
  private readonly q: Statements;

  constructor(db: Database.Database) {
    this.q = statements(db);
  }

  /** Throws DuplicateError (with existingId) when the project already holds a file with this content. */
  add(image: NewImage): Image {
    const hash = image.contentHash;
    if (typeof hash !== 'string' || !sha256Pattern.test(hash)) throw new InvalidValueError('image contentHash', `must be 64 lower-case hex digits (sha256), got '${hash}'`);
    requirePositiveInt('image width', image.width);
    requirePositiveInt('image height', image.height);
    requirePositiveInt('image frames', image.frames ?? 1);
    checkOptional(image);
    try {
      const { id } = this.q<unknown[], { id: number }>(
        `INSERT INTO images (project_id, source_path, content_hash, file_name, width, height, frames, modality,
           pixel_spacing, geometry, window, thumbnail, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      ).get(
        image.projectId,
        requireText('image sourcePath', image.sourcePath),
        hash,
        requireText('image fileName', image.fileName),
        image.width,
        image.height,
        image.frames ?? 1,
        image.modality ?? null,
        toJson(image.pixelSpacing),
        toJson(image.geometry),
        toJson(image.window),
        image.thumbnail ?? null,
        now(),
      )!;
      return this.get(id)!;
    } catch (e) {
      if (isUniqueViolation(e)) {
        const existing = this.byHash(image.projectId, hash)!;
        throw new DuplicateError(`${image.fileName}: the same content is already in project ${image.projectId} as image ${existing.id} (${existing.fileName})`, existing.id);
      }
      if (e instanceof Error && 'code' in e && e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new NotFoundError('project', image.projectId);
      throw e;
    }
  }

  get(id: number): Image | undefined {
    const r = this.q<[number], Row>(`SELECT ${columns} FROM images WHERE id = ?`).get(id);
    return r && toImage(r);
  }

  byHash(projectId: number, contentHash: string): Image | undefined {
    const r = this.q<[number, string], Row>(`SELECT ${columns} FROM images WHERE project_id = ? AND content_hash = ?`).get(projectId, contentHash);
    return r && toImage(r);
  }

  /** In import order. */
  list(projectId: number, page: { offset?: number; limit?: number } = {}): Image[] {
    return this.q<[number, number, number], Row>(`SELECT ${columns} FROM images WHERE project_id = ? ORDER BY id LIMIT ? OFFSET ?`)
      .all(projectId, page.limit ?? -1, page.offset ?? 0)
      .map(toImage);
  }

  count(projectId: number): number {
    return this.q<[number], { n: number }>('SELECT count(*) AS n FROM images WHERE project_id = ?').get(projectId)!.n;
  }

  /** The PNG thumbnail, or null when the image has none. */
  thumbnail(id: number): Uint8Array | null {
    const r = this.q<[number], { thumbnail: Buffer | null }>('SELECT thumbnail FROM images WHERE id = ?').get(id);
    if (!r) throw new NotFoundError('image', id);
    return r.thumbnail;
  }

  /** Changes the fields an importer may fill in later; size and content never change. */
  update(id: number, patch: ImageUpdate): Image {
    checkOptional(patch);
    const sets: string[] = [];
    const values: unknown[] = [];
    const set = (column: string, value: unknown) => {
      sets.push(`${column} = ?`);
      values.push(value);
    };
    if (patch.modality !== undefined) set('modality', patch.modality);
    if (patch.pixelSpacing !== undefined) set('pixel_spacing', toJson(patch.pixelSpacing));
    if (patch.geometry !== undefined) set('geometry', toJson(patch.geometry));
    if (patch.window !== undefined) set('window', toJson(patch.window));
    if (patch.thumbnail !== undefined) set('thumbnail', patch.thumbnail);
    if (sets.length > 0 && this.q(`UPDATE images SET ${sets.join(', ')} WHERE id = ?`).run(...values, id).changes === 0) throw new NotFoundError('image', id);
    const image = this.get(id);
    if (!image) throw new NotFoundError('image', id);
    return image;
  }

  /** Deletes the image and its masks. */
  remove(id: number): boolean {
    return this.q('DELETE FROM images WHERE id = ?').run(id).changes > 0;
  }
}
