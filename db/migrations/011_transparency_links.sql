-- Which stored file each transparency-log leaf was appended for. Written in the upload's
-- transaction together with the leaf; used only to decide whether a leaf's full record may be
-- shown publicly (its file's submission is published). Append-only like the log itself.
CREATE TABLE tlog_media_leaves (
  -- no foreign key to tlog_leaves: the log depends on no other table (its TRUNCATE guard stays the one that answers)
  leaf_index     bigint PRIMARY KEY CHECK (leaf_index >= 0),
  media_file_id  uuid NOT NULL UNIQUE REFERENCES media_files (id)
);

CREATE TRIGGER tlog_media_leaves_append_only BEFORE UPDATE OR DELETE ON tlog_media_leaves
  FOR EACH ROW EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_media_leaves_no_truncate BEFORE TRUNCATE ON tlog_media_leaves
  FOR EACH STATEMENT EXECUTE FUNCTION tlog_forbid_change();
