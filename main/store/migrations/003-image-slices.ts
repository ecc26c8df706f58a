// DICOM series and 4-D NIfTI volumes: an image may be assembled from slices of several files.
//
// images         + study_uid, series_uid, frame_of_reference_uid, series_description (DICOM;
//                NULL for other formats). For a stack, source_path is the folder holding its
//                files and content_hash is a sha256 over its slices' identities (see
//                stackContentHash in main/io/series), so importing the same series twice is a
//                duplicate.
// image_slices   where slice k of an image comes from: the file (path and sha256 of its bytes),
//                the frame within that file (an enhanced multi-frame DICOM's frame; slice z of a
//                NIfTI volume), the volume within it (t of a 4-D NIfTI; 0 otherwise), and for DICOM the SOP Instance/Class UIDs a DICOM SEG export references
//                and the slice's ImagePositionPatient (LPS mm, as stored in the file). An image
//                without rows here is read from its own source_path, frame k (2-D images, 3-D
//                NIfTI, multi-frame DICOM that is not a stack): every image imported before this
//                migration.

import type { Migration } from '../migrations.ts';

export const imageSlices: Migration = {
  version: 3,
  name: 'image-slices',
  up: `
ALTER TABLE images ADD COLUMN study_uid TEXT;
ALTER TABLE images ADD COLUMN series_uid TEXT;
ALTER TABLE images ADD COLUMN frame_of_reference_uid TEXT;
ALTER TABLE images ADD COLUMN series_description TEXT;
CREATE INDEX images_series ON images (project_id, series_uid);

CREATE TABLE image_slices (
  image_id          INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  slice             INTEGER NOT NULL CHECK (slice >= 0),
  source_path       TEXT NOT NULL,
  source_hash       TEXT NOT NULL CHECK (length(source_hash) = 64),
  source_frame      INTEGER NOT NULL DEFAULT 0 CHECK (source_frame >= 0),
  source_volume     INTEGER NOT NULL DEFAULT 0 CHECK (source_volume >= 0),
  sop_instance_uid  TEXT,
  sop_class_uid     TEXT,
  position          TEXT CHECK (position IS NULL OR json_valid(position)),
  PRIMARY KEY (image_id, slice)
) STRICT;
CREATE INDEX image_slices_sop ON image_slices (sop_instance_uid) WHERE sop_instance_uid IS NOT NULL;
`,
};
