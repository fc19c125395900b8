-- Foundation schema. Constraints make bad states unstorable; the app never relies on code alone.

CREATE EXTENSION IF NOT EXISTS pgcrypto;

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
  CHECK (voting_ends_on >= voting_starts_on)
);

CREATE TABLE category_phases (
  code     text PRIMARY KEY CHECK (code ~ '^[a-z_]{2,40}$'),
  position int  NOT NULL UNIQUE,
  label_ru text NOT NULL,
  label_en text NOT NULL
);

-- Codes are stable identifiers: labels may change, codes never do (no UPDATE of code in the app).
CREATE TABLE categories (
  code       text PRIMARY KEY CHECK (code ~ '^[a-z0-9_]{2,60}$'),
  phase_code text NOT NULL REFERENCES category_phases(code),
  position   int  NOT NULL,
  label_ru   text NOT NULL CHECK (length(label_ru) BETWEEN 1 AND 300),
  label_en   text NOT NULL CHECK (length(label_en) BETWEEN 1 AND 300),
  active     boolean NOT NULL DEFAULT true,
  UNIQUE (phase_code, position)
);

CREATE TABLE accounts (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email         text NOT NULL CHECK (email = lower(email) AND email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 254),
  role          text NOT NULL CHECK (role IN ('moderator', 'admin')),
  password_hash text CHECK (password_hash IS NULL OR password_hash LIKE '$argon2id$%'),
  disabled_at   timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (email)
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

-- A submission is what one observer sent at once; when published it is a public entry.
CREATE TABLE submissions (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  election_id     int  NOT NULL REFERENCES elections(id),
  region          text NOT NULL CHECK (length(region) BETWEEN 1 AND 200),
  station_number  text NOT NULL CHECK (station_number ~ '^[0-9]{1,6}$'),
  category_code   text NOT NULL REFERENCES categories(code),
  description     text NOT NULL CHECK (length(description) BETWEEN 1 AND 10000),
  happened_at     timestamp,            -- wall-clock time as the observer stated it (no zone was given)
  reporter_role   text CHECK (reporter_role IN ('observer', 'voter', 'commission_member', 'journalist', 'candidate')),
  complaint_status text CHECK (complaint_status IN ('none', 'filed', 'answered')),
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'rejected', 'published')),
  received_at     timestamptz NOT NULL DEFAULT now(),
  decided_at      timestamptz,
  published_at    timestamptz,
  publish_decision_id uuid,
  CHECK ((status = 'published') = (published_at IS NOT NULL AND publish_decision_id IS NOT NULL)),
  CHECK ((status = 'pending') = (decided_at IS NULL))
);
CREATE INDEX submissions_queue_idx ON submissions (received_at, id) WHERE status = 'pending';
CREATE INDEX submissions_published_idx ON submissions (published_at DESC, id DESC) WHERE status = 'published';

-- Every decision, append-only. A published submission must point at a verifying decision of its own.
CREATE TABLE decisions (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  submission_id uuid NOT NULL REFERENCES submissions(id),
  account_id    uuid NOT NULL REFERENCES accounts(id),
  action        text NOT NULL CHECK (action IN ('verify_publish', 'reject')),
  reason        text CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 2000),
  created_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (action <> 'reject' OR reason IS NOT NULL),
  UNIQUE (id, submission_id),
  UNIQUE (id, action)
);
CREATE INDEX decisions_submission_idx ON decisions (submission_id, created_at);

ALTER TABLE submissions ADD COLUMN publish_decision_action text
  GENERATED ALWAYS AS (CASE WHEN publish_decision_id IS NULL THEN NULL ELSE 'verify_publish' END) STORED;
ALTER TABLE submissions ADD CONSTRAINT submissions_publish_decision_fk
  FOREIGN KEY (publish_decision_id, id) REFERENCES decisions (id, submission_id);
ALTER TABLE submissions ADD CONSTRAINT submissions_publish_decision_action_fk
  FOREIGN KEY (publish_decision_id, publish_decision_action) REFERENCES decisions (id, action);

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
  UNIQUE (submission_id, position),
  CHECK ((status = 'failed') = (failure_reason IS NOT NULL)),
  CHECK ((gps_lat IS NULL) = (gps_lon IS NULL)),
  CHECK ((taken_at_offset IS NULL) OR (taken_at_local IS NOT NULL))
);
CREATE INDEX media_files_submission_idx ON media_files (submission_id, position);
CREATE INDEX media_files_sha256_idx ON media_files (sha256);
CREATE INDEX media_files_unfinished_idx ON media_files (status_changed_at) WHERE status IN ('received', 'processing');
