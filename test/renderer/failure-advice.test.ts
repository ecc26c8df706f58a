// The import dialog's words for files it could not read: the reader's reason without the path in
// front, and a next step for the reasons that have one.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { failureAdvice, importFailures } from '../../renderer/src/import/failure-advice.ts';

test('reasons from the scan and the decoders get the step that fixes them', () => {
  const cases: [string, RegExp | null][] = [
    ['no such file or folder', /Check the path/],
    ['cannot list folder: EACCES: permission denied, scandir', /read access/],
    ['not a PNG, JPEG, DICOM or NIfTI file', /convert it/],
    ['the file is empty', /Copy the file again/],
    ['unsupported transfer syntax 1.2.840.10008.1.2.4.100 (MPEG2 Main Profile / Main Level)', /dcmdjpeg/],
    ['truncated or corrupt PNG (its compressed image data ends early)', /cut short or damaged/],
    ['lossless JPEG is not supported', /baseline 8-bit JPEG/],
    ['a reason nobody has seen', null],
  ];
  for (const [reason, next] of cases) {
    const a = failureAdvice({ path: '/x/a.dcm', reason });
    assert.equal(a.reason, reason);
    if (next) assert.match(a.next ?? '', next, reason);
    else assert.equal(a.next, null, reason);
  }
});

test('the path the decoders put in front of their message is dropped', () => {
  const a = failureAdvice({ path: '/d/masks/y.png', reason: '/d/masks/y.png: cannot decode image: truncated PNG (the data ends before the IEND chunk)' });
  assert.deepEqual(a, { path: '/d/masks/y.png', reason: 'truncated PNG (the data ends before the IEND chunk)', next: 'The file looks cut short or damaged: copy it again from where it came from.' });
});

test('a result is read defensively: the total is the count, the list what it names', () => {
  assert.deepEqual(importFailures({ failed: 250, failures: [{ path: '/a', reason: 'the file is empty' }, { path: 3 }, null] }), {
    listed: [{ path: '/a', reason: 'the file is empty', next: 'Copy the file again from where it came from.' }],
    total: 250,
  });
  assert.deepEqual(importFailures(null), { listed: [], total: 0 });
  assert.deepEqual(importFailures({ failed: 2 }), { listed: [], total: 2 }, 'a result from before failures were listed');
});
