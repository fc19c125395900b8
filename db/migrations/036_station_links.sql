-- The station link follows from the station number (which never changes) and the register an
-- admin imports: linking does not make a moderator's open form stale.
CREATE OR REPLACE FUNCTION submissions_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  derived CONSTANT text[] := ARRAY['version', 'file_flags', 'has_video', 'polling_station_id', 'publish_decision_publishes', 'verify_decision_verifies'];
BEGIN
  IF (to_jsonb(NEW) - derived) IS DISTINCT FROM (to_jsonb(OLD) - derived) THEN
    NEW.version := OLD.version + 1;
  ELSE
    NEW.version := OLD.version;
  END IF;
  RETURN NEW;
END $$;
