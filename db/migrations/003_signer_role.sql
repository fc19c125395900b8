-- Only the process that signs checkpoints (the worker) may write signed tree heads and the log's
-- public key. The web-facing API runs as svidetel_app, which can no longer insert either: a
-- compromised API could otherwise record a key of its own before the worker ever ran, or insert a
-- bogus head at a future size that blocks the worker's real one. The worker connects as
-- svidetel_signer, which has everything svidetel_app has and those two inserts.
DO $$
BEGIN
  CREATE ROLE svidetel_signer LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END $$;
GRANT svidetel_app TO svidetel_signer;

REVOKE INSERT ON tlog_sths, tlog_public_keys FROM svidetel_app;
GRANT INSERT ON tlog_sths, tlog_public_keys TO svidetel_signer;
