// The masks of one image in the workspace: per (frame, label) an edit session that starts from
// the stored corrected mask, else the stored model mask, else empty; plus the model mask kept
// beside it for comparison. Sessions stay in memory while the image is open, so scrolling slices
// or switching labels keeps unsaved edits (the leave-image guard asks about them). A failed save
// changes nothing here: the mask and its history stay, still marked unsaved.

import type { ApiResult, DelineateApi, ImageSummary, MaskPixels, MaskRecord } from '../../../main/contract/contract.ts';
import { EditSession } from './mask/edit-session.ts';
import { createMask, type Mask } from './mask/mask-ops.ts';

export type MaskApi = Pick<DelineateApi, 'currentMasks' | 'getMask' | 'saveCorrectedMask' | 'saveModelMask'>;

export interface FrameMasks {
  readonly frame: number;
  readonly labelId: number | null;
  readonly session: EditSession;
  /** the stored model mask, shown for comparison (null: none stored) */
  model: Mask | null;
  /** the prompt the edited mask came from ("Use this mask"), saved with it */
  prompt: string | null;
}

export function maskKey(frame: number, labelId: number | null): string {
  return `${frame}:${labelId ?? '-'}`;
}

const fail = <T,>(message: string, code: 'invalid' | 'internal' = 'invalid'): ApiResult<T> => ({ ok: false, error: { code, message } });

/** Newest first: masks are versioned, and the contract gives no order for currentMasks. */
function newest(records: MaskRecord[]): MaskRecord | null {
  return records.reduce<MaskRecord | null>((best, r) => (!best || r.createdAt > best.createdAt || (r.createdAt === best.createdAt && r.id > best.id) ? r : best), null);
}

/** A stored mask as a 0/1 copy of the image's size (any non-zero byte counts as 1). */
export function toMask(m: MaskPixels, image: Pick<ImageSummary, 'id' | 'width' | 'height'>, what: string): Mask | string {
  if (m.width !== image.width || m.height !== image.height) return `${what} is ${m.width}×${m.height} but image ${image.id} is ${image.width}×${image.height}`;
  if (m.pixels.length !== m.width * m.height) return `${what} has ${m.pixels.length} pixels, expected ${m.width}×${m.height}`;
  const mask = createMask(m.width, m.height);
  for (let i = 0; i < mask.pixels.length; i++) mask.pixels[i] = m.pixels[i] ? 1 : 0;
  return mask;
}

export class ImageMasks {
  private recordList: Promise<ApiResult<MaskRecord[]>> | null = null;
  private opening = new Map<string, Promise<ApiResult<FrameMasks>>>();
  private open = new Map<string, FrameMasks>();

  constructor(
    private readonly api: MaskApi,
    readonly image: ImageSummary,
  ) {}

  /** The image's current stored masks (fetched once; a failure is retried on the next call). */
  records(): Promise<ApiResult<MaskRecord[]>> {
    this.recordList ??= this.api.currentMasks({ imageId: this.image.id }).then((r) => {
      if (!r.ok) this.recordList = null;
      return r;
    });
    return this.recordList;
  }

  /** The label to start on: the one this image's newest corrected (else model) mask has. */
  async suggestedLabel(): Promise<number | null | undefined> {
    const r = await this.records();
    if (!r.ok) return undefined;
    const pick = newest(r.value.filter((m) => m.kind === 'corrected')) ?? newest(r.value.filter((m) => m.kind === 'model'));
    return pick ? pick.labelId : undefined;
  }

  /** Loads (once) the session for a frame and label. */
  session(frame: number, labelId: number | null): Promise<ApiResult<FrameMasks>> {
    const key = maskKey(frame, labelId);
    let p = this.opening.get(key);
    if (!p) {
      p = this.load(frame, labelId).then((r) => {
        if (r.ok) this.open.set(key, r.value);
        else this.opening.delete(key); // retry on the next visit
        return r;
      });
      this.opening.set(key, p);
    }
    return p;
  }

  /**
   * The stored masks changed behind the workspace's back (a "Segment all slices" job saved model
   * masks): the record list is read again, and sessions without unsaved edits reload from the store
   * on their next visit. Sessions with unsaved edits stay as they are.
   */
  storedChanged(): void {
    this.recordList = null;
    for (const [key, m] of this.open) {
      if (m.session.dirty) continue;
      this.open.delete(key);
      this.opening.delete(key);
    }
  }

  /** Sessions with unsaved edits. */
  dirty(): FrameMasks[] {
    return [...this.open.values()].filter((m) => m.session.dirty);
  }

  /**
   * Saves `current` as the corrected mask (always: accepting an unedited model mask is a correction
   * too), then every other session with unsaved edits. Stops at the first failure and returns it.
   */
  async saveAll(current: FrameMasks): Promise<ApiResult<MaskRecord[]>> {
    const saved: MaskRecord[] = [];
    for (const m of [current, ...this.dirty().filter((d) => d !== current)]) {
      const r = await this.save(m);
      if (!r.ok) return r;
      saved.push(r.value);
    }
    return { ok: true, value: saved };
  }

  async save(m: FrameMasks): Promise<ApiResult<MaskRecord>> {
    m.session.commitStroke();
    const state = m.session.history.stateId;
    // a snapshot: the user may keep drawing while the save is on its way
    const mask: MaskPixels = { width: m.session.mask.width, height: m.session.mask.height, pixels: m.session.mask.pixels.slice() };
    let r: ApiResult<MaskRecord>;
    try {
      r = await this.api.saveCorrectedMask({ imageId: this.image.id, frame: m.frame, labelId: m.labelId, mask, prompt: m.prompt });
    } catch (e) {
      r = fail(`saving the mask failed: ${e instanceof Error ? e.message : String(e)}`, 'internal');
    }
    if (r.ok) {
      m.session.markSaved(state);
      this.recordList = null; // the list now has a newer corrected mask
    }
    return r;
  }

  /** Records the model's mask for a prompt (what "Use this mask" started from) and shows it as the model mask. */
  async saveModel(m: FrameMasks, prompt: string, threshold: number): Promise<ApiResult<MaskRecord>> {
    let r: ApiResult<MaskRecord>;
    try {
      r = await this.api.saveModelMask({ imageId: this.image.id, frame: m.frame, labelId: m.labelId, prompt, threshold });
    } catch (e) {
      r = fail(`saving the model mask failed: ${e instanceof Error ? e.message : String(e)}`, 'internal');
    }
    if (!r.ok) return r;
    this.recordList = null;
    const full = await this.api.getMask({ maskId: r.value.id });
    if (full.ok) {
      const mask = toMask(full.value, this.image, `model mask ${r.value.id}`);
      if (typeof mask !== 'string') m.model = mask;
    }
    return r;
  }

  private async load(frame: number, labelId: number | null): Promise<ApiResult<FrameMasks>> {
    const list = await this.records();
    if (!list.ok) return list;
    const here = list.value.filter((m) => m.frame === frame && (m.labelId ?? null) === labelId);
    const corrected = newest(here.filter((m) => m.kind === 'corrected'));
    const modelRecord = newest(here.filter((m) => m.kind === 'model'));
    let model: Mask | null = null;
    if (modelRecord) {
      const r = await this.fetch(modelRecord);
      if (!r.ok) return r;
      model = r.value;
    }
    let start: Mask;
    if (corrected) {
      const r = await this.fetch(corrected);
      if (!r.ok) return r;
      start = r.value;
    } else if (model) start = { width: model.width, height: model.height, pixels: model.pixels.slice() };
    else start = createMask(this.image.width, this.image.height);
    return { ok: true, value: { frame, labelId, session: new EditSession(start), model, prompt: corrected?.prompt ?? modelRecord?.prompt ?? null } };
  }

  private async fetch(record: MaskRecord): Promise<ApiResult<Mask>> {
    const r = await this.api.getMask({ maskId: record.id });
    if (!r.ok) return r;
    const mask = toMask(r.value, this.image, `${record.kind} mask ${record.id}`);
    return typeof mask === 'string' ? fail(mask) : { ok: true, value: mask };
  }
}
