// The initial schema. Conventions: STRICT tables; ids are INTEGER PRIMARY KEY; times are ISO-8601
// UTC text written by the app; *json columns hold JSON text (CHECK json_valid); booleans are 0/1.
//
// projects   one study/collection; name unique (case-insensitive); settings = free JSON object.
// images     one imported file (2-D image, or a volume / multi-frame series browsed as `frames`
//            slices). content_hash = sha256 hex of the file's bytes, unique per project (the same
//            file may sit in two projects). pixel_spacing = [row, column(, slice)] mm; geometry =
//            affine/orientation/origin exactly as the importer read them (exports copy it);
//            window = {center, width}: the window that turned the pixels into the model's 8-bit
//            input, kept so training and inference see the same intensities; thumbnail = PNG.
// labels     a structure to segment in a project, with its colour and text prompts (JSON array).
// masks      one saved mask of one frame of an image, for a label (NULL: a free prompt). kind
//            'model' (the network's output, with prompt, adapter, threshold) or 'corrected' (what
//            a person accepted: the training data). data = deflated run lengths (mask-codec.ts),
//            width × height must equal the image's (trigger below). Rows are never updated: each
//            save is a new row whose parent_id is the row it replaces; the current mask of an
//            (image, label, frame, kind) is the one with the highest id.
// adapters   fine-tuned adapter weights: file is a path relative to the data folder; project_id
//            NULL = site-wide; parent_id = the adapter it was trained from (rollback target);
//            metrics/config JSON; at most one active per project and one site-wide (partial
//            unique index on ifnull(project_id, 0); project ids start at 1).
// jobs       the persisted queue (main/jobs): kind, config, state, progress, error, checkpoint
//            (runner data for resume), result, attempts (starts so far), times.
// job_log    a job's log lines, appended as they come (a text column would be rewritten per line).

import type { Migration } from '../migrations.ts';

/** 'Deli' — marks the file as Delineate's, so a foreign SQLite file is never migrated. */
export const APPLICATION_ID = 0x44656c69;

export const initial: Migration = {
  version: 1,
  name: 'initial',
  up: `
PRAGMA application_id = ${APPLICATION_ID};

CREATE TABLE projects (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(trim(name)) > 0),
  settings    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
  created_at  TEXT NOT NULL
) STRICT;

CREATE TABLE images (
  id             INTEGER PRIMARY KEY,
  project_id     INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  source_path    TEXT NOT NULL,
  content_hash   TEXT NOT NULL CHECK (length(content_hash) = 64),
  file_name      TEXT NOT NULL,
  width          INTEGER NOT NULL CHECK (width > 0),
  height         INTEGER NOT NULL CHECK (height > 0),
  frames         INTEGER NOT NULL DEFAULT 1 CHECK (frames > 0),
  modality       TEXT,
  pixel_spacing  TEXT CHECK (pixel_spacing IS NULL OR json_valid(pixel_spacing)),
  geometry       TEXT CHECK (geometry IS NULL OR json_valid(geometry)),
  window         TEXT CHECK (window IS NULL OR json_valid(window)),
  thumbnail      BLOB,
  imported_at    TEXT NOT NULL,
  UNIQUE (project_id, content_hash)
) STRICT;

CREATE TABLE labels (
  id          INTEGER PRIMARY KEY,
  project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name        TEXT NOT NULL COLLATE NOCASE CHECK (length(trim(name)) > 0),
  color       TEXT NOT NULL,
  prompts     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(prompts)),
  created_at  TEXT NOT NULL,
  UNIQUE (project_id, name)
) STRICT;

CREATE TABLE adapters (
  id               INTEGER PRIMARY KEY,
  project_id       INTEGER REFERENCES projects(id) ON DELETE CASCADE,
  name             TEXT NOT NULL,
  variant          TEXT NOT NULL,
  base_model_hash  TEXT NOT NULL,
  file             TEXT NOT NULL UNIQUE,
  parent_id        INTEGER REFERENCES adapters(id) ON DELETE SET NULL,
  metrics          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metrics)),
  config           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
  active           INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
  created_at       TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX adapters_one_active ON adapters (ifnull(project_id, 0)) WHERE active = 1;
CREATE INDEX adapters_project ON adapters (project_id);
CREATE INDEX adapters_parent ON adapters (parent_id);

CREATE TABLE masks (
  id          INTEGER PRIMARY KEY,
  image_id    INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  label_id    INTEGER REFERENCES labels(id) ON DELETE CASCADE,
  frame       INTEGER NOT NULL DEFAULT 0 CHECK (frame >= 0),
  kind        TEXT NOT NULL CHECK (kind IN ('model', 'corrected')),
  width       INTEGER NOT NULL,
  height      INTEGER NOT NULL,
  data        BLOB NOT NULL,
  area        INTEGER NOT NULL CHECK (area >= 0),
  prompt      TEXT,
  adapter_id  INTEGER REFERENCES adapters(id) ON DELETE SET NULL,
  threshold   REAL,
  author      TEXT,
  parent_id   INTEGER REFERENCES masks(id) ON DELETE SET NULL,
  created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX masks_current ON masks (image_id, label_id, frame, kind, id);
CREATE INDEX masks_label ON masks (label_id);
CREATE INDEX masks_adapter ON masks (adapter_id);
CREATE INDEX masks_parent ON masks (parent_id);
-- The repository checks this first with a friendlier message; the trigger keeps the rule true for
-- any writer.
CREATE TRIGGER masks_fit_image BEFORE INSERT ON masks
WHEN NOT EXISTS (SELECT 1 FROM images i WHERE i.id = NEW.image_id
                 AND i.width = NEW.width AND i.height = NEW.height AND NEW.frame < i.frames)
 AND EXISTS (SELECT 1 FROM images i WHERE i.id = NEW.image_id)
BEGIN
  SELECT RAISE(ABORT, 'mask size or frame does not fit its image');
END;

CREATE TABLE jobs (
  id           INTEGER PRIMARY KEY,
  kind         TEXT NOT NULL CHECK (kind IN ('adapt', 'segment-batch', 'import', 'export')),
  project_id   INTEGER REFERENCES projects(id) ON DELETE SET NULL,
  config       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
  state        TEXT NOT NULL DEFAULT 'queued'
               CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled', 'interrupted')),
  progress     TEXT CHECK (progress IS NULL OR json_valid(progress)),
  error        TEXT,
  checkpoint   TEXT CHECK (checkpoint IS NULL OR json_valid(checkpoint)),
  result       TEXT CHECK (result IS NULL OR json_valid(result)),
  attempts     INTEGER NOT NULL DEFAULT 0,
  created_at   TEXT NOT NULL,
  started_at   TEXT,
  finished_at  TEXT
) STRICT;
CREATE INDEX jobs_state ON jobs (state, id);
CREATE INDEX jobs_project ON jobs (project_id);

CREATE TABLE job_log (
  id      INTEGER PRIMARY KEY,
  job_id  INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  at      TEXT NOT NULL,
  line    TEXT NOT NULL
) STRICT;
CREATE INDEX job_log_job ON job_log (job_id, id);
`,
};
