-- The map's coarse zooms, pre-aggregated: per grid cell, election and category, how many public
-- points lie in it and the sums of their coordinates (a cluster is drawn at their mean). A
-- country-wide view then reads a few thousand rows instead of grouping a million entries.
-- Cells are those of the map at zoom 0..5: 90 / 2^zoom degrees. Kept in step with
-- archive_entries by statement triggers (set-based, so a bulk fill costs one aggregate), and
-- upserted in key order so concurrent publications lock shared cells in the same order.

CREATE TABLE archive_map_cells (
  zoom          smallint NOT NULL CHECK (zoom BETWEEN 0 AND 5),
  cell_y        int NOT NULL,
  cell_x        int NOT NULL,
  election_id   int NOT NULL,
  category_code text NOT NULL,
  entries       int NOT NULL CHECK (entries >= 0),
  lat_sum       double precision NOT NULL,
  lon_sum       double precision NOT NULL,
  PRIMARY KEY (zoom, cell_y, cell_x, election_id, category_code)
);
-- An emptied cell is deleted right after it empties: this finds it without a scan.
CREATE INDEX archive_map_cells_empty_idx ON archive_map_cells (zoom) WHERE entries = 0;

CREATE FUNCTION archive_map_cells_added() RETURNS trigger LANGUAGE plpgsql AS $$
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

-- The cells a set of removed rows leaves, with how much each loses.
CREATE FUNCTION archive_map_cell_losses(removed_rows archive_entries[])
RETURNS TABLE (zoom smallint, cell_y int, cell_x int, election_id int, category_code text, entries int, lat_sum float8, lon_sum float8)
LANGUAGE sql STABLE AS $$
  SELECT z.zoom::smallint, floor(o.lat * 2 ^ z.zoom / 90)::int, floor(o.lon * 2 ^ z.zoom / 90)::int, o.election_id, o.category_code,
         count(*)::int, sum(o.lat), sum(o.lon)
    FROM unnest(removed_rows) o CROSS JOIN generate_series(0, 5) AS z(zoom)
   WHERE o.lat IS NOT NULL
   GROUP BY 1, 2, 3, 4, 5
$$;

CREATE FUNCTION archive_map_cells_removed() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE FUNCTION archive_map_cells_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE archive_map_cells;
  RETURN NULL;
END $$;

CREATE TRIGGER archive_map_cells_on_insert AFTER INSERT ON archive_entries
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION archive_map_cells_added();
CREATE TRIGGER archive_map_cells_on_delete AFTER DELETE ON archive_entries
  REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION archive_map_cells_removed();
CREATE TRIGGER archive_map_cells_on_truncate AFTER TRUNCATE ON archive_entries
  FOR EACH STATEMENT EXECUTE FUNCTION archive_map_cells_truncated();

INSERT INTO archive_map_cells (zoom, cell_y, cell_x, election_id, category_code, entries, lat_sum, lon_sum)
SELECT z.zoom, floor(a.lat * 2 ^ z.zoom / 90)::int, floor(a.lon * 2 ^ z.zoom / 90)::int, a.election_id, a.category_code,
       count(*), sum(a.lat), sum(a.lon)
  FROM archive_entries a CROSS JOIN generate_series(0, 5) AS z(zoom)
 WHERE a.lat IS NOT NULL
 GROUP BY 1, 2, 3, 4, 5;
ANALYZE archive_map_cells;
