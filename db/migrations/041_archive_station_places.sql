-- A polling station's registered place is the public point of its entries published with a
-- rounded location (migration 040's view): when an admin corrects it, those entries follow.
CREATE FUNCTION archive_refresh_station() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM archive_refresh(s.id) FROM submissions s WHERE s.polling_station_id = NEW.id AND s.status = 'published';
  RETURN NULL;
END $$;

CREATE TRIGGER archive_entries_from_stations AFTER UPDATE ON polling_stations
  FOR EACH ROW WHEN ((OLD.latitude, OLD.longitude) IS DISTINCT FROM (NEW.latitude, NEW.longitude))
  EXECUTE FUNCTION archive_refresh_station();
