-- The whole schema as of the squash (issue 12): each object once, in its final form, by area.
-- Constraints make bad states unstorable; the application never relies on its code alone.
-- db/schema.sql is the same schema as pg_dump prints it (npm run db:schema). A change is a NEW
-- numbered file next to this one; an applied file is never edited (its SHA-256 is recorded).

CREATE EXTENSION IF NOT EXISTS pgcrypto;  -- gen_random_uuid()
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin; -- the archive's text index also holds the publication time

-- Which migration files were applied, and the SHA-256 (hex) of each file's bytes when it was:
-- a process refuses to start when an applied file has changed or is gone (db/migrate.ts).
CREATE TABLE schema_migrations (
  name       text PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now(),
  sha256     text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$')
);


-- ============================================================================================
-- Elections, the violation catalog, polling stations, settings
-- ============================================================================================

CREATE TABLE elections (
  id          serial PRIMARY KEY,
  slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{3,80}$'),
  name_ru     text NOT NULL CHECK (length(name_ru) BETWEEN 1 AND 300),
  name_en     text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 300),
  country     text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  voting_starts_on date NOT NULL,
  voting_ends_on   date NOT NULL,
  active      boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  -- Hold publication until the polls close: evidence from the queues outside polling stations is
  -- not published while people still stand in them (enforced by a trigger on submissions).
  polls_close_at   timestamptz,
  hold_publication boolean NOT NULL DEFAULT false,
  CHECK (voting_ends_on >= voting_starts_on),
  CONSTRAINT elections_hold_needs_close CHECK (NOT hold_publication OR polls_close_at IS NOT NULL)
);

CREATE TABLE category_phases (
  code     text PRIMARY KEY CHECK (code ~ '^[a-z_]{2,40}$'),
  position int  NOT NULL UNIQUE,
  label_ru text NOT NULL,
  label_en text NOT NULL
);

-- Codes are stable identifiers that published data and exports refer to: labels may be edited,
-- codes never change and categories are never deleted (deactivate instead).
CREATE TABLE categories (
  code       text PRIMARY KEY CHECK (code ~ '^[a-z0-9_]{2,60}$'),
  phase_code text NOT NULL REFERENCES category_phases(code),
  position   int  NOT NULL,
  label_ru   text NOT NULL CHECK (length(label_ru) BETWEEN 1 AND 300),
  label_en   text NOT NULL CHECK (length(label_en) BETWEEN 1 AND 300),
  active     boolean NOT NULL DEFAULT true,
  UNIQUE (phase_code, position)
);

CREATE FUNCTION forbid_category_code_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'categories are never deleted; set active = false' USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.code <> OLD.code OR NEW.phase_code <> OLD.phase_code THEN
    RAISE EXCEPTION 'a category code never changes' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER categories_codes_are_stable
  BEFORE UPDATE OR DELETE ON categories
  FOR EACH ROW EXECUTE FUNCTION forbid_category_code_change();

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

-- Settings an admin changes at run time (one row).
CREATE TABLE app_settings (
  id            boolean PRIMARY KEY DEFAULT true CHECK (id),
  require_totp  boolean NOT NULL DEFAULT false
);


-- ============================================================================================
-- Accounts and sessions
-- ============================================================================================

CREATE TABLE accounts (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email         text NOT NULL CHECK (email = lower(email) AND email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 254),
  role          text NOT NULL CHECK (role IN ('moderator', 'admin')),
  password_hash text CHECK (password_hash IS NULL OR password_hash LIKE '$argon2id$%'),
  disabled_at   timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  -- Two-factor login (TOTP, RFC 6238). The secret is stored sealed (AES-256-GCM under
  -- TOTP_KEY_PATH, domain/accounts/totp-vault.ts): "v1:" and base64. Plain base32 is allowed only
  -- as left by earlier versions: the API seals those at start.
  totp_secret   text,
  -- the last time step a code was accepted for, so one code cannot be used twice
  totp_last_step bigint,
  UNIQUE (email),
  CONSTRAINT accounts_totp_secret_check
    CHECK (totp_secret IS NULL OR totp_secret ~ '^v1:[A-Za-z0-9+/]{40,252}={0,2}$' OR totp_secret ~ '^[A-Z2-7]{16,128}$')
);

-- One-time links: the first-admin setup link (account_id NULL) and password-set links.
CREATE TABLE account_tokens (
  token_hash  bytea PRIMARY KEY CHECK (length(token_hash) = 32),
  purpose     text NOT NULL CHECK (purpose IN ('first_admin', 'set_password')),
  account_id  uuid REFERENCES accounts(id) ON DELETE CASCADE,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK ((purpose = 'first_admin') = (account_id IS NULL))
);

CREATE TABLE sessions (
  token_hash   bytea PRIMARY KEY CHECK (length(token_hash) = 32),
  account_id   uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  csrf_token   text NOT NULL CHECK (length(csrf_token) >= 32),
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_account_idx ON sessions (account_id);


-- ============================================================================================
-- Submissions and the moderation workflow
-- ============================================================================================
-- A submission is what one observer sent at once; when published it is a public entry. It moves
--   pending ─┬─ verify ──────▶ verified ── publish ──▶ published ── unpublish ──▶ withdrawn
--            ├─ verify_publish (both at once) ───────▶ published
--            ├─ needs_info ──▶ needs_info (then any decision a pending entry can get)
--            ├─ reject ──────▶ rejected
--            └─ merge ───────▶ merged (into another entry)
-- and every step is a decision row. The constraints make the bad states unstorable: published
-- without a publishing decision of its own, a publish without an earlier verification, verified
-- without a verifying decision, merged without a target, a decision row changed later.

CREATE TABLE submissions (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- what the observer sent (never changed: submissions_keep_original below)
  election_id     int  NOT NULL REFERENCES elections(id),
  region          text NOT NULL CHECK (length(region) BETWEEN 1 AND 200),
  station_number  text NOT NULL CHECK (station_number ~ '^[0-9]{1,6}$'),
  category_code   text NOT NULL REFERENCES categories(code),
  description     text NOT NULL CHECK (length(description) BETWEEN 1 AND 10000),
  happened_at     timestamp,            -- wall-clock time as the observer stated it (no zone was given)
  reporter_role   text CHECK (reporter_role IN ('observer', 'voter', 'commission_member', 'journalist', 'candidate')),
  complaint_status text CHECK (complaint_status IN ('none', 'filed', 'answered')),
  -- the workflow
  status          text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'needs_info', 'verified', 'published', 'withdrawn', 'rejected', 'merged')),
  received_at     timestamptz NOT NULL DEFAULT now(),
  decided_at      timestamptz,
  published_at    timestamptz,
  publish_decision_id uuid,
  -- What becomes public, chosen by the moderator before publishing (the defaults are the
  -- privacy-safe ones), and withdrawal: an unpublished entry says "withdrawn on … — reason",
  -- never a silent 404.
  public_title        text CHECK (public_title IS NULL OR length(public_title) BETWEEN 1 AND 300),
  public_description  text CHECK (public_description IS NULL OR length(public_description) BETWEEN 1 AND 10000),
  public_location     text NOT NULL DEFAULT 'rounded' CHECK (public_location IN ('precise', 'rounded', 'hidden')),
  public_device       boolean NOT NULL DEFAULT false,
  original_downloadable boolean NOT NULL DEFAULT false,
  withdrawn_at        timestamptz,
  withdrawal_reason   text CHECK (withdrawal_reason IS NULL OR length(withdrawal_reason) BETWEEN 1 AND 2000),
  -- Optimistic concurrency: every form carries the version it was rendered from; any change a
  -- person decides on bumps it (submissions_bump_version).
  version         int NOT NULL DEFAULT 1 CHECK (version >= 1),
  -- The verifying and publishing decisions must be this submission's own and of the right kind:
  -- these constants join the decisions' (id, submission_id, verifies|publishes) keys.
  publish_decision_publishes boolean GENERATED ALWAYS AS (CASE WHEN publish_decision_id IS NULL THEN NULL ELSE true END) STORED,
  verify_decision_id uuid,
  verify_decision_verifies boolean GENERATED ALWAYS AS (CASE WHEN verify_decision_id IS NULL THEN NULL ELSE true END) STORED,
  merged_into_id  uuid REFERENCES submissions (id),
  -- Derived, kept by triggers: the register's station with this number, whether a file is a
  -- video, the flags of all its files (the queue's filters read one row per entry).
  polling_station_id int REFERENCES polling_stations (id),
  has_video       boolean NOT NULL DEFAULT false,
  file_flags      text[] NOT NULL DEFAULT '{}',
  CONSTRAINT submissions_check1 CHECK ((status = 'pending') = (decided_at IS NULL)),
  -- Published and withdrawn entries were both published once, by a publishing decision.
  CONSTRAINT submissions_published_check
    CHECK ((status IN ('published', 'withdrawn')) = (published_at IS NOT NULL AND publish_decision_id IS NOT NULL)),
  CONSTRAINT submissions_withdrawn_check
    CHECK ((status = 'withdrawn') = (withdrawn_at IS NOT NULL AND withdrawal_reason IS NOT NULL)),
  CONSTRAINT submissions_verified_check CHECK (status <> 'verified' OR verify_decision_id IS NOT NULL),
  CONSTRAINT submissions_merged_check CHECK ((status = 'merged') = (merged_into_id IS NOT NULL) AND merged_into_id IS DISTINCT FROM id)
);
-- The queue reads by status and receipt time in either direction.
CREATE INDEX submissions_status_received_idx ON submissions (status, received_at, id);
CREATE INDEX submissions_video_queue_idx ON submissions (status, received_at, id) WHERE has_video;
CREATE INDEX submissions_file_flags_idx ON submissions USING gin (file_flags);
CREATE INDEX submissions_published_idx ON submissions (published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX submissions_merged_into_idx ON submissions (merged_into_id) WHERE merged_into_id IS NOT NULL;
CREATE INDEX submissions_polling_station_idx ON submissions (polling_station_id) WHERE polling_station_id IS NOT NULL;
-- Corroboration: other reports from the same station around the same time.
CREATE INDEX submissions_station_time_idx ON submissions (election_id, station_number, received_at);

-- Every decision, append-only: the record of the workflow.
CREATE TABLE decisions (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  submission_id uuid NOT NULL REFERENCES submissions(id),
  account_id    uuid NOT NULL REFERENCES accounts(id),
  action        text NOT NULL CHECK (action IN ('verify_publish', 'verify', 'reject', 'needs_info', 'publish', 'unpublish', 'merge')),
  reason        text CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 2000),
  created_at    timestamptz NOT NULL DEFAULT now(),
  -- {source|time|place|content: {"ok": true} or {"ok": false, "note": "..."}}
  checklist     jsonb CHECK (checklist IS NULL OR (jsonb_typeof(checklist) = 'object' AND checklist ?& ARRAY['source', 'time', 'place', 'content'])),
  reason_code   text CHECK (reason_code IN ('not_evidence', 'unverifiable', 'staged_or_edited', 'wrong_election', 'duplicate', 'endangers_people', 'other')),
  merged_into   uuid REFERENCES submissions (id),
  -- what was made public by a publishing decision (title, description, location, device, original)
  public_choices jsonb CHECK (public_choices IS NULL OR jsonb_typeof(public_choices) = 'object'),
  verifies      boolean GENERATED ALWAYS AS (action IN ('verify', 'verify_publish')) STORED,
  publishes     boolean GENERATED ALWAYS AS (action IN ('publish', 'verify_publish')) STORED,
  CHECK (action <> 'reject' OR reason IS NOT NULL),
  CONSTRAINT decisions_verify_checklist CHECK (action <> 'verify' OR checklist IS NOT NULL),
  CONSTRAINT decisions_reason_required CHECK (action NOT IN ('needs_info', 'unpublish', 'merge') OR reason IS NOT NULL),
  CONSTRAINT decisions_reject_reason_code CHECK (action <> 'reject' OR reason_code IS NOT NULL),
  CONSTRAINT decisions_merge_target CHECK ((action = 'merge') = (merged_into IS NOT NULL) AND merged_into IS DISTINCT FROM submission_id),
  UNIQUE (id, submission_id),
  UNIQUE (id, action),
  CONSTRAINT decisions_verifying_key UNIQUE (id, submission_id, verifies),
  CONSTRAINT decisions_publishing_key UNIQUE (id, submission_id, publishes)
);
CREATE INDEX decisions_submission_idx ON decisions (submission_id, created_at);

ALTER TABLE submissions
  ADD CONSTRAINT submissions_publish_decision_fk
    FOREIGN KEY (publish_decision_id, id) REFERENCES decisions (id, submission_id),
  ADD CONSTRAINT submissions_publish_decision_kind_fk
    FOREIGN KEY (publish_decision_id, id, publish_decision_publishes) REFERENCES decisions (id, submission_id, publishes),
  ADD CONSTRAINT submissions_verify_decision_kind_fk
    FOREIGN KEY (verify_decision_id, id, verify_decision_verifies) REFERENCES decisions (id, submission_id, verifies);

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

-- Derived columns (file flags, has video, the station link, the decision kinds) follow the files
-- and the register; they do not make a moderator's open form stale. Everything else does.
CREATE FUNCTION submissions_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER submissions_version BEFORE UPDATE ON submissions
  FOR EACH ROW EXECUTE FUNCTION submissions_bump_version();

-- The publication hold is enforced here too, whatever path publishes.
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

-- Counts per status for the queue page, kept exact by triggers: counting 100 000 rows on every
-- page view would cost more than the page. The triggers run at commit (deferred), so the counter
-- rows are locked only for the moment of the commit, and each change updates its one or two rows
-- in one statement (always in the same order: no deadlock between two status changes).
CREATE TABLE submission_status_counts (
  status text PRIMARY KEY,
  n      bigint NOT NULL CHECK (n >= 0)
);
INSERT INTO submission_status_counts (status, n)
SELECT st, 0 FROM unnest(ARRAY['pending', 'needs_info', 'verified', 'published', 'withdrawn', 'rejected', 'merged']) AS st;

CREATE FUNCTION submission_status_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE submission_status_counts SET n = n + 1 WHERE status = NEW.status;
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE submission_status_counts SET n = n - 1 WHERE status = OLD.status;
  ELSIF OLD.status IS DISTINCT FROM NEW.status THEN
    UPDATE submission_status_counts SET n = n + CASE WHEN status = NEW.status THEN 1 ELSE -1 END
     WHERE status IN (OLD.status, NEW.status);
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER submissions_status_counted AFTER INSERT OR UPDATE OF status OR DELETE ON submissions
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION submission_status_count();

-- Claims: opening an entry marks it as being reviewed by that moderator until expires_at (renewed
-- on every view or action); others see it and cannot decide it while the claim is live.
CREATE TABLE claims (
  submission_id uuid PRIMARY KEY REFERENCES submissions (id),
  account_id    uuid NOT NULL REFERENCES accounts (id),
  claimed_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  CHECK (expires_at > claimed_at)
);
CREATE INDEX claims_account_idx ON claims (account_id);

-- Internal notes on a submission: never public, threaded by parent, append-only.
CREATE TABLE notes (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  submission_id uuid NOT NULL REFERENCES submissions (id),
  parent_id     uuid,
  account_id    uuid NOT NULL REFERENCES accounts (id),
  body          text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (id, submission_id),
  -- a reply belongs to a note of the same submission
  FOREIGN KEY (parent_id, submission_id) REFERENCES notes (id, submission_id)
);
CREATE INDEX notes_submission_idx ON notes (submission_id, created_at);

CREATE FUNCTION notes_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'notes are append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER notes_append_only BEFORE UPDATE OR DELETE ON notes
  FOR EACH ROW EXECUTE FUNCTION notes_forbid_change();


-- ============================================================================================
-- Files
-- ============================================================================================

-- Content-addressed originals: one row per distinct byte sequence, written once.
CREATE TABLE blobs (
  sha256     bytea PRIMARY KEY CHECK (length(sha256) = 32),
  bytes      bigint NOT NULL CHECK (bytes > 0),
  mime       text NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('image', 'video')),
  stored_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE media_files (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  submission_id   uuid NOT NULL REFERENCES submissions(id),
  sha256          bytea NOT NULL REFERENCES blobs(sha256),
  position        int  NOT NULL CHECK (position >= 0),
  original_name   text NOT NULL CHECK (length(original_name) BETWEEN 1 AND 255),
  status          text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'processing', 'ready', 'failed')),
  failure_reason  text,
  attempts        int NOT NULL DEFAULT 0,
  status_changed_at timestamptz NOT NULL DEFAULT now(),
  -- what the worker extracted
  width           int CHECK (width > 0),
  height          int CHECK (height > 0),
  orientation     smallint CHECK (orientation BETWEEN 1 AND 8),
  duration_s      double precision CHECK (duration_s >= 0),
  taken_at_local  timestamp,
  taken_at_offset text CHECK (taken_at_offset ~ '^[+-][0-9]{2}:[0-9]{2}$'),
  offset_source   text,
  taken_at_utc    timestamptz,
  taken_at_source text,
  gps_lat         double precision CHECK (gps_lat BETWEEN -90 AND 90),
  gps_lon         double precision CHECK (gps_lon BETWEEN -180 AND 180),
  gps_alt         double precision,
  gps_source      text,
  make            text,
  model           text,
  software        text,
  flags           text[] NOT NULL DEFAULT '{}',
  metadata        jsonb,
  has_thumb       boolean NOT NULL DEFAULT false,
  has_preview     boolean NOT NULL DEFAULT false,
  -- 64-bit perceptual hash (domain/media/perceptual-hash.ts) as a signed bigint; NULL until rendered.
  phash           bigint,
  -- Its four 16-bit bands, highest first: multi-index hashing. Two hashes within d bits share a band
  -- within ⌊d/4⌋ bits, so a near-duplicate search probes these indexes instead of scanning every row.
  phash_band0     int GENERATED ALWAYS AS (((phash >> 48) & 65535)::int) STORED,
  phash_band1     int GENERATED ALWAYS AS (((phash >> 32) & 65535)::int) STORED,
  phash_band2     int GENERATED ALWAYS AS (((phash >> 16) & 65535)::int) STORED,
  phash_band3     int GENERATED ALWAYS AS ((phash & 65535)::int) STORED,
  -- Apple's Live Photo / media-group id, shared by the still and its video.
  content_identifier text CHECK (content_identifier IS NULL OR length(content_identifier) BETWEEN 1 AND 200),
  has_contact     boolean NOT NULL DEFAULT false, -- the video contact sheet
  UNIQUE (submission_id, position),
  CHECK ((status = 'failed') = (failure_reason IS NOT NULL)),
  CHECK ((gps_lat IS NULL) = (gps_lon IS NULL)),
  CHECK ((taken_at_offset IS NULL) OR (taken_at_local IS NOT NULL)),
  CONSTRAINT media_files_contact_needs_preview CHECK (NOT has_contact OR has_preview)
);
CREATE INDEX media_files_submission_idx ON media_files (submission_id, position);
CREATE INDEX media_files_sha256_idx ON media_files (sha256);
CREATE INDEX media_files_unfinished_idx ON media_files (status_changed_at) WHERE status IN ('received', 'processing');
-- (band, phash) INCLUDE (id): index-only scans check the exact distance on the index entries and
-- read no table row for the thousands of candidates. Measured on 1 M random hashes, distance ≤ 10:
-- 15–110 ms (warm–cold) against 540 ms for a parallel full scan.
CREATE INDEX media_files_phash_band0_idx ON media_files (phash_band0, phash) INCLUDE (id) WHERE phash IS NOT NULL;
CREATE INDEX media_files_phash_band1_idx ON media_files (phash_band1, phash) INCLUDE (id) WHERE phash IS NOT NULL;
CREATE INDEX media_files_phash_band2_idx ON media_files (phash_band2, phash) INCLUDE (id) WHERE phash IS NOT NULL;
CREATE INDEX media_files_phash_band3_idx ON media_files (phash_band3, phash) INCLUDE (id) WHERE phash IS NOT NULL;
CREATE INDEX media_files_content_identifier_idx ON media_files (content_identifier) WHERE content_identifier IS NOT NULL;
-- Moderators filter by flag (e.g. every near_duplicate).
CREATE INDEX media_files_flags_idx ON media_files USING gin (flags);

-- "Has video" on the submission: set when a video file is added (blobs never change kind), so the
-- queue filter reads the submission row instead of joining files and blobs row by row.
CREATE FUNCTION media_files_mark_video() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE submissions SET has_video = true
   WHERE id = NEW.submission_id AND NOT has_video AND EXISTS (SELECT 1 FROM blobs WHERE sha256 = NEW.sha256 AND kind = 'video');
  RETURN NULL;
END $$;
CREATE TRIGGER media_files_video_marks_submission AFTER INSERT ON media_files
  FOR EACH ROW EXECUTE FUNCTION media_files_mark_video();

-- The flags of all its files, on the submission (the worker sets flags after upload, and may flag
-- an older file when a duplicate arrives). The worker saves every file with its flags; only a real
-- change of flags needs the copy recomputed (an UPDATE OF flags fires even when the value is the same).
CREATE FUNCTION media_files_collect_flags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE submissions s
     SET file_flags = coalesce((SELECT array_agg(DISTINCT flag ORDER BY flag)
                                  FROM media_files m CROSS JOIN unnest(m.flags) flag WHERE m.submission_id = s.id), '{}')
   WHERE s.id = NEW.submission_id;
  RETURN NULL;
END $$;
CREATE TRIGGER media_files_flags_to_submission_on_insert AFTER INSERT ON media_files
  FOR EACH ROW EXECUTE FUNCTION media_files_collect_flags();
CREATE TRIGGER media_files_flags_to_submission_on_change AFTER UPDATE OF flags ON media_files
  FOR EACH ROW WHEN (OLD.flags IS DISTINCT FROM NEW.flags) EXECUTE FUNCTION media_files_collect_flags();


-- ============================================================================================
-- What the observer sent can never change, whoever asks (issue 11): the submission's words and
-- claims, each file's bytes, name and place in the submission, and, once the worker has finished
-- a file, what it extracted from those bytes (GPS, capture time, device, perceptual hash). The
-- workflow columns (status, decisions, publication choices, flags, derivatives) stay writable.
-- ============================================================================================

CREATE FUNCTION forbid_original_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'what the observer sent cannot be changed: % on % (%)', TG_OP, TG_TABLE_NAME, TG_ARGV[0]
    USING ERRCODE = 'SV001';
END $$;

CREATE FUNCTION submissions_keep_original() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.id, NEW.election_id, NEW.region, NEW.station_number, NEW.category_code, NEW.description, NEW.happened_at,
      NEW.reporter_role, NEW.complaint_status, NEW.received_at)
     IS DISTINCT FROM
     (OLD.id, OLD.election_id, OLD.region, OLD.station_number, OLD.category_code, OLD.description, OLD.happened_at,
      OLD.reporter_role, OLD.complaint_status, OLD.received_at) THEN
    RAISE EXCEPTION 'what the observer sent cannot be changed: the submission''s original fields'
      USING ERRCODE = 'SV001';
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION media_files_keep_original() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.id, NEW.submission_id, NEW.sha256, NEW.position, NEW.original_name)
     IS DISTINCT FROM (OLD.id, OLD.submission_id, OLD.sha256, OLD.position, OLD.original_name) THEN
    RAISE EXCEPTION 'what the observer sent cannot be changed: the file''s bytes, name or place' USING ERRCODE = 'SV001';
  END IF;
  IF OLD.status = 'ready' AND
     (NEW.width, NEW.height, NEW.orientation, NEW.duration_s, NEW.taken_at_local, NEW.taken_at_offset, NEW.offset_source,
      NEW.taken_at_utc, NEW.taken_at_source, NEW.gps_lat, NEW.gps_lon, NEW.gps_alt, NEW.gps_source, NEW.make, NEW.model,
      NEW.software, NEW.metadata, NEW.phash, NEW.content_identifier, NEW.status)
     IS DISTINCT FROM
     (OLD.width, OLD.height, OLD.orientation, OLD.duration_s, OLD.taken_at_local, OLD.taken_at_offset, OLD.offset_source,
      OLD.taken_at_utc, OLD.taken_at_source, OLD.gps_lat, OLD.gps_lon, OLD.gps_alt, OLD.gps_source, OLD.make, OLD.model,
      OLD.software, OLD.metadata, OLD.phash, OLD.content_identifier, OLD.status) THEN
    RAISE EXCEPTION 'what the observer sent cannot be changed: what was extracted from the file' USING ERRCODE = 'SV001';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER submissions_keep_original BEFORE UPDATE ON submissions
  FOR EACH ROW EXECUTE FUNCTION submissions_keep_original();
CREATE TRIGGER submissions_never_deleted BEFORE DELETE ON submissions
  FOR EACH ROW EXECUTE FUNCTION forbid_original_change('a submission is withdrawn, never deleted');
CREATE TRIGGER submissions_no_truncate BEFORE TRUNCATE ON submissions
  FOR EACH STATEMENT EXECUTE FUNCTION forbid_original_change('a submission is withdrawn, never deleted');
CREATE TRIGGER media_files_keep_original BEFORE UPDATE ON media_files
  FOR EACH ROW EXECUTE FUNCTION media_files_keep_original();
CREATE TRIGGER media_files_never_deleted BEFORE DELETE ON media_files
  FOR EACH ROW EXECUTE FUNCTION forbid_original_change('a file is never deleted');
CREATE TRIGGER media_files_no_truncate BEFORE TRUNCATE ON media_files
  FOR EACH STATEMENT EXECUTE FUNCTION forbid_original_change('a file is never deleted');


-- ============================================================================================
-- Transparency log (RFC 6962 Merkle tree, C2SP checkpoints). Append-only: rows are never updated
-- or deleted (triggers below), because any change would break every proof and signed head after it.
-- ============================================================================================

-- The single row holding the log size. Appends lock it FOR UPDATE in the same transaction that
-- inserts the leaves and subtree hashes, so indices are dense and unique and a crash leaves no gap.
CREATE TABLE tlog_state (
  id    boolean PRIMARY KEY DEFAULT true CHECK (id),
  size  bigint NOT NULL CHECK (size >= 0)
);

-- The log is looked up by leaf_hash and by sha256 only for equality, and both keys are uniformly
-- random: a B-tree gains nothing from their order, while every append batch dirties its pages all
-- over the index. A hash index keeps a 4-byte hash code per row instead of the 32-byte key, so it
-- is about half the size and an append batch writes fewer pages (bench:log, 1.25 M leaves).
-- leaf_hash stays unique by constraint: EXCLUDE with = is UNIQUE through the hash index method.
CREATE TABLE tlog_leaves (
  leaf_index  bigint PRIMARY KEY CHECK (leaf_index >= 0),
  leaf_hash   bytea NOT NULL CHECK (length(leaf_hash) = 32),
  -- the canonical leaf record (domain/transparency/leaf.ts); its hash is the Merkle leaf
  record      bytea NOT NULL,
  -- the file it commits to; no foreign key so the log never depends on other tables' lifecycles
  sha256      bytea NOT NULL CHECK (length(sha256) = 32),
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT tlog_leaves_leaf_hash_unique EXCLUDE USING hash (leaf_hash WITH =)
);
CREATE INDEX tlog_leaves_sha256 ON tlog_leaves USING hash (sha256);

-- Every complete perfect subtree: (level k, idx i) is the hash of leaves [i·2^k, (i+1)·2^k).
-- Level 0 is the leaf hashes. Proofs for any tree size read O(log n) of these rows.
CREATE TABLE tlog_subtrees (
  level  smallint NOT NULL CHECK (level BETWEEN 0 AND 62),
  idx    bigint NOT NULL CHECK (idx >= 0),
  hash   bytea NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, idx)
);

-- Signed tree heads: the checkpoint note is what is verified; root_hash is a copy for queries.
CREATE TABLE tlog_sths (
  tree_size  bigint PRIMARY KEY CHECK (tree_size >= 0),
  root_hash  bytea NOT NULL CHECK (length(root_hash) = 32),
  signed_at  timestamptz NOT NULL,
  note       text NOT NULL
);

-- Which stored file each leaf was appended for. Written in the upload's transaction together with
-- the leaf; used only to decide whether a leaf's full record may be shown publicly (its file's
-- submission is published).
CREATE TABLE tlog_media_leaves (
  -- no foreign key to tlog_leaves: the log depends on no other table (its TRUNCATE guard stays the one that answers)
  leaf_index     bigint PRIMARY KEY CHECK (leaf_index >= 0),
  media_file_id  uuid NOT NULL UNIQUE REFERENCES media_files (id)
);

-- The log's public key, recorded by the worker (the only process that holds the private key) when
-- it starts, so the web-facing API can serve the key and put it in receipts without ever reading
-- the key file. One key per log origin, never replaced: a different key would fork the log.
CREATE TABLE tlog_public_keys (
  origin          text PRIMARY KEY CHECK (length(origin) BETWEEN 1 AND 200),
  vkey            text NOT NULL UNIQUE,
  public_key_pem  text NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION tlog_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the transparency log is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME;
END $$;

CREATE TRIGGER tlog_leaves_append_only BEFORE UPDATE OR DELETE ON tlog_leaves
  FOR EACH ROW EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_leaves_no_truncate BEFORE TRUNCATE ON tlog_leaves
  FOR EACH STATEMENT EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_subtrees_append_only BEFORE UPDATE OR DELETE ON tlog_subtrees
  FOR EACH ROW EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_subtrees_no_truncate BEFORE TRUNCATE ON tlog_subtrees
  FOR EACH STATEMENT EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_sths_append_only BEFORE UPDATE OR DELETE ON tlog_sths
  FOR EACH ROW EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_sths_no_truncate BEFORE TRUNCATE ON tlog_sths
  FOR EACH STATEMENT EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_media_leaves_append_only BEFORE UPDATE OR DELETE ON tlog_media_leaves
  FOR EACH ROW EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_media_leaves_no_truncate BEFORE TRUNCATE ON tlog_media_leaves
  FOR EACH STATEMENT EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_public_keys_append_only BEFORE UPDATE OR DELETE ON tlog_public_keys
  FOR EACH ROW EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_public_keys_no_truncate BEFORE TRUNCATE ON tlog_public_keys
  FOR EACH STATEMENT EXECUTE FUNCTION tlog_forbid_change();

-- The size only grows.
CREATE FUNCTION tlog_state_grows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.size < OLD.size THEN
    RAISE EXCEPTION 'the transparency log size cannot shrink (% -> %)', OLD.size, NEW.size;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER tlog_state_grows BEFORE UPDATE ON tlog_state
  FOR EACH ROW EXECUTE FUNCTION tlog_state_grows();
CREATE TRIGGER tlog_state_no_delete BEFORE DELETE OR TRUNCATE ON tlog_state
  FOR EACH STATEMENT EXECUTE FUNCTION tlog_forbid_change();


-- ============================================================================================
-- Audit log: every action by a person (or the system) on accounts, submissions, the catalog,
-- stations and settings, with before/after. Append-only in the database itself (triggers below),
-- and hash-chained: each row's hash covers its content and the previous row's hash, so an edit
-- made by someone who can bypass the triggers (a superuser) is still detectable by audit:verify.
-- ============================================================================================

-- The head of the chain. Appends lock this row FOR UPDATE in the acting transaction, so the chain
-- is linear (seq dense, each prev_hash the hash of seq - 1) and a rollback leaves no gap.
CREATE TABLE audit_head (
  id    boolean PRIMARY KEY DEFAULT true CHECK (id),
  seq   bigint NOT NULL CHECK (seq >= 0),
  hash  bytea NOT NULL CHECK (length(hash) = 32)
);

CREATE TABLE audit_log (
  seq          bigint PRIMARY KEY CHECK (seq >= 1),
  at           timestamptz NOT NULL,
  -- null for actions of the system itself (command line, migrations); the label keeps the email
  -- as it was, so the row stays readable if the account's email changes
  actor_id     uuid REFERENCES accounts(id),
  actor_label  text NOT NULL CHECK (length(actor_label) BETWEEN 1 AND 254),
  action       text NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
  entity_type  text NOT NULL CHECK (entity_type ~ '^[a-z_]{2,40}$'),
  entity_id    text NOT NULL CHECK (length(entity_id) BETWEEN 1 AND 200),
  before       jsonb,
  after        jsonb,
  prev_hash    bytea NOT NULL CHECK (length(prev_hash) = 32),
  hash         bytea NOT NULL UNIQUE CHECK (length(hash) = 32)
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, seq);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, seq);

CREATE FUNCTION audit_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_forbid_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_forbid_change();

-- The head only moves forward, one row at a time, and only to a row that exists.
CREATE FUNCTION audit_head_advances() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'the audit head is never deleted' USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.seq <> OLD.seq + 1 OR NOT EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq AND hash = NEW.hash AND prev_hash = OLD.hash) THEN
    RAISE EXCEPTION 'the audit head moves forward by exactly one appended row' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER audit_head_moves_forward BEFORE UPDATE OR DELETE ON audit_head
  FOR EACH ROW EXECUTE FUNCTION audit_head_advances();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
  FOR EACH STATEMENT EXECUTE FUNCTION audit_forbid_change();


-- ============================================================================================
-- The public archive's search index: one row per published entry holding exactly what is public
-- and searchable (public text, the place at the precision the moderator chose, capture time, media
-- kinds, file digests), so a search, a filter, a map, a station page or an export reads one narrow
-- table, never the originals' metadata. Rows are derived from submissions + media_files by one
-- view and kept in step by triggers; nothing is written here by the application.
-- ============================================================================================

CREATE TABLE archive_entries (
  id                  uuid PRIMARY KEY REFERENCES submissions (id),
  election_id         int  NOT NULL,
  region              text NOT NULL,
  station_number      text NOT NULL,
  category_code       text NOT NULL,
  published_at        timestamptz NOT NULL,
  verified_at         timestamptz NOT NULL,
  captured_at         timestamptz,          -- earliest camera capture time (UTC) of its files, if any has one
  has_photo           boolean NOT NULL,
  has_video           boolean NOT NULL,
  file_count          int NOT NULL CHECK (file_count >= 0),
  first_thumb_file_id uuid,
  -- the public point, already reduced to the chosen precision (NULL when hidden or unknown)
  lat                 double precision CHECK (lat BETWEEN -90 AND 90),
  lon                 double precision CHECK (lon BETWEEN -180 AND 180),
  title               text,
  search_text         tsvector NOT NULL,
  -- The whole public description (the list's excerpt is cut from it when read) and the files'
  -- hex digests in file order, as the exports and the permalink show them: the exports read every
  -- public field from this table alone.
  description         text NOT NULL,
  file_sha256         text[] NOT NULL,
  CHECK ((lat IS NULL) = (lon IS NULL))
);

-- The text index also holds the publication time (btree_gin), so "these words among the newest
-- entries" is answered inside the index: with the time only in the table, a pair of words that
-- often come together (which the planner takes for rare) had every match's row read to check its
-- time, tens of thousands of rows where a few hundred were wanted. The time is indexed as an
-- expression that only that look-up uses (db/archive.repo.ts newestMatchesIndexed): a journalist's
-- date filter must not turn into a scan of every time key in its range inside this index.
CREATE INDEX archive_entries_search_idx ON archive_entries USING gin (search_text, (published_at AT TIME ZONE 'UTC'));
CREATE INDEX archive_entries_published_idx ON archive_entries (published_at DESC, id DESC);
CREATE INDEX archive_entries_captured_idx ON archive_entries (captured_at DESC NULLS LAST, id DESC);
CREATE INDEX archive_entries_verified_idx ON archive_entries (verified_at);
CREATE INDEX archive_entries_station_idx ON archive_entries (station_number, region, election_id);
-- A region filter usually comes with an election and a time range: with them in the region's index
-- those are settled before any row is read (station look-ups have archive_entries_station_idx).
CREATE INDEX archive_entries_region_idx ON archive_entries (region, election_id, published_at DESC);
-- A region alone: its newest entries in order, so a search can stop after the first few thousand.
CREATE INDEX archive_entries_region_newest_idx ON archive_entries (region, published_at DESC, id DESC);
CREATE INDEX archive_entries_election_idx ON archive_entries (election_id, published_at DESC);
CREATE INDEX archive_entries_category_idx ON archive_entries (category_code, published_at DESC);
CREATE INDEX archive_entries_point_idx ON archive_entries (lat, lon) INCLUDE (id) WHERE lat IS NOT NULL;
-- The public "is this file in the archive?" look-up reads published entries only: a file that was
-- received but not published is then not merely hidden from the answer but absent from the table the
-- query reads, so neither the answer nor its cost can tell it from a file never received.
CREATE INDEX archive_entries_file_sha256_idx ON archive_entries USING gin (file_sha256);

CREATE VIEW archive_entry_source AS
SELECT s.id, s.election_id, s.region, s.station_number, s.category_code, s.published_at,
       d.created_at AS verified_at,
       f.captured_at, f.has_photo, f.has_video, f.file_count, f.first_thumb_file_id,
       -- rounded: the polling station's registered place if known, else GPS to 2 decimals (~1 km)
       CASE WHEN s.public_location = 'hidden' THEN NULL
            WHEN s.public_location = 'precise' AND f.lat IS NOT NULL THEN f.lat
            ELSE coalesce(ps.latitude, round(f.lat::numeric, 2)::float8) END AS lat,
       CASE WHEN s.public_location = 'hidden' THEN NULL
            WHEN s.public_location = 'precise' AND f.lat IS NOT NULL THEN f.lon
            ELSE coalesce(ps.longitude, round(f.lon::numeric, 2)::float8) END AS lon,
       s.public_title AS title,
       -- One pass of PostgreSQL's russian configuration stems both languages: Russian words with
       -- the Russian Snowball stemmer, Latin-script words with the English one (and English stop
       -- words), exactly as the english configuration does them. Indexing the text a second time
       -- with the english configuration only added unstemmed Cyrillic forms: twice the postings
       -- for every common word, for nothing a query could not find anyway.
       setweight(to_tsvector('russian', coalesce(s.public_title, '')), 'A')
         || to_tsvector('russian', coalesce(s.public_description, s.description)) AS search_text,
       coalesce(s.public_description, s.description) AS description,
       f.file_sha256
  FROM submissions s
  JOIN decisions d ON d.id = s.publish_decision_id
  LEFT JOIN polling_stations ps ON ps.id = s.polling_station_id
  CROSS JOIN LATERAL (
    SELECT count(*)::int AS file_count,
           coalesce(bool_or(b.kind = 'image'), false) AS has_photo,
           coalesce(bool_or(b.kind = 'video'), false) AS has_video,
           min(m.taken_at_utc) AS captured_at,
           (array_agg(m.id ORDER BY m.position) FILTER (WHERE m.has_thumb))[1] AS first_thumb_file_id,
           (array_agg(m.gps_lat ORDER BY m.position) FILTER (WHERE m.gps_lat IS NOT NULL))[1] AS lat,
           (array_agg(m.gps_lon ORDER BY m.position) FILTER (WHERE m.gps_lat IS NOT NULL))[1] AS lon,
           coalesce(array_agg(encode(m.sha256, 'hex') ORDER BY m.position), '{}') AS file_sha256
      FROM media_files m JOIN blobs b ON b.sha256 = m.sha256
     WHERE m.submission_id = s.id
  ) f
 WHERE s.status = 'published';

-- Recomputes one entry's row. The advisory lock serialises refreshes of the same entry (the
-- worker finishing a file while a moderator publishes), and each statement then sees the other's commit.
CREATE FUNCTION archive_refresh(entry uuid) RETURNS void LANGUAGE sql VOLATILE AS $$
  SELECT pg_advisory_xact_lock(hashtextextended('archive_entry:' || entry::text, 0));
  DELETE FROM archive_entries WHERE id = entry;
  INSERT INTO archive_entries SELECT * FROM archive_entry_source WHERE id = entry;
$$;

CREATE FUNCTION archive_refresh_submission() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM archive_refresh(NEW.id);
  RETURN NULL;
END $$;

-- A file changes its entry's row only once the entry is public (it is then in archive_entries).
CREATE FUNCTION archive_refresh_media() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM archive_entries WHERE id = NEW.submission_id) THEN
    PERFORM archive_refresh(NEW.submission_id);
  END IF;
  RETURN NULL;
END $$;

-- A polling station's registered place is the public point of its entries published with a
-- rounded location: when an admin corrects it, those entries follow.
CREATE FUNCTION archive_refresh_station() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM archive_refresh(s.id) FROM submissions s WHERE s.polling_station_id = NEW.id AND s.status = 'published';
  RETURN NULL;
END $$;

-- Only changes to what the index holds fire a refresh, so bulk updates of other columns (and
-- every step of a pending submission's review) cost nothing here.
CREATE TRIGGER archive_entries_from_new_submissions AFTER INSERT ON submissions
  FOR EACH ROW WHEN (NEW.status = 'published') EXECUTE FUNCTION archive_refresh_submission();
CREATE TRIGGER archive_entries_from_submissions AFTER UPDATE ON submissions
  FOR EACH ROW WHEN ((OLD.status = 'published' OR NEW.status = 'published') AND
    (OLD.status, OLD.election_id, OLD.region, OLD.station_number, OLD.category_code, OLD.published_at, OLD.publish_decision_id,
     OLD.description, OLD.public_title, OLD.public_description, OLD.public_location, OLD.polling_station_id)
    IS DISTINCT FROM
    (NEW.status, NEW.election_id, NEW.region, NEW.station_number, NEW.category_code, NEW.published_at, NEW.publish_decision_id,
     NEW.description, NEW.public_title, NEW.public_description, NEW.public_location, NEW.polling_station_id))
  EXECUTE FUNCTION archive_refresh_submission();
CREATE TRIGGER archive_entries_from_media AFTER INSERT OR UPDATE ON media_files
  FOR EACH ROW EXECUTE FUNCTION archive_refresh_media();
CREATE TRIGGER archive_entries_from_stations AFTER UPDATE ON polling_stations
  FOR EACH ROW WHEN ((OLD.latitude, OLD.longitude) IS DISTINCT FROM (NEW.latitude, NEW.longitude))
  EXECUTE FUNCTION archive_refresh_station();

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


-- ============================================================================================
-- The application's role (issue 11): the API and the worker run as svidetel_app, a role that owns
-- nothing, is not a superuser (so it cannot set session_replication_role and silence the
-- triggers), and holds only the grants below: no ALTER, no TRUNCATE, and nothing but SELECT and
-- INSERT on append-only tables. Migrations run as the owner (DATABASE_OWNER_URL). A migration that
-- adds a table grants what the application needs on it, in the same way.
-- ============================================================================================

-- Roles are cluster-wide and several databases (or test runs) may migrate at once: a concurrent
-- creator makes ours fail with duplicate_object or unique_violation, both meaning "it exists".
DO $$
BEGIN
  CREATE ROLE svidetel_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END $$;

GRANT USAGE ON SCHEMA public TO svidetel_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO svidetel_app;

-- Append-only: history and evidence.
GRANT SELECT, INSERT ON audit_log, blobs, decisions, notes, tlog_leaves, tlog_subtrees, tlog_sths,
  tlog_media_leaves, tlog_public_keys TO svidetel_app;
-- Single-row heads that only move forward (their triggers check how).
GRANT SELECT, UPDATE ON audit_head, tlog_state TO svidetel_app;
-- Workflow state the application changes; what the observer sent is guarded above.
GRANT SELECT, INSERT, UPDATE ON submissions, media_files, accounts, account_tokens, app_settings,
  elections, categories, category_phases, polling_stations, submission_status_counts TO svidetel_app;
-- Rows that come and go: sessions, claims, and the archive's derived search rows (kept by triggers).
GRANT SELECT, INSERT, UPDATE, DELETE ON sessions, claims, archive_entries, archive_map_cells TO svidetel_app;
-- The application checks at start that the database is migrated with these very files.
GRANT SELECT ON schema_migrations, archive_entry_source TO svidetel_app;


-- ============================================================================================
-- Rows every database starts with
-- ============================================================================================

-- The heads of the transparency log and of the audit chain, the settings row.
INSERT INTO tlog_state (id, size) VALUES (true, 0);
INSERT INTO audit_head (id, seq, hash) VALUES (true, 0, decode(repeat('00', 32), 'hex'));
INSERT INTO app_settings (id) VALUES (true);

-- The violation taxonomy of Golos's Map of Violations (kartanarusheniy.org), grouped by phase,
-- plus three categories 2024 added (remote e-voting coercion, queues/protest actions such as
-- "Noon Against Putin", ballot shortage). Codes are stable forever; admins edit labels only.
INSERT INTO category_phases (code, position, label_ru, label_en) VALUES
  ('before_voting_day', 1, 'До дня голосования', 'Before voting day'),
  ('voting_day',        2, 'В день голосования', 'Voting day'),
  ('counting',          3, 'При подсчёте', 'Counting'),
  ('personal_safety',   4, 'Посягательства на личную безопасность', 'Personal safety');

INSERT INTO categories (code, phase_code, position, label_ru, label_en) VALUES
  ('admin_resource',         'before_voting_day', 1, 'Злоупотребление административным ресурсом', 'Abuse of administrative resources'),
  ('registration_refusal',   'before_voting_day', 2, 'Неправомерные отказы в регистрации и нарушение прав кандидата', 'Unlawful refusal of registration, candidates'' rights'),
  ('signature_collection',   'before_voting_day', 3, 'Нарушения при сборе подписей', 'Signature collection'),
  ('print_campaigning',      'before_voting_day', 4, 'Нарушение правил печатной и наружной агитации', 'Print and outdoor campaigning'),
  ('media_campaigning',      'before_voting_day', 5, 'Нарушения правил агитации в СМИ', 'Campaigning in the media'),
  ('coercion_bribery',       'before_voting_day', 6, 'Давление начальства, принуждение, подкуп избирателей', 'Employer pressure, coercion, vote buying'),
  ('early_voting',           'before_voting_day', 7, 'Нарушения порядка досрочного голосования', 'Early voting'),
  ('rights_before',          'before_voting_day', 8, 'Нарушение прав членов комиссии, наблюдателей, СМИ', 'Rights of commission members, observers, media'),
  ('law_enforcement',        'before_voting_day', 9, 'Воздействие правоохранительных органов', 'Law-enforcement pressure'),
  ('other_before',           'before_voting_day', 10, 'Иные', 'Other'),
  ('before_opening',         'voting_day', 1, 'Нарушения перед началом голосования: сейф-пакеты, процедуры', 'Before opening: safe bags, procedures'),
  ('station_setup',          'voting_day', 2, 'Нарушения в оборудовании участка', 'Polling-station setup'),
  ('observer_rights',        'voting_day', 3, 'Нарушения прав наблюдателей, членов комиссии, СМИ', 'Observers'', commission members'', media rights, removal'),
  ('ballot_stuffing',        'voting_day', 4, 'Вбросы, «карусели»', 'Ballot stuffing, carousel voting'),
  ('home_voting',            'voting_day', 5, 'Нарушения при голосовании «на дому»', 'Home voting'),
  ('voter_list',             'voting_day', 6, 'Нарушение в ведении списка избирателей, отказ в голосовании', 'Voter list, denial of vote'),
  ('coercion_bussing',       'voting_day', 7, 'Принуждение, подвоз избирателей, контроль голосования', 'Coercion, bussing, controlled voting'),
  ('illegal_campaigning',    'voting_day', 8, 'Незаконная агитация, лотереи, подкуп', 'Illegal campaigning, lotteries, bribery'),
  ('ballot_shortage',        'voting_day', 9, 'Нехватка бюллетеней', 'Ballot shortage'),
  ('queues_protest',         'voting_day', 10, 'Очереди и акции, например «Полдень против Путина»', 'Queues and protest actions such as Noon Against Putin'),
  ('remote_evoting_coercion','voting_day', 11, 'Принуждение к ДЭГ', 'Remote e-voting coercion'),
  ('other_voting_day',       'voting_day', 12, 'Иные', 'Other'),
  ('count_procedure',        'counting', 1, 'Нарушения последовательности и процедуры подсчёта', 'Count sequence and procedure'),
  ('count_falsified',        'counting', 2, 'Искажение итогов при подсчёте', 'Results falsified during the count'),
  ('protocol',               'counting', 3, 'Нарушения при составлении протокола, оформлении копии', 'Protocol and its copy'),
  ('higher_commissions',     'counting', 4, 'Нарушения в вышестоящих комиссиях', 'Higher commissions'),
  ('other_counting',         'counting', 5, 'Иные', 'Other'),
  ('attack_person_property', 'personal_safety', 1, 'Посягательство на жизнь, здоровье, имущество', 'Attack on life, health, property');

INSERT INTO elections (slug, name_ru, name_en, country, voting_starts_on, voting_ends_on) VALUES
  ('ru-president-2024', 'Россия — выборы президента, 15–17 марта 2024', 'Russia — presidential election, 15–17 March 2024', 'RU', '2024-03-15', '2024-03-17');
