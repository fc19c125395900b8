import type { Claim } from '../domain/moderation/model';
import type { Queryable } from './pool';

/**
 * Takes or renews the claim unless another account holds a live one. Returns the claim as it now
 * stands (maybe someone else's) and whether this call started it (so it is audited once, not per view).
 */
export async function claim(
  db: Queryable,
  submissionId: string,
  accountId: string,
  ttlMs: number,
): Promise<{ claim: Claim; started: boolean } | null> {
  // the claim taken or renewed, else the live one someone else holds: one statement
  const { rows } = await db.query<Claim & { started: boolean }>(
    `WITH taken AS (
       INSERT INTO claims AS c (submission_id, account_id, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
       ON CONFLICT (submission_id) DO UPDATE
          SET account_id = EXCLUDED.account_id,
              claimed_at = CASE WHEN c.account_id = EXCLUDED.account_id AND c.expires_at > now() THEN c.claimed_at ELSE now() END,
              expires_at = EXCLUDED.expires_at
        WHERE c.account_id = EXCLUDED.account_id OR c.expires_at <= now()
       RETURNING submission_id, account_id, claimed_at, expires_at, claimed_at = now() AS started
     )
     SELECT t.submission_id, t.account_id, a.email AS account_email, t.claimed_at, t.expires_at, t.started
       FROM taken t JOIN accounts a ON a.id = t.account_id
     UNION ALL
     SELECT c.submission_id, c.account_id, a.email, c.claimed_at, c.expires_at, false
       FROM claims c JOIN accounts a ON a.id = c.account_id
      WHERE c.submission_id = $1 AND c.expires_at > now() AND NOT EXISTS (SELECT 1 FROM taken)`,
    [submissionId, accountId, ttlMs],
  );
  const row = rows[0];
  if (row) {
    const { started, ...claim } = row;
    return { claim, started };
  }
  // another's claim committed after this statement's snapshot was taken: read it as it is now
  const current = await findLiveClaim(db, submissionId);
  return current ? { claim: current, started: false } : null;
}

export async function findLiveClaim(db: Queryable, submissionId: string): Promise<Claim | null> {
  const { rows } = await db.query<Claim>(
    `SELECT c.submission_id, c.account_id, a.email AS account_email, c.claimed_at, c.expires_at
       FROM claims c JOIN accounts a ON a.id = c.account_id
      WHERE c.submission_id = $1 AND c.expires_at > now()`,
    [submissionId],
  );
  return rows[0] ?? null;
}

/** Renews one's own live claim (any action on the entry counts as activity). */
export async function renew(db: Queryable, submissionId: string, accountId: string, ttlMs: number): Promise<void> {
  await db.query(
    `UPDATE claims SET expires_at = now() + $3 * interval '1 millisecond' WHERE submission_id = $1 AND account_id = $2 AND expires_at > now()`,
    [submissionId, accountId, ttlMs],
  );
}

/** A decided entry needs no reviewer any more. */
export async function release(db: Queryable, submissionId: string): Promise<void> {
  await db.query('DELETE FROM claims WHERE submission_id = $1', [submissionId]);
}

/** How many entries are being reviewed now and the latest claim taken: the live queue redraws when either changes. */
export async function liveClaimsSummary(db: Queryable): Promise<{ n: number; latest: Date | null }> {
  const { rows } = await db.query<{ n: number; latest: Date | null }>('SELECT count(*)::int AS n, max(claimed_at) AS latest FROM claims WHERE expires_at > now()');
  return rows[0]!;
}
