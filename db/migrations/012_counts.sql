-- Counts that cannot be rigged (issue 19): observers' attendance counts and protocol copies as
-- evidence, the official per-station results they are set against, and the differences between them.
-- A figure reaches the public only when a moderator has verified it AND its submission is published:
-- the public reads join archive_entries, which alone decides what is published (and holds it until
-- the polls close); nothing here repeats that rule.

-- The categories an observer files a count or a protocol copy under.
INSERT INTO categories (code, phase_code, position, label_ru, label_en)
SELECT 'attendance_count', 'voting_day', (SELECT coalesce(max(position), 0) + 1 FROM categories WHERE phase_code = 'voting_day'),
       'Подсчёт явки наблюдателями', 'Observers'' attendance count'
ON CONFLICT (code) DO NOTHING;
INSERT INTO categories (code, phase_code, position, label_ru, label_en)
SELECT 'protocol_copy', 'counting', (SELECT coalesce(max(position), 0) + 1 FROM categories WHERE phase_code = 'counting'),
       'Копия итогового протокола', 'Copy of the final protocol'
ON CONFLICT (code) DO NOTHING;

-- Each election's protocol as an admin configures it: its numbered lines, candidates among them.
-- role says what a line means to the arithmetic checks (domain/counts/model.ts LINE_ROLES).
CREATE TABLE protocol_lines (
  election_id int  NOT NULL REFERENCES elections (id),
  code        text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]{0,39}$' AND code NOT IN ('uik', 'region')),
  line_no     int  NOT NULL CHECK (line_no BETWEEN 1 AND 99),
  role        text NOT NULL CHECK (role IN ('voters_on_list', 'ballots_received', 'issued_early', 'issued_station',
                                             'issued_outside', 'cancelled', 'ballots_found', 'invalid', 'valid',
                                             'candidate', 'other')),
  label_ru    text NOT NULL CHECK (length(label_ru) BETWEEN 1 AND 300),
  label_en    text NOT NULL CHECK (length(label_en) BETWEEN 1 AND 300),
  PRIMARY KEY (election_id, code),
  -- checked at commit, so an admin may renumber lines in one save
  UNIQUE (election_id, line_no) DEFERRABLE INITIALLY DEFERRED
);

-- Every official-results import is kept: who, when, which file (its SHA-256), what it did and the
-- per-row report of what it refused. Rows are never changed or deleted.
CREATE TABLE official_result_imports (
  id            serial PRIMARY KEY,
  election_id   int  NOT NULL REFERENCES elections (id),
  account_id    uuid NOT NULL REFERENCES accounts (id),
  file_sha256   bytea NOT NULL CHECK (length(file_sha256) = 32),
  imported_at   timestamptz NOT NULL DEFAULT now(),
  rows_imported int NOT NULL CHECK (rows_imported >= 0),
  rows_changed  int NOT NULL CHECK (rows_changed >= 0),
  rows_bad      int NOT NULL CHECK (rows_bad >= 0),
  report        jsonb NOT NULL CHECK (jsonb_typeof(report) = 'array')
);
CREATE FUNCTION official_imports_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'official-result imports are kept as they were: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER official_result_imports_append_only BEFORE UPDATE OR DELETE ON official_result_imports
  FOR EACH ROW EXECUTE FUNCTION official_imports_forbid_change();

-- The current official figures of each station: figures {line code: n}, turnout {"HH:MM": voters so
-- far that day}. turnout_pct and leader_pct are derived at import for the election's charts.
CREATE TABLE official_results (
  election_id int  NOT NULL,
  uik_number  text NOT NULL CHECK (uik_number ~ '^(0|[1-9][0-9]{0,5})$'),
  region      text NOT NULL CHECK (length(region) BETWEEN 1 AND 200),
  figures     jsonb NOT NULL CHECK (jsonb_typeof(figures) = 'object'),
  turnout     jsonb NOT NULL CHECK (jsonb_typeof(turnout) = 'object'),
  turnout_pct real CHECK (turnout_pct >= 0),
  leader_pct  real CHECK (leader_pct BETWEEN 0 AND 100),
  import_id   int  NOT NULL,
  PRIMARY KEY (election_id, uik_number)
);
-- election_id and import_id name an import of this election. Not as foreign keys: those check row by
-- row, 200 000 look-ups for one federal import (most of its time); imports are never changed or
-- deleted (above) and elections never deleted, so one set-based check per statement holds the same.
CREATE FUNCTION official_results_name_their_import() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM changed_rows n
              WHERE NOT EXISTS (SELECT 1 FROM official_result_imports i WHERE i.id = n.import_id AND i.election_id = n.election_id)) THEN
    RAISE EXCEPTION 'official results must name an import of their election' USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER official_results_inserted_name_import AFTER INSERT ON official_results
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION official_results_name_their_import();
CREATE TRIGGER official_results_updated_name_import AFTER UPDATE ON official_results
  REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION official_results_name_their_import();

-- What a correcting import replaced, so no official figure ever shown is lost.
CREATE TABLE official_result_revisions (
  import_id          int  NOT NULL REFERENCES official_result_imports (id),
  election_id        int  NOT NULL,
  uik_number         text NOT NULL,
  region             text NOT NULL,
  figures            jsonb NOT NULL,
  turnout            jsonb NOT NULL,
  replaced_import_id int  NOT NULL REFERENCES official_result_imports (id),
  PRIMARY KEY (import_id, uik_number)
);

-- An observer's attendance count, part of its submission (sent with it, backed by its files).
-- Times are the station's wall clock, as the observer gives them (like submissions.happened_at).
CREATE TABLE attendance_counts (
  submission_id uuid PRIMARY KEY REFERENCES submissions (id),
  -- the submission's election and station number as the register keys it (no leading zeros), so a
  -- station's figures are found by index, not by normalising every submission's number
  election_id   int  NOT NULL REFERENCES elections (id),
  uik_number    text NOT NULL CHECK (uik_number ~ '^(0|[1-9][0-9]{0,5})$'),
  counted_from  timestamp NOT NULL,
  counted_to    timestamp NOT NULL,
  people        int  NOT NULL CHECK (people BETWEEN 0 AND 100000),
  what          text NOT NULL CHECK (what IN ('entered', 'queue')),
  method        text NOT NULL CHECK (method IN ('clicker', 'tally', 'queue_photo')),
  verified_by   uuid REFERENCES accounts (id),
  verified_at   timestamptz,
  CHECK (counted_to > counted_from AND counted_to - counted_from <= interval '24 hours'),
  CHECK ((verified_by IS NULL) = (verified_at IS NULL))
);
CREATE INDEX attendance_counts_station_idx ON attendance_counts (election_id, uik_number);

-- A protocol copy's transcription: which election's lines it follows, the arithmetic checks it
-- failed (domain/counts/model.ts ARITHMETIC_CHECKS) and the moderator who checked it.
CREATE TABLE protocol_copies (
  submission_id    uuid PRIMARY KEY REFERENCES submissions (id),
  election_id      int  NOT NULL REFERENCES elections (id),
  uik_number       text NOT NULL CHECK (uik_number ~ '^(0|[1-9][0-9]{0,5})$'),
  arithmetic_flags text[] NOT NULL DEFAULT '{}',
  checked_by       uuid REFERENCES accounts (id),
  checked_at       timestamptz,
  CHECK ((checked_by IS NULL) = (checked_at IS NULL)),
  UNIQUE (submission_id, election_id)
);
CREATE INDEX protocol_copies_station_idx ON protocol_copies (election_id, uik_number);

-- One figure of a protocol copy, and who entered it (NULL: the observer who sent the copy).
CREATE TABLE protocol_figures (
  submission_id uuid NOT NULL,
  election_id   int  NOT NULL,
  line_code     text NOT NULL,
  value         int  NOT NULL CHECK (value BETWEEN 0 AND 10000000),
  entered_by    uuid REFERENCES accounts (id),
  entered_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (submission_id, line_code),
  FOREIGN KEY (submission_id, election_id) REFERENCES protocol_copies (submission_id, election_id),
  FOREIGN KEY (election_id, line_code) REFERENCES protocol_lines (election_id, code)
);

-- The differences between verified evidence and the official figures, per station and piece of
-- evidence: a protocol line, or observed attendance against official turnout over the same hours
-- (uncertainty: the counting method's). Recomputed whenever either side changes.
CREATE TABLE station_discrepancies (
  submission_id uuid NOT NULL REFERENCES submissions (id),
  election_id   int  NOT NULL REFERENCES elections (id),
  uik_number    text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('protocol_line', 'attendance')),
  subject       text NOT NULL CHECK (length(subject) BETWEEN 1 AND 60),
  official      int  NOT NULL,
  observed      int  NOT NULL,
  uncertainty   int  NOT NULL DEFAULT 0 CHECK (uncertainty >= 0),
  difference    int  GENERATED ALWAYS AS (official - observed) STORED,
  excess        int  GENERATED ALWAYS AS (greatest(abs(official - observed) - uncertainty, 0)) STORED,
  PRIMARY KEY (submission_id, kind, subject)
);
CREATE INDEX station_discrepancies_station_idx ON station_discrepancies (election_id, uik_number);

-- The public ranking: per station, over the discrepancies of PUBLISHED evidence only (joined to
-- archive_entries), the largest difference beyond uncertainty. Kept by discrepancy_ranks_refresh,
-- which runs when discrepancies are stored and when an entry enters or leaves the archive.
CREATE TABLE station_discrepancy_ranks (
  election_id  int  NOT NULL REFERENCES elections (id),
  uik_number   text NOT NULL,
  region       text NOT NULL,
  score        int  NOT NULL CHECK (score >= 0),
  differing    int  NOT NULL CHECK (differing >= 0),
  evidence     int  NOT NULL CHECK (evidence >= 1),
  PRIMARY KEY (election_id, uik_number)
);
CREATE INDEX station_discrepancy_ranks_score_idx ON station_discrepancy_ranks (score DESC, election_id, uik_number);
CREATE INDEX station_discrepancy_ranks_election_idx ON station_discrepancy_ranks (election_id, score DESC, uik_number);
CREATE INDEX station_discrepancy_ranks_region_idx ON station_discrepancy_ranks (region, score DESC, election_id, uik_number);

-- Set-based, for one station (an entry published or withdrawn) or all of an election's (uiks NULL: an import): upserts
-- the stations that still have public discrepancies, removes the others. ON CONFLICT keeps two
-- transactions refreshing the same station from colliding.
CREATE FUNCTION discrepancy_ranks_refresh(election int, uiks text[]) RETURNS void LANGUAGE sql VOLATILE AS $$
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

CREATE FUNCTION discrepancy_rank_follow_archive() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  entry uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
BEGIN
  PERFORM discrepancy_ranks_refresh(d.election_id, array_agg(DISTINCT d.uik_number))
     FROM station_discrepancies d WHERE d.submission_id = entry GROUP BY d.election_id;
  RETURN NULL;
END $$;
CREATE TRIGGER discrepancy_ranks_follow_archive AFTER INSERT OR DELETE ON archive_entries
  FOR EACH ROW EXECUTE FUNCTION discrepancy_rank_follow_archive();

GRANT SELECT, INSERT, UPDATE, DELETE ON protocol_lines, official_results, attendance_counts, protocol_copies,
  protocol_figures, station_discrepancies, station_discrepancy_ranks TO svidetel_app;
GRANT SELECT, INSERT ON official_result_imports, official_result_revisions TO svidetel_app;
GRANT USAGE, SELECT ON SEQUENCE official_result_imports_id_seq TO svidetel_app;
