-- The server checks itself (issue 16, item 5). What its checks found that is wrong, for admins and
-- the status endpoint: a refusal to sign a tree head, an original whose bytes no longer hash to its
-- SHA-256 (or that is gone), a stored subtree hash that is not the hash of its leaves. One row per
-- problem (kind, subject), seen again -> last_seen_at; resolved when a later check finds it right.
CREATE TABLE integrity_alarms (
  id            bigserial PRIMARY KEY,
  kind          text NOT NULL CHECK (kind IN ('log_signing_refused', 'original_mismatch', 'original_missing', 'log_subtree_mismatch')),
  subject       text NOT NULL CHECK (length(subject) BETWEEN 1 AND 200),
  detail        text NOT NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  resolved_at   timestamptz,
  UNIQUE (kind, subject)
);
CREATE INDEX integrity_alarms_open ON integrity_alarms (last_seen_at) WHERE resolved_at IS NULL;

-- When each original's bytes were last hashed, and what they hashed to (NULL: the original was
-- missing). A download's Digest is this when it matches, else computed from the bytes.
CREATE TABLE original_checks (
  sha256          bytea PRIMARY KEY REFERENCES blobs(sha256),
  checked_at      timestamptz NOT NULL,
  observed_sha256 bytea CHECK (length(observed_sha256) = 32)
);
CREATE INDEX original_checks_checked_at ON original_checks (checked_at);

-- Where the scrub of the log's stored subtree hashes goes on: the next leaf to recompute from.
CREATE TABLE log_scrub_state (
  id          boolean PRIMARY KEY DEFAULT true CHECK (id),
  next_leaf   bigint NOT NULL DEFAULT 0 CHECK (next_leaf >= 0),
  cycles      bigint NOT NULL DEFAULT 0,
  last_run_at timestamptz
);
INSERT INTO log_scrub_state DEFAULT VALUES;

-- The API hashes an original for a download's Digest when the scrub has not; the worker signs and
-- scrubs. Both record what they found.
GRANT SELECT, INSERT, UPDATE ON integrity_alarms, original_checks TO svidetel_app;
GRANT SELECT, UPDATE ON log_scrub_state TO svidetel_app;
GRANT USAGE, SELECT ON SEQUENCE integrity_alarms_id_seq TO svidetel_app;
