-- Counts per status for the queue page, kept exact by triggers: counting 100 000 rows on every
-- page view would cost more than the page. The triggers run at commit (deferred), so the counter
-- rows are locked only for the moment of the commit, and each change updates its one or two rows
-- in one statement (always in the same order: no deadlock between two status changes).
CREATE TABLE submission_status_counts (
  status text PRIMARY KEY,
  n      bigint NOT NULL CHECK (n >= 0)
);
INSERT INTO submission_status_counts (status, n)
SELECT st, (SELECT count(*) FROM submissions WHERE status = st)
  FROM unnest(ARRAY['pending', 'needs_info', 'verified', 'published', 'withdrawn', 'rejected', 'merged']) AS st;

CREATE FUNCTION submission_status_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE submission_status_counts SET n = n + 1 WHERE status = NEW.status;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE submission_status_counts SET n = n - 1 WHERE status = OLD.status;
  ELSIF OLD.status IS DISTINCT FROM NEW.status THEN
    UPDATE submission_status_counts SET n = n + CASE WHEN status = NEW.status THEN 1 ELSE -1 END
     WHERE status IN (OLD.status, NEW.status);
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER submissions_status_counted AFTER INSERT OR UPDATE OF status OR DELETE ON submissions
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION submission_status_count();

-- "Has video" as a column: set when a video file is added (blobs never change kind), so the queue
-- filter reads the submission row instead of joining files and blobs row by row.
ALTER TABLE submissions ADD COLUMN has_video boolean NOT NULL DEFAULT false;
UPDATE submissions s SET has_video = true
 WHERE EXISTS (SELECT 1 FROM media_files m JOIN blobs b ON b.sha256 = m.sha256 WHERE m.submission_id = s.id AND b.kind = 'video');
CREATE FUNCTION media_files_mark_video() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE submissions SET has_video = true
   WHERE id = NEW.submission_id AND NOT has_video AND EXISTS (SELECT 1 FROM blobs WHERE sha256 = NEW.sha256 AND kind = 'video');
  RETURN NULL;
END $$;
CREATE TRIGGER media_files_video_marks_submission AFTER INSERT ON media_files
  FOR EACH ROW EXECUTE FUNCTION media_files_mark_video();
CREATE INDEX submissions_video_queue_idx ON submissions (status, received_at, id) WHERE has_video;

-- The flags of all its files, on the submission: the queue's flag filter then reads one row per
-- entry instead of probing its files. Kept in step with media_files by a trigger (the worker sets
-- flags after upload, and may flag an older file when a duplicate arrives).
ALTER TABLE submissions ADD COLUMN file_flags text[] NOT NULL DEFAULT '{}';
UPDATE submissions s SET file_flags = f.flags
  FROM (SELECT m.submission_id, array_agg(DISTINCT flag ORDER BY flag) AS flags
          FROM media_files m CROSS JOIN unnest(m.flags) flag GROUP BY m.submission_id) f
 WHERE f.submission_id = s.id;
CREATE FUNCTION media_files_collect_flags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE submissions s
     SET file_flags = coalesce((SELECT array_agg(DISTINCT flag ORDER BY flag)
                                  FROM media_files m CROSS JOIN unnest(m.flags) flag WHERE m.submission_id = s.id), '{}')
   WHERE s.id = NEW.submission_id;
  RETURN NULL;
END $$;
CREATE TRIGGER media_files_flags_to_submission AFTER INSERT OR UPDATE OF flags ON media_files
  FOR EACH ROW EXECUTE FUNCTION media_files_collect_flags();
CREATE INDEX submissions_file_flags_idx ON submissions USING gin (file_flags);

-- Derived columns (file flags, has video) follow the files; they do not make a moderator's open
-- form stale. Everything else a person decides on does.
CREATE OR REPLACE FUNCTION submissions_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  derived CONSTANT text[] := ARRAY['version', 'file_flags', 'has_video', 'publish_decision_publishes', 'verify_decision_verifies'];
BEGIN
  IF (to_jsonb(NEW) - derived) IS DISTINCT FROM (to_jsonb(OLD) - derived) THEN
    NEW.version := OLD.version + 1;
  ELSE
    NEW.version := OLD.version;
  END IF;
  RETURN NEW;
END $$;
