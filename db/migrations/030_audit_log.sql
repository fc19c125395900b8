-- Audit log: every action by a person (or the system) on accounts, submissions, the catalog,
-- stations and settings, with before/after. Append-only in the database itself (triggers below),
-- and hash-chained: each row's hash covers its content and the previous row's hash, so an edit
-- made by someone who can bypass the triggers (a superuser) is still detectable by audit:verify.

-- The head of the chain. Appends lock this row FOR UPDATE in the acting transaction, so the chain
-- is linear (seq dense, each prev_hash the hash of seq - 1) and a rollback leaves no gap.
CREATE TABLE audit_head (
  id    boolean PRIMARY KEY DEFAULT true CHECK (id),
  seq   bigint NOT NULL CHECK (seq >= 0),
  hash  bytea NOT NULL CHECK (length(hash) = 32)
);
INSERT INTO audit_head (id, seq, hash) VALUES (true, 0, decode(repeat('00', 32), 'hex'));

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
