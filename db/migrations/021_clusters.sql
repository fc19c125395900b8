-- ============================================================================================
-- Stored clusters (issue 18, item 3): submissions that hold the same picture (exact or near
-- duplicates), the two halves of a Live Photo, or reports from the same station within minutes
-- are one cluster. The links are found once, when a submission arrives (same station) and when a
-- file is processed (its relations), and kept here; the queue lists clusters, a page of them at a
-- time, however far apart their members arrived.
-- ============================================================================================

-- Two submissions that belong together, and why (a < b: one row per pair and reason).
CREATE TABLE submission_links (
  a          uuid NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
  b          uuid NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
  reason     text NOT NULL CHECK (reason IN ('exact_duplicate', 'near_duplicate', 'live_photo_pair', 'same_station')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (a, b, reason),
  CHECK (a < b)
);
CREATE INDEX submission_links_b_idx ON submission_links (b);

-- The cluster a submission belongs to: the id of one of its members (the earliest received when
-- the cluster last grew); NULL for a submission linked to none. Written only by db/clusters.repo.ts,
-- under the advisory lock 'svidetel:clusters', so two growing clusters cannot miss each other.
ALTER TABLE submissions ADD COLUMN cluster_id uuid;

-- The cluster is derived, as the flags are: a cluster growing must not make a moderator's open
-- form stale (the version counts changes a decision is taken on).
CREATE OR REPLACE FUNCTION submissions_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  derived CONSTANT text[] := ARRAY['version', 'file_flags', 'has_video', 'polling_station_id', 'publish_decision_publishes', 'verify_decision_verifies', 'cluster_id'];
BEGIN
  IF (to_jsonb(NEW) - derived) IS DISTINCT FROM (to_jsonb(OLD) - derived) THEN
    NEW.version := OLD.version + 1;
  ELSE
    NEW.version := OLD.version;
  END IF;
  RETURN NEW;
END $$;

-- The queue's probe "is there an earlier member of this cluster in the same queue?" and the
-- members of a page's clusters: an index-only scan per cluster.
CREATE INDEX submissions_cluster_queue_idx ON submissions (cluster_id, status, received_at, id) WHERE cluster_id IS NOT NULL;
-- The queue's common filters in receipt order, with the cluster for the probe (covering indexes).
CREATE INDEX submissions_queue_region_idx ON submissions (status, region, received_at, id) INCLUDE (cluster_id);
CREATE INDEX submissions_queue_election_idx ON submissions (status, election_id, category_code, received_at, id) INCLUDE (cluster_id);

-- The links of what is stored already (before the checks below, which need not look at them one
-- by one): the same bytes, a Live Photo's halves, the same station within 10 minutes. Near
-- duplicates need the worker's band lookup, which SQL alone does not have: they are linked as
-- files are processed, or by the flags backfill (domain/processing/flags-backfill.service.ts).
INSERT INTO submission_links (a, b, reason)
SELECT DISTINCT least(x.submission_id, y.submission_id), greatest(x.submission_id, y.submission_id), 'exact_duplicate'
  FROM media_files x JOIN media_files y ON y.sha256 = x.sha256 AND y.submission_id <> x.submission_id
ON CONFLICT DO NOTHING;
INSERT INTO submission_links (a, b, reason)
SELECT DISTINCT least(x.submission_id, y.submission_id), greatest(x.submission_id, y.submission_id), 'live_photo_pair'
  FROM media_files x JOIN blobs bx ON bx.sha256 = x.sha256
  JOIN media_files y ON y.content_identifier = x.content_identifier AND y.submission_id <> x.submission_id
  JOIN blobs by_ ON by_.sha256 = y.sha256 AND by_.kind <> bx.kind
 WHERE x.content_identifier IS NOT NULL
ON CONFLICT DO NOTHING;
INSERT INTO submission_links (a, b, reason)
SELECT x.id, y.id, 'same_station'
  FROM submissions x JOIN submissions y
    ON y.election_id = x.election_id AND y.station_number = x.station_number AND y.region = x.region AND x.id < y.id
   AND y.received_at BETWEEN x.received_at - interval '10 minutes' AND x.received_at + interval '10 minutes'
ON CONFLICT DO NOTHING;
-- Each linked submission starts as its own cluster, then takes the least id of its neighbours until
-- nothing changes: every member of a connected group ends with the group's least id, a member's.
UPDATE submissions SET cluster_id = id WHERE id IN (SELECT a FROM submission_links UNION SELECT b FROM submission_links);
DO $$
DECLARE
  moved bigint;
BEGIN
  LOOP
    UPDATE submissions s SET cluster_id = n.c
      FROM (SELECT e.id, (array_agg(o.cluster_id ORDER BY o.cluster_id))[1] AS c
              FROM (SELECT a AS id, b AS other FROM submission_links UNION ALL SELECT b, a FROM submission_links) e
              JOIN submissions o ON o.id = e.other
             GROUP BY e.id) n
     WHERE s.id = n.id AND n.c < s.cluster_id;
    GET DIAGNOSTICS moved = ROW_COUNT;
    EXIT WHEN moved = 0;
  END LOOP;
END $$;
-- then named, as the application names them, after their earliest received member
UPDATE submissions s SET cluster_id = r.first
  FROM (SELECT cluster_id, (array_agg(id ORDER BY received_at, id))[1] AS first FROM submissions WHERE cluster_id IS NOT NULL GROUP BY cluster_id) r
 WHERE s.cluster_id = r.cluster_id AND s.cluster_id <> r.first;

-- Kept consistent at commit (deferred, so the repository may insert links and move members in any
-- order within its transaction): both ends of a link are in one cluster; a submission is in a
-- cluster exactly when it has a link; a cluster's id is that of a member which is in it itself.
CREATE FUNCTION submission_link_consistent() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ca uuid;
  cb uuid;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM submission_links WHERE a = NEW.a AND b = NEW.b AND reason = NEW.reason) THEN
    RETURN NULL; -- deleted again in the same transaction
  END IF;
  SELECT cluster_id INTO ca FROM submissions WHERE id = NEW.a;
  SELECT cluster_id INTO cb FROM submissions WHERE id = NEW.b;
  IF ca IS NULL OR cb IS NULL OR ca <> cb THEN
    RAISE EXCEPTION 'submission_links: % and % are linked but not in one cluster (% / %)', NEW.a, NEW.b, ca, cb
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER submission_links_in_one_cluster AFTER INSERT OR UPDATE ON submission_links
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION submission_link_consistent();

CREATE FUNCTION submission_cluster_consistent() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  current uuid;
  linked boolean;
BEGIN
  SELECT cluster_id INTO current FROM submissions WHERE id = NEW.id;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  linked := EXISTS (SELECT 1 FROM submission_links WHERE a = NEW.id) OR EXISTS (SELECT 1 FROM submission_links WHERE b = NEW.id);
  IF (current IS NOT NULL) <> linked THEN
    RAISE EXCEPTION 'submissions: % is % a cluster but has % links', NEW.id, CASE WHEN current IS NULL THEN 'in no' ELSE 'in' END,
      CASE WHEN linked THEN 'some' ELSE 'no' END USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF current IS NOT NULL AND current <> NEW.id
     AND NOT EXISTS (SELECT 1 FROM submissions WHERE id = current AND cluster_id = current) THEN
    RAISE EXCEPTION 'submissions: the cluster % of % is not one of its own members', current, NEW.id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER submissions_cluster_consistent AFTER UPDATE OF cluster_id ON submissions
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION submission_cluster_consistent();

GRANT SELECT, INSERT ON submission_links TO svidetel_app;
