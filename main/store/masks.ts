import type Database from 'better-sqlite3';
import type { MaskRecord } from '../contract/contract.ts';
import { now, statements, type Statements } from './columns.ts';
import { InvalidValueError, MaskSizeError, NotFoundError } from './errors.ts';
import { decodeMask, encodeMask } from './mask-codec.ts';

/** The contract's mask record is the store's: one definition, no copy between layers. */
export type MaskInfo = MaskRecord;
export type MaskKind = MaskRecord['kind'];
/** model: the network's output; editor: drawn or corrected in the app; import: read from a file */
export type MaskSource = MaskRecord['source'];

/** What identifies a mask's history: one chain per image, label, frame and kind. */
export interface MaskSlot {
  imageId: number;
  /** null: a free prompt with no label */
  labelId: number | null;
  /** 0 for a 2-D image */
  frame?: number;
  kind: MaskKind;
}

export interface NewMask extends MaskSlot {
  width: number;
  height: number;
  /** row-major, top row first, width × height bytes; any non-zero byte is foreground */
  pixels: Uint8Array;
  /** defaults to 'model' for kind model, 'editor' for kind corrected */
  source?: MaskSource;
  prompt?: string | null;
  adapterId?: number | null;
  threshold?: number | null;
  author?: string | null;
  /** the row this save replaces; by default the slot's current mask (null: start a new chain) */
  parentId?: number | null;
}

/** A mask with its pixels decoded: 0/1 bytes, width × height. */
export interface Mask extends MaskInfo {
  pixels: Uint8Array;
}

interface Row {
  id: number;
  image_id: number;
  label_id: number | null;
  frame: number;
  kind: MaskKind;
  source: MaskSource;
  width: number;
  height: number;
  area: number;
  prompt: string | null;
  adapter_id: number | null;
  threshold: number | null;
  author: string | null;
  parent_id: number | null;
  created_at: string;
  data?: Buffer;
}

const info = `id, image_id, label_id, frame, kind, source, width, height, area, prompt, adapter_id, threshold, author, parent_id, created_at`;

const toInfo = (r: Row): MaskInfo => ({
  id: r.id,
  imageId: r.image_id,
  labelId: r.label_id,
  frame: r.frame,
  kind: r.kind,
  source: r.source,
  width: r.width,
  height: r.height,
  area: r.area,
  prompt: r.prompt,
  adapterId: r.adapter_id,
  threshold: r.threshold,
  author: r.author,
  parentId: r.parent_id,
  createdAt: r.created_at,
});

const toMask = (r: Row): Mask => ({ ...toInfo(r), pixels: decodeMask(r.data!, r.width, r.height) });

// "Current" is the highest id of a slot: ids only grow, unlike clock times that can repeat or step back.
const slotWhere = 'image_id = ? AND label_id IS ? AND frame = ? AND kind = ?';
const slotArgs = (s: MaskSlot) => [s.imageId, s.labelId, s.frame ?? 0, s.kind] as const;

export class Masks {
  private readonly q: Statements;

  constructor(private readonly db: Database.Database) {
    this.q = statements(db);
  }

  /**
   * Saves a new version of the slot's mask. Checks, naming what is wrong: the size equals the
   * image's (MaskSizeError), the frame exists, the label and adapter belong to the image's project
   * (or are site-wide), the parent is a mask of the same image.
   */
  save(m: NewMask): MaskInfo {
    return this.db.transaction(() => {
      const frame = m.frame ?? 0;
      if (m.kind !== 'model' && m.kind !== 'corrected') throw new InvalidValueError('mask kind', `must be 'model' or 'corrected', got '${m.kind}'`);
      const image = this.q<[number], { project_id: number; width: number; height: number; frames: number; file_name: string }>(
        'SELECT project_id, width, height, frames, file_name FROM images WHERE id = ?',
      ).get(m.imageId);
      if (!image) throw new NotFoundError('image', m.imageId);
      if (m.width !== image.width || m.height !== image.height) {
        throw new MaskSizeError(`mask is ${m.width}×${m.height} but image ${m.imageId} (${image.file_name}) is ${image.width}×${image.height}`);
      }
      if (!Number.isInteger(frame) || frame < 0 || frame >= image.frames) {
        throw new InvalidValueError('mask frame', `image ${m.imageId} (${image.file_name}) has slices 0..${image.frames - 1}, got ${frame}`);
      }
      if (m.labelId !== null) {
        const label = this.q<[number], { project_id: number }>('SELECT project_id FROM labels WHERE id = ?').get(m.labelId);
        if (!label) throw new NotFoundError('label', m.labelId);
        if (label.project_id !== image.project_id) throw new InvalidValueError('mask labelId', `label ${m.labelId} belongs to project ${label.project_id}, image ${m.imageId} to project ${image.project_id}`);
      }
      if (m.adapterId != null) {
        const adapter = this.q<[number], { project_id: number | null }>('SELECT project_id FROM adapters WHERE id = ?').get(m.adapterId);
        if (!adapter) throw new NotFoundError('adapter', m.adapterId);
        if (adapter.project_id !== null && adapter.project_id !== image.project_id) {
          throw new InvalidValueError('mask adapterId', `adapter ${m.adapterId} belongs to project ${adapter.project_id}, image ${m.imageId} to project ${image.project_id}`);
        }
      }
      if (m.threshold != null && !Number.isFinite(m.threshold)) throw new InvalidValueError('mask threshold', `must be a finite number, got ${m.threshold}`);
      const source = m.source ?? (m.kind === 'model' ? 'model' : 'editor');
      if (!['model', 'editor', 'import'].includes(source)) throw new InvalidValueError('mask source', `must be 'model', 'editor' or 'import', got '${source}'`);
      let parentId = m.parentId;
      if (parentId === undefined) parentId = this.q<unknown[], { id: number }>(`SELECT id FROM masks WHERE ${slotWhere} ORDER BY id DESC LIMIT 1`).get(...slotArgs({ ...m, frame }))?.id ?? null;
      else if (parentId !== null) {
        const parent = this.q<[number], { image_id: number }>('SELECT image_id FROM masks WHERE id = ?').get(parentId);
        if (!parent) throw new NotFoundError('mask', parentId);
        if (parent.image_id !== m.imageId) throw new InvalidValueError('mask parentId', `mask ${parentId} belongs to image ${parent.image_id}, not ${m.imageId}`);
      }
      const { blob, area } = encodeMask(m.pixels, m.width, m.height);
      const r = this.q<unknown[], Row>(
        `INSERT INTO masks (image_id, label_id, frame, kind, source, width, height, data, area, prompt, adapter_id, threshold, author, parent_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${info}`,
      ).get(m.imageId, m.labelId, frame, m.kind, source, m.width, m.height, blob, area, m.prompt ?? null, m.adapterId ?? null, m.threshold ?? null, m.author ?? null, parentId, now())!;
      return toInfo(r);
    })();
  }

  get(id: number): Mask | undefined {
    const r = this.q<[number], Row>(`SELECT ${info}, data FROM masks WHERE id = ?`).get(id);
    return r && toMask(r);
  }

  /** The slot's latest save, decoded. */
  current(slot: MaskSlot): Mask | undefined {
    const r = this.q<unknown[], Row>(`SELECT ${info}, data FROM masks WHERE ${slotWhere} ORDER BY id DESC LIMIT 1`).get(...slotArgs(slot));
    return r && toMask(r);
  }

  /** Every save of the slot, newest first (without pixels). */
  history(slot: MaskSlot): MaskInfo[] {
    return this.q<unknown[], Row>(`SELECT ${info} FROM masks WHERE ${slotWhere} ORDER BY id DESC`).all(...slotArgs(slot)).map(toInfo);
  }

  /**
   * The current mask of every slot of one image, or of a whole project (e.g. all corrected masks:
   * the training set), optionally one kind; ordered by image, label, frame, kind.
   */
  listCurrent(filter: ({ imageId: number } | { projectId: number }) & { kind?: MaskKind }): MaskInfo[] {
    const scope = 'imageId' in filter ? 'm.image_id = ?' : 'm.image_id IN (SELECT id FROM images WHERE project_id = ?)';
    const sql = `SELECT ${info} FROM masks m WHERE ${scope} AND (? IS NULL OR m.kind = ?)
      AND m.id = (SELECT max(x.id) FROM masks x WHERE x.image_id = m.image_id AND x.label_id IS m.label_id AND x.frame = m.frame AND x.kind = m.kind)
      ORDER BY m.image_id, m.label_id, m.frame, m.kind`;
    const kind = filter.kind ?? null;
    return this.q<unknown[], Row>(sql).all('imageId' in filter ? filter.imageId : filter.projectId, kind, kind).map(toInfo);
  }

  /** Deletes one saved version; rows that named it as parent keep a null parent. */
  remove(id: number): boolean {
    return this.q('DELETE FROM masks WHERE id = ?').run(id).changes > 0;
  }
}
