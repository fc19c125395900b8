-- ============================================================================================
-- The live queue (issue 18, item 4): counts by flag kept like the counts by status, and the
-- moderator's own region.
-- ============================================================================================

-- How many submissions of each status carry each flag (a submission counts once per flag it has).
-- The live queue asks for these every few seconds per moderator; counting flagged rows among
-- 100 000 pending would cost more than the rest of the page. Kept exact by a deferred trigger, as
-- submission_status_counts is: a row appears on a flag's first use and stays (at 0 when unused).
CREATE TABLE submission_flag_counts (
  status text NOT NULL,
  flag   text NOT NULL,
  n      bigint NOT NULL CHECK (n >= 0),
  PRIMARY KEY (status, flag)
);
INSERT INTO submission_flag_counts (status, flag, n)
SELECT s.status, f.flag, count(*) FROM submissions s CROSS JOIN unnest(s.file_flags) AS f (flag) GROUP BY s.status, f.flag;

CREATE FUNCTION submission_flag_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  change record;
BEGIN
  -- -1 for each (status, flag) the row had, +1 for each it has now, one key at a time in key
  -- order (no deadlock between two changes). A key's first use inserts its row at 0 first: a
  -- negative count may never be proposed, even to an INSERT that would meet an existing row.
  FOR change IN
    SELECT status, flag, sum(delta) AS delta FROM (
        SELECT OLD.status AS status, f AS flag, -1 AS delta FROM unnest(OLD.file_flags) f WHERE TG_OP <> 'INSERT'
        UNION ALL
        SELECT NEW.status, f, 1 FROM unnest(NEW.file_flags) f WHERE TG_OP <> 'DELETE') changes
     GROUP BY status, flag HAVING sum(delta) <> 0
     ORDER BY status, flag
  LOOP
    INSERT INTO submission_flag_counts (status, flag, n) VALUES (change.status, change.flag, 0) ON CONFLICT DO NOTHING;
    UPDATE submission_flag_counts SET n = n + change.delta WHERE status = change.status AND flag = change.flag;
  END LOOP;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER submissions_flags_counted AFTER INSERT OR UPDATE OF status, file_flags OR DELETE ON submissions
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION submission_flag_count();

GRANT SELECT, INSERT, UPDATE ON submission_flag_counts TO svidetel_app;

-- "My region": the region a moderator works on, an account setting (the queue's "my region"
-- filter reads it), as observers spell regions in submissions.region.
ALTER TABLE accounts ADD COLUMN moderator_region text CHECK (moderator_region IS NULL OR length(moderator_region) BETWEEN 1 AND 200);
