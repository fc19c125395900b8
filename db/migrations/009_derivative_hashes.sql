-- Every copy the worker makes of an original (thumb, preview, poster, contact sheet), by the SHA-256
-- of its bytes (issue 17, item 3): a journalist sent a copy downloaded from the archive can check it
-- like an original and learn which entry and which original it was made from. A copy made again
-- (reprocessing) adds a row and keeps the old one: copies downloaded before still check. Only the
-- worker (svidetel_signer) records copies; the API reads them for the public look-up, which joins
-- archive_entries, so a copy of anything unpublished answers like bytes never received.
-- Copies made before this table existed are not in it (no back-fill): they are recognised once
-- their file is processed again.
CREATE TABLE derivative_hashes (
  sha256        bytea NOT NULL CHECK (octet_length(sha256) = 32),
  media_file_id uuid NOT NULL REFERENCES media_files (id),
  kind          text NOT NULL CHECK (kind ~ '^[a-z]{1,16}$'),
  made_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sha256, media_file_id, kind)
);
CREATE INDEX derivative_hashes_media_file_idx ON derivative_hashes (media_file_id);

GRANT SELECT ON derivative_hashes TO svidetel_app;
GRANT INSERT ON derivative_hashes TO svidetel_signer;
