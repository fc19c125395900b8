-- Derivatives survive losing the server too (issue 15): which copy of which original is stored under
-- which key, so replicas receive them and a restore knows what to bring back. `key` is the original's
-- SHA-256, or a redaction's copies key (media_redactions.copies_key, video_copies.redaction_key) for
-- copies rendered with a redaction burned in; `sha256` is that of the bytes stored now (a copy made
-- again replaces the row). Both the API (redacted copies, rendered before a decision) and the worker
-- write it.
CREATE TABLE stored_derivatives (
  key       bytea NOT NULL CHECK (octet_length(key) = 32),
  name      text NOT NULL CHECK (name IN ('thumb', 'preview', 'poster', 'contact', 'video')),
  sha256    bytea NOT NULL CHECK (octet_length(sha256) = 32),
  bytes     bigint CHECK (bytes >= 0),
  stored_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key, name)
);
CREATE INDEX stored_derivatives_stored_at_idx ON stored_derivatives (stored_at);

GRANT SELECT, INSERT, UPDATE ON stored_derivatives TO svidetel_app;

-- One row per derivative per replica once the copy there was checked by its SHA-256. A row whose
-- sha256 differs from stored_derivatives' is a copy of bytes since replaced: owed again.
CREATE TABLE replica_derivative_copies (
  key          bytea NOT NULL,
  name         text NOT NULL,
  replica      text NOT NULL CHECK (replica ~ '^[a-z0-9-]{1,32}$'),
  sha256       bytea NOT NULL CHECK (octet_length(sha256) = 32),
  confirmed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (key, name, replica),
  FOREIGN KEY (key, name) REFERENCES stored_derivatives (key, name)
);

GRANT SELECT ON replica_derivative_copies TO svidetel_app;
-- DELETE: a restore forgets a copy it found missing from a replica, so the sweep sends it again.
GRANT INSERT, UPDATE, DELETE ON replica_derivative_copies TO svidetel_signer;

-- Back-fill from what the database already knows of the copies made: the newest hash of each copy
-- of an original (derivative_hashes; copies made before migration 009 are not known there and are
-- recorded when made again), each ready published video copy (under its redaction's key when it has
-- one), and the redacted photo copies.
INSERT INTO stored_derivatives (key, name, sha256, stored_at)
SELECT DISTINCT ON (f.sha256, h.kind) f.sha256, h.kind, h.sha256, h.made_at
  FROM derivative_hashes h JOIN media_files f ON f.id = h.media_file_id
 WHERE h.kind IN ('thumb', 'preview', 'poster', 'contact')
 ORDER BY f.sha256, h.kind, h.made_at DESC
ON CONFLICT DO NOTHING;

INSERT INTO stored_derivatives (key, name, sha256, bytes, stored_at)
SELECT DISTINCT ON (coalesce(v.redaction_key, f.sha256)) coalesce(v.redaction_key, f.sha256), 'video', v.sha256, v.bytes, v.updated_at
  FROM video_copies v JOIN media_files f ON f.id = v.media_file_id
 WHERE v.status = 'ready'
 ORDER BY coalesce(v.redaction_key, f.sha256), v.updated_at DESC
ON CONFLICT DO NOTHING;

INSERT INTO stored_derivatives (key, name, sha256, stored_at)
SELECT DISTINCT ON (r.copies_key, c.name) r.copies_key, c.name, c.sha256, r.created_at
  FROM media_redactions r
 CROSS JOIN LATERAL (VALUES ('thumb', r.thumb_sha256), ('preview', r.preview_sha256)) AS c (name, sha256)
 ORDER BY r.copies_key, c.name, r.created_at DESC
ON CONFLICT DO NOTHING;
