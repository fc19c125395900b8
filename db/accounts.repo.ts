import type { Queryable } from './pool';

export type Role = 'moderator' | 'admin';
export type AccountRow = { id: string; email: string; role: Role; password_hash: string | null; disabled_at: Date | null };
export type SessionRow = { account_id: string; email: string; role: Role; csrf_token: string; expires_at: Date };
export type TokenPurpose = 'first_admin' | 'set_password';

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
    `INSERT INTO accounts (email, role, password_hash) VALUES ($1, $2, $3)
     RETURNING id, email, role, password_hash, disabled_at`,
    [account.email, account.role, account.passwordHash],
  );
  return rows[0];
}

export async function findAccountByEmail(db: Queryable, email: string): Promise<AccountRow | null> {
  const { rows } = await db.query<AccountRow>(
    'SELECT id, email, role, password_hash, disabled_at FROM accounts WHERE email = $1',
    [email],
  );
  return rows[0] ?? null;
}

export async function findAccountById(db: Queryable, id: string): Promise<AccountRow | null> {
  const { rows } = await db.query<AccountRow>('SELECT id, email, role, password_hash, disabled_at FROM accounts WHERE id = $1', [id]);
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

/** A live session of an enabled account, touched as it is read. */
export async function findLiveSession(db: Queryable, tokenHash: Buffer): Promise<SessionRow | null> {
  const { rows } = await db.query<SessionRow>(
    `UPDATE sessions s SET last_seen_at = now()
       FROM accounts a
      WHERE s.token_hash = $1 AND s.expires_at > now() AND a.id = s.account_id AND a.disabled_at IS NULL
      RETURNING s.account_id, a.email, a.role, s.csrf_token, s.expires_at`,
    [tokenHash],
  );
  return rows[0] ?? null;
}

export async function deleteSession(db: Queryable, tokenHash: Buffer): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
}
