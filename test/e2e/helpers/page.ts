// What the end-to-end tests share beyond starting the app: reading results through the API,
// waiting on the page, settled screenshots and reading exported NIfTI files with an independent
// reader.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import * as nifti from 'nifti-reader-js';
import type { Locator, Page } from 'playwright-core';
import type { ApiResult } from '../../../main/contract/contract.ts';
import { fromWireJson, toWireJson } from '../../../main/contract/wire.ts';

/** One API call to check what the UI did (reads only); fails naming the operation. */
export async function api<T>(url: string, op: string, body: unknown): Promise<T> {
  const res = await fetch(new URL(`api/${op}`, url), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: toWireJson(body) });
  const r = fromWireJson(await res.text()) as ApiResult<T>;
  if (!r.ok) throw new Error(`checking through the API: ${op} failed: ${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** Polls `read` until `ok` holds; fails with `what` and the last value (or error) seen. */
export async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  let error: unknown;
  for (;;) {
    try {
      last = await read();
      error = undefined;
      if (ok(last)) return last;
    } catch (e) {
      error = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${error ? String(error) : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const visible = (l: Locator, timeout = 15_000) => l.waitFor({ state: 'visible', timeout });

/** The bits of the DOM the page-side functions use (this tsconfig has Node's types, not the DOM's). */
export interface Dom {
  document: { getAnimations(): { playState: string; effect: { getComputedTiming(): { iterations?: number } } | null }[] };
}

/** A screenshot once transitions have ended (endless spinners left running). */
export async function settledShot(page: Page, save: (n: string) => Promise<string>, name: string): Promise<void> {
  await page.waitForFunction(() => (globalThis as unknown as Dom).document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity), undefined, { timeout: 5_000 });
  await save(name);
}

/** An exported NIfTI read with nifti-reader-js, not Delineate's own reader. */
export function readNifti(path: string): { header: nifti.NIFTI1 | nifti.NIFTI2; voxels: Uint8Array } {
  const bytes = readFileSync(path);
  let data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  if (nifti.isCompressed(data)) data = nifti.decompress(data) as ArrayBuffer;
  assert.ok(nifti.isNIFTI(data), `${path} is a NIfTI file`);
  const header = nifti.readHeader(data)!;
  return { header, voxels: new Uint8Array(nifti.readImage(header, data)) };
}

/** Pixels whose centre lies within r of the segment a–b (what a brush stroke covers), on a w × h grid. */
export function capsule(w: number, h: number, ax: number, ay: number, bx: number, by: number, r: number): Uint8Array {
  const out = new Uint8Array(w * h);
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2));
      const ex = x - (ax + t * dx);
      const ey = y - (ay + t * dy);
      if (ex * ex + ey * ey <= r * r) out[y * w + x] = 1;
    }
  }
  return out;
}

/** Named steps of a long UI test: a failure says which step, and each step's time goes to the report. */
export function stepper(t: TestContext): (name: string, fn: () => Promise<void>) => Promise<void> {
  return async (name, fn) => {
    const t0 = Date.now();
    try {
      await fn();
    } catch (e) {
      throw new Error(`step "${name}" failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    t.diagnostic(`${name}: ${Date.now() - t0} ms`);
  };
}
