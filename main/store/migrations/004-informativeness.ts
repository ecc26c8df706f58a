// Informativeness scores for "Correct this next" (docs/active-learning.md): one row per image,
// slice (frame), label and prompt, replaced each time a suggest job scores it.
//
// informativeness  score (the combined value the library sorts by) and its terms: entropy (mean
//                  binary entropy in the predicted mask's boundary band), disagreement (1 − Dice of
//                  the base model's and the active adapter's masks; NULL: no adapter),
//                  synonym_disagreement (1 − mean Dice against the label's other prompts; NULL:
//                  one prompt); the adapter and model the maps came from, and the job that scored
//                  it. label_id NULL: a free prompt. A slice whose label has a corrected mask is
//                  left out of suggestions by the queries, not deleted here, so its score stays
//                  for reference.

import type { Migration } from '../migrations.ts';

export const informativeness: Migration = {
  version: 4,
  name: 'informativeness',
  up: `
CREATE TABLE informativeness (
  id                    INTEGER PRIMARY KEY,
  image_id              INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  frame                 INTEGER NOT NULL CHECK (frame >= 0),
  label_id              INTEGER REFERENCES labels(id) ON DELETE CASCADE,
  prompt                TEXT NOT NULL CHECK (length(trim(prompt)) > 0),
  score                 REAL NOT NULL CHECK (score >= 0 AND score <= 1),
  entropy               REAL NOT NULL CHECK (entropy >= 0 AND entropy <= 1),
  disagreement          REAL CHECK (disagreement IS NULL OR (disagreement >= 0 AND disagreement <= 1)),
  synonym_disagreement  REAL CHECK (synonym_disagreement IS NULL OR (synonym_disagreement >= 0 AND synonym_disagreement <= 1)),
  adapter_id            INTEGER REFERENCES adapters(id) ON DELETE SET NULL,
  model_id              TEXT NOT NULL,
  job_id                INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
  scored_at             TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX informativeness_slot ON informativeness (image_id, frame, ifnull(label_id, 0), prompt);
CREATE INDEX informativeness_label ON informativeness (label_id);
CREATE INDEX informativeness_adapter ON informativeness (adapter_id);
CREATE INDEX informativeness_job ON informativeness (job_id);
`,
};
