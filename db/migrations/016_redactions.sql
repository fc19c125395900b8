-- Redaction (issue 18, item 1): rectangles a moderator drew over a photo (faces, people, anything
-- identifying), recorded with the publishing decision that chose them. The public copies of the
-- file are then rendered from the original with the rectangles burned in and kept under
-- copies_key (a SHA-256 of the original's hash and the rectangles); the original is untouched.
-- Append-only like decisions: a later publication records its own redactions.
-- The keys make sure a redaction belongs to a publishing decision of the file's own submission.
ALTER TABLE media_files ADD CONSTRAINT media_files_id_submission_key UNIQUE (id, submission_id);

CREATE TABLE media_redactions (
  decision_id    uuid NOT NULL,
  submission_id  uuid NOT NULL,
  publishes      boolean NOT NULL DEFAULT true CHECK (publishes),
  media_file_id  uuid NOT NULL,
  -- [{"x", "y", "w", "h": fractions of the displayed picture, "style": "blur" | "fill"}]
  regions        jsonb NOT NULL CHECK (jsonb_typeof(regions) = 'array' AND jsonb_array_length(regions) BETWEEN 1 AND 50),
  copies_key     bytea NOT NULL CHECK (octet_length(copies_key) = 32),
  thumb_sha256   bytea NOT NULL CHECK (octet_length(thumb_sha256) = 32),
  preview_sha256 bytea NOT NULL CHECK (octet_length(preview_sha256) = 32),
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (decision_id, media_file_id),
  FOREIGN KEY (decision_id, submission_id, publishes) REFERENCES decisions (id, submission_id, publishes),
  FOREIGN KEY (media_file_id, submission_id) REFERENCES media_files (id, submission_id)
);
CREATE INDEX media_redactions_file_idx ON media_redactions (media_file_id);

GRANT SELECT, INSERT ON media_redactions TO svidetel_app;
