-- Issue 11, finding 9: the application runs as svidetel_app, a role that owns nothing, is not a
-- superuser (so it cannot set session_replication_role and silence the triggers), and holds only
-- the grants below: no ALTER, no TRUNCATE, and nothing but SELECT and INSERT on append-only tables.
-- Migrations run as the owner (DATABASE_OWNER_URL). A later migration that adds a table grants
-- what the application needs on it here, in the same way.

-- Roles are cluster-wide and several databases (or test runs) may migrate at once: a concurrent
-- creator makes ours fail with duplicate_object or unique_violation, both meaning "it exists".
DO $$
BEGIN
  CREATE ROLE svidetel_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END $$;

GRANT USAGE ON SCHEMA public TO svidetel_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO svidetel_app;

-- Append-only: history and evidence.
GRANT SELECT, INSERT ON audit_log, blobs, decisions, notes, tlog_leaves, tlog_subtrees, tlog_sths,
  tlog_media_leaves, tlog_public_keys TO svidetel_app;
-- Single-row heads that only move forward (their triggers check how).
GRANT SELECT, UPDATE ON audit_head, tlog_state TO svidetel_app;
-- Workflow state the application changes; what the observer sent is guarded below.
GRANT SELECT, INSERT, UPDATE ON submissions, media_files, accounts, account_tokens, app_settings,
  elections, categories, category_phases, polling_stations, submission_status_counts TO svidetel_app;
-- Rows that come and go: sessions, claims, and the archive's derived search rows (kept by triggers).
GRANT SELECT, INSERT, UPDATE, DELETE ON sessions, claims, archive_entries, archive_map_cells TO svidetel_app;
GRANT SELECT ON schema_migrations, archive_entry_source TO svidetel_app;

-- What the observer sent can never change, whoever asks: the submission's words and claims, each
-- file's bytes, name and place in the submission, and, once the worker has finished a file, what it
-- extracted from those bytes (GPS, capture time, device, perceptual hash). The workflow columns
-- (status, decisions, publication choices, flags, derivatives) stay writable.
CREATE FUNCTION forbid_original_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'what the observer sent cannot be changed: % on % (%)', TG_OP, TG_TABLE_NAME, TG_ARGV[0]
    USING ERRCODE = 'SV001';
END $$;

CREATE FUNCTION submissions_keep_original() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.id, NEW.election_id, NEW.region, NEW.station_number, NEW.category_code, NEW.description, NEW.happened_at,
      NEW.reporter_role, NEW.complaint_status, NEW.received_at)
     IS DISTINCT FROM
     (OLD.id, OLD.election_id, OLD.region, OLD.station_number, OLD.category_code, OLD.description, OLD.happened_at,
      OLD.reporter_role, OLD.complaint_status, OLD.received_at) THEN
    RAISE EXCEPTION 'what the observer sent cannot be changed: the submission''s original fields'
      USING ERRCODE = 'SV001';
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION media_files_keep_original() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.id, NEW.submission_id, NEW.sha256, NEW.position, NEW.original_name)
     IS DISTINCT FROM (OLD.id, OLD.submission_id, OLD.sha256, OLD.position, OLD.original_name) THEN
    RAISE EXCEPTION 'what the observer sent cannot be changed: the file''s bytes, name or place' USING ERRCODE = 'SV001';
  END IF;
  IF OLD.status = 'ready' AND
     (NEW.width, NEW.height, NEW.orientation, NEW.duration_s, NEW.taken_at_local, NEW.taken_at_offset, NEW.offset_source,
      NEW.taken_at_utc, NEW.taken_at_source, NEW.gps_lat, NEW.gps_lon, NEW.gps_alt, NEW.gps_source, NEW.make, NEW.model,
      NEW.software, NEW.metadata, NEW.phash, NEW.content_identifier, NEW.status)
     IS DISTINCT FROM
     (OLD.width, OLD.height, OLD.orientation, OLD.duration_s, OLD.taken_at_local, OLD.taken_at_offset, OLD.offset_source,
      OLD.taken_at_utc, OLD.taken_at_source, OLD.gps_lat, OLD.gps_lon, OLD.gps_alt, OLD.gps_source, OLD.make, OLD.model,
      OLD.software, OLD.metadata, OLD.phash, OLD.content_identifier, OLD.status) THEN
    RAISE EXCEPTION 'what the observer sent cannot be changed: what was extracted from the file' USING ERRCODE = 'SV001';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER submissions_keep_original BEFORE UPDATE ON submissions
  FOR EACH ROW EXECUTE FUNCTION submissions_keep_original();
CREATE TRIGGER submissions_never_deleted BEFORE DELETE ON submissions
  FOR EACH ROW EXECUTE FUNCTION forbid_original_change('a submission is withdrawn, never deleted');
CREATE TRIGGER submissions_no_truncate BEFORE TRUNCATE ON submissions
  FOR EACH STATEMENT EXECUTE FUNCTION forbid_original_change('a submission is withdrawn, never deleted');
CREATE TRIGGER media_files_keep_original BEFORE UPDATE ON media_files
  FOR EACH ROW EXECUTE FUNCTION media_files_keep_original();
CREATE TRIGGER media_files_never_deleted BEFORE DELETE ON media_files
  FOR EACH ROW EXECUTE FUNCTION forbid_original_change('a file is never deleted');
CREATE TRIGGER media_files_no_truncate BEFORE TRUNCATE ON media_files
  FOR EACH STATEMENT EXECUTE FUNCTION forbid_original_change('a file is never deleted');
