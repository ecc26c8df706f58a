// The look of each scored slice (common/look.ts: 8×8 grey means as 64 float32, little-endian), so
// "Next suggested" can spread a project's first corrections over its variety (docs/active-learning.md).
// NULL for scores written before this migration: those slices are suggested by score alone.

import type { Migration } from '../migrations.ts';

export const informativenessLook: Migration = {
  version: 5,
  name: 'informativeness-look',
  up: `ALTER TABLE informativeness ADD COLUMN look BLOB CHECK (look IS NULL OR length(look) = 256);`,
};
