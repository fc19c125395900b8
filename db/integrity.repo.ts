/**
 * Storage of the server's self-checks (db/migrations/005_integrity_checks.sql): alarms, when each
 * original was last hashed, and where the scrub of the log's subtree hashes goes on. SQL only: what
 * is checked and what counts as wrong is decided in domain/integrity.
 */
import type { Queryable } from './pool';

export type AlarmKind =
  | 'log_signing_refused'
  | 'original_mismatch'
  | 'original_missing'
  | 'log_subtree_mismatch'
  | 'log_witness_refused'
  | 'log_promise_late'
  | 'replica_other_bytes';

export interface IntegrityAlarm {
  kind: AlarmKind;
  subject: string;
  detail: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  resolvedAt: Date | null;
}

/** Records a problem, or that it was seen again (reopened if it had been resolved). */
export async function raiseAlarm(db: Queryable, alarm: { kind: AlarmKind; subject: string; detail: string }): Promise<void> {
  await db.query(
    `INSERT INTO integrity_alarms (kind, subject, detail) VALUES ($1, $2, $3)
     ON CONFLICT (kind, subject) DO UPDATE SET detail = EXCLUDED.detail, last_seen_at = now(), resolved_at = NULL`,
    [alarm.kind, alarm.subject, alarm.detail],
  );
}

/** Marks a problem resolved (a later check found it right); returns whether one was open. */
export async function resolveAlarm(db: Queryable, kind: AlarmKind, subject: string): Promise<boolean> {
  const r = await db.query('UPDATE integrity_alarms SET resolved_at = now() WHERE kind = $1 AND subject = $2 AND resolved_at IS NULL', [kind, subject]);
  return (r.rowCount ?? 0) > 0;
}

interface AlarmRow {
  kind: AlarmKind;
  subject: string;
  detail: string;
  first_seen_at: Date;
  last_seen_at: Date;
  resolved_at: Date | null;
}

/** Open alarms, most recently seen first. */
export async function openAlarms(db: Queryable, limit = 100): Promise<IntegrityAlarm[]> {
  const { rows } = await db.query<AlarmRow>('SELECT * FROM integrity_alarms WHERE resolved_at IS NULL ORDER BY last_seen_at DESC LIMIT $1', [limit]);
  return rows.map((r) => ({ kind: r.kind, subject: r.subject, detail: r.detail, firstSeenAt: r.first_seen_at, lastSeenAt: r.last_seen_at, resolvedAt: r.resolved_at }));
}

export async function openAlarmCounts(db: Queryable): Promise<Partial<Record<AlarmKind, number>>> {
  const { rows } = await db.query<{ kind: AlarmKind; n: string }>('SELECT kind, count(*) AS n FROM integrity_alarms WHERE resolved_at IS NULL GROUP BY kind');
  return Object.fromEntries(rows.map((r) => [r.kind, Number(r.n)]));
}

/** Originals not hashed since `before`, never-hashed first, then the longest ago; with their sizes. */
export async function originalsDueForCheck(db: Queryable, before: Date, limit: number): Promise<{ sha256: string; bytes: number }[]> {
  const { rows } = await db.query<{ sha256: string; bytes: string }>(
    `SELECT encode(b.sha256, 'hex') AS sha256, b.bytes FROM blobs b LEFT JOIN original_checks c ON c.sha256 = b.sha256
      WHERE c.checked_at IS NULL OR c.checked_at < $1
      ORDER BY c.checked_at NULLS FIRST, b.stored_at LIMIT $2`,
    [before, limit],
  );
  return rows.map((r) => ({ sha256: r.sha256, bytes: Number(r.bytes) }));
}

/** What an original's bytes hashed to just now (null: it was missing). */
export async function recordOriginalCheck(db: Queryable, sha256: string, observedSha256: string | null): Promise<void> {
  await db.query(
    `INSERT INTO original_checks (sha256, checked_at, observed_sha256) VALUES (decode($1, 'hex'), now(), decode($2, 'hex'))
     ON CONFLICT (sha256) DO UPDATE SET checked_at = EXCLUDED.checked_at, observed_sha256 = EXCLUDED.observed_sha256`,
    [sha256, observedSha256],
  );
}

export async function lastOriginalCheck(db: Queryable, sha256: string): Promise<{ checkedAt: Date; observedSha256: string | null } | null> {
  const { rows } = await db.query<{ checked_at: Date; observed: string | null }>(
    "SELECT checked_at, encode(observed_sha256, 'hex') AS observed FROM original_checks WHERE sha256 = decode($1, 'hex')",
    [sha256],
  );
  return rows[0] ? { checkedAt: rows[0].checked_at, observedSha256: rows[0].observed } : null;
}

export async function originalCheckSummary(db: Queryable): Promise<{ originals: number; checked: number; oldestCheck: Date | null }> {
  const { rows } = await db.query<{ originals: string; checked: string; oldest: Date | null }>(
    'SELECT (SELECT count(*) FROM blobs) AS originals, count(*) AS checked, min(checked_at) AS oldest FROM original_checks',
  );
  return { originals: Number(rows[0]!.originals), checked: Number(rows[0]!.checked), oldestCheck: rows[0]!.oldest };
}

export interface LogScrubState {
  nextLeaf: number;
  cycles: number;
  lastRunAt: Date | null;
}

export async function logScrubState(db: Queryable): Promise<LogScrubState> {
  const { rows } = await db.query<{ next_leaf: string; cycles: string; last_run_at: Date | null }>('SELECT next_leaf, cycles, last_run_at FROM log_scrub_state WHERE id');
  return { nextLeaf: Number(rows[0]!.next_leaf), cycles: Number(rows[0]!.cycles), lastRunAt: rows[0]!.last_run_at };
}

export async function saveLogScrubState(db: Queryable, state: { nextLeaf: number; cycles: number }): Promise<void> {
  await db.query('UPDATE log_scrub_state SET next_leaf = $1, cycles = $2, last_run_at = now() WHERE id', [state.nextLeaf, state.cycles]);
}
