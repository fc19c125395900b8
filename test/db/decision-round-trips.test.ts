/**
 * A decision on PostgreSQL in as few round trips as it needs (issue 18: decision → next under
 * 150 ms at load): BEGIN, the entry with its claim and the audit head locked in one statement, the
 * decision, status, claim and audit row in one more, COMMIT. What it leaves is what ten statements
 * left: the decision, the new status and version, no claim, and an audit chain that verifies.
 */
import type { Pool, PoolClient } from 'pg';
import { createPool } from '../../db/pool';
import { createDatabase } from '../../db/repositories';
import * as accounts from '../../db/accounts.repo';
import * as submissions from '../../db/submissions.repo';
import * as claims from '../../db/claims.repo';
import type { SessionUser } from '../../domain/accounts/model';
import { appendAudit, verifyAuditChain } from '../../domain/audit/audit.service';
import { AppError } from '../../domain/errors';
import { decide } from '../../domain/moderation/moderation.service';
import { fakeContext } from '../fakes/context';
import { testDatabaseUrl } from '../helpers/databases';

let pool: Pool;
/** Statements sent by the pool's clients since the last reset (each one a round trip). */
let statements: string[] = [];
beforeAll(async () => {
  pool = createPool(await testDatabaseUrl(), 2);
  pool.on('connect', (client: PoolClient) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
      statements.push(String(text).trim().split(/\s+/).slice(0, 2).join(' '));
      return query(...args);
    };
  });
});
afterAll(async () => {
  await pool?.end();
});

async function setUp(label: string) {
  const entry = async () =>
    (await submissions.insertSubmission(pool, { electionId: 1, region: 'Москва', stationNumber: '7', categoryCode: 'ballot_stuffing', description: `round trips ${label}`, happenedAt: null, reporterRole: null, complaintStatus: null }))!;
  const [a, b] = [await entry(), await entry()];
  const account = await accounts.insertAccount(pool, { email: `trips-${label}-${a.id.slice(0, 8)}@example.org`, role: 'moderator', passwordHash: null });
  const user: SessionUser = { accountId: account.id, email: account.email, role: 'moderator', csrfToken: 'unused', needsTotpSetup: false };
  const database = createDatabase(pool);
  const ctx = fakeContext({ ...database, tables: {}, rollbacks: 0, commits: 0, inTransaction: false });
  return { a, b, user, ctx };
}

const stateOf = async (id: string) =>
  (await pool.query<{ status: string; version: number; claims: number; decisions: number }>(
    `SELECT s.status, s.version, (SELECT count(*)::int FROM claims WHERE submission_id = s.id) AS claims,
            (SELECT count(*)::int FROM decisions WHERE submission_id = s.id) AS decisions FROM submissions s WHERE s.id = $1`,
    [id],
  )).rows[0]!;

test('a rejection: four round trips, and the decision, status, released claim and audit row are all there', async () => {
  const { a, user, ctx } = await setUp('reject');
  await claims.claim(pool, a.id, user.accountId, 60_000);
  const before = await stateOf(a.id);
  statements = [];
  const row = await decide(ctx, a.id, user, { version: before.version, action: 'reject', reasonCode: 'not_evidence', reason: 'a screenshot' });
  expect(statements).toEqual(['BEGIN', 'SELECT s.status,', 'WITH decision', 'COMMIT']);
  expect(await stateOf(a.id)).toEqual({ status: 'rejected', version: before.version + 1, claims: 0, decisions: 1 });
  const audit = await pool.query<{ action: string; after: { decision_id: string } }>(`SELECT action, after FROM audit_log WHERE entity_id = $1`, [a.id]);
  expect(audit.rows).toEqual([{ action: 'submission.reject', after: expect.objectContaining({ decision_id: row.id, status: 'rejected' }) }]);
  expect(await verifyAuditChain(ctx.repos)).toMatchObject({ ok: true });
});

test('a refused decision (stale form) changes nothing and leaves the audit head as it was', async () => {
  const { a, user, ctx } = await setUp('stale');
  const before = await stateOf(a.id);
  const head = (await pool.query<{ seq: string }>('SELECT seq FROM audit_head')).rows[0]!.seq;
  const err = await decide(ctx, a.id, user, { version: before.version - 1, action: 'needs_info', reason: 'which station?' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('stale_form');
  expect(await stateOf(a.id)).toEqual(before);
  expect((await pool.query<{ seq: string }>('SELECT seq FROM audit_head')).rows[0]!.seq).toBe(head);
});

test('a merge locks its target before the audit head: one statement more, the same result', async () => {
  const { a, b, user, ctx } = await setUp('merge');
  const before = await stateOf(a.id);
  statements = [];
  await decide(ctx, a.id, user, { version: before.version, action: 'merge', into: b.id, reason: 'the same event' });
  expect(statements).toEqual(['BEGIN', 'SELECT s.status,', 'SELECT status,', 'SELECT seq::float8', 'WITH decision', 'COMMIT']);
  expect(await stateOf(a.id)).toMatchObject({ status: 'merged', decisions: 1 });
  expect((await pool.query('SELECT merged_into_id FROM submissions WHERE id = $1', [a.id])).rows[0]).toEqual({ merged_into_id: b.id });
  expect(await verifyAuditChain(ctx.repos)).toMatchObject({ ok: true });
});

test('an audit row is appended with its head moved in one statement; the chain still verifies', async () => {
  const { a, user, ctx } = await setUp('audit');
  statements = [];
  await ctx.transaction((tx) => appendAudit(tx, { accountId: user.accountId, email: user.email }, { action: 'submission.note', entityType: 'submission', entityId: a.id }));
  expect(statements).toEqual(['BEGIN', 'SELECT seq::float8', 'WITH appended', 'COMMIT']);
  expect(await verifyAuditChain(ctx.repos)).toMatchObject({ ok: true });
});

test("opening an entry claims it in one statement: started once, renewed after, another's live claim comes back as theirs", async () => {
  const { a, user } = await setUp('claim');
  const other = await accounts.insertAccount(pool, { email: `trips-other-${a.id.slice(0, 8)}@example.org`, role: 'moderator', passwordHash: null });
  const first = await claims.claim(pool, a.id, user.accountId, 60_000);
  expect(first).toMatchObject({ started: true, claim: { submission_id: a.id, account_id: user.accountId, account_email: user.email } });
  const again = await claims.claim(pool, a.id, user.accountId, 60_000);
  expect(again).toMatchObject({ started: false, claim: { account_id: user.accountId, claimed_at: first!.claim.claimed_at } });
  const theirs = await claims.claim(pool, a.id, other.id, 60_000);
  expect(theirs).toMatchObject({ started: false, claim: { account_id: user.accountId, account_email: user.email } });
  await pool.query(`UPDATE claims SET claimed_at = now() - interval '1 hour', expires_at = now() - interval '1 second' WHERE submission_id = $1`, [a.id]);
  expect(await claims.claim(pool, a.id, other.id, 60_000)).toMatchObject({ started: true, claim: { account_id: other.id, account_email: other.email } });
});
