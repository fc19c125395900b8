-- Video redaction (issue 18, item 1): a video's rectangles may hold for a time range only, and its
-- published copy is rendered with them burned in.
--
-- Every rectangle a redaction stores is one the renderer can draw: fractions of the picture that stay
-- inside it, a known style, and on a video an optional time range (both ends, from before to).
CREATE FUNCTION redaction_regions_valid(regions jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT AS $$
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

ALTER TABLE media_redactions ADD CONSTRAINT media_redactions_regions_valid CHECK (redaction_regions_valid(regions));

-- Redacted copies are known to /check like every other copy (findPublishedCopiesByHash reads them here).
CREATE INDEX media_redactions_thumb_idx ON media_redactions (thumb_sha256);
CREATE INDEX media_redactions_preview_idx ON media_redactions (preview_sha256);

-- Which redaction a video's published copy was (or is being) made with: the copies_key of the
-- publishing decision's redaction of the file, NULL for none. The public gets the copy only while
-- this is the redaction of the decision that published the file; the worker makes it again when
-- the two differ (a redaction decided after an unredacted copy was made replaces it).
ALTER TABLE video_copies ADD COLUMN redaction_key bytea CHECK (octet_length(redaction_key) = 32);
