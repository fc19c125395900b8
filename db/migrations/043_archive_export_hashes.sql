-- The export lists each entry's file hashes: with them in the index next to the submission and
-- position, a million entries' look-ups read this index alone (index-only) instead of one random
-- heap page of media_files per entry.
CREATE INDEX media_files_hashes_idx ON media_files (submission_id, position) INCLUDE (sha256);
