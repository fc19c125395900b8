-- The public archive's search index: one row per published entry holding exactly what is public
-- and searchable (public text, the place at the precision the moderator chose, capture time, media
-- kinds), so a search, a filter, a map or a station page reads one narrow table, never the
-- originals' metadata. Rows are derived from submissions + media_files by one view and kept in
-- step by triggers; nothing is written here by the application.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE archive_entries (
  id                  uuid PRIMARY KEY REFERENCES submissions (id),
  election_id         int  NOT NULL,
  region              text NOT NULL,
  station_number      text NOT NULL,
  category_code       text NOT NULL,
  published_at        timestamptz NOT NULL,
  verified_at         timestamptz NOT NULL,
  captured_at         timestamptz,          -- earliest camera capture time (UTC) of its files, if any has one
  has_photo           boolean NOT NULL,
  has_video           boolean NOT NULL,
  file_count          int NOT NULL CHECK (file_count >= 0),
  first_thumb_file_id uuid,
  -- the public point, already reduced to the chosen precision (NULL when hidden or unknown)
  lat                 double precision CHECK (lat BETWEEN -90 AND 90),
  lon                 double precision CHECK (lon BETWEEN -180 AND 180),
  title               text,
  excerpt             text NOT NULL,
  -- Russian and English stemming of the same public text: a query in either language finds text in that language
  search_text         tsvector NOT NULL,
  CHECK ((lat IS NULL) = (lon IS NULL))
);

CREATE INDEX archive_entries_search_idx ON archive_entries USING gin (search_text);
CREATE INDEX archive_entries_published_idx ON archive_entries (published_at DESC, id DESC);
CREATE INDEX archive_entries_captured_idx ON archive_entries (captured_at DESC NULLS LAST, id DESC);
CREATE INDEX archive_entries_verified_idx ON archive_entries (verified_at);
CREATE INDEX archive_entries_station_idx ON archive_entries (station_number, region, election_id);
CREATE INDEX archive_entries_region_idx ON archive_entries (region, station_number, election_id);
CREATE INDEX archive_entries_election_idx ON archive_entries (election_id, published_at DESC);
CREATE INDEX archive_entries_category_idx ON archive_entries (category_code, published_at DESC);
CREATE INDEX archive_entries_point_idx ON archive_entries (lat, lon) INCLUDE (id) WHERE lat IS NOT NULL;

CREATE VIEW archive_entry_source AS
SELECT s.id, s.election_id, s.region, s.station_number, s.category_code, s.published_at,
       d.created_at AS verified_at,
       f.captured_at, f.has_photo, f.has_video, f.file_count, f.first_thumb_file_id,
       -- rounded: the polling station's registered place if known, else GPS to 2 decimals (~1 km)
       CASE WHEN s.public_location = 'hidden' THEN NULL
            WHEN s.public_location = 'precise' AND f.lat IS NOT NULL THEN f.lat
            ELSE coalesce(ps.latitude, round(f.lat::numeric, 2)::float8) END AS lat,
       CASE WHEN s.public_location = 'hidden' THEN NULL
            WHEN s.public_location = 'precise' AND f.lat IS NOT NULL THEN f.lon
            ELSE coalesce(ps.longitude, round(f.lon::numeric, 2)::float8) END AS lon,
       s.public_title AS title,
       left(coalesce(s.public_description, s.description), 300) AS excerpt,
       setweight(to_tsvector('russian', coalesce(s.public_title, '')), 'A')
         || setweight(to_tsvector('english', coalesce(s.public_title, '')), 'A')
         || to_tsvector('russian', coalesce(s.public_description, s.description))
         || to_tsvector('english', coalesce(s.public_description, s.description)) AS search_text
  FROM submissions s
  JOIN decisions d ON d.id = s.publish_decision_id
  LEFT JOIN polling_stations ps ON ps.id = s.polling_station_id
  CROSS JOIN LATERAL (
    SELECT count(*)::int AS file_count,
           coalesce(bool_or(b.kind = 'image'), false) AS has_photo,
           coalesce(bool_or(b.kind = 'video'), false) AS has_video,
           min(m.taken_at_utc) AS captured_at,
           (array_agg(m.id ORDER BY m.position) FILTER (WHERE m.has_thumb))[1] AS first_thumb_file_id,
           (array_agg(m.gps_lat ORDER BY m.position) FILTER (WHERE m.gps_lat IS NOT NULL))[1] AS lat,
           (array_agg(m.gps_lon ORDER BY m.position) FILTER (WHERE m.gps_lat IS NOT NULL))[1] AS lon
      FROM media_files m JOIN blobs b ON b.sha256 = m.sha256
     WHERE m.submission_id = s.id
  ) f
 WHERE s.status = 'published';

-- Recomputes one entry's row. The advisory lock serialises refreshes of the same entry (the
-- worker finishing a file while a moderator publishes), and each statement then sees the other's commit.
CREATE FUNCTION archive_refresh(entry uuid) RETURNS void LANGUAGE sql VOLATILE AS $$
  SELECT pg_advisory_xact_lock(hashtextextended('archive_entry:' || entry::text, 0));
  DELETE FROM archive_entries WHERE id = entry;
  INSERT INTO archive_entries SELECT * FROM archive_entry_source WHERE id = entry;
$$;

CREATE FUNCTION archive_refresh_submission() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM archive_refresh(NEW.id);
  RETURN NULL;
END $$;

-- A file changes its entry's row only once the entry is public (it is then in archive_entries).
CREATE FUNCTION archive_refresh_media() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM archive_entries WHERE id = NEW.submission_id) THEN
    PERFORM archive_refresh(NEW.submission_id);
  END IF;
  RETURN NULL;
END $$;

-- Only changes to what the index holds fire a refresh, so bulk updates of other columns (and
-- every step of a pending submission's review) cost nothing here.
CREATE TRIGGER archive_entries_from_new_submissions AFTER INSERT ON submissions
  FOR EACH ROW WHEN (NEW.status = 'published') EXECUTE FUNCTION archive_refresh_submission();
CREATE TRIGGER archive_entries_from_submissions AFTER UPDATE ON submissions
  FOR EACH ROW WHEN ((OLD.status = 'published' OR NEW.status = 'published') AND
    (OLD.status, OLD.election_id, OLD.region, OLD.station_number, OLD.category_code, OLD.published_at, OLD.publish_decision_id,
     OLD.description, OLD.public_title, OLD.public_description, OLD.public_location, OLD.polling_station_id)
    IS DISTINCT FROM
    (NEW.status, NEW.election_id, NEW.region, NEW.station_number, NEW.category_code, NEW.published_at, NEW.publish_decision_id,
     NEW.description, NEW.public_title, NEW.public_description, NEW.public_location, NEW.polling_station_id))
  EXECUTE FUNCTION archive_refresh_submission();
CREATE TRIGGER archive_entries_from_media AFTER INSERT OR UPDATE ON media_files
  FOR EACH ROW EXECUTE FUNCTION archive_refresh_media();

INSERT INTO archive_entries SELECT * FROM archive_entry_source;
