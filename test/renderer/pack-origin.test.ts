// The provenance lines the Adapter versions table and the import dialog show for a pack.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AdapterPackInfo } from '../../main/contract/contract.ts';
import { describePack } from '../../renderer/src/adapters/pack-origin.ts';

const pack: AdapterPackInfo = {
  fileName: 'site-A.dlad', kind: 'pack', name: 'sa-vlc · 40', variant: 'sa-vlc', dims: { adapter: 512, cond: 256 }, createdAt: '2025-03-04T05:06:07.000Z',
  delineateVersion: '0.4.0', note: 'Olympus scopes', baseModelSha256: 'a'.repeat(64), labels: [{ name: 'polyp', prompts: ['polyp', 'a polyp'] }],
  recipe: {}, counts: { trainCorrections: 32, heldOutCorrections: 8, images: 40, corrections: 40 }, metrics: { dsc: 0.8123, iou: 0.7, hd95: 4, heldOut: 8 }, weightsSha256: 'b'.repeat(64),
};

test('a pack is described by when and how it was made, what it learnt from, its source scores, labels and note', () => {
  const lines = describePack(pack);
  assert.match(lines[0], /^made .*2025.* with Delineate 0\.4\.0$/);
  assert.deepEqual(lines.slice(1), ['32 corrections trained on, 8 held out', 'source DSC 81.2 %, IoU 70.0 % (n = 8)', 'labels: polyp (polyp, a polyp)', 'note: Olympus scopes']);
});

test('a reference-trainer file says what is unknown about it instead of showing blanks', () => {
  const lines = describePack({ ...pack, kind: 'reference', createdAt: null, delineateVersion: null, note: null, baseModelSha256: null, labels: [], counts: { trainCorrections: null, heldOutCorrections: null, images: null, corrections: null }, metrics: { dsc: null, iou: null, hd95: null, heldOut: null } });
  assert.deepEqual(lines, ['by the reference trainer', 'base model not recorded: assumed to be the one in use']);
});
