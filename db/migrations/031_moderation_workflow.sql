-- The moderation workflow. A submission moves
--   pending ─┬─ verify ──────▶ verified ── publish ──▶ published ── unpublish ──▶ withdrawn
--            ├─ verify_publish (both at once) ───────▶ published
--            ├─ needs_info ──▶ needs_info (then any decision a pending entry can get)
--            ├─ reject ──────▶ rejected
--            └─ merge ───────▶ merged (into another entry)
-- and every step is a decision row. The constraints below make the bad states unstorable:
-- published without a publishing decision of its own, a publish without an earlier verification,
-- verified without a verifying decision, merged without a target, a decision row changed later.

ALTER TABLE submissions DROP CONSTRAINT submissions_status_check;
ALTER TABLE submissions ADD CONSTRAINT submissions_status_check
  CHECK (status IN ('pending', 'needs_info', 'verified', 'published', 'withdrawn', 'rejected', 'merged'));

-- Optimistic concurrency: every form carries the version it was rendered from; any change bumps it.
ALTER TABLE submissions ADD COLUMN version int NOT NULL DEFAULT 1 CHECK (version >= 1);
CREATE FUNCTION submissions_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.version := OLD.version + 1;
  RETURN NEW;
END $$;
CREATE TRIGGER submissions_version BEFORE UPDATE ON submissions
  FOR EACH ROW EXECUTE FUNCTION submissions_bump_version();

-- Decisions: the new actions and what each must carry.
ALTER TABLE decisions DROP CONSTRAINT decisions_action_check;
ALTER TABLE decisions ADD CONSTRAINT decisions_action_check
  CHECK (action IN ('verify_publish', 'verify', 'reject', 'needs_info', 'publish', 'unpublish', 'merge'));
ALTER TABLE decisions
  -- {source|time|place|content: {"ok": true} or {"ok": false, "note": "..."}}
  ADD COLUMN checklist jsonb CHECK (checklist IS NULL OR (jsonb_typeof(checklist) = 'object' AND checklist ?& ARRAY['source', 'time', 'place', 'content'])),
  ADD COLUMN reason_code text CHECK (reason_code IN ('not_evidence', 'unverifiable', 'staged_or_edited', 'wrong_election', 'duplicate', 'endangers_people', 'other')),
  ADD COLUMN merged_into uuid REFERENCES submissions (id),
  -- what was made public by a publishing decision (title, description, location, device, original)
  ADD COLUMN public_choices jsonb CHECK (public_choices IS NULL OR jsonb_typeof(public_choices) = 'object'),
  ADD COLUMN verifies boolean GENERATED ALWAYS AS (action IN ('verify', 'verify_publish')) STORED,
  ADD COLUMN publishes boolean GENERATED ALWAYS AS (action IN ('publish', 'verify_publish')) STORED,
  ADD CONSTRAINT decisions_verify_checklist CHECK (action <> 'verify' OR checklist IS NOT NULL),
  ADD CONSTRAINT decisions_reason_required CHECK (action NOT IN ('needs_info', 'unpublish', 'merge') OR reason IS NOT NULL),
  ADD CONSTRAINT decisions_merge_target CHECK ((action = 'merge') = (merged_into IS NOT NULL) AND merged_into IS DISTINCT FROM submission_id),
  ADD CONSTRAINT decisions_verifying_key UNIQUE (id, submission_id, verifies),
  ADD CONSTRAINT decisions_publishing_key UNIQUE (id, submission_id, publishes);
-- Rejections carry a reason from the list; older rows (free text only) are kept as they are.
ALTER TABLE decisions ADD CONSTRAINT decisions_reject_reason_code CHECK (action <> 'reject' OR reason_code IS NOT NULL) NOT VALID;

-- Decisions are the record: never changed or removed.
CREATE FUNCTION decisions_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'decisions are append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER decisions_append_only BEFORE UPDATE OR DELETE ON decisions
  FOR EACH ROW EXECUTE FUNCTION decisions_forbid_change();

-- A separate publish needs an earlier verification of the same submission.
CREATE FUNCTION decisions_publish_after_verify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM decisions WHERE submission_id = NEW.submission_id AND verifies AND created_at <= NEW.created_at) THEN
    RAISE EXCEPTION 'a publish decision needs an earlier verify decision of the same submission' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER decisions_publish_needs_verify BEFORE INSERT ON decisions
  FOR EACH ROW WHEN (NEW.action = 'publish') EXECUTE FUNCTION decisions_publish_after_verify();

-- Submissions point at their verifying and publishing decisions, which must be their own and of the right kind.
ALTER TABLE submissions DROP CONSTRAINT submissions_publish_decision_action_fk;
ALTER TABLE submissions DROP COLUMN publish_decision_action;
ALTER TABLE submissions
  ADD COLUMN publish_decision_publishes boolean GENERATED ALWAYS AS (CASE WHEN publish_decision_id IS NULL THEN NULL ELSE true END) STORED,
  ADD CONSTRAINT submissions_publish_decision_kind_fk
    FOREIGN KEY (publish_decision_id, id, publish_decision_publishes) REFERENCES decisions (id, submission_id, publishes),
  ADD COLUMN verify_decision_id uuid,
  ADD COLUMN verify_decision_verifies boolean GENERATED ALWAYS AS (CASE WHEN verify_decision_id IS NULL THEN NULL ELSE true END) STORED,
  ADD CONSTRAINT submissions_verify_decision_kind_fk
    FOREIGN KEY (verify_decision_id, id, verify_decision_verifies) REFERENCES decisions (id, submission_id, verifies),
  ADD COLUMN merged_into_id uuid REFERENCES submissions (id),
  ADD CONSTRAINT submissions_merged_check CHECK ((status = 'merged') = (merged_into_id IS NOT NULL) AND merged_into_id IS DISTINCT FROM id);
UPDATE submissions SET verify_decision_id = publish_decision_id WHERE publish_decision_id IS NOT NULL;
-- Verified needs its verifying decision; published needs its publishing one (above), which is either
-- verify_publish itself or a publish that the trigger above only accepts after a verification.
ALTER TABLE submissions ADD CONSTRAINT submissions_verified_check
  CHECK (status <> 'verified' OR verify_decision_id IS NOT NULL);

-- The queue reads by status and receipt time in either direction.
DROP INDEX submissions_queue_idx;
CREATE INDEX submissions_status_received_idx ON submissions (status, received_at, id);
CREATE INDEX submissions_merged_into_idx ON submissions (merged_into_id) WHERE merged_into_id IS NOT NULL;
-- Corroboration: other reports from the same station around the same time.
CREATE INDEX submissions_station_time_idx ON submissions (election_id, station_number, received_at);
