// Which precision a model runs at, per data folder: the user's explicit choice if there is one,
// else int8 when the model's self-check agreed with fp32, else fp32. Kept in one small JSON file
// per model folder, tied to the checkpoint's identity so a changed model is checked again.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Precision, precisions } from '../contract/precision.ts';
import { weightsIdentity } from '../engine/model/clipseg-model.ts';
import { writeFileAtomic } from '../fs/atomic.ts';
import type { PrecisionCheck } from './precision-check.ts';

export interface PrecisionRecord {
  /** the checkpoint this record is about (weightsIdentity) */
  identity: string;
  check: PrecisionCheck | null;
  checkedAt: string | null;
  /** the user's choice; null: automatic (int8 when the check agreed) */
  chosen: Precision | null;
}

export interface PrecisionState {
  current: Precision;
  chosen: Precision | null;
  check: PrecisionCheck | null;
  /** why `current`, in a sentence */
  reason: string;
}

export class PrecisionChoice {
  private readonly file: string;
  private readonly identity: string;

  /** `dir`: the data folder's precision folder; `modelDir`: the model folder. */
  constructor(dir: string, modelDir: string) {
    this.file = join(dir, `${createHash('sha256').update(realpathSync(modelDir)).digest('hex').slice(0, 16)}.json`);
    this.identity = weightsIdentity(join(modelDir, 'model.safetensors'));
  }

  read(): PrecisionRecord {
    const empty: PrecisionRecord = { identity: this.identity, check: null, checkedAt: null, chosen: null };
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      return empty; // none yet, or unreadable: the check runs again
    }
    const r = raw as Partial<PrecisionRecord>;
    if (r.identity !== this.identity) return { ...empty, chosen: isPrecision(r.chosen) ? r.chosen : null };
    return { identity: this.identity, check: r.check ?? null, checkedAt: r.checkedAt ?? null, chosen: isPrecision(r.chosen) ? r.chosen : null };
  }

  state(): PrecisionState {
    const r = this.read();
    if (r.chosen) return { current: r.chosen, chosen: r.chosen, check: r.check, reason: `chosen in the settings${r.check && r.chosen === 'int8' && !r.check.int8Agrees ? ` (${r.check.summary})` : ''}` };
    if (!r.check) return { current: 'fp32', chosen: null, check: null, reason: 'fp32 until the int8 self-check has run on this model' };
    return { current: r.check.int8Agrees ? 'int8' : 'fp32', chosen: null, check: r.check, reason: r.check.summary };
  }

  needsCheck(): boolean {
    return this.read().check === null;
  }

  recordCheck(check: PrecisionCheck): void {
    this.write({ ...this.read(), check, checkedAt: new Date().toISOString() });
  }

  /** null: back to automatic. */
  choose(p: Precision | null): void {
    this.write({ ...this.read(), chosen: p });
  }

  private write(r: PrecisionRecord): void {
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileAtomic(this.file, `${JSON.stringify(r, null, 1)}\n`);
  }
}

const isPrecision = (v: unknown): v is Precision => typeof v === 'string' && (precisions as readonly string[]).includes(v);
