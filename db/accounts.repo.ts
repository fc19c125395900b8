import type { AccountSummary, Role, SessionSummary, TokenPurpose } from '../domain/accounts/model';
import type { Queryable } from './pool';
import { SESSION_CHANNEL } from './session-changes';

export type AccountRow = {
  id: string;
  email: string;
  role: Role;
  password_hash: string | null;
  disabled_at: Date | null;
  totp_secret: string | null;
  totp_last_step: number | null;
};
export type SessionRow = { account_id: string; email: string; role: Role; csrf_token: string; expires_at: Date; needs_totp_setup: boolean };
const ACCOUNT_COLUMNS = 'id, email, role, password_hash, disabled_at, totp_secret, totp_last_step::float8 AS totp_last_step';

export async function countAccounts(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM accounts');
  return Number(rows[0].n);
}

/** Serialises first-admin creation: whoever holds this lock sees the true account count. */
export async function lockAccountsTable(db: Queryable): Promise<void> {
  await db.query('LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE');
}

export async function insertAccount(
  db: Queryable,
  account: { email: string; role: Role; passwordHash: string | null },
): Promise<AccountRow> {
  const { rows } = await db.query<AccountRow>(
    `INSERT INTO accounts (email, role, password_hash) VALUES ($1, $2, $3) RETURNING ${ACCOUNT_COLUMNS}`,
    [account.email, account.role, account.passwordHash],
  );
  return rows[0];
}

export async function findAccountByEmail(db: Queryable, email: string): Promise<AccountRow | null> {
  const { rows } = await db.query<AccountRow>(
    `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE email = $1`,
    [email],
  );
  return rows[0] ?? null;
}

export async function findAccountById(db: Queryable, id: string): Promise<AccountRow | null> {
  const { rows } = await db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

export async function setPasswordHash(db: Queryable, accountId: string, hash: string): Promise<void> {
  await db.query('UPDATE accounts SET password_hash = $2 WHERE id = $1', [accountId, hash]);
}

export async function insertAccountToken(
  db: Queryable,
  token: { hash: Buffer; purpose: TokenPurpose; accountId: string | null; expiresAt: Date },
): Promise<void> {
  await db.query(
    'INSERT INTO account_tokens (token_hash, purpose, account_id, expires_at) VALUES ($1, $2, $3, $4)',
    [token.hash, token.purpose, token.accountId, token.expiresAt],
  );
}

export async function expireUnusedTokens(db: Queryable, purpose: TokenPurpose): Promise<void> {
  await db.query(
    'UPDATE account_tokens SET expires_at = now() WHERE purpose = $1 AND used_at IS NULL AND expires_at > now()',
    [purpose],
  );
}

/** Ends every unused link of one purpose for one account: only the newest link works. */
export async function expireUnusedTokensOf(db: Queryable, accountId: string, purpose: TokenPurpose): Promise<number> {
  const { rowCount } = await db.query(
    'UPDATE account_tokens SET expires_at = now() WHERE account_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()',
    [accountId, purpose],
  );
  return rowCount ?? 0;
}

/** Marks a valid token used and returns it; null if unknown, used or expired. */
export async function consumeAccountToken(
  db: Queryable,
  hash: Buffer,
  purpose: TokenPurpose,
): Promise<{ account_id: string | null } | null> {
  const { rows } = await db.query<{ account_id: string | null }>(
    `UPDATE account_tokens SET used_at = now()
      WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
      RETURNING account_id`,
    [hash, purpose],
  );
  return rows[0] ?? null;
}

export async function findValidToken(db: Queryable, hash: Buffer, purpose: TokenPurpose): Promise<boolean> {
  const { rowCount } = await db.query(
    'SELECT 1 FROM account_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()',
    [hash, purpose],
  );
  return rowCount === 1;
}

export async function insertSession(
  db: Queryable,
  session: { tokenHash: Buffer; accountId: string; csrfToken: string; expiresAt: Date },
): Promise<void> {
  await db.query(
    'INSERT INTO sessions (token_hash, account_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)',
    [session.tokenHash, session.accountId, session.csrfToken, session.expiresAt],
  );
}

/**
 * A live session of an enabled account. last_seen_at is touched at most once a minute: every
 * request of a logged-in moderator reads its session, and need not write a row each time.
 */
export async function findLiveSession(db: Queryable, tokenHash: Buffer): Promise<SessionRow | null> {
  const { rows } = await db.query<SessionRow>(
    `WITH live AS (
       SELECT s.token_hash, s.last_seen_at, s.account_id, a.email, a.role, s.csrf_token, s.expires_at,
              (st.require_totp AND a.totp_secret IS NULL) AS needs_totp_setup
         FROM sessions s JOIN accounts a ON a.id = s.account_id CROSS JOIN app_settings st
        WHERE s.token_hash = $1 AND s.expires_at > now() AND a.disabled_at IS NULL
     ), touched AS (
       UPDATE sessions s SET last_seen_at = now() FROM live
        WHERE s.token_hash = live.token_hash AND live.last_seen_at < now() - interval '1 minute'
     )
     SELECT account_id, email, role, csrf_token, expires_at, needs_totp_setup FROM live`,
    [tokenHash],
  );
  return rows[0] ?? null;
}

export async function deleteSession(db: Queryable, tokenHash: Buffer): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
}

export async function listAccounts(db: Queryable): Promise<AccountSummary[]> {
  const { rows } = await db.query<AccountSummary>(
    `SELECT a.id, a.email, a.role, a.disabled_at, a.password_hash IS NOT NULL AS has_password, a.totp_secret IS NOT NULL AS has_totp,
            (SELECT count(*)::int FROM sessions s WHERE s.account_id = a.id AND s.expires_at > now()) AS sessions, a.created_at
       FROM accounts a ORDER BY a.disabled_at IS NOT NULL, a.email`,
  );
  return rows;
}

/** Locks one account row for the rest of the transaction: an admin's change, or its owner's two-factor setting. */
export async function lockAccount(db: Queryable, id: string): Promise<AccountRow | null> {
  const { rows } = await db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0] ?? null;
}

export async function setRole(db: Queryable, id: string, role: Role): Promise<void> {
  await db.query('UPDATE accounts SET role = $2 WHERE id = $1', [id, role]);
}

export async function setDisabled(db: Queryable, id: string, disabled: boolean): Promise<void> {
  await db.query('UPDATE accounts SET disabled_at = CASE WHEN $2 THEN now() END WHERE id = $1', [id, disabled]);
}

/**
 * Tells every API process, when the caller's transaction commits, that an account's sessions (null:
 * every account's) changed, so none keeps a cached copy (db/session-changes.ts listens).
 */
export async function announceSessionChange(db: Queryable, accountId: string | null): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [SESSION_CHANNEL, accountId ?? '']);
}

/** Ends every session of an account at once (when it is disabled). */
export async function deleteSessionsOf(db: Queryable, accountId: string): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM sessions WHERE account_id = $1', [accountId]);
  return rowCount ?? 0;
}

/** A session's id is derived from its token's hash (SessionSummary). */
export async function listSessionsOf(db: Queryable, accountId: string, currentTokenHash: Buffer): Promise<SessionSummary[]> {
  const { rows } = await db.query<SessionSummary>(
    `SELECT encode(digest(token_hash, 'sha256'), 'hex') AS id, created_at, last_seen_at, expires_at, token_hash = $2 AS current
       FROM sessions WHERE account_id = $1 AND expires_at > now() ORDER BY last_seen_at DESC`,
    [accountId, currentTokenHash],
  );
  return rows;
}

export async function deleteSessionById(db: Queryable, accountId: string, sessionId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `DELETE FROM sessions WHERE account_id = $1 AND encode(digest(token_hash, 'sha256'), 'hex') = $2`,
    [accountId, sessionId],
  );
  return rowCount === 1;
}

export async function setTotpSecret(db: Queryable, id: string, secret: string | null, lastStep: number | null): Promise<void> {
  await db.query('UPDATE accounts SET totp_secret = $2, totp_last_step = $3 WHERE id = $1', [id, secret, lastStep]);
}

/** Every stored TOTP secret (sealed, or plain text from before encryption at rest). */
export async function listTotpSecrets(db: Queryable): Promise<{ id: string; totp_secret: string }[]> {
  const { rows } = await db.query<{ id: string; totp_secret: string }>('SELECT id, totp_secret FROM accounts WHERE totp_secret IS NOT NULL ORDER BY id');
  return rows;
}

/** Replaces a secret only if it is still the one read (a concurrent start or change wins). */
export async function replaceTotpSecret(db: Queryable, id: string, current: string, next: string): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE accounts SET totp_secret = $3 WHERE id = $1 AND totp_secret = $2', [id, current, next]);
  return rowCount === 1;
}

/** Records the time step a code was accepted for; false if that step (or a later one) was used already. */
export async function useTotpStep(db: Queryable, id: string, step: number): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE accounts SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)',
    [id, step],
  );
  return rowCount === 1;
}

/** The region a moderator works on (the queue's "my region"), or null when none is set. */
export async function findModeratorRegion(db: Queryable, id: string): Promise<string | null> {
  const { rows } = await db.query<{ moderator_region: string | null }>('SELECT moderator_region FROM accounts WHERE id = $1', [id]);
  return rows[0]?.moderator_region ?? null;
}

export async function setModeratorRegion(db: Queryable, id: string, region: string | null): Promise<void> {
  await db.query('UPDATE accounts SET moderator_region = $2 WHERE id = $1', [id, region]);
}
