-- The publication hold has one owner: the service (assertPublicationAllowed), which says until when.
-- This trigger only guards every other path, and now answers with its own code, SV003, which the API
-- maps to the same publication_held error (db/errors.ts) instead of "A value is not allowed here".
CREATE OR REPLACE FUNCTION submissions_publication_hold() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM elections WHERE id = NEW.election_id AND hold_publication AND polls_close_at > now()) THEN
    RAISE EXCEPTION 'publication is held until the polls of this election close' USING ERRCODE = 'SV003';
  END IF;
  RETURN NEW;
END $$;
