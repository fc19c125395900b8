--
-- PostgreSQL database dump
--



SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: btree_gin; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS btree_gin WITH SCHEMA public;


--
-- Name: EXTENSION btree_gin; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION btree_gin IS 'support for indexing common datatypes in GIN';


--
-- Name: pg_trgm; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;


--
-- Name: EXTENSION pg_trgm; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pg_trgm IS 'text similarity measurement and index searching based on trigrams';


--
-- Name: pgcrypto; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;


--
-- Name: EXTENSION pgcrypto; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pgcrypto IS 'cryptographic functions';


SET default_table_access_method = heap;

--
-- Name: archive_entries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.archive_entries (
    id uuid NOT NULL,
    election_id integer NOT NULL,
    region text NOT NULL,
    station_number text NOT NULL,
    category_code text NOT NULL,
    published_at timestamp with time zone NOT NULL,
    verified_at timestamp with time zone NOT NULL,
    captured_at timestamp with time zone,
    has_photo boolean NOT NULL,
    has_video boolean NOT NULL,
    file_count integer NOT NULL,
    first_thumb_file_id uuid,
    lat double precision,
    lon double precision,
    title text,
    search_text tsvector NOT NULL,
    description text NOT NULL,
    file_sha256 text[] NOT NULL,
    CONSTRAINT archive_entries_check CHECK (((lat IS NULL) = (lon IS NULL))),
    CONSTRAINT archive_entries_file_count_check CHECK ((file_count >= 0)),
    CONSTRAINT archive_entries_lat_check CHECK (((lat >= ('-90'::integer)::double precision) AND (lat <= (90)::double precision))),
    CONSTRAINT archive_entries_lon_check CHECK (((lon >= ('-180'::integer)::double precision) AND (lon <= (180)::double precision)))
);


--
-- Name: archive_map_cell_losses(public.archive_entries[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.archive_map_cell_losses(removed_rows public.archive_entries[]) RETURNS TABLE(zoom smallint, cell_y integer, cell_x integer, election_id integer, category_code text, entries integer, lat_sum double precision, lon_sum double precision)
    LANGUAGE sql STABLE
    AS $$
  SELECT z.zoom::smallint, floor(o.lat * 2 ^ z.zoom / 90)::int, floor(o.lon * 2 ^ z.zoom / 90)::int, o.election_id, o.category_code,
         count(*)::int, sum(o.lat), sum(o.lon)
    FROM unnest(removed_rows) o CROSS JOIN generate_series(0, 5) AS z(zoom)
   WHERE o.lat IS NOT NULL
   GROUP BY 1, 2, 3, 4, 5
$$;


--
-- Name: archive_map_cells_added(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.archive_map_cells_added() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  INSERT INTO archive_map_cells AS c (zoom, cell_y, cell_x, election_id, category_code, entries, lat_sum, lon_sum)
  SELECT z.zoom, floor(n.lat * 2 ^ z.zoom / 90)::int, floor(n.lon * 2 ^ z.zoom / 90)::int, n.election_id, n.category_code,
         count(*), sum(n.lat), sum(n.lon)
    FROM added n CROSS JOIN generate_series(0, 5) AS z(zoom)
   WHERE n.lat IS NOT NULL
   GROUP BY 1, 2, 3, 4, 5
   ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (zoom, cell_y, cell_x, election_id, category_code) DO UPDATE
     SET entries = c.entries + EXCLUDED.entries, lat_sum = c.lat_sum + EXCLUDED.lat_sum, lon_sum = c.lon_sum + EXCLUDED.lon_sum;
  RETURN NULL;
END $$;


--
-- Name: archive_map_cells_removed(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.archive_map_cells_removed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
  losses_rows archive_entries[] := (SELECT array_agg(r) FROM removed r);
BEGIN
  -- Lock the cells in key order first, as the upsert of additions does, then subtract.
  PERFORM 1 FROM archive_map_cells c JOIN archive_map_cell_losses(losses_rows) d USING (zoom, cell_y, cell_x, election_id, category_code)
    ORDER BY c.zoom, c.cell_y, c.cell_x, c.election_id, c.category_code FOR UPDATE OF c;
  UPDATE archive_map_cells c
     SET entries = c.entries - d.entries, lat_sum = c.lat_sum - d.lat_sum, lon_sum = c.lon_sum - d.lon_sum
    FROM archive_map_cell_losses(losses_rows) d
   WHERE (c.zoom, c.cell_y, c.cell_x, c.election_id, c.category_code) = (d.zoom, d.cell_y, d.cell_x, d.election_id, d.category_code);
  DELETE FROM archive_map_cells WHERE entries = 0;
  RETURN NULL;
END $$;


--
-- Name: archive_map_cells_truncated(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.archive_map_cells_truncated() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  TRUNCATE archive_map_cells;
  RETURN NULL;
END $$;


--
-- Name: archive_refresh(uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.archive_refresh(entry uuid) RETURNS void
    LANGUAGE sql
    AS $$
  SELECT pg_advisory_xact_lock(hashtextextended('archive_entry:' || entry::text, 0));
  DELETE FROM archive_entries WHERE id = entry;
  INSERT INTO archive_entries SELECT * FROM archive_entry_source WHERE id = entry;
$$;


--
-- Name: archive_refresh_labels(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.archive_refresh_labels() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF TG_TABLE_NAME = 'categories' THEN
    PERFORM archive_refresh(a.id) FROM archive_entries a WHERE a.category_code = NEW.code;
  ELSE
    PERFORM archive_refresh(a.id) FROM archive_entries a WHERE a.election_id = NEW.id;
  END IF;
  RETURN NULL;
END $$;


--
-- Name: archive_refresh_media(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.archive_refresh_media() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM archive_entries WHERE id = NEW.submission_id) THEN
    PERFORM archive_refresh(NEW.submission_id);
  END IF;
  RETURN NULL;
END $$;


--
-- Name: archive_refresh_station(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.archive_refresh_station() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  PERFORM archive_refresh(s.id) FROM submissions s WHERE s.polling_station_id = NEW.id AND s.status = 'published';
  RETURN NULL;
END $$;


--
-- Name: archive_refresh_submission(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.archive_refresh_submission() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  PERFORM archive_refresh(NEW.id);
  RETURN NULL;
END $$;


--
-- Name: audit_forbid_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_forbid_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;


--
-- Name: audit_head_advances(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_head_advances() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'the audit head is never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.seq <> OLD.seq + 1 OR NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash AND prev_hash = OLD.hash) THEN
    RAISE EXCEPTION 'the audit head moves forward by exactly one appended row' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;


--
-- Name: clusters_link(uuid, uuid[], text[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.clusters_link(sub uuid, partners uuid[], reasons text[]) RETURNS uuid
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: clusters_link_same_station(uuid, integer, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.clusters_link_same_station(sub uuid, minutes integer, reason text) RETURNS uuid
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: decisions_forbid_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.decisions_forbid_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  RAISE EXCEPTION 'decisions are append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;


--
-- Name: decisions_publish_after_verify(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.decisions_publish_after_verify() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM decisions WHERE submission_id = NEW.submission_id AND verifies AND created_at <= NEW.created_at) THEN
    RAISE EXCEPTION 'a publish decision needs an earlier verify decision of the same submission' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;


--
-- Name: discrepancy_rank_follow_archive(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.discrepancy_rank_follow_archive() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
  entry uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
BEGIN
  PERFORM discrepancy_ranks_refresh(d.election_id, array_agg(DISTINCT d.uik_number))
     FROM station_discrepancies d WHERE d.submission_id = entry GROUP BY d.election_id;
  RETURN NULL;
END $$;


--
-- Name: discrepancy_ranks_refresh(integer, text[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.discrepancy_ranks_refresh(election integer, uiks text[]) RETURNS void
    LANGUAGE sql
    AS $$
  INSERT INTO station_discrepancy_ranks (election_id, uik_number, region, score, differing, evidence)
  SELECT election, d.uik_number, coalesce(min(o.region), min(a.region)), max(d.excess), count(*) FILTER (WHERE d.difference <> 0)::int,
         count(DISTINCT d.submission_id)::int
    FROM station_discrepancies d
    JOIN archive_entries a ON a.id = d.submission_id
    LEFT JOIN official_results o ON o.election_id = election AND o.uik_number = d.uik_number
   WHERE d.election_id = election AND (uiks IS NULL OR d.uik_number = ANY (uiks))
   GROUP BY d.uik_number
  ON CONFLICT (election_id, uik_number) DO UPDATE
     SET region = EXCLUDED.region, score = EXCLUDED.score, differing = EXCLUDED.differing, evidence = EXCLUDED.evidence;
  DELETE FROM station_discrepancy_ranks r
   WHERE r.election_id = election AND (uiks IS NULL OR r.uik_number = ANY (uiks))
     AND NOT EXISTS (SELECT 1 FROM station_discrepancies d JOIN archive_entries a ON a.id = d.submission_id
                      WHERE d.election_id = election AND d.uik_number = r.uik_number);
$$;


--
-- Name: forbid_category_code_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.forbid_category_code_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'categories are never deleted; set active = false' USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.code <> OLD.code OR NEW.phase_code <> OLD.phase_code THEN
    RAISE EXCEPTION 'a category code never changes' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;


--
-- Name: forbid_original_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.forbid_original_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  RAISE EXCEPTION 'what the observer sent cannot be changed: % on % (%)', TG_OP, TG_TABLE_NAME, TG_ARGV[0]
    USING ERRCODE = 'SV001';
END $$;


--
-- Name: media_files_collect_flags(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.media_files_collect_flags() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  UPDATE submissions s
     SET file_flags = coalesce((SELECT array_agg(DISTINCT flag ORDER BY flag)
                                  FROM media_files m CROSS JOIN unnest(m.flags) flag WHERE m.submission_id = s.id), '{}')
   WHERE s.id = NEW.submission_id;
  RETURN NULL;
END $$;


--
-- Name: media_files_keep_original(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.media_files_keep_original() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: media_files_mark_video(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.media_files_mark_video() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  UPDATE submissions SET has_video = true
   WHERE id = NEW.submission_id AND NOT has_video AND EXISTS (SELECT 1 FROM blobs WHERE sha256 = NEW.sha256 AND kind = 'video');
  RETURN NULL;
END $$;


--
-- Name: notes_forbid_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.notes_forbid_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  RAISE EXCEPTION 'notes are append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;


--
-- Name: official_imports_forbid_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.official_imports_forbid_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  RAISE EXCEPTION 'official-result imports are kept as they were: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;


--
-- Name: official_results_name_their_import(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.official_results_name_their_import() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM changed_rows n
              WHERE NOT EXISTS (SELECT 1 FROM official_result_imports i WHERE i.id = n.import_id AND i.election_id = n.election_id)) THEN
    RAISE EXCEPTION 'official results must name an import of their election' USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;


--
-- Name: redaction_regions_valid(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.redaction_regions_valid(regions jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT
    AS $$
  SELECT jsonb_typeof(regions) = 'array' AND NOT EXISTS (
    SELECT 1 FROM jsonb_array_elements(regions) AS r (box)
     WHERE NOT (
       jsonb_typeof(box) = 'object'
       AND box - ARRAY['x', 'y', 'w', 'h', 'style', 'from_s', 'to_s'] = '{}'::jsonb
       AND jsonb_typeof(box->'x') = 'number' AND jsonb_typeof(box->'y') = 'number'
       AND jsonb_typeof(box->'w') = 'number' AND jsonb_typeof(box->'h') = 'number'
       AND (box->>'x')::numeric >= 0 AND (box->>'y')::numeric >= 0
       AND (box->>'w')::numeric > 0 AND (box->>'h')::numeric > 0
       AND (box->>'x')::numeric + (box->>'w')::numeric <= 1.0001
       AND (box->>'y')::numeric + (box->>'h')::numeric <= 1.0001
       AND box->>'style' IN ('blur', 'fill')
       AND (box ? 'from_s') = (box ? 'to_s')
       AND (NOT box ? 'from_s' OR (
         jsonb_typeof(box->'from_s') = 'number' AND jsonb_typeof(box->'to_s') = 'number'
         AND (box->>'from_s')::numeric >= 0 AND (box->>'to_s')::numeric > (box->>'from_s')::numeric))
     )
  )
$$;


--
-- Name: submission_cluster_consistent(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.submission_cluster_consistent() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: submission_flag_count(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.submission_flag_count() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: submission_link_consistent(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.submission_link_consistent() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: submission_status_count(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.submission_status_count() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: submissions_bump_version(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.submissions_bump_version() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: submissions_keep_original(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.submissions_keep_original() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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


--
-- Name: submissions_publication_follows_decision(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.submissions_publication_follows_decision() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
  choices jsonb;
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status
     AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.submission_id = NEW.id AND d.created_at = now())
     AND NOT (OLD.status = 'needs_info' AND NEW.status = 'pending'
              AND EXISTS (SELECT 1 FROM observer_answers a WHERE a.submission_id = NEW.id AND a.created_at = now())) THEN
    RAISE EXCEPTION 'a submission''s status changes only with a decision recorded in the same transaction (% -> %)', OLD.status, NEW.status
      USING ERRCODE = 'SV002';
  END IF;
  IF NEW.publish_decision_id IS NOT NULL
     AND (NEW.publish_decision_id, NEW.public_location, NEW.public_device, NEW.original_downloadable)
         IS DISTINCT FROM (OLD.publish_decision_id, OLD.public_location, OLD.public_device, OLD.original_downloadable) THEN
    SELECT d.public_choices INTO choices FROM decisions d WHERE d.id = NEW.publish_decision_id;
    IF choices IS NULL
       OR (choices ->> 'location', (choices ->> 'device')::boolean, (choices ->> 'originalDownloadable')::boolean)
          IS DISTINCT FROM (NEW.public_location, NEW.public_device, NEW.original_downloadable) THEN
      RAISE EXCEPTION 'what is public of a submission is what its publishing decision chose'
        USING ERRCODE = 'SV002';
    END IF;
  END IF;
  RETURN NULL;
END $$;


--
-- Name: submissions_publication_hold(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.submissions_publication_hold() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM elections WHERE id = NEW.election_id AND hold_publication AND polls_close_at > now()) THEN
    RAISE EXCEPTION 'publication is held until the polls of this election close' USING ERRCODE = 'SV003';
  END IF;
  RETURN NEW;
END $$;


--
-- Name: tlog_forbid_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.tlog_forbid_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  RAISE EXCEPTION 'the transparency log is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME;
END $$;


--
-- Name: tlog_lock_for_append(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.tlog_lock_for_append(OUT log_size bigint, OUT frontier bytea) RETURNS record
    LANGUAGE plpgsql
    AS $$
BEGIN
  SELECT s.size INTO log_size FROM tlog_state s WHERE s.id FOR UPDATE;
  SELECT coalesce(string_agg(t.hash, ''::bytea ORDER BY p.level DESC), ''::bytea) INTO frontier
    FROM (SELECT l AS level, (log_size >> l) - 1 AS idx FROM generate_series(0, 62) AS l WHERE (log_size >> l) & 1 = 1) p
    JOIN tlog_subtrees t ON t.level = p.level AND t.idx = p.idx;
END $$;


--
-- Name: tlog_state_grows(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.tlog_state_grows() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
  IF NEW.size < OLD.size THEN
    RAISE EXCEPTION 'the transparency log size cannot shrink (% -> %)', OLD.size, NEW.size;
  END IF;
  RETURN NEW;
END $$;


--
-- Name: account_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.account_tokens (
    token_hash bytea NOT NULL,
    purpose text NOT NULL,
    account_id uuid,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT account_tokens_check CHECK (((purpose = 'first_admin'::text) = (account_id IS NULL))),
    CONSTRAINT account_tokens_purpose_check CHECK ((purpose = ANY (ARRAY['first_admin'::text, 'set_password'::text]))),
    CONSTRAINT account_tokens_token_hash_check CHECK ((length(token_hash) = 32))
);


--
-- Name: accounts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.accounts (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    email text NOT NULL,
    role text NOT NULL,
    password_hash text,
    disabled_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    totp_secret text,
    totp_last_step bigint,
    moderator_region text,
    CONSTRAINT accounts_email_check CHECK (((email = lower(email)) AND (email ~ '^[^@\s]+@[^@\s]+$'::text) AND (length(email) <= 254))),
    CONSTRAINT accounts_moderator_region_check CHECK (((moderator_region IS NULL) OR ((length(moderator_region) >= 1) AND (length(moderator_region) <= 200)))),
    CONSTRAINT accounts_password_hash_check CHECK (((password_hash IS NULL) OR (password_hash ~~ '$argon2id$%'::text))),
    CONSTRAINT accounts_role_check CHECK ((role = ANY (ARRAY['moderator'::text, 'admin'::text]))),
    CONSTRAINT accounts_totp_secret_check CHECK (((totp_secret IS NULL) OR (totp_secret ~ '^v1:[A-Za-z0-9+/]{40,252}={0,2}$'::text) OR (totp_secret ~ '^[A-Z2-7]{16,128}$'::text)))
);


--
-- Name: app_settings; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.app_settings (
    id boolean DEFAULT true NOT NULL,
    require_totp boolean DEFAULT false NOT NULL,
    CONSTRAINT app_settings_id_check CHECK (id)
);


--
-- Name: blobs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.blobs (
    sha256 bytea NOT NULL,
    bytes bigint NOT NULL,
    mime text NOT NULL,
    kind text NOT NULL,
    stored_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT blobs_bytes_check CHECK ((bytes > 0)),
    CONSTRAINT blobs_kind_check CHECK ((kind = ANY (ARRAY['image'::text, 'video'::text]))),
    CONSTRAINT blobs_sha256_check CHECK ((length(sha256) = 32))
);


--
-- Name: categories; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.categories (
    code text NOT NULL,
    phase_code text NOT NULL,
    "position" integer NOT NULL,
    label_ru text NOT NULL,
    label_en text NOT NULL,
    active boolean DEFAULT true NOT NULL,
    CONSTRAINT categories_code_check CHECK ((code ~ '^[a-z0-9_]{2,60}$'::text)),
    CONSTRAINT categories_label_en_check CHECK (((length(label_en) >= 1) AND (length(label_en) <= 300))),
    CONSTRAINT categories_label_ru_check CHECK (((length(label_ru) >= 1) AND (length(label_ru) <= 300)))
);


--
-- Name: decisions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.decisions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    submission_id uuid NOT NULL,
    account_id uuid NOT NULL,
    action text NOT NULL,
    reason text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    checklist jsonb,
    reason_code text,
    merged_into uuid,
    public_choices jsonb,
    verifies boolean GENERATED ALWAYS AS ((action = ANY (ARRAY['verify'::text, 'verify_publish'::text]))) STORED,
    publishes boolean GENERATED ALWAYS AS ((action = ANY (ARRAY['publish'::text, 'verify_publish'::text]))) STORED,
    CONSTRAINT decisions_action_check CHECK ((action = ANY (ARRAY['verify_publish'::text, 'verify'::text, 'reject'::text, 'needs_info'::text, 'publish'::text, 'unpublish'::text, 'merge'::text]))),
    CONSTRAINT decisions_check CHECK (((action <> 'reject'::text) OR (reason IS NOT NULL))),
    CONSTRAINT decisions_checklist_check CHECK (((checklist IS NULL) OR ((jsonb_typeof(checklist) = 'object'::text) AND (checklist ?& ARRAY['source'::text, 'time'::text, 'place'::text, 'content'::text])))),
    CONSTRAINT decisions_merge_target CHECK ((((action = 'merge'::text) = (merged_into IS NOT NULL)) AND (merged_into IS DISTINCT FROM submission_id))),
    CONSTRAINT decisions_public_choices_check CHECK (((public_choices IS NULL) OR (jsonb_typeof(public_choices) = 'object'::text))),
    CONSTRAINT decisions_reason_check CHECK (((reason IS NULL) OR ((length(reason) >= 1) AND (length(reason) <= 2000)))),
    CONSTRAINT decisions_reason_code_check CHECK ((reason_code = ANY (ARRAY['not_evidence'::text, 'unverifiable'::text, 'staged_or_edited'::text, 'wrong_election'::text, 'duplicate'::text, 'endangers_people'::text, 'other'::text]))),
    CONSTRAINT decisions_reason_required CHECK (((action <> ALL (ARRAY['needs_info'::text, 'unpublish'::text, 'merge'::text])) OR (reason IS NOT NULL))),
    CONSTRAINT decisions_reject_reason_code CHECK (((action <> 'reject'::text) OR (reason_code IS NOT NULL))),
    CONSTRAINT decisions_verify_checklist CHECK (((action <> 'verify'::text) OR (checklist IS NOT NULL)))
);


--
-- Name: elections; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.elections (
    id integer NOT NULL,
    slug text NOT NULL,
    name_ru text NOT NULL,
    name_en text NOT NULL,
    country text NOT NULL,
    voting_starts_on date NOT NULL,
    voting_ends_on date NOT NULL,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    polls_close_at timestamp with time zone,
    hold_publication boolean DEFAULT false NOT NULL,
    CONSTRAINT elections_check CHECK ((voting_ends_on >= voting_starts_on)),
    CONSTRAINT elections_country_check CHECK ((country ~ '^[A-Z]{2}$'::text)),
    CONSTRAINT elections_hold_needs_close CHECK (((NOT hold_publication) OR (polls_close_at IS NOT NULL))),
    CONSTRAINT elections_name_en_check CHECK (((length(name_en) >= 1) AND (length(name_en) <= 300))),
    CONSTRAINT elections_name_ru_check CHECK (((length(name_ru) >= 1) AND (length(name_ru) <= 300))),
    CONSTRAINT elections_slug_check CHECK ((slug ~ '^[a-z0-9-]{3,80}$'::text))
);


--
-- Name: media_files; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.media_files (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    submission_id uuid NOT NULL,
    sha256 bytea NOT NULL,
    "position" integer NOT NULL,
    original_name text NOT NULL,
    status text DEFAULT 'received'::text NOT NULL,
    failure_reason text,
    attempts integer DEFAULT 0 NOT NULL,
    status_changed_at timestamp with time zone DEFAULT now() NOT NULL,
    width integer,
    height integer,
    orientation smallint,
    duration_s double precision,
    taken_at_local timestamp without time zone,
    taken_at_offset text,
    offset_source text,
    taken_at_utc timestamp with time zone,
    taken_at_source text,
    gps_lat double precision,
    gps_lon double precision,
    gps_alt double precision,
    gps_source text,
    make text,
    model text,
    software text,
    flags text[] DEFAULT '{}'::text[] NOT NULL,
    metadata jsonb,
    has_thumb boolean DEFAULT false NOT NULL,
    has_preview boolean DEFAULT false NOT NULL,
    phash bigint,
    phash_band0 integer GENERATED ALWAYS AS ((((phash >> 48) & (65535)::bigint))::integer) STORED,
    phash_band1 integer GENERATED ALWAYS AS ((((phash >> 32) & (65535)::bigint))::integer) STORED,
    phash_band2 integer GENERATED ALWAYS AS ((((phash >> 16) & (65535)::bigint))::integer) STORED,
    phash_band3 integer GENERATED ALWAYS AS (((phash & (65535)::bigint))::integer) STORED,
    content_identifier text,
    has_contact boolean DEFAULT false NOT NULL,
    retry_reason text,
    preview_owed boolean DEFAULT false NOT NULL,
    CONSTRAINT media_files_check CHECK (((status = 'failed'::text) = (failure_reason IS NOT NULL))),
    CONSTRAINT media_files_check1 CHECK (((gps_lat IS NULL) = (gps_lon IS NULL))),
    CONSTRAINT media_files_check2 CHECK (((taken_at_offset IS NULL) OR (taken_at_local IS NOT NULL))),
    CONSTRAINT media_files_contact_needs_preview CHECK (((NOT has_contact) OR has_preview)),
    CONSTRAINT media_files_content_identifier_check CHECK (((content_identifier IS NULL) OR ((length(content_identifier) >= 1) AND (length(content_identifier) <= 200)))),
    CONSTRAINT media_files_duration_s_check CHECK ((duration_s >= (0)::double precision)),
    CONSTRAINT media_files_gps_lat_check CHECK (((gps_lat >= ('-90'::integer)::double precision) AND (gps_lat <= (90)::double precision))),
    CONSTRAINT media_files_gps_lon_check CHECK (((gps_lon >= ('-180'::integer)::double precision) AND (gps_lon <= (180)::double precision))),
    CONSTRAINT media_files_height_check CHECK ((height > 0)),
    CONSTRAINT media_files_orientation_check CHECK (((orientation >= 1) AND (orientation <= 8))),
    CONSTRAINT media_files_original_name_check CHECK (((length(original_name) >= 1) AND (length(original_name) <= 255))),
    CONSTRAINT media_files_position_check CHECK (("position" >= 0)),
    CONSTRAINT media_files_preview_owed_or_made CHECK ((NOT (preview_owed AND has_preview))),
    CONSTRAINT media_files_preview_owed_when_ready CHECK (((NOT preview_owed) OR (status = 'ready'::text))),
    CONSTRAINT media_files_status_check CHECK ((status = ANY (ARRAY['received'::text, 'processing'::text, 'waiting_retry'::text, 'ready'::text, 'failed'::text]))),
    CONSTRAINT media_files_taken_at_offset_check CHECK ((taken_at_offset ~ '^[+-][0-9]{2}:[0-9]{2}$'::text)),
    CONSTRAINT media_files_waiting_retry_has_reason CHECK (((status <> 'waiting_retry'::text) OR (retry_reason IS NOT NULL))),
    CONSTRAINT media_files_width_check CHECK ((width > 0))
);


--
-- Name: polling_stations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.polling_stations (
    id integer NOT NULL,
    election_id integer NOT NULL,
    region text NOT NULL,
    tik text NOT NULL,
    uik_number text NOT NULL,
    address text NOT NULL,
    latitude double precision,
    longitude double precision,
    imported_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT polling_stations_address_check CHECK (((length(address) >= 1) AND (length(address) <= 1000))),
    CONSTRAINT polling_stations_check CHECK (((latitude IS NULL) = (longitude IS NULL))),
    CONSTRAINT polling_stations_latitude_check CHECK (((latitude >= ('-90'::integer)::double precision) AND (latitude <= (90)::double precision))),
    CONSTRAINT polling_stations_longitude_check CHECK (((longitude >= ('-180'::integer)::double precision) AND (longitude <= (180)::double precision))),
    CONSTRAINT polling_stations_region_check CHECK (((length(region) >= 1) AND (length(region) <= 200))),
    CONSTRAINT polling_stations_tik_check CHECK (((length(tik) >= 1) AND (length(tik) <= 300))),
    CONSTRAINT polling_stations_uik_number_check CHECK ((uik_number ~ '^(0|[1-9][0-9]{0,5})$'::text))
);


--
-- Name: regions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.regions (
    code text NOT NULL,
    kind text NOT NULL,
    name_ru text NOT NULL,
    name_en text NOT NULL,
    aliases text[] DEFAULT '{}'::text[] NOT NULL,
    boundary jsonb,
    CONSTRAINT regions_boundary_check CHECK (((boundary IS NULL) OR ((boundary ->> 'type'::text) = ANY (ARRAY['Polygon'::text, 'MultiPolygon'::text])))),
    CONSTRAINT regions_code_check CHECK ((code ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'::text)),
    CONSTRAINT regions_kind_check CHECK ((kind = ANY (ARRAY['subject'::text, 'occupied'::text, 'country'::text]))),
    CONSTRAINT regions_name_en_check CHECK (((length(name_en) >= 1) AND (length(name_en) <= 200))),
    CONSTRAINT regions_name_ru_check CHECK (((length(name_ru) >= 1) AND (length(name_ru) <= 200)))
);


--
-- Name: submissions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.submissions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    election_id integer NOT NULL,
    region text NOT NULL,
    station_number text NOT NULL,
    category_code text NOT NULL,
    description text NOT NULL,
    happened_at timestamp without time zone,
    reporter_role text,
    complaint_status text,
    status text DEFAULT 'pending'::text NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    decided_at timestamp with time zone,
    published_at timestamp with time zone,
    publish_decision_id uuid,
    public_title text,
    public_description text,
    public_location text DEFAULT 'rounded'::text NOT NULL,
    public_device boolean DEFAULT false NOT NULL,
    original_downloadable boolean DEFAULT false NOT NULL,
    withdrawn_at timestamp with time zone,
    withdrawal_reason text,
    version integer DEFAULT 1 NOT NULL,
    publish_decision_publishes boolean GENERATED ALWAYS AS (
CASE
    WHEN (publish_decision_id IS NULL) THEN NULL::boolean
    ELSE true
END) STORED,
    verify_decision_id uuid,
    verify_decision_verifies boolean GENERATED ALWAYS AS (
CASE
    WHEN (verify_decision_id IS NULL) THEN NULL::boolean
    ELSE true
END) STORED,
    merged_into_id uuid,
    polling_station_id integer,
    has_video boolean DEFAULT false NOT NULL,
    file_flags text[] DEFAULT '{}'::text[] NOT NULL,
    client_key_sha256 bytea,
    answered_at timestamp with time zone,
    cluster_id uuid,
    CONSTRAINT submissions_check1 CHECK (((status = 'pending'::text) = (decided_at IS NULL))),
    CONSTRAINT submissions_client_key_sha256_check CHECK ((length(client_key_sha256) = 32)),
    CONSTRAINT submissions_complaint_status_check CHECK ((complaint_status = ANY (ARRAY['none'::text, 'filed'::text, 'answered'::text]))),
    CONSTRAINT submissions_description_check CHECK (((length(description) >= 1) AND (length(description) <= 10000))),
    CONSTRAINT submissions_merged_check CHECK ((((status = 'merged'::text) = (merged_into_id IS NOT NULL)) AND (merged_into_id IS DISTINCT FROM id))),
    CONSTRAINT submissions_public_description_check CHECK (((public_description IS NULL) OR ((length(public_description) >= 1) AND (length(public_description) <= 10000)))),
    CONSTRAINT submissions_public_location_check CHECK ((public_location = ANY (ARRAY['precise'::text, 'rounded'::text, 'hidden'::text]))),
    CONSTRAINT submissions_public_title_check CHECK (((public_title IS NULL) OR ((length(public_title) >= 1) AND (length(public_title) <= 300)))),
    CONSTRAINT submissions_published_check CHECK (((status = ANY (ARRAY['published'::text, 'withdrawn'::text])) = ((published_at IS NOT NULL) AND (publish_decision_id IS NOT NULL)))),
    CONSTRAINT submissions_region_check CHECK (((length(region) >= 1) AND (length(region) <= 200))),
    CONSTRAINT submissions_reporter_role_check CHECK ((reporter_role = ANY (ARRAY['observer'::text, 'voter'::text, 'commission_member'::text, 'journalist'::text, 'candidate'::text]))),
    CONSTRAINT submissions_station_number_check CHECK ((station_number ~ '^[0-9]{1,6}$'::text)),
    CONSTRAINT submissions_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'needs_info'::text, 'verified'::text, 'published'::text, 'withdrawn'::text, 'rejected'::text, 'merged'::text]))),
    CONSTRAINT submissions_verified_check CHECK (((status <> 'verified'::text) OR (verify_decision_id IS NOT NULL))),
    CONSTRAINT submissions_version_check CHECK ((version >= 1)),
    CONSTRAINT submissions_withdrawal_reason_check CHECK (((withdrawal_reason IS NULL) OR ((length(withdrawal_reason) >= 1) AND (length(withdrawal_reason) <= 2000)))),
    CONSTRAINT submissions_withdrawn_check CHECK (((status = 'withdrawn'::text) = ((withdrawn_at IS NOT NULL) AND (withdrawal_reason IS NOT NULL))))
);


--
-- Name: archive_entry_source; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.archive_entry_source AS
 SELECT s.id,
    s.election_id,
    s.region,
    s.station_number,
    s.category_code,
    s.published_at,
    d.created_at AS verified_at,
    f.captured_at,
    f.has_photo,
    f.has_video,
    f.file_count,
    f.first_thumb_file_id,
        CASE
            WHEN (s.public_location = 'hidden'::text) THEN NULL::double precision
            WHEN ((s.public_location = 'precise'::text) AND (f.lat IS NOT NULL)) THEN f.lat
            ELSE COALESCE(ps.latitude, (round((f.lat)::numeric, 2))::double precision)
        END AS lat,
        CASE
            WHEN (s.public_location = 'hidden'::text) THEN NULL::double precision
            WHEN ((s.public_location = 'precise'::text) AND (f.lat IS NOT NULL)) THEN f.lon
            ELSE COALESCE(ps.longitude, (round((f.lon)::numeric, 2))::double precision)
        END AS lon,
    s.public_title AS title,
    ((setweight(to_tsvector('russian'::regconfig, COALESCE(s.public_title, ''::text)), 'A'::"char") || to_tsvector('russian'::regconfig, COALESCE(s.public_description, s.description))) || setweight(to_tsvector('russian'::regconfig, concat_ws(' '::text, c.label_ru, c.label_en, e.name_ru, e.name_en, s.region, r.name_en, array_to_string(r.aliases, ' '::text))), 'D'::"char")) AS search_text,
    COALESCE(s.public_description, s.description) AS description,
    f.file_sha256
   FROM ((((((public.submissions s
     JOIN public.decisions d ON ((d.id = s.publish_decision_id)))
     JOIN public.categories c ON ((c.code = s.category_code)))
     JOIN public.elections e ON ((e.id = s.election_id)))
     LEFT JOIN public.regions r ON ((r.name_ru = s.region)))
     LEFT JOIN public.polling_stations ps ON ((ps.id = s.polling_station_id)))
     CROSS JOIN LATERAL ( SELECT (count(*))::integer AS file_count,
            COALESCE(bool_or((b.kind = 'image'::text)), false) AS has_photo,
            COALESCE(bool_or((b.kind = 'video'::text)), false) AS has_video,
            min(m.taken_at_utc) AS captured_at,
            (array_agg(m.id ORDER BY m."position") FILTER (WHERE m.has_thumb))[1] AS first_thumb_file_id,
            (array_agg(m.gps_lat ORDER BY m."position") FILTER (WHERE (m.gps_lat IS NOT NULL)))[1] AS lat,
            (array_agg(m.gps_lon ORDER BY m."position") FILTER (WHERE (m.gps_lat IS NOT NULL)))[1] AS lon,
            COALESCE(array_agg(encode(m.sha256, 'hex'::text) ORDER BY m."position"), '{}'::text[]) AS file_sha256
           FROM (public.media_files m
             JOIN public.blobs b ON ((b.sha256 = m.sha256)))
          WHERE (m.submission_id = s.id)) f)
  WHERE (s.status = 'published'::text);


--
-- Name: archive_map_cells; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.archive_map_cells (
    zoom smallint NOT NULL,
    cell_y integer NOT NULL,
    cell_x integer NOT NULL,
    election_id integer NOT NULL,
    category_code text NOT NULL,
    entries integer NOT NULL,
    lat_sum double precision NOT NULL,
    lon_sum double precision NOT NULL,
    CONSTRAINT archive_map_cells_entries_check CHECK ((entries >= 0)),
    CONSTRAINT archive_map_cells_zoom_check CHECK (((zoom >= 0) AND (zoom <= 5)))
);


--
-- Name: attendance_counts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.attendance_counts (
    submission_id uuid NOT NULL,
    election_id integer NOT NULL,
    uik_number text NOT NULL,
    counted_from timestamp without time zone NOT NULL,
    counted_to timestamp without time zone NOT NULL,
    people integer NOT NULL,
    what text NOT NULL,
    method text NOT NULL,
    verified_by uuid,
    verified_at timestamp with time zone,
    CONSTRAINT attendance_counts_check CHECK (((counted_to > counted_from) AND ((counted_to - counted_from) <= '24:00:00'::interval))),
    CONSTRAINT attendance_counts_check1 CHECK (((verified_by IS NULL) = (verified_at IS NULL))),
    CONSTRAINT attendance_counts_method_check CHECK ((method = ANY (ARRAY['clicker'::text, 'tally'::text, 'queue_photo'::text]))),
    CONSTRAINT attendance_counts_people_check CHECK (((people >= 0) AND (people <= 100000))),
    CONSTRAINT attendance_counts_uik_number_check CHECK ((uik_number ~ '^(0|[1-9][0-9]{0,5})$'::text)),
    CONSTRAINT attendance_counts_what_check CHECK ((what = ANY (ARRAY['entered'::text, 'queue'::text])))
);


--
-- Name: audit_head; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_head (
    id boolean DEFAULT true NOT NULL,
    seq bigint NOT NULL,
    hash bytea NOT NULL,
    CONSTRAINT audit_head_hash_check CHECK ((length(hash) = 32)),
    CONSTRAINT audit_head_id_check CHECK (id),
    CONSTRAINT audit_head_seq_check CHECK ((seq >= 0))
);


--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    seq bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    actor_id uuid,
    actor_label text NOT NULL,
    action text NOT NULL,
    entity_type text NOT NULL,
    entity_id text NOT NULL,
    before jsonb,
    after jsonb,
    prev_hash bytea NOT NULL,
    hash bytea NOT NULL,
    CONSTRAINT audit_log_action_check CHECK ((action ~ '^[a-z_]+\.[a-z_]+$'::text)),
    CONSTRAINT audit_log_actor_label_check CHECK (((length(actor_label) >= 1) AND (length(actor_label) <= 254))),
    CONSTRAINT audit_log_entity_id_check CHECK (((length(entity_id) >= 1) AND (length(entity_id) <= 200))),
    CONSTRAINT audit_log_entity_type_check CHECK ((entity_type ~ '^[a-z_]{2,40}$'::text)),
    CONSTRAINT audit_log_hash_check CHECK ((length(hash) = 32)),
    CONSTRAINT audit_log_prev_hash_check CHECK ((length(prev_hash) = 32)),
    CONSTRAINT audit_log_seq_check CHECK ((seq >= 1))
);


--
-- Name: category_phases; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.category_phases (
    code text NOT NULL,
    "position" integer NOT NULL,
    label_ru text NOT NULL,
    label_en text NOT NULL,
    CONSTRAINT category_phases_code_check CHECK ((code ~ '^[a-z_]{2,40}$'::text))
);


--
-- Name: claims; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.claims (
    submission_id uuid NOT NULL,
    account_id uuid NOT NULL,
    claimed_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    CONSTRAINT claims_check CHECK ((expires_at > claimed_at))
);


--
-- Name: derivative_hashes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.derivative_hashes (
    sha256 bytea NOT NULL,
    media_file_id uuid NOT NULL,
    kind text NOT NULL,
    made_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT derivative_hashes_kind_check CHECK ((kind ~ '^[a-z]{1,16}$'::text)),
    CONSTRAINT derivative_hashes_sha256_check CHECK ((octet_length(sha256) = 32))
);


--
-- Name: elections_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.elections_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: elections_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.elections_id_seq OWNED BY public.elections.id;


--
-- Name: integrity_alarms; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.integrity_alarms (
    id bigint NOT NULL,
    kind text NOT NULL,
    subject text NOT NULL,
    detail text NOT NULL,
    first_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    resolved_at timestamp with time zone,
    CONSTRAINT integrity_alarms_kind_check CHECK ((kind = ANY (ARRAY['log_signing_refused'::text, 'original_mismatch'::text, 'original_missing'::text, 'log_subtree_mismatch'::text, 'log_witness_refused'::text, 'log_promise_late'::text, 'replica_other_bytes'::text]))),
    CONSTRAINT integrity_alarms_subject_check CHECK (((length(subject) >= 1) AND (length(subject) <= 200)))
);


--
-- Name: integrity_alarms_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.integrity_alarms_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: integrity_alarms_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.integrity_alarms_id_seq OWNED BY public.integrity_alarms.id;


--
-- Name: log_scrub_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.log_scrub_state (
    id boolean DEFAULT true NOT NULL,
    next_leaf bigint DEFAULT 0 NOT NULL,
    cycles bigint DEFAULT 0 NOT NULL,
    last_run_at timestamp with time zone,
    CONSTRAINT log_scrub_state_id_check CHECK (id),
    CONSTRAINT log_scrub_state_next_leaf_check CHECK ((next_leaf >= 0))
);


--
-- Name: media_redactions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.media_redactions (
    decision_id uuid NOT NULL,
    submission_id uuid NOT NULL,
    publishes boolean DEFAULT true NOT NULL,
    media_file_id uuid NOT NULL,
    regions jsonb NOT NULL,
    copies_key bytea NOT NULL,
    thumb_sha256 bytea NOT NULL,
    preview_sha256 bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT media_redactions_copies_key_check CHECK ((octet_length(copies_key) = 32)),
    CONSTRAINT media_redactions_preview_sha256_check CHECK ((octet_length(preview_sha256) = 32)),
    CONSTRAINT media_redactions_publishes_check CHECK (publishes),
    CONSTRAINT media_redactions_regions_check CHECK (((jsonb_typeof(regions) = 'array'::text) AND ((jsonb_array_length(regions) >= 1) AND (jsonb_array_length(regions) <= 50)))),
    CONSTRAINT media_redactions_regions_valid CHECK (public.redaction_regions_valid(regions)),
    CONSTRAINT media_redactions_thumb_sha256_check CHECK ((octet_length(thumb_sha256) = 32))
);


--
-- Name: notes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.notes (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    submission_id uuid NOT NULL,
    parent_id uuid,
    account_id uuid NOT NULL,
    body text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT notes_body_check CHECK (((length(body) >= 1) AND (length(body) <= 4000)))
);


--
-- Name: observer_answer_files; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.observer_answer_files (
    answer_id uuid NOT NULL,
    media_file_id uuid NOT NULL
);


--
-- Name: observer_answers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.observer_answers (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    submission_id uuid NOT NULL,
    question_id uuid NOT NULL,
    question_action text DEFAULT 'needs_info'::text NOT NULL,
    body text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT observer_answers_body_check CHECK (((body IS NULL) OR ((length(body) >= 1) AND (length(body) <= 10000)))),
    CONSTRAINT observer_answers_question_action_check CHECK ((question_action = 'needs_info'::text))
);


--
-- Name: official_result_imports; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.official_result_imports (
    id integer NOT NULL,
    election_id integer NOT NULL,
    account_id uuid NOT NULL,
    file_sha256 bytea NOT NULL,
    imported_at timestamp with time zone DEFAULT now() NOT NULL,
    rows_imported integer NOT NULL,
    rows_changed integer NOT NULL,
    rows_bad integer NOT NULL,
    report jsonb NOT NULL,
    CONSTRAINT official_result_imports_file_sha256_check CHECK ((length(file_sha256) = 32)),
    CONSTRAINT official_result_imports_report_check CHECK ((jsonb_typeof(report) = 'array'::text)),
    CONSTRAINT official_result_imports_rows_bad_check CHECK ((rows_bad >= 0)),
    CONSTRAINT official_result_imports_rows_changed_check CHECK ((rows_changed >= 0)),
    CONSTRAINT official_result_imports_rows_imported_check CHECK ((rows_imported >= 0))
);


--
-- Name: official_result_imports_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.official_result_imports_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: official_result_imports_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.official_result_imports_id_seq OWNED BY public.official_result_imports.id;


--
-- Name: official_result_revisions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.official_result_revisions (
    import_id integer NOT NULL,
    election_id integer NOT NULL,
    uik_number text NOT NULL,
    region text NOT NULL,
    figures jsonb NOT NULL,
    turnout jsonb NOT NULL,
    replaced_import_id integer NOT NULL
);


--
-- Name: official_results; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.official_results (
    election_id integer NOT NULL,
    uik_number text NOT NULL,
    region text NOT NULL,
    figures jsonb NOT NULL,
    turnout jsonb NOT NULL,
    turnout_pct real,
    leader_pct real,
    import_id integer NOT NULL,
    CONSTRAINT official_results_figures_check CHECK ((jsonb_typeof(figures) = 'object'::text)),
    CONSTRAINT official_results_leader_pct_check CHECK (((leader_pct >= (0)::double precision) AND (leader_pct <= (100)::double precision))),
    CONSTRAINT official_results_region_check CHECK (((length(region) >= 1) AND (length(region) <= 200))),
    CONSTRAINT official_results_turnout_check CHECK ((jsonb_typeof(turnout) = 'object'::text)),
    CONSTRAINT official_results_turnout_pct_check CHECK ((turnout_pct >= (0)::double precision)),
    CONSTRAINT official_results_uik_number_check CHECK ((uik_number ~ '^(0|[1-9][0-9]{0,5})$'::text))
);


--
-- Name: original_checks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.original_checks (
    sha256 bytea NOT NULL,
    checked_at timestamp with time zone NOT NULL,
    observed_sha256 bytea,
    CONSTRAINT original_checks_observed_sha256_check CHECK ((length(observed_sha256) = 32))
);


--
-- Name: polling_stations_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.polling_stations_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: polling_stations_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.polling_stations_id_seq OWNED BY public.polling_stations.id;


--
-- Name: protocol_copies; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.protocol_copies (
    submission_id uuid NOT NULL,
    election_id integer NOT NULL,
    uik_number text NOT NULL,
    arithmetic_flags text[] DEFAULT '{}'::text[] NOT NULL,
    checked_by uuid,
    checked_at timestamp with time zone,
    CONSTRAINT protocol_copies_check CHECK (((checked_by IS NULL) = (checked_at IS NULL))),
    CONSTRAINT protocol_copies_uik_number_check CHECK ((uik_number ~ '^(0|[1-9][0-9]{0,5})$'::text))
);


--
-- Name: protocol_figures; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.protocol_figures (
    submission_id uuid NOT NULL,
    election_id integer NOT NULL,
    line_code text NOT NULL,
    value integer NOT NULL,
    entered_by uuid,
    entered_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT protocol_figures_value_check CHECK (((value >= 0) AND (value <= 10000000)))
);


--
-- Name: protocol_lines; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.protocol_lines (
    election_id integer NOT NULL,
    code text NOT NULL,
    line_no integer NOT NULL,
    role text NOT NULL,
    label_ru text NOT NULL,
    label_en text NOT NULL,
    CONSTRAINT protocol_lines_code_check CHECK (((code ~ '^[a-z][a-z0-9_]{0,39}$'::text) AND (code <> ALL (ARRAY['uik'::text, 'region'::text])))),
    CONSTRAINT protocol_lines_label_en_check CHECK (((length(label_en) >= 1) AND (length(label_en) <= 300))),
    CONSTRAINT protocol_lines_label_ru_check CHECK (((length(label_ru) >= 1) AND (length(label_ru) <= 300))),
    CONSTRAINT protocol_lines_line_no_check CHECK (((line_no >= 1) AND (line_no <= 99))),
    CONSTRAINT protocol_lines_role_check CHECK ((role = ANY (ARRAY['voters_on_list'::text, 'ballots_received'::text, 'issued_early'::text, 'issued_station'::text, 'issued_outside'::text, 'cancelled'::text, 'ballots_found'::text, 'invalid'::text, 'valid'::text, 'candidate'::text, 'other'::text])))
);


--
-- Name: replica_copies; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.replica_copies (
    sha256 bytea NOT NULL,
    replica text NOT NULL,
    confirmed_at timestamp with time zone DEFAULT now() NOT NULL,
    checked_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT replica_copies_replica_check CHECK ((replica ~ '^[a-z0-9-]{1,32}$'::text))
);


--
-- Name: replica_derivative_copies; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.replica_derivative_copies (
    key bytea NOT NULL,
    name text NOT NULL,
    replica text NOT NULL,
    sha256 bytea NOT NULL,
    confirmed_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT replica_derivative_copies_replica_check CHECK ((replica ~ '^[a-z0-9-]{1,32}$'::text)),
    CONSTRAINT replica_derivative_copies_sha256_check CHECK ((octet_length(sha256) = 32))
);


--
-- Name: replica_log_copies; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.replica_log_copies (
    replica text NOT NULL,
    tree_size bigint NOT NULL,
    confirmed_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT replica_log_copies_replica_check CHECK ((replica ~ '^[a-z0-9-]{1,32}$'::text)),
    CONSTRAINT replica_log_copies_tree_size_check CHECK ((tree_size >= 0))
);


--
-- Name: replica_other_bytes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.replica_other_bytes (
    sha256 bytea NOT NULL,
    replica text NOT NULL,
    observed_sha256 bytea NOT NULL,
    found_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    write_once boolean DEFAULT false NOT NULL,
    CONSTRAINT replica_other_bytes_observed_sha256_check CHECK ((octet_length(observed_sha256) = 32)),
    CONSTRAINT replica_other_bytes_replica_check CHECK ((replica ~ '^[a-z0-9-]{1,32}$'::text))
);


--
-- Name: resumable_uploads; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.resumable_uploads (
    id text NOT NULL,
    temp_path text NOT NULL,
    declared_bytes bigint NOT NULL,
    original_name text NOT NULL,
    mime text,
    kind text,
    format text,
    sha256 bytea,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    completed_at timestamp with time zone,
    expires_at timestamp with time zone NOT NULL,
    CONSTRAINT resumable_uploads_check CHECK (((sha256 IS NULL) = (completed_at IS NULL))),
    CONSTRAINT resumable_uploads_check1 CHECK ((((mime IS NULL) = (kind IS NULL)) AND ((kind IS NULL) = (format IS NULL)))),
    CONSTRAINT resumable_uploads_check2 CHECK (((sha256 IS NULL) OR (mime IS NOT NULL))),
    CONSTRAINT resumable_uploads_declared_bytes_check CHECK ((declared_bytes > 0)),
    CONSTRAINT resumable_uploads_id_check CHECK ((id ~ '^[0-9a-f]{32}$'::text)),
    CONSTRAINT resumable_uploads_kind_check CHECK ((kind = ANY (ARRAY['image'::text, 'video'::text]))),
    CONSTRAINT resumable_uploads_original_name_check CHECK ((length(original_name) <= 255)),
    CONSTRAINT resumable_uploads_sha256_check CHECK ((length(sha256) = 32))
);


--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL,
    sha256 text NOT NULL,
    CONSTRAINT schema_migrations_sha256_check CHECK ((sha256 ~ '^[0-9a-f]{64}$'::text))
);


--
-- Name: sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sessions (
    token_hash bytea NOT NULL,
    account_id uuid NOT NULL,
    csrf_token text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_seen_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    CONSTRAINT sessions_csrf_token_check CHECK ((length(csrf_token) >= 32)),
    CONSTRAINT sessions_token_hash_check CHECK ((length(token_hash) = 32))
);


--
-- Name: station_discrepancies; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.station_discrepancies (
    submission_id uuid NOT NULL,
    election_id integer NOT NULL,
    uik_number text NOT NULL,
    kind text NOT NULL,
    subject text NOT NULL,
    official integer NOT NULL,
    observed integer NOT NULL,
    uncertainty integer DEFAULT 0 NOT NULL,
    difference integer GENERATED ALWAYS AS ((official - observed)) STORED,
    excess integer GENERATED ALWAYS AS (GREATEST((abs((official - observed)) - uncertainty), 0)) STORED,
    CONSTRAINT station_discrepancies_attendance_interval CHECK (((kind <> 'attendance'::text) OR (subject ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$'::text))),
    CONSTRAINT station_discrepancies_kind_check CHECK ((kind = ANY (ARRAY['protocol_line'::text, 'attendance'::text]))),
    CONSTRAINT station_discrepancies_subject_check CHECK (((length(subject) >= 1) AND (length(subject) <= 60))),
    CONSTRAINT station_discrepancies_uncertainty_check CHECK ((uncertainty >= 0))
);


--
-- Name: station_discrepancy_ranks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.station_discrepancy_ranks (
    election_id integer NOT NULL,
    uik_number text NOT NULL,
    region text NOT NULL,
    score integer NOT NULL,
    differing integer NOT NULL,
    evidence integer NOT NULL,
    CONSTRAINT station_discrepancy_ranks_differing_check CHECK ((differing >= 0)),
    CONSTRAINT station_discrepancy_ranks_evidence_check CHECK ((evidence >= 1)),
    CONSTRAINT station_discrepancy_ranks_score_check CHECK ((score >= 0))
);


--
-- Name: stored_derivatives; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.stored_derivatives (
    key bytea NOT NULL,
    name text NOT NULL,
    sha256 bytea NOT NULL,
    bytes bigint,
    stored_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT stored_derivatives_bytes_check CHECK ((bytes >= 0)),
    CONSTRAINT stored_derivatives_key_check CHECK ((octet_length(key) = 32)),
    CONSTRAINT stored_derivatives_name_check CHECK ((name = ANY (ARRAY['thumb'::text, 'preview'::text, 'poster'::text, 'contact'::text, 'video'::text]))),
    CONSTRAINT stored_derivatives_sha256_check CHECK ((octet_length(sha256) = 32))
);


--
-- Name: submission_flag_counts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.submission_flag_counts (
    status text NOT NULL,
    flag text NOT NULL,
    n bigint NOT NULL,
    CONSTRAINT submission_flag_counts_n_check CHECK ((n >= 0))
);


--
-- Name: submission_links; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.submission_links (
    a uuid NOT NULL,
    b uuid NOT NULL,
    reason text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT submission_links_check CHECK ((a < b)),
    CONSTRAINT submission_links_reason_check CHECK ((reason = ANY (ARRAY['exact_duplicate'::text, 'near_duplicate'::text, 'live_photo_pair'::text, 'same_station'::text])))
);


--
-- Name: submission_status_counts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.submission_status_counts (
    status text NOT NULL,
    n bigint NOT NULL,
    CONSTRAINT submission_status_counts_n_check CHECK ((n >= 0))
);


--
-- Name: tlog_cosignatures; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tlog_cosignatures (
    tree_size bigint NOT NULL,
    witness text NOT NULL,
    key_id bytea NOT NULL,
    cosigned_at timestamp with time zone NOT NULL,
    line text NOT NULL,
    CONSTRAINT tlog_cosignatures_key_id_check CHECK ((length(key_id) = 4)),
    CONSTRAINT tlog_cosignatures_line_check CHECK ((line ~ '^— [^\s]+ [A-Za-z0-9+/=]+$'::text)),
    CONSTRAINT tlog_cosignatures_witness_check CHECK ((witness ~ '^[^\s+]{1,200}$'::text))
);


--
-- Name: tlog_leaves; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tlog_leaves (
    leaf_index bigint NOT NULL,
    leaf_hash bytea NOT NULL,
    record bytea NOT NULL,
    sha256 bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT tlog_leaves_leaf_hash_check CHECK ((length(leaf_hash) = 32)),
    CONSTRAINT tlog_leaves_leaf_index_check CHECK ((leaf_index >= 0)),
    CONSTRAINT tlog_leaves_sha256_check CHECK ((length(sha256) = 32))
);


--
-- Name: tlog_media_leaves; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tlog_media_leaves (
    leaf_index bigint NOT NULL,
    media_file_id uuid NOT NULL,
    CONSTRAINT tlog_media_leaves_leaf_index_check CHECK ((leaf_index >= 0))
);


--
-- Name: tlog_promise_delegations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tlog_promise_delegations (
    vkey text NOT NULL,
    note text NOT NULL,
    delegated_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: tlog_promise_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tlog_promise_keys (
    vkey text NOT NULL,
    origin text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT tlog_promise_keys_vkey_check CHECK ((vkey ~ '^[^\s+]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$'::text))
);


--
-- Name: tlog_public_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tlog_public_keys (
    origin text NOT NULL,
    vkey text NOT NULL,
    public_key_pem text NOT NULL,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT tlog_public_keys_origin_check CHECK (((length(origin) >= 1) AND (length(origin) <= 200)))
);


--
-- Name: tlog_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tlog_state (
    id boolean DEFAULT true NOT NULL,
    size bigint NOT NULL,
    CONSTRAINT tlog_state_id_check CHECK (id),
    CONSTRAINT tlog_state_size_check CHECK ((size >= 0))
);


--
-- Name: tlog_sths; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tlog_sths (
    tree_size bigint NOT NULL,
    root_hash bytea NOT NULL,
    signed_at timestamp with time zone NOT NULL,
    note text NOT NULL,
    CONSTRAINT tlog_sths_root_hash_check CHECK ((length(root_hash) = 32)),
    CONSTRAINT tlog_sths_tree_size_check CHECK ((tree_size >= 0))
);


--
-- Name: tlog_subtrees; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tlog_subtrees (
    level smallint NOT NULL,
    idx bigint NOT NULL,
    hash bytea NOT NULL,
    CONSTRAINT tlog_subtrees_hash_check CHECK ((length(hash) = 32)),
    CONSTRAINT tlog_subtrees_idx_check CHECK ((idx >= 0)),
    CONSTRAINT tlog_subtrees_level_check CHECK (((level >= 0) AND (level <= 62)))
);


--
-- Name: tlog_timestamps; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tlog_timestamps (
    tree_size bigint NOT NULL,
    tsa_url text NOT NULL,
    token bytea NOT NULL,
    gen_time timestamp with time zone NOT NULL,
    CONSTRAINT tlog_timestamps_token_check CHECK (((length(token) >= 1) AND (length(token) <= 65536)))
);


--
-- Name: video_copies; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.video_copies (
    media_file_id uuid NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    progress real DEFAULT 0 NOT NULL,
    failure_reason text,
    sha256 bytea,
    bytes bigint,
    method text,
    attempts integer DEFAULT 0 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    redaction_key bytea,
    CONSTRAINT video_copies_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT video_copies_bytes_check CHECK ((bytes > 0)),
    CONSTRAINT video_copies_check CHECK (((status = 'failed'::text) = (failure_reason IS NOT NULL))),
    CONSTRAINT video_copies_method_check CHECK ((method = ANY (ARRAY['video:copy audio:copy'::text, 'video:copy audio:encode'::text, 'video:copy audio:none'::text, 'video:encode audio:copy'::text, 'video:encode audio:encode'::text, 'video:encode audio:none'::text]))),
    CONSTRAINT video_copies_progress_check CHECK (((progress >= (0)::double precision) AND (progress <= (1)::double precision))),
    CONSTRAINT video_copies_ready_has_bytes CHECK (((status = 'ready'::text) = ((sha256 IS NOT NULL) AND (bytes IS NOT NULL) AND (method IS NOT NULL)))),
    CONSTRAINT video_copies_redaction_key_check CHECK ((octet_length(redaction_key) = 32)),
    CONSTRAINT video_copies_sha256_check CHECK ((octet_length(sha256) = 32)),
    CONSTRAINT video_copies_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'encoding'::text, 'ready'::text, 'failed'::text])))
);


--
-- Name: elections id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.elections ALTER COLUMN id SET DEFAULT nextval('public.elections_id_seq'::regclass);


--
-- Name: integrity_alarms id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.integrity_alarms ALTER COLUMN id SET DEFAULT nextval('public.integrity_alarms_id_seq'::regclass);


--
-- Name: official_result_imports id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.official_result_imports ALTER COLUMN id SET DEFAULT nextval('public.official_result_imports_id_seq'::regclass);


--
-- Name: polling_stations id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.polling_stations ALTER COLUMN id SET DEFAULT nextval('public.polling_stations_id_seq'::regclass);


--
-- Name: account_tokens account_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_tokens
    ADD CONSTRAINT account_tokens_pkey PRIMARY KEY (token_hash);


--
-- Name: accounts accounts_email_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_email_key UNIQUE (email);


--
-- Name: accounts accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);


--
-- Name: app_settings app_settings_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.app_settings
    ADD CONSTRAINT app_settings_pkey PRIMARY KEY (id);


--
-- Name: archive_entries archive_entries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.archive_entries
    ADD CONSTRAINT archive_entries_pkey PRIMARY KEY (id);


--
-- Name: archive_map_cells archive_map_cells_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.archive_map_cells
    ADD CONSTRAINT archive_map_cells_pkey PRIMARY KEY (zoom, cell_y, cell_x, election_id, category_code);


--
-- Name: attendance_counts attendance_counts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.attendance_counts
    ADD CONSTRAINT attendance_counts_pkey PRIMARY KEY (submission_id);


--
-- Name: audit_head audit_head_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_head
    ADD CONSTRAINT audit_head_pkey PRIMARY KEY (id);


--
-- Name: audit_log audit_log_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_hash_key UNIQUE (hash);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (seq);


--
-- Name: blobs blobs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.blobs
    ADD CONSTRAINT blobs_pkey PRIMARY KEY (sha256);


--
-- Name: categories categories_phase_code_position_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.categories
    ADD CONSTRAINT categories_phase_code_position_key UNIQUE (phase_code, "position");


--
-- Name: categories categories_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.categories
    ADD CONSTRAINT categories_pkey PRIMARY KEY (code);


--
-- Name: category_phases category_phases_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.category_phases
    ADD CONSTRAINT category_phases_pkey PRIMARY KEY (code);


--
-- Name: category_phases category_phases_position_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.category_phases
    ADD CONSTRAINT category_phases_position_key UNIQUE ("position");


--
-- Name: claims claims_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.claims
    ADD CONSTRAINT claims_pkey PRIMARY KEY (submission_id);


--
-- Name: decisions decisions_id_action_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.decisions
    ADD CONSTRAINT decisions_id_action_key UNIQUE (id, action);


--
-- Name: decisions decisions_id_submission_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.decisions
    ADD CONSTRAINT decisions_id_submission_id_key UNIQUE (id, submission_id);


--
-- Name: decisions decisions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.decisions
    ADD CONSTRAINT decisions_pkey PRIMARY KEY (id);


--
-- Name: decisions decisions_publishing_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.decisions
    ADD CONSTRAINT decisions_publishing_key UNIQUE (id, submission_id, publishes);


--
-- Name: decisions decisions_verifying_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.decisions
    ADD CONSTRAINT decisions_verifying_key UNIQUE (id, submission_id, verifies);


--
-- Name: derivative_hashes derivative_hashes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.derivative_hashes
    ADD CONSTRAINT derivative_hashes_pkey PRIMARY KEY (sha256, media_file_id, kind);


--
-- Name: elections elections_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.elections
    ADD CONSTRAINT elections_pkey PRIMARY KEY (id);


--
-- Name: elections elections_slug_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.elections
    ADD CONSTRAINT elections_slug_key UNIQUE (slug);


--
-- Name: integrity_alarms integrity_alarms_kind_subject_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.integrity_alarms
    ADD CONSTRAINT integrity_alarms_kind_subject_key UNIQUE (kind, subject);


--
-- Name: integrity_alarms integrity_alarms_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.integrity_alarms
    ADD CONSTRAINT integrity_alarms_pkey PRIMARY KEY (id);


--
-- Name: log_scrub_state log_scrub_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.log_scrub_state
    ADD CONSTRAINT log_scrub_state_pkey PRIMARY KEY (id);


--
-- Name: media_files media_files_id_submission_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.media_files
    ADD CONSTRAINT media_files_id_submission_key UNIQUE (id, submission_id);


--
-- Name: media_files media_files_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.media_files
    ADD CONSTRAINT media_files_pkey PRIMARY KEY (id);


--
-- Name: media_files media_files_submission_id_position_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.media_files
    ADD CONSTRAINT media_files_submission_id_position_key UNIQUE (submission_id, "position");


--
-- Name: media_redactions media_redactions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.media_redactions
    ADD CONSTRAINT media_redactions_pkey PRIMARY KEY (decision_id, media_file_id);


--
-- Name: notes notes_id_submission_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notes
    ADD CONSTRAINT notes_id_submission_id_key UNIQUE (id, submission_id);


--
-- Name: notes notes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notes
    ADD CONSTRAINT notes_pkey PRIMARY KEY (id);


--
-- Name: observer_answer_files observer_answer_files_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.observer_answer_files
    ADD CONSTRAINT observer_answer_files_pkey PRIMARY KEY (media_file_id);


--
-- Name: observer_answers observer_answers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.observer_answers
    ADD CONSTRAINT observer_answers_pkey PRIMARY KEY (id);


--
-- Name: observer_answers observer_answers_question_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.observer_answers
    ADD CONSTRAINT observer_answers_question_id_key UNIQUE (question_id);


--
-- Name: official_result_imports official_result_imports_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.official_result_imports
    ADD CONSTRAINT official_result_imports_pkey PRIMARY KEY (id);


--
-- Name: official_result_revisions official_result_revisions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.official_result_revisions
    ADD CONSTRAINT official_result_revisions_pkey PRIMARY KEY (import_id, uik_number);


--
-- Name: official_results official_results_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.official_results
    ADD CONSTRAINT official_results_pkey PRIMARY KEY (election_id, uik_number);


--
-- Name: original_checks original_checks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.original_checks
    ADD CONSTRAINT original_checks_pkey PRIMARY KEY (sha256);


--
-- Name: polling_stations polling_stations_election_id_uik_number_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.polling_stations
    ADD CONSTRAINT polling_stations_election_id_uik_number_key UNIQUE (election_id, uik_number);


--
-- Name: polling_stations polling_stations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.polling_stations
    ADD CONSTRAINT polling_stations_pkey PRIMARY KEY (id);


--
-- Name: protocol_copies protocol_copies_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.protocol_copies
    ADD CONSTRAINT protocol_copies_pkey PRIMARY KEY (submission_id);


--
-- Name: protocol_copies protocol_copies_submission_id_election_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.protocol_copies
    ADD CONSTRAINT protocol_copies_submission_id_election_id_key UNIQUE (submission_id, election_id);


--
-- Name: protocol_figures protocol_figures_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.protocol_figures
    ADD CONSTRAINT protocol_figures_pkey PRIMARY KEY (submission_id, line_code);


--
-- Name: protocol_lines protocol_lines_election_id_line_no_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.protocol_lines
    ADD CONSTRAINT protocol_lines_election_id_line_no_key UNIQUE (election_id, line_no) DEFERRABLE INITIALLY DEFERRED;


--
-- Name: protocol_lines protocol_lines_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.protocol_lines
    ADD CONSTRAINT protocol_lines_pkey PRIMARY KEY (election_id, code);


--
-- Name: regions regions_name_en_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.regions
    ADD CONSTRAINT regions_name_en_key UNIQUE (name_en);


--
-- Name: regions regions_name_ru_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.regions
    ADD CONSTRAINT regions_name_ru_key UNIQUE (name_ru);


--
-- Name: regions regions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.regions
    ADD CONSTRAINT regions_pkey PRIMARY KEY (code);


--
-- Name: replica_copies replica_copies_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replica_copies
    ADD CONSTRAINT replica_copies_pkey PRIMARY KEY (sha256, replica);


--
-- Name: replica_derivative_copies replica_derivative_copies_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replica_derivative_copies
    ADD CONSTRAINT replica_derivative_copies_pkey PRIMARY KEY (key, name, replica);


--
-- Name: replica_log_copies replica_log_copies_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replica_log_copies
    ADD CONSTRAINT replica_log_copies_pkey PRIMARY KEY (replica);


--
-- Name: replica_other_bytes replica_other_bytes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replica_other_bytes
    ADD CONSTRAINT replica_other_bytes_pkey PRIMARY KEY (sha256, replica);


--
-- Name: resumable_uploads resumable_uploads_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.resumable_uploads
    ADD CONSTRAINT resumable_uploads_pkey PRIMARY KEY (id);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (name);


--
-- Name: sessions sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (token_hash);


--
-- Name: station_discrepancies station_discrepancies_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.station_discrepancies
    ADD CONSTRAINT station_discrepancies_pkey PRIMARY KEY (submission_id, kind, subject);


--
-- Name: station_discrepancy_ranks station_discrepancy_ranks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.station_discrepancy_ranks
    ADD CONSTRAINT station_discrepancy_ranks_pkey PRIMARY KEY (election_id, uik_number);


--
-- Name: stored_derivatives stored_derivatives_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stored_derivatives
    ADD CONSTRAINT stored_derivatives_pkey PRIMARY KEY (key, name);


--
-- Name: submission_flag_counts submission_flag_counts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.submission_flag_counts
    ADD CONSTRAINT submission_flag_counts_pkey PRIMARY KEY (status, flag);


--
-- Name: submission_links submission_links_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.submission_links
    ADD CONSTRAINT submission_links_pkey PRIMARY KEY (a, b, reason);


--
-- Name: submission_status_counts submission_status_counts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.submission_status_counts
    ADD CONSTRAINT submission_status_counts_pkey PRIMARY KEY (status);


--
-- Name: submissions submissions_client_key_sha256_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.submissions
    ADD CONSTRAINT submissions_client_key_sha256_key UNIQUE (client_key_sha256);


--
-- Name: submissions submissions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.submissions
    ADD CONSTRAINT submissions_pkey PRIMARY KEY (id);


--
-- Name: tlog_cosignatures tlog_cosignatures_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlog_cosignatures
    ADD CONSTRAINT tlog_cosignatures_pkey PRIMARY KEY (tree_size, witness, key_id);


--
-- Name: tlog_leaves tlog_leaves_leaf_hash_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlog_leaves
    ADD CONSTRAINT tlog_leaves_leaf_hash_unique EXCLUDE USING hash (leaf_hash WITH =);


--
-- Name: tlog_leaves tlog_leaves_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlog_leaves
    ADD CONSTRAINT tlog_leaves_pkey PRIMARY KEY (leaf_index);


--
-- Name: tlog_media_leaves tlog_media_leaves_media_file_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlog_media_leaves
    ADD CONSTRAINT tlog_media_leaves_media_file_id_key UNIQUE (media_file_id);


--
-- Name: tlog_media_leaves tlog_media_leaves_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlog_media_leaves
    ADD CONSTRAINT tlog_media_leaves_pkey PRIMARY KEY (leaf_index);


--
-- Name: tlog_promise_delegations tlog_promise_delegations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlog_promise_delegations
    ADD CONSTRAINT tlog_promise_delegations_pkey PRIMARY KEY (vkey);


--
-- Name: tlog_promise_keys tlog_promise_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlog_promise_keys
    ADD CONSTRAINT tlog_promise_keys_pkey PRIMARY KEY (vkey);


--
-- Name: tlog_public_keys tlog_public_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlog_public_keys
    ADD CONSTRAINT tlog_public_keys_pkey PRIMARY KEY (origin);


--
-- Name: tlog_public_keys tlog_public_keys_vkey_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlog_public_keys
    ADD CONSTRAINT tlog_public_keys_vkey_key UNIQUE (vkey);


--
-- Name: tlog_state tlog_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlog_state
    ADD CONSTRAINT tlog_state_pkey PRIMARY KEY (id);


--
-- Name: tlog_sths tlog_sths_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlog_sths
    ADD CONSTRAINT tlog_sths_pkey PRIMARY KEY (tree_size);


--
-- Name: tlog_subtrees tlog_subtrees_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlog_subtrees
    ADD CONSTRAINT tlog_subtrees_pkey PRIMARY KEY (level, idx);


--
-- Name: tlog_timestamps tlog_timestamps_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlog_timestamps
    ADD CONSTRAINT tlog_timestamps_pkey PRIMARY KEY (tree_size);


--
-- Name: video_copies video_copies_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.video_copies
    ADD CONSTRAINT video_copies_pkey PRIMARY KEY (media_file_id);


--
-- Name: archive_entries_captured_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX archive_entries_captured_idx ON public.archive_entries USING btree (captured_at DESC NULLS LAST, id DESC);


--
-- Name: archive_entries_category_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX archive_entries_category_idx ON public.archive_entries USING btree (category_code, published_at DESC);


--
-- Name: archive_entries_election_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX archive_entries_election_idx ON public.archive_entries USING btree (election_id, published_at DESC);


--
-- Name: archive_entries_election_video_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX archive_entries_election_video_idx ON public.archive_entries USING btree (election_id, published_at DESC, id DESC) WHERE has_video;


--
-- Name: archive_entries_file_sha256_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX archive_entries_file_sha256_idx ON public.archive_entries USING gin (file_sha256);


--
-- Name: archive_entries_point_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX archive_entries_point_idx ON public.archive_entries USING btree (lat, lon) INCLUDE (id) WHERE (lat IS NOT NULL);


--
-- Name: archive_entries_published_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX archive_entries_published_idx ON public.archive_entries USING btree (published_at DESC, id DESC);


--
-- Name: archive_entries_region_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX archive_entries_region_idx ON public.archive_entries USING btree (region, election_id, published_at DESC);


--
-- Name: archive_entries_region_newest_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX archive_entries_region_newest_idx ON public.archive_entries USING btree (region, published_at DESC, id DESC);


--
-- Name: archive_entries_station_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX archive_entries_station_idx ON public.archive_entries USING btree (station_number, region, election_id);


--
-- Name: archive_entries_text_filters_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX archive_entries_text_filters_idx ON public.archive_entries USING gin (search_text, (((published_at AT TIME ZONE 'UTC'::text))::date), region, category_code, ((((election_id)::text || ' '::text) || region)));


--
-- Name: archive_entries_verified_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX archive_entries_verified_idx ON public.archive_entries USING btree (verified_at);


--
-- Name: archive_entries_video_newest_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX archive_entries_video_newest_idx ON public.archive_entries USING btree (published_at DESC, id DESC) WHERE has_video;


--
-- Name: archive_map_cells_empty_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX archive_map_cells_empty_idx ON public.archive_map_cells USING btree (zoom) WHERE (entries = 0);


--
-- Name: attendance_counts_station_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX attendance_counts_station_idx ON public.attendance_counts USING btree (election_id, uik_number);


--
-- Name: audit_log_actor_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_actor_idx ON public.audit_log USING btree (actor_id, seq);


--
-- Name: audit_log_entity_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_entity_idx ON public.audit_log USING btree (entity_type, entity_id, seq);


--
-- Name: claims_account_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX claims_account_idx ON public.claims USING btree (account_id);


--
-- Name: decisions_submission_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX decisions_submission_idx ON public.decisions USING btree (submission_id, created_at);


--
-- Name: derivative_hashes_media_file_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX derivative_hashes_media_file_idx ON public.derivative_hashes USING btree (media_file_id);


--
-- Name: integrity_alarms_open; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX integrity_alarms_open ON public.integrity_alarms USING btree (last_seen_at) WHERE (resolved_at IS NULL);


--
-- Name: media_files_content_identifier_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX media_files_content_identifier_idx ON public.media_files USING btree (content_identifier) WHERE (content_identifier IS NOT NULL);


--
-- Name: media_files_flags_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX media_files_flags_idx ON public.media_files USING gin (flags);


--
-- Name: media_files_phash_band0_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX media_files_phash_band0_idx ON public.media_files USING btree (phash_band0, phash) INCLUDE (id) WHERE (phash IS NOT NULL);


--
-- Name: media_files_phash_band1_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX media_files_phash_band1_idx ON public.media_files USING btree (phash_band1, phash) INCLUDE (id) WHERE (phash IS NOT NULL);


--
-- Name: media_files_phash_band2_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX media_files_phash_band2_idx ON public.media_files USING btree (phash_band2, phash) INCLUDE (id) WHERE (phash IS NOT NULL);


--
-- Name: media_files_phash_band3_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX media_files_phash_band3_idx ON public.media_files USING btree (phash_band3, phash) INCLUDE (id) WHERE (phash IS NOT NULL);


--
-- Name: media_files_preview_owed_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX media_files_preview_owed_idx ON public.media_files USING btree (status_changed_at) WHERE preview_owed;


--
-- Name: media_files_sha256_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX media_files_sha256_idx ON public.media_files USING btree (sha256);


--
-- Name: media_files_submission_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX media_files_submission_idx ON public.media_files USING btree (submission_id, "position");


--
-- Name: media_files_unfinished_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX media_files_unfinished_idx ON public.media_files USING btree (status_changed_at) WHERE (status = ANY (ARRAY['received'::text, 'processing'::text, 'waiting_retry'::text]));


--
-- Name: media_redactions_file_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX media_redactions_file_idx ON public.media_redactions USING btree (media_file_id);


--
-- Name: media_redactions_preview_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX media_redactions_preview_idx ON public.media_redactions USING btree (preview_sha256);


--
-- Name: media_redactions_thumb_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX media_redactions_thumb_idx ON public.media_redactions USING btree (thumb_sha256);


--
-- Name: notes_submission_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX notes_submission_idx ON public.notes USING btree (submission_id, created_at);


--
-- Name: observer_answer_files_answer_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX observer_answer_files_answer_idx ON public.observer_answer_files USING btree (answer_id);


--
-- Name: observer_answers_submission_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX observer_answers_submission_idx ON public.observer_answers USING btree (submission_id, created_at);


--
-- Name: original_checks_checked_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX original_checks_checked_at ON public.original_checks USING btree (checked_at);


--
-- Name: protocol_copies_station_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX protocol_copies_station_idx ON public.protocol_copies USING btree (election_id, uik_number);


--
-- Name: replica_copies_checked_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX replica_copies_checked_at_idx ON public.replica_copies USING btree (checked_at);


--
-- Name: replica_other_bytes_last_seen_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX replica_other_bytes_last_seen_idx ON public.replica_other_bytes USING btree (last_seen_at);


--
-- Name: resumable_uploads_expires_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX resumable_uploads_expires_at ON public.resumable_uploads USING btree (expires_at);


--
-- Name: sessions_account_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sessions_account_idx ON public.sessions USING btree (account_id);


--
-- Name: station_discrepancies_station_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX station_discrepancies_station_idx ON public.station_discrepancies USING btree (election_id, uik_number);


--
-- Name: station_discrepancy_ranks_election_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX station_discrepancy_ranks_election_idx ON public.station_discrepancy_ranks USING btree (election_id, score DESC, uik_number);


--
-- Name: station_discrepancy_ranks_region_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX station_discrepancy_ranks_region_idx ON public.station_discrepancy_ranks USING btree (region, score DESC, election_id, uik_number);


--
-- Name: station_discrepancy_ranks_score_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX station_discrepancy_ranks_score_idx ON public.station_discrepancy_ranks USING btree (score DESC, election_id, uik_number);


--
-- Name: stored_derivatives_stored_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX stored_derivatives_stored_at_idx ON public.stored_derivatives USING btree (stored_at);


--
-- Name: submission_links_b_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX submission_links_b_idx ON public.submission_links USING btree (b);


--
-- Name: submissions_cluster_queue_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX submissions_cluster_queue_idx ON public.submissions USING btree (cluster_id, status, received_at, id) WHERE (cluster_id IS NOT NULL);


--
-- Name: submissions_file_flags_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX submissions_file_flags_idx ON public.submissions USING gin (file_flags);


--
-- Name: submissions_merged_into_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX submissions_merged_into_idx ON public.submissions USING btree (merged_into_id) WHERE (merged_into_id IS NOT NULL);


--
-- Name: submissions_polling_station_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX submissions_polling_station_idx ON public.submissions USING btree (polling_station_id) WHERE (polling_station_id IS NOT NULL);


--
-- Name: submissions_published_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX submissions_published_idx ON public.submissions USING btree (published_at DESC, id DESC) WHERE (status = 'published'::text);


--
-- Name: submissions_queue_election_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX submissions_queue_election_idx ON public.submissions USING btree (status, election_id, category_code, received_at, id) INCLUDE (cluster_id);


--
-- Name: submissions_queue_region_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX submissions_queue_region_idx ON public.submissions USING btree (status, region, received_at, id) INCLUDE (cluster_id);


--
-- Name: submissions_station_time_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX submissions_station_time_idx ON public.submissions USING btree (election_id, station_number, received_at);


--
-- Name: submissions_status_received_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX submissions_status_received_idx ON public.submissions USING btree (status, received_at, id);


--
-- Name: submissions_video_queue_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX submissions_video_queue_idx ON public.submissions USING btree (status, received_at, id) WHERE has_video;


--
-- Name: tlog_leaves_sha256; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tlog_leaves_sha256 ON public.tlog_leaves USING hash (sha256);


--
-- Name: categories archive_entries_from_category_labels; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER archive_entries_from_category_labels AFTER UPDATE ON public.categories FOR EACH ROW WHEN (((old.label_ru IS DISTINCT FROM new.label_ru) OR (old.label_en IS DISTINCT FROM new.label_en))) EXECUTE FUNCTION public.archive_refresh_labels();


--
-- Name: elections archive_entries_from_election_names; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER archive_entries_from_election_names AFTER UPDATE ON public.elections FOR EACH ROW WHEN (((old.name_ru IS DISTINCT FROM new.name_ru) OR (old.name_en IS DISTINCT FROM new.name_en))) EXECUTE FUNCTION public.archive_refresh_labels();


--
-- Name: media_files archive_entries_from_media; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER archive_entries_from_media AFTER INSERT OR UPDATE ON public.media_files FOR EACH ROW EXECUTE FUNCTION public.archive_refresh_media();


--
-- Name: submissions archive_entries_from_new_submissions; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER archive_entries_from_new_submissions AFTER INSERT ON public.submissions FOR EACH ROW WHEN ((new.status = 'published'::text)) EXECUTE FUNCTION public.archive_refresh_submission();


--
-- Name: polling_stations archive_entries_from_stations; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER archive_entries_from_stations AFTER UPDATE ON public.polling_stations FOR EACH ROW WHEN (((old.latitude IS DISTINCT FROM new.latitude) OR (old.longitude IS DISTINCT FROM new.longitude))) EXECUTE FUNCTION public.archive_refresh_station();


--
-- Name: submissions archive_entries_from_submissions; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER archive_entries_from_submissions AFTER UPDATE ON public.submissions FOR EACH ROW WHEN ((((old.status = 'published'::text) OR (new.status = 'published'::text)) AND ((((((((((((old.status IS DISTINCT FROM new.status) OR (old.election_id IS DISTINCT FROM new.election_id)) OR (old.region IS DISTINCT FROM new.region)) OR (old.station_number IS DISTINCT FROM new.station_number)) OR (old.category_code IS DISTINCT FROM new.category_code)) OR (old.published_at IS DISTINCT FROM new.published_at)) OR (old.publish_decision_id IS DISTINCT FROM new.publish_decision_id)) OR (old.description IS DISTINCT FROM new.description)) OR (old.public_title IS DISTINCT FROM new.public_title)) OR (old.public_description IS DISTINCT FROM new.public_description)) OR (old.public_location IS DISTINCT FROM new.public_location)) OR (old.polling_station_id IS DISTINCT FROM new.polling_station_id)))) EXECUTE FUNCTION public.archive_refresh_submission();


--
-- Name: archive_entries archive_map_cells_on_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER archive_map_cells_on_delete AFTER DELETE ON public.archive_entries REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION public.archive_map_cells_removed();


--
-- Name: archive_entries archive_map_cells_on_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER archive_map_cells_on_insert AFTER INSERT ON public.archive_entries REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION public.archive_map_cells_added();


--
-- Name: archive_entries archive_map_cells_on_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER archive_map_cells_on_truncate AFTER TRUNCATE ON public.archive_entries FOR EACH STATEMENT EXECUTE FUNCTION public.archive_map_cells_truncated();


--
-- Name: audit_head audit_head_moves_forward; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_head_moves_forward BEFORE DELETE OR UPDATE ON public.audit_head FOR EACH ROW EXECUTE FUNCTION public.audit_head_advances();


--
-- Name: audit_head audit_head_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON public.audit_head FOR EACH STATEMENT EXECUTE FUNCTION public.audit_forbid_change();


--
-- Name: audit_log audit_log_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_log_append_only BEFORE DELETE OR UPDATE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION public.audit_forbid_change();


--
-- Name: audit_log audit_log_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log FOR EACH STATEMENT EXECUTE FUNCTION public.audit_forbid_change();


--
-- Name: categories categories_codes_are_stable; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER categories_codes_are_stable BEFORE DELETE OR UPDATE ON public.categories FOR EACH ROW EXECUTE FUNCTION public.forbid_category_code_change();


--
-- Name: decisions decisions_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER decisions_append_only BEFORE DELETE OR UPDATE ON public.decisions FOR EACH ROW EXECUTE FUNCTION public.decisions_forbid_change();


--
-- Name: decisions decisions_publish_needs_verify; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER decisions_publish_needs_verify BEFORE INSERT ON public.decisions FOR EACH ROW WHEN ((new.action = 'publish'::text)) EXECUTE FUNCTION public.decisions_publish_after_verify();


--
-- Name: archive_entries discrepancy_ranks_follow_archive; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER discrepancy_ranks_follow_archive AFTER INSERT OR DELETE ON public.archive_entries FOR EACH ROW EXECUTE FUNCTION public.discrepancy_rank_follow_archive();


--
-- Name: media_files media_files_flags_to_submission_on_change; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER media_files_flags_to_submission_on_change AFTER UPDATE OF flags ON public.media_files FOR EACH ROW WHEN ((old.flags IS DISTINCT FROM new.flags)) EXECUTE FUNCTION public.media_files_collect_flags();


--
-- Name: media_files media_files_flags_to_submission_on_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER media_files_flags_to_submission_on_insert AFTER INSERT ON public.media_files FOR EACH ROW EXECUTE FUNCTION public.media_files_collect_flags();


--
-- Name: media_files media_files_keep_original; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER media_files_keep_original BEFORE UPDATE ON public.media_files FOR EACH ROW EXECUTE FUNCTION public.media_files_keep_original();


--
-- Name: media_files media_files_never_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER media_files_never_deleted BEFORE DELETE ON public.media_files FOR EACH ROW EXECUTE FUNCTION public.forbid_original_change('a file is never deleted');


--
-- Name: media_files media_files_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER media_files_no_truncate BEFORE TRUNCATE ON public.media_files FOR EACH STATEMENT EXECUTE FUNCTION public.forbid_original_change('a file is never deleted');


--
-- Name: media_files media_files_video_marks_submission; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER media_files_video_marks_submission AFTER INSERT ON public.media_files FOR EACH ROW EXECUTE FUNCTION public.media_files_mark_video();


--
-- Name: notes notes_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER notes_append_only BEFORE DELETE OR UPDATE ON public.notes FOR EACH ROW EXECUTE FUNCTION public.notes_forbid_change();


--
-- Name: official_result_imports official_result_imports_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER official_result_imports_append_only BEFORE DELETE OR UPDATE ON public.official_result_imports FOR EACH ROW EXECUTE FUNCTION public.official_imports_forbid_change();


--
-- Name: official_results official_results_inserted_name_import; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER official_results_inserted_name_import AFTER INSERT ON public.official_results REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION public.official_results_name_their_import();


--
-- Name: official_results official_results_updated_name_import; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER official_results_updated_name_import AFTER UPDATE ON public.official_results REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION public.official_results_name_their_import();


--
-- Name: submission_links submission_links_in_one_cluster; Type: TRIGGER; Schema: public; Owner: -
--

CREATE CONSTRAINT TRIGGER submission_links_in_one_cluster AFTER INSERT OR UPDATE ON public.submission_links DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.submission_link_consistent();


--
-- Name: submissions submissions_cluster_consistent; Type: TRIGGER; Schema: public; Owner: -
--

CREATE CONSTRAINT TRIGGER submissions_cluster_consistent AFTER UPDATE OF cluster_id ON public.submissions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.submission_cluster_consistent();


--
-- Name: submissions submissions_flags_counted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE CONSTRAINT TRIGGER submissions_flags_counted AFTER INSERT OR DELETE OR UPDATE OF status, file_flags ON public.submissions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.submission_flag_count();


--
-- Name: submissions submissions_hold_until_polls_close; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER submissions_hold_until_polls_close BEFORE UPDATE ON public.submissions FOR EACH ROW WHEN (((new.status = 'published'::text) AND (old.status IS DISTINCT FROM 'published'::text))) EXECUTE FUNCTION public.submissions_publication_hold();


--
-- Name: submissions submissions_keep_original; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER submissions_keep_original BEFORE UPDATE ON public.submissions FOR EACH ROW EXECUTE FUNCTION public.submissions_keep_original();


--
-- Name: submissions submissions_never_deleted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER submissions_never_deleted BEFORE DELETE ON public.submissions FOR EACH ROW EXECUTE FUNCTION public.forbid_original_change('a submission is withdrawn, never deleted');


--
-- Name: submissions submissions_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER submissions_no_truncate BEFORE TRUNCATE ON public.submissions FOR EACH STATEMENT EXECUTE FUNCTION public.forbid_original_change('a submission is withdrawn, never deleted');


--
-- Name: submissions submissions_publication_follows_decision; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER submissions_publication_follows_decision AFTER UPDATE ON public.submissions FOR EACH ROW EXECUTE FUNCTION public.submissions_publication_follows_decision();


--
-- Name: submissions submissions_status_counted; Type: TRIGGER; Schema: public; Owner: -
--

CREATE CONSTRAINT TRIGGER submissions_status_counted AFTER INSERT OR DELETE OR UPDATE OF status ON public.submissions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.submission_status_count();


--
-- Name: submissions submissions_version; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER submissions_version BEFORE UPDATE ON public.submissions FOR EACH ROW EXECUTE FUNCTION public.submissions_bump_version();


--
-- Name: tlog_cosignatures tlog_cosignatures_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tlog_cosignatures_append_only BEFORE DELETE OR UPDATE ON public.tlog_cosignatures FOR EACH ROW EXECUTE FUNCTION public.tlog_forbid_change();


--
-- Name: tlog_cosignatures tlog_cosignatures_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tlog_cosignatures_no_truncate BEFORE TRUNCATE ON public.tlog_cosignatures FOR EACH STATEMENT EXECUTE FUNCTION public.tlog_forbid_change();


--
-- Name: tlog_leaves tlog_leaves_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tlog_leaves_append_only BEFORE DELETE OR UPDATE ON public.tlog_leaves FOR EACH ROW EXECUTE FUNCTION public.tlog_forbid_change();


--
-- Name: tlog_leaves tlog_leaves_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tlog_leaves_no_truncate BEFORE TRUNCATE ON public.tlog_leaves FOR EACH STATEMENT EXECUTE FUNCTION public.tlog_forbid_change();


--
-- Name: tlog_media_leaves tlog_media_leaves_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tlog_media_leaves_append_only BEFORE DELETE OR UPDATE ON public.tlog_media_leaves FOR EACH ROW EXECUTE FUNCTION public.tlog_forbid_change();


--
-- Name: tlog_media_leaves tlog_media_leaves_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tlog_media_leaves_no_truncate BEFORE TRUNCATE ON public.tlog_media_leaves FOR EACH STATEMENT EXECUTE FUNCTION public.tlog_forbid_change();


--
-- Name: tlog_promise_delegations tlog_promise_delegations_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tlog_promise_delegations_append_only BEFORE DELETE OR UPDATE ON public.tlog_promise_delegations FOR EACH ROW EXECUTE FUNCTION public.tlog_forbid_change();


--
-- Name: tlog_promise_keys tlog_promise_keys_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tlog_promise_keys_append_only BEFORE DELETE OR UPDATE ON public.tlog_promise_keys FOR EACH ROW EXECUTE FUNCTION public.tlog_forbid_change();


--
-- Name: tlog_public_keys tlog_public_keys_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tlog_public_keys_append_only BEFORE DELETE OR UPDATE ON public.tlog_public_keys FOR EACH ROW EXECUTE FUNCTION public.tlog_forbid_change();


--
-- Name: tlog_public_keys tlog_public_keys_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tlog_public_keys_no_truncate BEFORE TRUNCATE ON public.tlog_public_keys FOR EACH STATEMENT EXECUTE FUNCTION public.tlog_forbid_change();


--
-- Name: tlog_state tlog_state_grows; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tlog_state_grows BEFORE UPDATE ON public.tlog_state FOR EACH ROW EXECUTE FUNCTION public.tlog_state_grows();


--
-- Name: tlog_state tlog_state_no_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tlog_state_no_delete BEFORE DELETE OR TRUNCATE ON public.tlog_state FOR EACH STATEMENT EXECUTE FUNCTION public.tlog_forbid_change();


--
-- Name: tlog_sths tlog_sths_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tlog_sths_append_only BEFORE DELETE OR UPDATE ON public.tlog_sths FOR EACH ROW EXECUTE FUNCTION public.tlog_forbid_change();


--
-- Name: tlog_sths tlog_sths_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tlog_sths_no_truncate BEFORE TRUNCATE ON public.tlog_sths FOR EACH STATEMENT EXECUTE FUNCTION public.tlog_forbid_change();


--
-- Name: tlog_subtrees tlog_subtrees_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tlog_subtrees_append_only BEFORE DELETE OR UPDATE ON public.tlog_subtrees FOR EACH ROW EXECUTE FUNCTION public.tlog_forbid_change();


--
-- Name: tlog_subtrees tlog_subtrees_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tlog_subtrees_no_truncate BEFORE TRUNCATE ON public.tlog_subtrees FOR EACH STATEMENT EXECUTE FUNCTION public.tlog_forbid_change();


--
-- Name: tlog_timestamps tlog_timestamps_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tlog_timestamps_append_only BEFORE DELETE OR UPDATE ON public.tlog_timestamps FOR EACH ROW EXECUTE FUNCTION public.tlog_forbid_change();


--
-- Name: tlog_timestamps tlog_timestamps_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tlog_timestamps_no_truncate BEFORE TRUNCATE ON public.tlog_timestamps FOR EACH STATEMENT EXECUTE FUNCTION public.tlog_forbid_change();


--
-- Name: account_tokens account_tokens_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account_tokens
    ADD CONSTRAINT account_tokens_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id) ON DELETE CASCADE;


--
-- Name: archive_entries archive_entries_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.archive_entries
    ADD CONSTRAINT archive_entries_id_fkey FOREIGN KEY (id) REFERENCES public.submissions(id);


--
-- Name: attendance_counts attendance_counts_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.attendance_counts
    ADD CONSTRAINT attendance_counts_election_id_fkey FOREIGN KEY (election_id) REFERENCES public.elections(id);


--
-- Name: attendance_counts attendance_counts_submission_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.attendance_counts
    ADD CONSTRAINT attendance_counts_submission_id_fkey FOREIGN KEY (submission_id) REFERENCES public.submissions(id);


--
-- Name: attendance_counts attendance_counts_verified_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.attendance_counts
    ADD CONSTRAINT attendance_counts_verified_by_fkey FOREIGN KEY (verified_by) REFERENCES public.accounts(id);


--
-- Name: audit_log audit_log_actor_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_actor_id_fkey FOREIGN KEY (actor_id) REFERENCES public.accounts(id);


--
-- Name: categories categories_phase_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.categories
    ADD CONSTRAINT categories_phase_code_fkey FOREIGN KEY (phase_code) REFERENCES public.category_phases(code);


--
-- Name: claims claims_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.claims
    ADD CONSTRAINT claims_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id);


--
-- Name: claims claims_submission_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.claims
    ADD CONSTRAINT claims_submission_id_fkey FOREIGN KEY (submission_id) REFERENCES public.submissions(id);


--
-- Name: decisions decisions_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.decisions
    ADD CONSTRAINT decisions_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id);


--
-- Name: decisions decisions_merged_into_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.decisions
    ADD CONSTRAINT decisions_merged_into_fkey FOREIGN KEY (merged_into) REFERENCES public.submissions(id);


--
-- Name: decisions decisions_submission_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.decisions
    ADD CONSTRAINT decisions_submission_id_fkey FOREIGN KEY (submission_id) REFERENCES public.submissions(id);


--
-- Name: derivative_hashes derivative_hashes_media_file_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.derivative_hashes
    ADD CONSTRAINT derivative_hashes_media_file_id_fkey FOREIGN KEY (media_file_id) REFERENCES public.media_files(id);


--
-- Name: media_files media_files_sha256_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.media_files
    ADD CONSTRAINT media_files_sha256_fkey FOREIGN KEY (sha256) REFERENCES public.blobs(sha256);


--
-- Name: media_files media_files_submission_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.media_files
    ADD CONSTRAINT media_files_submission_id_fkey FOREIGN KEY (submission_id) REFERENCES public.submissions(id);


--
-- Name: media_redactions media_redactions_decision_id_submission_id_publishes_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.media_redactions
    ADD CONSTRAINT media_redactions_decision_id_submission_id_publishes_fkey FOREIGN KEY (decision_id, submission_id, publishes) REFERENCES public.decisions(id, submission_id, publishes);


--
-- Name: media_redactions media_redactions_media_file_id_submission_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.media_redactions
    ADD CONSTRAINT media_redactions_media_file_id_submission_id_fkey FOREIGN KEY (media_file_id, submission_id) REFERENCES public.media_files(id, submission_id);


--
-- Name: notes notes_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notes
    ADD CONSTRAINT notes_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id);


--
-- Name: notes notes_parent_id_submission_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notes
    ADD CONSTRAINT notes_parent_id_submission_id_fkey FOREIGN KEY (parent_id, submission_id) REFERENCES public.notes(id, submission_id);


--
-- Name: notes notes_submission_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notes
    ADD CONSTRAINT notes_submission_id_fkey FOREIGN KEY (submission_id) REFERENCES public.submissions(id);


--
-- Name: observer_answer_files observer_answer_files_answer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.observer_answer_files
    ADD CONSTRAINT observer_answer_files_answer_id_fkey FOREIGN KEY (answer_id) REFERENCES public.observer_answers(id);


--
-- Name: observer_answer_files observer_answer_files_media_file_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.observer_answer_files
    ADD CONSTRAINT observer_answer_files_media_file_id_fkey FOREIGN KEY (media_file_id) REFERENCES public.media_files(id);


--
-- Name: observer_answers observer_answers_question_id_question_action_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.observer_answers
    ADD CONSTRAINT observer_answers_question_id_question_action_fkey FOREIGN KEY (question_id, question_action) REFERENCES public.decisions(id, action);


--
-- Name: observer_answers observer_answers_question_id_submission_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.observer_answers
    ADD CONSTRAINT observer_answers_question_id_submission_id_fkey FOREIGN KEY (question_id, submission_id) REFERENCES public.decisions(id, submission_id);


--
-- Name: observer_answers observer_answers_submission_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.observer_answers
    ADD CONSTRAINT observer_answers_submission_id_fkey FOREIGN KEY (submission_id) REFERENCES public.submissions(id);


--
-- Name: official_result_imports official_result_imports_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.official_result_imports
    ADD CONSTRAINT official_result_imports_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id);


--
-- Name: official_result_imports official_result_imports_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.official_result_imports
    ADD CONSTRAINT official_result_imports_election_id_fkey FOREIGN KEY (election_id) REFERENCES public.elections(id);


--
-- Name: official_result_revisions official_result_revisions_import_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.official_result_revisions
    ADD CONSTRAINT official_result_revisions_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.official_result_imports(id);


--
-- Name: official_result_revisions official_result_revisions_replaced_import_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.official_result_revisions
    ADD CONSTRAINT official_result_revisions_replaced_import_id_fkey FOREIGN KEY (replaced_import_id) REFERENCES public.official_result_imports(id);


--
-- Name: original_checks original_checks_sha256_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.original_checks
    ADD CONSTRAINT original_checks_sha256_fkey FOREIGN KEY (sha256) REFERENCES public.blobs(sha256);


--
-- Name: polling_stations polling_stations_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.polling_stations
    ADD CONSTRAINT polling_stations_election_id_fkey FOREIGN KEY (election_id) REFERENCES public.elections(id);


--
-- Name: protocol_copies protocol_copies_checked_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.protocol_copies
    ADD CONSTRAINT protocol_copies_checked_by_fkey FOREIGN KEY (checked_by) REFERENCES public.accounts(id);


--
-- Name: protocol_copies protocol_copies_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.protocol_copies
    ADD CONSTRAINT protocol_copies_election_id_fkey FOREIGN KEY (election_id) REFERENCES public.elections(id);


--
-- Name: protocol_copies protocol_copies_submission_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.protocol_copies
    ADD CONSTRAINT protocol_copies_submission_id_fkey FOREIGN KEY (submission_id) REFERENCES public.submissions(id);


--
-- Name: protocol_figures protocol_figures_election_id_line_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.protocol_figures
    ADD CONSTRAINT protocol_figures_election_id_line_code_fkey FOREIGN KEY (election_id, line_code) REFERENCES public.protocol_lines(election_id, code);


--
-- Name: protocol_figures protocol_figures_entered_by_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.protocol_figures
    ADD CONSTRAINT protocol_figures_entered_by_fkey FOREIGN KEY (entered_by) REFERENCES public.accounts(id);


--
-- Name: protocol_figures protocol_figures_submission_id_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.protocol_figures
    ADD CONSTRAINT protocol_figures_submission_id_election_id_fkey FOREIGN KEY (submission_id, election_id) REFERENCES public.protocol_copies(submission_id, election_id);


--
-- Name: protocol_lines protocol_lines_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.protocol_lines
    ADD CONSTRAINT protocol_lines_election_id_fkey FOREIGN KEY (election_id) REFERENCES public.elections(id);


--
-- Name: replica_copies replica_copies_sha256_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replica_copies
    ADD CONSTRAINT replica_copies_sha256_fkey FOREIGN KEY (sha256) REFERENCES public.blobs(sha256);


--
-- Name: replica_derivative_copies replica_derivative_copies_key_name_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replica_derivative_copies
    ADD CONSTRAINT replica_derivative_copies_key_name_fkey FOREIGN KEY (key, name) REFERENCES public.stored_derivatives(key, name);


--
-- Name: replica_other_bytes replica_other_bytes_sha256_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.replica_other_bytes
    ADD CONSTRAINT replica_other_bytes_sha256_fkey FOREIGN KEY (sha256) REFERENCES public.blobs(sha256);


--
-- Name: sessions sessions_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.accounts(id) ON DELETE CASCADE;


--
-- Name: station_discrepancies station_discrepancies_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.station_discrepancies
    ADD CONSTRAINT station_discrepancies_election_id_fkey FOREIGN KEY (election_id) REFERENCES public.elections(id);


--
-- Name: station_discrepancies station_discrepancies_submission_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.station_discrepancies
    ADD CONSTRAINT station_discrepancies_submission_id_fkey FOREIGN KEY (submission_id) REFERENCES public.submissions(id);


--
-- Name: station_discrepancy_ranks station_discrepancy_ranks_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.station_discrepancy_ranks
    ADD CONSTRAINT station_discrepancy_ranks_election_id_fkey FOREIGN KEY (election_id) REFERENCES public.elections(id);


--
-- Name: submission_links submission_links_a_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.submission_links
    ADD CONSTRAINT submission_links_a_fkey FOREIGN KEY (a) REFERENCES public.submissions(id) ON DELETE CASCADE;


--
-- Name: submission_links submission_links_b_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.submission_links
    ADD CONSTRAINT submission_links_b_fkey FOREIGN KEY (b) REFERENCES public.submissions(id) ON DELETE CASCADE;


--
-- Name: submissions submissions_category_code_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.submissions
    ADD CONSTRAINT submissions_category_code_fkey FOREIGN KEY (category_code) REFERENCES public.categories(code);


--
-- Name: submissions submissions_election_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.submissions
    ADD CONSTRAINT submissions_election_id_fkey FOREIGN KEY (election_id) REFERENCES public.elections(id);


--
-- Name: submissions submissions_merged_into_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.submissions
    ADD CONSTRAINT submissions_merged_into_id_fkey FOREIGN KEY (merged_into_id) REFERENCES public.submissions(id);


--
-- Name: submissions submissions_polling_station_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.submissions
    ADD CONSTRAINT submissions_polling_station_id_fkey FOREIGN KEY (polling_station_id) REFERENCES public.polling_stations(id);


--
-- Name: submissions submissions_publish_decision_fk; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.submissions
    ADD CONSTRAINT submissions_publish_decision_fk FOREIGN KEY (publish_decision_id, id) REFERENCES public.decisions(id, submission_id);


--
-- Name: submissions submissions_publish_decision_kind_fk; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.submissions
    ADD CONSTRAINT submissions_publish_decision_kind_fk FOREIGN KEY (publish_decision_id, id, publish_decision_publishes) REFERENCES public.decisions(id, submission_id, publishes);


--
-- Name: submissions submissions_verify_decision_kind_fk; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.submissions
    ADD CONSTRAINT submissions_verify_decision_kind_fk FOREIGN KEY (verify_decision_id, id, verify_decision_verifies) REFERENCES public.decisions(id, submission_id, verifies);


--
-- Name: tlog_cosignatures tlog_cosignatures_tree_size_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlog_cosignatures
    ADD CONSTRAINT tlog_cosignatures_tree_size_fkey FOREIGN KEY (tree_size) REFERENCES public.tlog_sths(tree_size);


--
-- Name: tlog_media_leaves tlog_media_leaves_media_file_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlog_media_leaves
    ADD CONSTRAINT tlog_media_leaves_media_file_id_fkey FOREIGN KEY (media_file_id) REFERENCES public.media_files(id);


--
-- Name: tlog_promise_delegations tlog_promise_delegations_vkey_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlog_promise_delegations
    ADD CONSTRAINT tlog_promise_delegations_vkey_fkey FOREIGN KEY (vkey) REFERENCES public.tlog_promise_keys(vkey);


--
-- Name: tlog_timestamps tlog_timestamps_tree_size_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tlog_timestamps
    ADD CONSTRAINT tlog_timestamps_tree_size_fkey FOREIGN KEY (tree_size) REFERENCES public.tlog_sths(tree_size);


--
-- Name: video_copies video_copies_media_file_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.video_copies
    ADD CONSTRAINT video_copies_media_file_id_fkey FOREIGN KEY (media_file_id) REFERENCES public.media_files(id);


--
-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: -
--

GRANT USAGE ON SCHEMA public TO svidetel_app;


--
-- Name: TABLE archive_entries; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.archive_entries TO svidetel_app;


--
-- Name: TABLE account_tokens; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.account_tokens TO svidetel_app;


--
-- Name: TABLE accounts; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.accounts TO svidetel_app;


--
-- Name: TABLE app_settings; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.app_settings TO svidetel_app;


--
-- Name: TABLE blobs; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.blobs TO svidetel_app;


--
-- Name: TABLE categories; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.categories TO svidetel_app;


--
-- Name: TABLE decisions; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.decisions TO svidetel_app;


--
-- Name: TABLE elections; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.elections TO svidetel_app;


--
-- Name: TABLE media_files; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.media_files TO svidetel_app;


--
-- Name: TABLE polling_stations; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.polling_stations TO svidetel_app;


--
-- Name: TABLE regions; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.regions TO svidetel_app;


--
-- Name: TABLE submissions; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.submissions TO svidetel_app;


--
-- Name: TABLE archive_entry_source; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.archive_entry_source TO svidetel_app;


--
-- Name: TABLE archive_map_cells; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.archive_map_cells TO svidetel_app;


--
-- Name: TABLE attendance_counts; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.attendance_counts TO svidetel_app;


--
-- Name: TABLE audit_head; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,UPDATE ON TABLE public.audit_head TO svidetel_app;


--
-- Name: TABLE audit_log; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.audit_log TO svidetel_app;


--
-- Name: TABLE category_phases; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.category_phases TO svidetel_app;


--
-- Name: TABLE claims; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.claims TO svidetel_app;


--
-- Name: TABLE derivative_hashes; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.derivative_hashes TO svidetel_app;
GRANT INSERT ON TABLE public.derivative_hashes TO svidetel_signer;


--
-- Name: SEQUENCE elections_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,USAGE ON SEQUENCE public.elections_id_seq TO svidetel_app;


--
-- Name: TABLE integrity_alarms; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.integrity_alarms TO svidetel_app;


--
-- Name: SEQUENCE integrity_alarms_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,USAGE ON SEQUENCE public.integrity_alarms_id_seq TO svidetel_app;


--
-- Name: TABLE log_scrub_state; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,UPDATE ON TABLE public.log_scrub_state TO svidetel_app;


--
-- Name: TABLE media_redactions; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.media_redactions TO svidetel_app;


--
-- Name: TABLE notes; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.notes TO svidetel_app;


--
-- Name: TABLE observer_answer_files; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.observer_answer_files TO svidetel_app;


--
-- Name: TABLE observer_answers; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.observer_answers TO svidetel_app;


--
-- Name: TABLE official_result_imports; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.official_result_imports TO svidetel_app;


--
-- Name: SEQUENCE official_result_imports_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,USAGE ON SEQUENCE public.official_result_imports_id_seq TO svidetel_app;


--
-- Name: TABLE official_result_revisions; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.official_result_revisions TO svidetel_app;


--
-- Name: TABLE official_results; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.official_results TO svidetel_app;


--
-- Name: TABLE original_checks; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.original_checks TO svidetel_app;


--
-- Name: SEQUENCE polling_stations_id_seq; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,USAGE ON SEQUENCE public.polling_stations_id_seq TO svidetel_app;


--
-- Name: TABLE protocol_copies; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.protocol_copies TO svidetel_app;


--
-- Name: TABLE protocol_figures; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.protocol_figures TO svidetel_app;


--
-- Name: TABLE protocol_lines; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.protocol_lines TO svidetel_app;


--
-- Name: TABLE replica_copies; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.replica_copies TO svidetel_app;
GRANT INSERT,DELETE ON TABLE public.replica_copies TO svidetel_signer;


--
-- Name: COLUMN replica_copies.checked_at; Type: ACL; Schema: public; Owner: -
--

GRANT UPDATE(checked_at) ON TABLE public.replica_copies TO svidetel_signer;


--
-- Name: TABLE replica_derivative_copies; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.replica_derivative_copies TO svidetel_app;
GRANT INSERT,DELETE,UPDATE ON TABLE public.replica_derivative_copies TO svidetel_signer;


--
-- Name: TABLE replica_log_copies; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.replica_log_copies TO svidetel_app;
GRANT INSERT,UPDATE ON TABLE public.replica_log_copies TO svidetel_signer;


--
-- Name: TABLE replica_other_bytes; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.replica_other_bytes TO svidetel_app;
GRANT INSERT,DELETE,UPDATE ON TABLE public.replica_other_bytes TO svidetel_signer;


--
-- Name: TABLE resumable_uploads; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.resumable_uploads TO svidetel_app;


--
-- Name: TABLE schema_migrations; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.schema_migrations TO svidetel_app;


--
-- Name: TABLE sessions; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.sessions TO svidetel_app;


--
-- Name: TABLE station_discrepancies; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.station_discrepancies TO svidetel_app;


--
-- Name: TABLE station_discrepancy_ranks; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.station_discrepancy_ranks TO svidetel_app;


--
-- Name: TABLE stored_derivatives; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.stored_derivatives TO svidetel_app;


--
-- Name: TABLE submission_flag_counts; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.submission_flag_counts TO svidetel_app;


--
-- Name: TABLE submission_links; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.submission_links TO svidetel_app;


--
-- Name: TABLE submission_status_counts; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT,UPDATE ON TABLE public.submission_status_counts TO svidetel_app;


--
-- Name: TABLE tlog_cosignatures; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.tlog_cosignatures TO svidetel_app;
GRANT INSERT ON TABLE public.tlog_cosignatures TO svidetel_signer;


--
-- Name: TABLE tlog_leaves; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.tlog_leaves TO svidetel_app;


--
-- Name: TABLE tlog_media_leaves; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.tlog_media_leaves TO svidetel_app;


--
-- Name: TABLE tlog_promise_delegations; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.tlog_promise_delegations TO svidetel_app;
GRANT INSERT ON TABLE public.tlog_promise_delegations TO svidetel_signer;


--
-- Name: TABLE tlog_promise_keys; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.tlog_promise_keys TO svidetel_app;


--
-- Name: TABLE tlog_public_keys; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.tlog_public_keys TO svidetel_app;
GRANT INSERT ON TABLE public.tlog_public_keys TO svidetel_signer;


--
-- Name: TABLE tlog_state; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,UPDATE ON TABLE public.tlog_state TO svidetel_app;


--
-- Name: TABLE tlog_sths; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.tlog_sths TO svidetel_app;
GRANT INSERT ON TABLE public.tlog_sths TO svidetel_signer;


--
-- Name: TABLE tlog_subtrees; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT,INSERT ON TABLE public.tlog_subtrees TO svidetel_app;


--
-- Name: TABLE tlog_timestamps; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.tlog_timestamps TO svidetel_app;
GRANT INSERT ON TABLE public.tlog_timestamps TO svidetel_signer;


--
-- Name: TABLE video_copies; Type: ACL; Schema: public; Owner: -
--

GRANT SELECT ON TABLE public.video_copies TO svidetel_app;
GRANT INSERT,UPDATE ON TABLE public.video_copies TO svidetel_signer;


--
-- PostgreSQL database dump complete
--


