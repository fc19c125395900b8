-- ============================================================================================
-- Search at a million entries (issue 17): text + filters in one index.
-- ============================================================================================

-- The text index also holds the filters a journalist narrows by most: the region, the category,
-- and the election with the region as one key. A search for words within a region of one
-- election ("вбросы", Омская область, the 2021 Duma election) is then answered by the index
-- alone: the few hundred entries that have the words *and* are in that region of that election.
-- With the filters only in btree indexes, every entry of that region and election (thousands,
-- each on its own page, for a region's entries are spread over the whole publication history)
-- was read to check its words: 60–170 ms at 1 M entries where this reads a few hundred rows.
--
-- The election and the region are one key ("2 Омская область"), not two columns: GIN reads the
-- posting list of every key a query names, and an election's is a quarter of the archive (it
-- doubled the index scan's time); the pair's is a 160th. db/archive.repo.ts (ELECTION_REGION)
-- writes the same expression when a search names both. An election alone narrows too little to
-- be worth its postings; it stays a btree filter (archive_entries_election_idx).
--
-- The publication time stays in this index for the "these words among the newest entries"
-- look-up (db/archive.repo.ts newestMatchesIndexed; see 001_baseline.sql), as its UTC day: the
-- newest 30 000 entries were 30 000 time keys for the index to visit one by one (8–12 ms of a
-- 16 ms search for rarer words at 1 M entries), where they are three days' keys (2–6 ms). The
-- newest entries since a day are still the newest entries, so the look-up's answer is the same.
-- Only that look-up writes this expression; a journalist's date filter is checked on the rows the
-- index found, as photo/video are.
CREATE INDEX archive_entries_text_filters_idx ON archive_entries USING gin (
  search_text,
  ((published_at AT TIME ZONE 'UTC')::date),
  region,
  category_code,
  ((election_id::text || ' ') || region)
);
DROP INDEX archive_entries_search_idx;

-- Videos are the strongest evidence, and "videos only" a journalist's first filter; a video is one
-- entry in seven. A relevance walk through the newest videos (of an election) read them through
-- the time index, checking has_video row by row: seven rows read for each candidate (at 1 M
-- entries on a loaded machine, a median of 150–580 ms for common words within an election's
-- videos; 18 ms with these, which hold the candidates alone).
CREATE INDEX archive_entries_video_newest_idx ON archive_entries (published_at DESC, id DESC) WHERE has_video;
CREATE INDEX archive_entries_election_video_idx ON archive_entries (election_id, published_at DESC, id DESC) WHERE has_video;
