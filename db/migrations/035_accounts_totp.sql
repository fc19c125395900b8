-- Two-factor login (TOTP, RFC 6238): the shared secret (base32) once confirmed, and the last time
-- step a code was accepted for, so one code cannot be used twice.
ALTER TABLE accounts
  ADD COLUMN totp_secret text CHECK (totp_secret IS NULL OR totp_secret ~ '^[A-Z2-7]{16,128}$'),
  ADD COLUMN totp_last_step bigint;
