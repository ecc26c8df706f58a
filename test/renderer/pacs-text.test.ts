// The PACS dialogs' text helpers: date inputs to QIDO StudyDate, DICOM dates and person names for
// display, a push job's summary (and that non-push export results are not read as one).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dicomDateRange, showDicomDate, showPersonName } from '../../renderer/src/pacs/dicom-date.ts';
import { pushSummary, readPushResult } from '../../renderer/src/pacs/push-result.ts';

test('date inputs become a QIDO StudyDate: one day, a range, open ends, nothing', () => {
  assert.equal(dicomDateRange('2024-01-05', '2024-01-05'), '20240105');
  assert.equal(dicomDateRange('2024-01-01', '2024-01-31'), '20240101-20240131');
  assert.equal(dicomDateRange('2024-01-01', ''), '20240101-');
  assert.equal(dicomDateRange('', '2024-01-31'), '-20240131');
  assert.equal(dicomDateRange('', ''), undefined);
});

test('DICOM dates and person names for display', () => {
  assert.equal(showDicomDate('20240105'), '2024-01-05');
  assert.equal(showDicomDate(''), '');
  assert.equal(showDicomDate('2024'), '2024');
  assert.equal(showPersonName('Doe^Jane^Q'), 'Doe, Jane Q');
  assert.equal(showPersonName('Doe'), 'Doe');
  assert.equal(showPersonName('^Jane'), 'Jane');
});

test('a push result is summarised; an ordinary export result is not a push', () => {
  const r = readPushResult({ connection: 'site', objects: [], stored: 2, failed: 1, unchanged: 3, leftOut: 1 });
  assert.ok(r);
  assert.equal(pushSummary(r), '2 SEGs stored on site, 1 failed, 3 unchanged since sent, 1 left out (not pulled from a PACS)');
  assert.equal(pushSummary({ ...r, stored: 1, failed: 0, unchanged: 0, leftOut: 0 }), '1 SEG stored on site');
  assert.equal(readPushResult({ dir: '/x', masks: 3, files: 1 }), null);
  assert.equal(readPushResult(null), null);
});
