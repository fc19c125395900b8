-- The exports read every public field of an entry from archive_entries alone: its whole public
-- description and its files' SHA-256 digests are kept there too (they were joined from
-- submissions and aggregated from media_files per row, which cost more than the rest of a
-- million-row export together). The list excerpt is now cut from the description when read, and
-- the text is indexed once (see search_text below).
-- archive_entries is derived data: it is emptied and filled again from the new view.

DROP VIEW archive_entry_source;
TRUNCATE archive_entries;
ALTER TABLE archive_entries
  DROP COLUMN excerpt,
  ADD COLUMN description text NOT NULL,
  -- hex digests in file order, as the exports and the permalink show them
  ADD COLUMN file_sha256 text[] NOT NULL;

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
       -- One pass of PostgreSQL's russian configuration stems both languages: Russian words with
       -- the Russian Snowball stemmer, Latin-script words with the English one (and English stop
       -- words), exactly as the english configuration does them. Indexing the text a second time
       -- with the english configuration only added unstemmed Cyrillic forms: twice the postings
       -- for every common word, for nothing a query could not find anyway.
       setweight(to_tsvector('russian', coalesce(s.public_title, '')), 'A')
         || to_tsvector('russian', coalesce(s.public_description, s.description)) AS search_text,
       coalesce(s.public_description, s.description) AS description,
       f.file_sha256
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
           (array_agg(m.gps_lon ORDER BY m.position) FILTER (WHERE m.gps_lat IS NOT NULL))[1] AS lon,
           coalesce(array_agg(encode(m.sha256, 'hex') ORDER BY m.position), '{}') AS file_sha256
      FROM media_files m JOIN blobs b ON b.sha256 = m.sha256
     WHERE m.submission_id = s.id
  ) f
 WHERE s.status = 'published';

INSERT INTO archive_entries SELECT * FROM archive_entry_source;
ANALYZE archive_entries;

-- Migration 043's index served the per-row hash look-ups the exports no longer make.
DROP INDEX media_files_hashes_idx;

-- A region filter usually comes with an election and a time range: with them in the region's index
-- those are settled before any row is read (station look-ups have archive_entries_station_idx).
DROP INDEX archive_entries_region_idx;
CREATE INDEX archive_entries_region_idx ON archive_entries (region, election_id, published_at DESC);
-- A region alone: its newest entries in order, so a search can stop after the first few thousand.
CREATE INDEX archive_entries_region_newest_idx ON archive_entries (region, published_at DESC, id DESC);

-- The text index also holds the publication time (btree_gin), so "these words among the newest
-- entries" is answered inside the index: with the time only in the table, a pair of words that
-- often come together (which the planner takes for rare) had every match's row read to check its
-- time, tens of thousands of rows where a few hundred were wanted. The time is indexed as an
-- expression that only that look-up uses (db/archive.repo.ts newestMatchesIndexed): a journalist's
-- date filter must not turn into a scan of every time key in its range inside this index.
CREATE EXTENSION IF NOT EXISTS btree_gin;
DROP INDEX archive_entries_search_idx;
CREATE INDEX archive_entries_search_idx ON archive_entries USING gin (search_text, (published_at AT TIME ZONE 'UTC'));
