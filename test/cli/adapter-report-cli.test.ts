// `delineate adapter report` as a user runs it on site A's adapter (tiny fixture model): the text
// report (tables, comparisons with verdicts, prompt robustness, per-image rows), the same report
// as --json, the gallery PNGs (--gallery) with the correction's outline exactly on its rim, an
// adapter without a held-out record said so, and a bad id refused.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AdapterReport } from '../../main/contract/adapter-report.ts';
import { decodeImage } from '../../main/io/image-decode.ts';
import { openStore } from '../../main/store/store.ts';
import { GALLERY_COLORS } from '../../main/training/adapter-report.ts';
import { makeSiteA, modelDir } from '../helpers/adapter-site.ts';

const bin = new URL('../../main/delineate.mjs', import.meta.url).pathname;
const run = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, DELINEATE_DATA: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('adapter report: text, --json and --gallery on the held-out corrections', (t) => {
  const a = makeSiteA(t);
  const s = openStore(a.data);
  const masks = s.masks.listCurrent({ projectId: 1, kind: 'corrected' });
  s.adapters.setMetrics(a.adapterId, { heldOutSet: masks.map((m) => ({ imageId: m.imageId, frame: 0, maskId: m.id })), previousAdapterId: null });
  const byImage = new Map(masks.map((m, i) => [m.imageId, a.masks[i]]));
  s.close();

  const text = run('adapter', 'report', String(a.adapterId), '--model', modelDir, '--data', a.data);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, new RegExp(`^adapter ${a.adapterId} "sa-vlc · 4 corrections", scored with clipseg-tiny@[0-9a-f]{12} at `));
  assert.match(text.out, /images: the 5 corrected images held out when this adapter was trained; 5 scored/);
  assert.match(text.out, /HD95 in px; intervals: percentile bootstrap of the mean paired difference, 10000 resamples, seed 0; no verdict below 3 images/);
  assert.match(text.out, /\n {2}vs base model: (BETTER|NO MEASURABLE DIFFERENCE|WORSE)\n {4}DSC [+−]\d+\.\d\d points \[95 % CI [+−]\d+\.\d\d, [+−]\d+\.\d\d\]: /);
  assert.match(text.out, /vs previous adapter: the base model was in use before it/);
  assert.match(text.out, /polyp {10}"polyp" +n=5 /);
  assert.match(text.out, /polyp {10}"a small polyp" +n=5 /);
  assert.equal(text.out.match(/^ {2}DOE\^JANE_MRN\d+_19700101_\d\.png {2}[\d.]+ \/ [\d.]+$/gm)?.length, 5);

  const json = run('adapter', 'report', String(a.adapterId), '--json', '--gallery', join(a.dir, 'gallery'), '--model', modelDir, '--data', a.data);
  assert.equal(json.code, 0, json.err);
  const r = JSON.parse(json.out) as AdapterReport & { gallery: { file: string | null }[] };
  assert.equal(r.adapterId, a.adapterId);
  assert.equal(r.images.length, 5);
  assert.equal(r.hd95Unit, 'px', 'site A\'s PNGs have no pixel spacing');
  // the text's DSC row is the JSON's means
  const dscRow = /\n {2}DSC % {5}([\d.]+) ± [\d.]+ +([\d.]+) ± /.exec(text.out)!;
  assert.equal(dscRow[1], (100 * r.adapter!.dsc.mean).toFixed(1));
  assert.equal(dscRow[2], (100 * r.base!.scores.dsc.mean).toFixed(1));
  assert.match(text.out, new RegExp(`vs base model: ${r.base!.verdict.toUpperCase()}`));
  assert.deepEqual(r.prompts.map((p) => p.prompt), ['polyp', 'a small polyp']);
  // gallery: one PNG per entry, the frame's size, the correction's rim in its colour
  const files = readdirSync(join(a.dir, 'gallery')).sort();
  assert.equal(files.length, r.gallery.length);
  assert.ok(r.gallery.length > 0, 'the random adapter changes some image');
  for (const g of r.gallery as unknown as (AdapterReport['gallery'][number] & { file: string })[]) {
    assert.ok(files.includes(g.file.split('/').pop()!), g.file);
    assert.match(g.file, new RegExp(`adapter-${a.adapterId}-\\d\\d-${g.kind}-image-${g.imageId}-slice-1\\.png$`));
    const png = decodeImage(readFileSync(g.file), g.file);
    assert.deepEqual([png.width, png.height, png.channels], [64, 64, 3]);
    const truth = byImage.get(g.imageId)!;
    for (let i = 0; i < 64 * 64; i++) {
      const [x, y] = [i % 64, Math.floor(i / 64)];
      const rim = truth[i] !== 0 && (x === 0 || y === 0 || x === 63 || y === 63 || !truth[i - 1] || !truth[i + 1] || !truth[i - 64] || !truth[i + 64]);
      if (rim) assert.deepEqual([...png.data.slice(i * 3, i * 3 + 3)], [...GALLERY_COLORS.correction], `${g.file} pixel ${i}`);
    }
  }
});

test('adapter report: an adapter without a held-out record says so; a bad id is refused', (t) => {
  const a = makeSiteA(t);
  const none = run('adapter', 'report', String(a.adapterId), '--model', modelDir, '--data', a.data);
  assert.equal(none.code, 0, none.err);
  assert.match(none.out, /no record of which corrected images adapter \d+ held out .* a new Adapt run records them; 0 scored\n$/);
  const bad = run('adapter', 'report', 'x', '--data', a.data);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /expected an adapter id/);
  const missing = run('adapter', 'report', '99', '--model', modelDir, '--data', a.data);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /adapter 99/);
});
