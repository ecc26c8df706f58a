// Records where a mask came from, so imported reference masks (a MedVLSM dataset's ground truth)
// can be told apart from a clinician's corrections when choosing training and held-out data.
//   'model'  the network's output          'editor'  drawn or corrected by a person in the app
//   'import' read from a file (kind is 'corrected' for ground truth, 'model' for another tool's output)
// Existing rows are backfilled from their kind: model → 'model', corrected → 'editor'.

import type { Migration } from '../migrations.ts';

export const maskSource: Migration = {
  version: 2,
  name: 'mask-source',
  up: `
ALTER TABLE masks ADD COLUMN source TEXT NOT NULL DEFAULT 'editor' CHECK (source IN ('model', 'editor', 'import'));
UPDATE masks SET source = 'model' WHERE kind = 'model';
`,
};
