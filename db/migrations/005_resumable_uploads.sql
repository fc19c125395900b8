-- Resumable uploads (tus 1.0 at /api/v1/uploads): one row per file being received, until a
-- submission takes it or it expires. The bytes are in a temp file of the blob store (temp_path);
-- the row says how long it is meant to be, what the first bytes showed it to be and, once complete,
-- its SHA-256. Nothing here names the client: no address, no user agent.
CREATE TABLE resumable_uploads (
  id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{32}$'),
  temp_path text NOT NULL,
  declared_bytes bigint NOT NULL CHECK (declared_bytes > 0),
  original_name text NOT NULL CHECK (length(original_name) <= 255),
  -- what the first bytes showed (domain/media/file-type.ts), all three or none
  mime text,
  kind text CHECK (kind IN ('image', 'video')),
  format text,
  sha256 bytea CHECK (length(sha256) = 32),
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  -- an unfinished upload is removed after this; a completed one gets a fresh period to be submitted
  expires_at timestamptz NOT NULL,
  CHECK ((sha256 IS NULL) = (completed_at IS NULL)),
  CHECK ((mime IS NULL) = (kind IS NULL) AND (kind IS NULL) = (format IS NULL)),
  CHECK (sha256 IS NULL OR mime IS NOT NULL)
);
CREATE INDEX resumable_uploads_expires_at ON resumable_uploads (expires_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON resumable_uploads TO svidetel_app;

-- No duplicates: every submission may carry the SHA-256 of a key its sender made (the upload page
-- makes a random one per submission). Sending it again, after a lost answer, finds the submission
-- already stored instead of storing a second one; the key itself (the receipt's capability) is
-- never stored.
ALTER TABLE submissions ADD COLUMN client_key_sha256 bytea CHECK (length(client_key_sha256) = 32);
ALTER TABLE submissions ADD CONSTRAINT submissions_client_key_sha256_key UNIQUE (client_key_sha256);
