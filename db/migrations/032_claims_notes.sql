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
