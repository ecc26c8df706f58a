import assert from 'node:assert/strict';
import { test } from 'node:test';
import { betterScore, formatBytes, formatDateTime, formatEta, formatScore, formatStat, plural, progressPercent } from '../../renderer/src/lib/format.ts';

const scores = (dsc: number, dscStd: number, hd: number, hdStd: number) => ({ n: 5, dsc: { mean: dsc, std: dscStd }, iou: { mean: dsc * 0.9, std: dscStd }, hd95: { mean: hd, std: hdStd } });

test('overlap scores are shown in percent with one decimal, HD95 in pixels', () => {
  const s = scores(0.8734, 0.0209, 12.44, 3.96);
  assert.equal(formatScore('dsc', s), 'DSC 87.3 ± 2.1');
  assert.equal(formatScore('iou', s), 'IoU 78.6 ± 2.1'); // 0.8734·0.9 = 0.78606
  assert.equal(formatScore('hd95', s), 'HD95 12.4 ± 4.0 px');
  assert.equal(formatScore('hd95', { ...s, hd95Unit: 'px' }), 'HD95 12.4 ± 4.0 px');
  assert.equal(formatScore('hd95', { ...s, hd95Unit: 'mm' }), 'HD95 12.4 ± 4.0 mm', 'mm where every image had a spacing');
});

test('a score that could not be computed shows a dash, never NaN', () => {
  assert.equal(formatStat({ mean: NaN, std: NaN }, true), '—');
  assert.equal(formatScore('hd95', scores(0.5, 0, Infinity, 0)), 'HD95 —');
  assert.equal(formatStat({ mean: 0.5, std: NaN }, true), '50.0 ± 0.0');
});

test('betterScore: higher DSC wins, lower HD95 wins, equal at the shown precision is a tie', () => {
  const a = scores(0.9, 0.01, 5, 1);
  const b = scores(0.85, 0.01, 7, 1);
  assert.equal(betterScore('dsc', a, b), 'candidate');
  assert.equal(betterScore('dsc', b, a), 'current');
  assert.equal(betterScore('hd95', a, b), 'candidate');
  assert.equal(betterScore('hd95', b, a), 'current');
  assert.equal(betterScore('dsc', scores(0.87341, 0, 1, 0), scores(0.87339, 0, 1, 0)), null);
});

test('ETA reads as seconds, minutes with padded seconds, or hours with padded minutes', () => {
  assert.equal(formatEta(null), '—');
  assert.equal(formatEta(-1), '—');
  assert.equal(formatEta(0), '0 s');
  assert.equal(formatEta(44.6), '45 s');
  assert.equal(formatEta(59.4), '59 s');
  assert.equal(formatEta(60), '1 min 00 s');
  assert.equal(formatEta(245), '4 min 05 s');
  assert.equal(formatEta(3599), '59 min 59 s');
  assert.equal(formatEta(3600), '1 h 00 min');
  assert.equal(formatEta(3720 + 20), '1 h 02 min'); // 62.33 min rounds to 62
  assert.equal(formatEta(26 * 3600), '26 h 00 min');
});

test('bytes use powers of 1024', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KB');
  assert.equal(formatBytes(605.1 * 1024 * 1024), '605.1 MB');
  assert.equal(formatBytes(null), '—');
});

test('SQLite UTC times and ISO times are shown in local time the same way', () => {
  const iso = '2026-03-04T05:06:00.000Z';
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  const expected = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
  assert.equal(formatDateTime(iso), expected);
  assert.equal(formatDateTime('2026-03-04 05:06:00'), expected);
  assert.equal(formatDateTime('not a date'), 'not a date');
  assert.equal(formatDateTime(null), '—');
});

test('progress percent is clamped and unknown without a total', () => {
  assert.equal(progressPercent({ done: 3, total: 12 }), 25);
  assert.equal(progressPercent({ done: 13, total: 12 }), 100);
  assert.equal(progressPercent({ done: 3, total: 0 }), null);
  assert.equal(progressPercent(null), null);
  assert.equal(plural(1, 'image'), '1 image');
  assert.equal(plural(1200, 'image'), '1,200 images');
});
