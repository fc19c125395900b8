-- Transparency log (RFC 6962 Merkle tree, C2SP checkpoints). Append-only: rows are never updated
-- or deleted (triggers below), because any change would break every proof and signed head after it.

-- The single row holding the log size. Appends lock it FOR UPDATE in the same transaction that
-- inserts the leaves and subtree hashes, so indices are dense and unique and a crash leaves no gap.
CREATE TABLE tlog_state (
  id    boolean PRIMARY KEY DEFAULT true CHECK (id),
  size  bigint NOT NULL CHECK (size >= 0)
);
INSERT INTO tlog_state (id, size) VALUES (true, 0);

CREATE TABLE tlog_leaves (
  leaf_index  bigint PRIMARY KEY CHECK (leaf_index >= 0),
  leaf_hash   bytea NOT NULL UNIQUE CHECK (length(leaf_hash) = 32),
  -- the canonical leaf record (domain/transparency/leaf.ts); its hash is the Merkle leaf
  record      bytea NOT NULL,
  -- the file it commits to; no foreign key so the log never depends on other tables' lifecycles
  sha256      bytea NOT NULL CHECK (length(sha256) = 32),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tlog_leaves_sha256 ON tlog_leaves (sha256);

-- Every complete perfect subtree: (level k, idx i) is the hash of leaves [i·2^k, (i+1)·2^k).
-- Level 0 is the leaf hashes. Proofs for any tree size read O(log n) of these rows.
CREATE TABLE tlog_subtrees (
  level  smallint NOT NULL CHECK (level BETWEEN 0 AND 62),
  idx    bigint NOT NULL CHECK (idx >= 0),
  hash   bytea NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, idx)
);

-- Signed tree heads: the checkpoint note is what is verified; root_hash is a copy for queries.
CREATE TABLE tlog_sths (
  tree_size  bigint PRIMARY KEY CHECK (tree_size >= 0),
  root_hash  bytea NOT NULL CHECK (length(root_hash) = 32),
  signed_at  timestamptz NOT NULL,
  note       text NOT NULL
);

CREATE FUNCTION tlog_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the transparency log is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME;
END $$;

CREATE TRIGGER tlog_leaves_append_only BEFORE UPDATE OR DELETE ON tlog_leaves
  FOR EACH ROW EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_leaves_no_truncate BEFORE TRUNCATE ON tlog_leaves
  FOR EACH STATEMENT EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_subtrees_append_only BEFORE UPDATE OR DELETE ON tlog_subtrees
  FOR EACH ROW EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_subtrees_no_truncate BEFORE TRUNCATE ON tlog_subtrees
  FOR EACH STATEMENT EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_sths_append_only BEFORE UPDATE OR DELETE ON tlog_sths
  FOR EACH ROW EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_sths_no_truncate BEFORE TRUNCATE ON tlog_sths
  FOR EACH STATEMENT EXECUTE FUNCTION tlog_forbid_change();
-- The size only grows.
CREATE FUNCTION tlog_state_grows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.size < OLD.size THEN
    RAISE EXCEPTION 'the transparency log size cannot shrink (% -> %)', OLD.size, NEW.size;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER tlog_state_grows BEFORE UPDATE ON tlog_state
  FOR EACH ROW EXECUTE FUNCTION tlog_state_grows();
CREATE TRIGGER tlog_state_no_delete BEFORE DELETE OR TRUNCATE ON tlog_state
  FOR EACH STATEMENT EXECUTE FUNCTION tlog_forbid_change();
