-- ============================================================================================
-- Counts over several voting days (issue 19): official turnout is kept by instant, not by hour of
-- the last day, and an attendance discrepancy names its hours as an ISO 8601 interval.
-- ============================================================================================

-- official_results.turnout and official_result_revisions.turnout: {"HH:MM": n} (the last voting day)
-- become {"YYYY-MM-DDTHH:MM": n} of the election's last voting day; the figures stay cumulative
-- voters since the first opening (an import over several days now gives every day's instants).
CREATE FUNCTION turnout_by_instant(turnout jsonb, last_day date) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(jsonb_object_agg(CASE WHEN k ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' THEN to_char(last_day, 'YYYY-MM-DD') || 'T' || k ELSE k END, v), '{}'::jsonb)
    FROM jsonb_each(turnout) AS t (k, v)
$$;

UPDATE official_results o SET turnout = turnout_by_instant(o.turnout, e.voting_ends_on)
  FROM elections e
 WHERE e.id = o.election_id AND jsonb_path_exists(o.turnout, '$.keyvalue() ? (@.key like_regex "^[0-9][0-9]:[0-9][0-9]$")');

UPDATE official_result_revisions r SET turnout = turnout_by_instant(r.turnout, e.voting_ends_on)
  FROM elections e
 WHERE e.id = r.election_id AND jsonb_path_exists(r.turnout, '$.keyvalue() ? (@.key like_regex "^[0-9][0-9]:[0-9][0-9]$")');

DROP FUNCTION turnout_by_instant(jsonb, date);

-- Only instants are written from now on (domain/counts/model.ts turnoutColumnInstant). Not a CHECK
-- on the keys: one costs some 30 µs a row, more than half an import of 100 000 stations' budget.

-- An attendance discrepancy's subject: "HH:MM-HH:MM" (of the last voting day, the only one compared
-- before) becomes "YYYY-MM-DDTHH:MM/YYYY-MM-DDTHH:MM".
UPDATE station_discrepancies d
   SET subject = to_char(e.voting_ends_on, 'YYYY-MM-DD') || 'T' || split_part(d.subject, '-', 1) || '/' || to_char(e.voting_ends_on, 'YYYY-MM-DD') || 'T' || split_part(d.subject, '-', 2)
  FROM elections e
 WHERE e.id = d.election_id AND d.kind = 'attendance' AND d.subject ~ '^[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}$';

ALTER TABLE station_discrepancies ADD CONSTRAINT station_discrepancies_attendance_interval
  CHECK (kind <> 'attendance' OR subject ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$');
