-- Off-site replicas (issue 15): one row per original per replica once a copy there was re-read and
-- hashed to the original's SHA-256. A missing row is a copy still owed; the worker's sweep enqueues
-- it. Only the worker (svidetel_signer) records copies; the API reads them for the status.
CREATE TABLE replica_copies (
  sha256 bytea NOT NULL REFERENCES blobs (sha256),
  replica text NOT NULL CHECK (replica ~ '^[a-z0-9-]{1,32}$'),
  confirmed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sha256, replica)
);

GRANT SELECT ON replica_copies TO svidetel_app;
GRANT INSERT ON replica_copies TO svidetel_signer;
