-- Witnesses and timestamps of the transparency log (issue 16): what others said about our signed
-- tree heads. Both are append-only and written only by the signer (the worker, svidetel_signer),
-- which collects them right after it signs a head; the API reads them to serve each head with them.

-- A C2SP tlog-cosignature of a signed head by a witness: the note signature line the witness
-- answered (— <witness name> base64(key id ‖ u64 time ‖ Ed25519 signature)), as received.
CREATE TABLE tlog_cosignatures (
  tree_size    bigint NOT NULL REFERENCES tlog_sths (tree_size),
  witness      text NOT NULL CHECK (witness ~ '^[^\s+]{1,200}$'),
  key_id       bytea NOT NULL CHECK (length(key_id) = 4),
  cosigned_at  timestamptz NOT NULL,
  line         text NOT NULL CHECK (line ~ '^— [^\s]+ [A-Za-z0-9+/=]+$'),
  PRIMARY KEY (tree_size, witness, key_id)
);

-- An RFC 3161 time-stamp token (DER) over the SHA-256 of a signed head's checkpoint note, from the
-- configured timestamping authority.
CREATE TABLE tlog_timestamps (
  tree_size  bigint PRIMARY KEY REFERENCES tlog_sths (tree_size),
  tsa_url    text NOT NULL,
  token      bytea NOT NULL CHECK (length(token) BETWEEN 1 AND 65536),
  gen_time   timestamptz NOT NULL
);

-- Inclusion promises at upload (like CT's SCT): each API process signs, for every leaf it appends,
-- a promise to have it in a signed head within the stated delay, with a key it keeps only in
-- memory (the API never holds the log key). It records the key's public half; the signer
-- delegates it with a note signed by the log key, which receipts carry so a verifier holding only
-- the pinned log key can check a promise the moment it is received.
CREATE TABLE tlog_promise_keys (
  vkey        text PRIMARY KEY CHECK (vkey ~ '^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$'),
  origin      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE tlog_promise_delegations (
  vkey          text PRIMARY KEY REFERENCES tlog_promise_keys (vkey),
  note          text NOT NULL,
  delegated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER tlog_promise_keys_append_only BEFORE UPDATE OR DELETE ON tlog_promise_keys
  FOR EACH ROW EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_promise_delegations_append_only BEFORE UPDATE OR DELETE ON tlog_promise_delegations
  FOR EACH ROW EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_cosignatures_append_only BEFORE UPDATE OR DELETE ON tlog_cosignatures
  FOR EACH ROW EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_cosignatures_no_truncate BEFORE TRUNCATE ON tlog_cosignatures
  FOR EACH STATEMENT EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_timestamps_append_only BEFORE UPDATE OR DELETE ON tlog_timestamps
  FOR EACH ROW EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_timestamps_no_truncate BEFORE TRUNCATE ON tlog_timestamps
  FOR EACH STATEMENT EXECUTE FUNCTION tlog_forbid_change();

GRANT SELECT ON tlog_cosignatures, tlog_timestamps, tlog_promise_delegations TO svidetel_app;
GRANT SELECT, INSERT ON tlog_promise_keys TO svidetel_app;
GRANT INSERT ON tlog_cosignatures, tlog_timestamps, tlog_promise_delegations TO svidetel_signer;

-- A witness that refuses a head the log signed (it saw another history), or leaves waiting longer
-- than the promised delay for a signed head, are raised like the server's own self-checks.
ALTER TABLE integrity_alarms DROP CONSTRAINT integrity_alarms_kind_check;
ALTER TABLE integrity_alarms ADD CONSTRAINT integrity_alarms_kind_check
  CHECK (kind IN ('log_signing_refused', 'original_mismatch', 'original_missing', 'log_subtree_mismatch', 'log_witness_refused', 'log_promise_late'));
