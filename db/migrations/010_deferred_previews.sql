-- A photo is ready for moderation before its full-size preview exists (issue 13, item 6): a HEIC
-- is made ready from the thumbnail the camera embedded (hash, metadata, flags, thumbnail,
-- perceptual hash) and its preview, which needs a full HEVC decode, is owed until the worker has a
-- moment with no photo waiting. preview_owed says so in PostgreSQL, so a lost job is found again by
-- the sweep; the flag clears when the preview is written (or cannot be made from the file).
ALTER TABLE media_files
  ADD COLUMN preview_owed boolean NOT NULL DEFAULT false,
  ADD CONSTRAINT media_files_preview_owed_or_made CHECK (NOT (preview_owed AND has_preview)),
  ADD CONSTRAINT media_files_preview_owed_when_ready CHECK (NOT preview_owed OR status = 'ready');

-- The sweep's look-up: few rows at any time (owed previews are made within minutes).
CREATE INDEX media_files_preview_owed_idx ON media_files (status_changed_at) WHERE preview_owed;
