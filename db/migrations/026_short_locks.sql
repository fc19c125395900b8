-- The log's lock and the clusters' lock held for as few round trips as possible. At noon every
-- upload waits for the one before it to release the log's lock, and its holder spent most of the
-- hold waiting for its own (busy) API process to send the next statement: six waits per upload.
-- What needs a statement of its own after taking a lock (READ COMMITTED: a statement that waited for
-- a lock sees only what was committed before it began) runs here, inside one call, where every
-- statement of a VOLATILE function takes a fresh snapshot.

-- Locks the log for an append (the caller's transaction holds it until it ends) and returns its size
-- and its frontier: the hashes of the perfect subtrees that make up the tree, largest first (bit l of
-- the size set: the subtree of level l at index (size >> l) - 1), concatenated.
CREATE FUNCTION tlog_lock_for_append(OUT log_size bigint, OUT frontier bytea) LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  SELECT s.size INTO log_size FROM tlog_state s WHERE s.id FOR UPDATE;
  SELECT coalesce(string_agg(t.hash, ''::bytea ORDER BY p.level DESC), ''::bytea) INTO frontier
    FROM (SELECT l AS level, (log_size >> l) - 1 AS idx FROM generate_series(0, 62) AS l WHERE (log_size >> l) & 1 = 1) p
    JOIN tlog_subtrees t ON t.level = p.level AND t.idx = p.idx;
END $$;

-- Links `sub` to each partner (one reason each) and puts them, with everything already in their
-- clusters, into one cluster named after its earliest received member; returns it (null: no partner).
-- The group is not walked over its links: every linked submission already carries its cluster (the
-- triggers see to it), so the merged cluster's name is the earliest of the clusters' names and of the
-- members that had none, and only the members of the clusters merged away are moved. A report joining
-- a busy station's cluster of thousands costs a few rows. Every read is = ANY of an array: by key,
-- whatever the (cached, generic) plan expects.
CREATE FUNCTION clusters_link(sub uuid, partners uuid[], reasons text[]) RETURNS uuid LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  linked uuid;
BEGIN
  IF cardinality(partners) = 0 THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('svidetel:clusters'));
  WITH links AS (
    INSERT INTO submission_links (a, b, reason)
    SELECT least(sub, p.id), greatest(sub, p.id), p.reason FROM unnest(partners, reasons) AS p (id, reason)
    ON CONFLICT DO NOTHING),
  ends AS (
    SELECT s.id, s.cluster_id FROM submissions s WHERE s.id = ANY(array_prepend(sub, partners))),
  named AS (
    SELECT s.id, s.received_at FROM submissions s WHERE s.id = ANY(ARRAY(SELECT e.cluster_id FROM ends e WHERE e.cluster_id IS NOT NULL))
    UNION
    SELECT s.id, s.received_at FROM submissions s JOIN ends e ON e.id = s.id WHERE e.cluster_id IS NULL),
  target AS (
    SELECT n.id AS cluster_id FROM named n ORDER BY n.received_at, n.id LIMIT 1),
  moved AS (
    UPDATE submissions s SET cluster_id = target.cluster_id FROM target
     WHERE s.cluster_id IS DISTINCT FROM target.cluster_id
       AND s.id = ANY(ARRAY(SELECT e.id FROM ends e
                            UNION
                            SELECT m.id FROM submissions m, (SELECT ARRAY(SELECT e.cluster_id FROM ends e, target t WHERE e.cluster_id IS NOT NULL AND e.cluster_id <> t.cluster_id) AS away) c
                             WHERE cardinality(c.away) > 0 AND m.cluster_id = ANY(c.away))))
  SELECT target.cluster_id INTO linked FROM target;
  RETURN linked;
END $$;

-- Links `sub` to the nearest (at most 8) submissions of the same election, region and station
-- received within `minutes` of it (either side, any status), for `reason`, and merges their clusters.
-- The lock is taken before the neighbours are read, so of two reports sent at the same moment from
-- one station the second to get it sees the first. The nearest 8 on each side come from two index
-- scans in the index's own order (so even a generic plan reads 8 rows each); a few partners are
-- enough, they are all in one cluster already.
CREATE FUNCTION clusters_link_same_station(sub uuid, minutes int, reason text) RETURNS uuid LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  partners uuid[];
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('svidetel:clusters'));
  WITH me AS (
    SELECT s.election_id, s.station_number, s.region, s.received_at FROM submissions s WHERE s.id = sub),
  near AS (
    SELECT b.id, b.received_at FROM me, LATERAL (
      SELECT o.id, o.received_at FROM submissions o
       WHERE o.election_id = me.election_id AND o.station_number = me.station_number AND o.region = me.region AND o.id <> sub
         AND o.received_at BETWEEN me.received_at - minutes * interval '1 minute' AND me.received_at
       ORDER BY o.received_at DESC LIMIT 8) b
    UNION ALL
    SELECT a.id, a.received_at FROM me, LATERAL (
      SELECT o.id, o.received_at FROM submissions o
       WHERE o.election_id = me.election_id AND o.station_number = me.station_number AND o.region = me.region AND o.id <> sub
         AND o.received_at > me.received_at AND o.received_at <= me.received_at + minutes * interval '1 minute'
       ORDER BY o.received_at LIMIT 8) a)
  SELECT coalesce(array_agg(n.id), '{}') INTO partners FROM (
    SELECT near.id FROM near, me ORDER BY abs(extract(epoch FROM near.received_at - me.received_at)), near.id LIMIT 8) n;
  RETURN clusters_link(sub, partners, array_fill(reason, ARRAY[cardinality(partners)]));
END $$;
