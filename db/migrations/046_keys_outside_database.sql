-- Keys and secrets the web-facing process must not hold in the clear (issue 11).

-- The transparency log's public key, recorded by the worker (the only process that holds the
-- private key) when it starts, so the web-facing API can serve the key and put it in receipts
-- without ever reading the key file. One key per log origin, never replaced: a different key for
-- the same origin would fork the log.
CREATE TABLE tlog_public_keys (
  origin          text PRIMARY KEY CHECK (length(origin) BETWEEN 1 AND 200),
  vkey            text NOT NULL UNIQUE,
  public_key_pem  text NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER tlog_public_keys_append_only BEFORE UPDATE OR DELETE ON tlog_public_keys
  FOR EACH ROW EXECUTE FUNCTION tlog_forbid_change();
CREATE TRIGGER tlog_public_keys_no_truncate BEFORE TRUNCATE ON tlog_public_keys
  FOR EACH STATEMENT EXECUTE FUNCTION tlog_forbid_change();

-- Two-factor secrets are stored sealed (AES-256-GCM under TOTP_KEY_PATH, domain/accounts/totp-vault.ts):
-- "v1:" and base64. Plain base32 is allowed only as left by earlier versions: the API seals those at start.
ALTER TABLE accounts DROP CONSTRAINT accounts_totp_secret_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_totp_secret_check
  CHECK (totp_secret IS NULL OR totp_secret ~ '^v1:[A-Za-z0-9+/]{40,252}={0,2}$' OR totp_secret ~ '^[A-Z2-7]{16,128}$');
