-- Polling stations, imported per election by admins (stations abroad included: region is then the
-- country). uik_number is the station's number as digits without leading zeros, as submissions are
-- matched on it. Coordinates are optional: some registers have none.
CREATE TABLE polling_stations (
  id           serial PRIMARY KEY,
  election_id  int  NOT NULL REFERENCES elections (id),
  region       text NOT NULL CHECK (length(region) BETWEEN 1 AND 200),
  tik          text NOT NULL CHECK (length(tik) BETWEEN 1 AND 300),
  uik_number   text NOT NULL CHECK (uik_number ~ '^(0|[1-9][0-9]{0,5})$'),
  address      text NOT NULL CHECK (length(address) BETWEEN 1 AND 1000),
  latitude     double precision CHECK (latitude BETWEEN -90 AND 90),
  longitude    double precision CHECK (longitude BETWEEN -180 AND 180),
  imported_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (election_id, uik_number),
  CHECK ((latitude IS NULL) = (longitude IS NULL))
);

-- A submission names its station by number; it links to the register's row when the number matches.
ALTER TABLE submissions ADD COLUMN polling_station_id int REFERENCES polling_stations (id);
CREATE INDEX submissions_polling_station_idx ON submissions (polling_station_id) WHERE polling_station_id IS NOT NULL;

-- Hold publication until the polls close, per election: evidence from the queues outside polling
-- stations is not published while people still stand in them.
ALTER TABLE elections
  ADD COLUMN polls_close_at timestamptz,
  ADD COLUMN hold_publication boolean NOT NULL DEFAULT false,
  ADD CONSTRAINT elections_hold_needs_close CHECK (NOT hold_publication OR polls_close_at IS NOT NULL);

-- Settings an admin changes at run time (one row).
CREATE TABLE app_settings (
  id            boolean PRIMARY KEY DEFAULT true CHECK (id),
  require_totp  boolean NOT NULL DEFAULT false
);
INSERT INTO app_settings (id) VALUES (true);

-- The hold is enforced here too, whatever path publishes.
CREATE FUNCTION submissions_publication_hold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM elections WHERE id = NEW.election_id AND hold_publication AND polls_close_at > now()) THEN
    RAISE EXCEPTION 'publication is held until the polls of this election close' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER submissions_hold_until_polls_close BEFORE UPDATE ON submissions
  FOR EACH ROW WHEN (NEW.status = 'published' AND OLD.status IS DISTINCT FROM 'published')
  EXECUTE FUNCTION submissions_publication_hold();
