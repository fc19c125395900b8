-- What the public sees of a submission changes only by a moderator's recorded decision. A process
-- running as svidetel_app may update submissions (that is its work), so without this it could turn
-- a hidden location public, allow an original, or bring a withdrawn entry back, with no decision
-- and no trace. Now:
--   * a change of status needs a decision for this submission inserted in the same transaction
--     (decisions are append-only, so any change leaves its permanent record);
--   * the location precision, device and original choices of a published or withdrawn entry are
--     always those of its publishing decision.
-- An AFTER trigger, so the row's own constraints and the publication hold answer first.
CREATE FUNCTION submissions_publication_follows_decision() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  choices jsonb;
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status
     AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.submission_id = NEW.id AND d.created_at = now()) THEN
    RAISE EXCEPTION 'a submission''s status changes only with a decision recorded in the same transaction (% -> %)', OLD.status, NEW.status
      USING ERRCODE = 'SV002';
  END IF;
  IF NEW.publish_decision_id IS NOT NULL
     AND (NEW.publish_decision_id, NEW.public_location, NEW.public_device, NEW.original_downloadable)
         IS DISTINCT FROM (OLD.publish_decision_id, OLD.public_location, OLD.public_device, OLD.original_downloadable) THEN
    SELECT d.public_choices INTO choices FROM decisions d WHERE d.id = NEW.publish_decision_id;
    IF choices IS NULL
       OR (choices ->> 'location', (choices ->> 'device')::boolean, (choices ->> 'originalDownloadable')::boolean)
          IS DISTINCT FROM (NEW.public_location, NEW.public_device, NEW.original_downloadable) THEN
      RAISE EXCEPTION 'what is public of a submission is what its publishing decision chose'
        USING ERRCODE = 'SV002';
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER submissions_publication_follows_decision AFTER UPDATE ON submissions
  FOR EACH ROW EXECUTE FUNCTION submissions_publication_follows_decision();
