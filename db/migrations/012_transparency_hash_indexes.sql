-- The log is looked up by leaf_hash and by sha256 only for equality, and both keys are uniformly
-- random: a B-tree gains nothing from their order, while every append batch dirties its pages
-- all over the index. A hash index keeps a 4-byte hash code per row instead of the 32-byte key,
-- so it is about half the size and an append batch writes fewer pages (bench:log, 1.25 M leaves).
-- leaf_hash stays unique by constraint: EXCLUDE with = is UNIQUE through the hash index method.
ALTER TABLE tlog_leaves
  DROP CONSTRAINT tlog_leaves_leaf_hash_key,
  ADD CONSTRAINT tlog_leaves_leaf_hash_unique EXCLUDE USING hash (leaf_hash WITH =);

DROP INDEX tlog_leaves_sha256;
CREATE INDEX tlog_leaves_sha256 ON tlog_leaves USING hash (sha256);
