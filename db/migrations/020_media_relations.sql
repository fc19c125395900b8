-- What links one file to others (near duplicates, Live Photo pairs) and the video contact sheet.

ALTER TABLE media_files
  -- 64-bit perceptual hash (domain/media/perceptual-hash.ts) as a signed bigint; NULL until rendered.
  ADD COLUMN phash bigint,
  -- Its four 16-bit bands, highest first: multi-index hashing. Two hashes within d bits share a band
  -- within ⌊d/4⌋ bits, so a near-duplicate search probes these indexes instead of scanning every row.
  ADD COLUMN phash_band0 int GENERATED ALWAYS AS (((phash >> 48) & 65535)::int) STORED,
  ADD COLUMN phash_band1 int GENERATED ALWAYS AS (((phash >> 32) & 65535)::int) STORED,
  ADD COLUMN phash_band2 int GENERATED ALWAYS AS (((phash >> 16) & 65535)::int) STORED,
  ADD COLUMN phash_band3 int GENERATED ALWAYS AS ((phash & 65535)::int) STORED,
  -- Apple's Live Photo / media-group id, shared by the still and its video.
  ADD COLUMN content_identifier text CHECK (content_identifier IS NULL OR length(content_identifier) BETWEEN 1 AND 200),
  ADD COLUMN has_contact boolean NOT NULL DEFAULT false,
  ADD CONSTRAINT media_files_contact_needs_preview CHECK (NOT has_contact OR has_preview);

-- (band, phash) INCLUDE (id): index-only scans check the exact distance on the index entries and
-- read no table row for the thousands of candidates. Measured on 1 M random hashes, distance ≤ 10:
-- 15–110 ms (warm–cold) against 540 ms for a parallel full scan.
CREATE INDEX media_files_phash_band0_idx ON media_files (phash_band0, phash) INCLUDE (id) WHERE phash IS NOT NULL;
CREATE INDEX media_files_phash_band1_idx ON media_files (phash_band1, phash) INCLUDE (id) WHERE phash IS NOT NULL;
CREATE INDEX media_files_phash_band2_idx ON media_files (phash_band2, phash) INCLUDE (id) WHERE phash IS NOT NULL;
CREATE INDEX media_files_phash_band3_idx ON media_files (phash_band3, phash) INCLUDE (id) WHERE phash IS NOT NULL;
CREATE INDEX media_files_content_identifier_idx ON media_files (content_identifier) WHERE content_identifier IS NOT NULL;
-- Moderators filter by flag (e.g. every near_duplicate).
CREATE INDEX media_files_flags_idx ON media_files USING gin (flags);
