-- A replica's copy of an original that was read back and hashed to other bytes (tampered with, bit
-- rot, or written there first by someone else): not a confirmed copy (its replica_copies row is
-- removed), never used by a restore, and an alarm on the replication status pages until the replica
-- holds the right bytes again. `write_once`: the replica refused to remove them (Object Lock), so
-- re-sending cannot help; they are looked at again by the replica verification, not re-sent.
CREATE TABLE replica_other_bytes (
  sha256          bytea NOT NULL REFERENCES blobs (sha256),
  replica         text NOT NULL CHECK (replica ~ '^[a-z0-9-]{1,32}$'),
  observed_sha256 bytea NOT NULL CHECK (octet_length(observed_sha256) = 32),
  found_at        timestamptz NOT NULL DEFAULT now(),
  last_seen_at    timestamptz NOT NULL DEFAULT now(),
  write_once      boolean NOT NULL DEFAULT false,
  PRIMARY KEY (sha256, replica)
);
CREATE INDEX replica_other_bytes_last_seen_idx ON replica_other_bytes (last_seen_at);

GRANT SELECT ON replica_other_bytes TO svidetel_app;
GRANT INSERT, UPDATE, DELETE ON replica_other_bytes TO svidetel_signer;

-- When a confirmed copy's bytes were last read back from its replica and hashed (the replica
-- verification takes the oldest first).
ALTER TABLE replica_copies ADD COLUMN checked_at timestamptz;
UPDATE replica_copies SET checked_at = confirmed_at;
ALTER TABLE replica_copies ALTER COLUMN checked_at SET NOT NULL, ALTER COLUMN checked_at SET DEFAULT now();
CREATE INDEX replica_copies_checked_at_idx ON replica_copies (checked_at);
GRANT UPDATE (checked_at) ON replica_copies TO svidetel_signer;

-- Raised with the row above, resolved when the replica holds the right bytes again.
ALTER TABLE integrity_alarms DROP CONSTRAINT integrity_alarms_kind_check;
ALTER TABLE integrity_alarms ADD CONSTRAINT integrity_alarms_kind_check CHECK (kind IN (
  'log_signing_refused', 'original_mismatch', 'original_missing', 'log_subtree_mismatch', 'log_witness_refused', 'log_promise_late', 'replica_other_bytes'
));
