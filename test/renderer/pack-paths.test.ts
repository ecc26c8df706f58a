// The adapter pack dialogs' path helpers: default file names and folder + file joins.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { joinPath, packFileName } from '../../renderer/src/adapters/pack-paths.ts';

test('a pack is named after its adapter, without separators or leading dots', () => {
  assert.equal(packFileName('sa-vlc · 12 corrections'), 'sa-vlc-12-corrections.dlad');
  assert.equal(packFileName('../../etc/passwd'), 'etc-passwd.dlad');
  assert.equal(packFileName('Polyp Kliniken Süd'), 'Polyp-Kliniken-Süd.dlad');
  assert.equal(packFileName('   '), 'adapter.dlad');
  assert.equal(packFileName('a'.repeat(200)).length, 80 + '.dlad'.length);
});

test('folder and file join with the folder\'s own separator', () => {
  assert.equal(joinPath('/data/shared/', 'x.dlad'), '/data/shared/x.dlad');
  assert.equal(joinPath('/', 'x.dlad'), '/x.dlad');
  assert.equal(joinPath('D:\\shared\\', 'x.dlad'), 'D:\\shared\\x.dlad');
  assert.equal(joinPath('D:\\shared', 'x.dlad'), 'D:\\shared\\x.dlad');
});
