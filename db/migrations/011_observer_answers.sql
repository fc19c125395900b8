-- "Needs more information" as a conversation (issue 14 item 4, issue 18): a moderator's needs_info
-- decision carries the question (its reason), the observer reads it on the receipt page (the key
-- is the only way in; no account) and answers there in words and with more files. The answer puts
-- the submission back in the queue (pending, decided_at cleared) marked "answered" (answered_at).
-- Answers are append-only (svidetel_app may only insert and read) and nothing in them names the
-- sender: no address, no user agent.
CREATE TABLE observer_answers (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  submission_id   uuid NOT NULL REFERENCES submissions (id),
  -- the needs_info decision answered: one answer per question, and only a question of this submission
  question_id     uuid NOT NULL UNIQUE,
  question_action text NOT NULL DEFAULT 'needs_info' CHECK (question_action = 'needs_info'),
  body            text CHECK (body IS NULL OR length(body) BETWEEN 1 AND 10000),
  created_at      timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (question_id, submission_id) REFERENCES decisions (id, submission_id),
  FOREIGN KEY (question_id, question_action) REFERENCES decisions (id, action)
);
CREATE INDEX observer_answers_submission_idx ON observer_answers (submission_id, created_at);

-- The files an answer added to its submission (media_files rows of the same submission, with their
-- own transparency-log leaves like any file received).
CREATE TABLE observer_answer_files (
  answer_id     uuid NOT NULL REFERENCES observer_answers (id),
  media_file_id uuid PRIMARY KEY REFERENCES media_files (id)
);
CREATE INDEX observer_answer_files_answer_idx ON observer_answer_files (answer_id);

GRANT SELECT, INSERT ON observer_answers, observer_answer_files TO svidetel_app;

-- The queue's marker: when the observer last answered (shown while the entry is pending again).
ALTER TABLE submissions ADD COLUMN answered_at timestamptz;

-- A status still changes only with a recorded decision, or (the one change an observer makes) from
-- needs_info back to pending with the observer's answer inserted in the same transaction.
CREATE OR REPLACE FUNCTION submissions_publication_follows_decision() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  choices jsonb;
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status
     AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.submission_id = NEW.id AND d.created_at = now())
     AND NOT (OLD.status = 'needs_info' AND NEW.status = 'pending'
              AND EXISTS (SELECT 1 FROM observer_answers a WHERE a.submission_id = NEW.id AND a.created_at = now())) THEN
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
