-- Off-site replicas hold the transparency log's public data too (issue 15): every signed checkpoint
-- and the leaf hashes up to it, so a restore can tell which heads were published before the loss.
-- One row per replica: the largest tree size whose checkpoints and leaf hashes were written to it
-- and read back unchanged. Only the worker (svidetel_signer) records it; the API reads it for the status.
CREATE TABLE replica_log_copies (
  replica text PRIMARY KEY CHECK (replica ~ '^[a-z0-9-]{1,32}$'),
  tree_size bigint NOT NULL CHECK (tree_size >= 0),
  confirmed_at timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT ON replica_log_copies TO svidetel_app;
GRANT INSERT, UPDATE ON replica_log_copies TO svidetel_signer;
