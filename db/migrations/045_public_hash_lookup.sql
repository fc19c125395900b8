-- The public "is this file in the archive?" look-up reads published entries only: a file that was
-- received but not published is then not merely hidden from the answer but absent from the table the
-- query reads, so neither the answer nor its cost can tell it from a file never received.
CREATE INDEX archive_entries_file_sha256_idx ON archive_entries USING gin (file_sha256);
