/**
 * The live queue's counts by flag (db/migrations/019_live_queue.sql) stay what a count over the
 * submissions would say, through new entries, flags set and changed (twice in one transaction),
 * status changes and an entry deleted.
 */
import type { Pool } from 'pg';
import { createPool } from '../../db/pool';
import * as accounts from '../../db/accounts.repo';
import * as submissions from '../../db/submissions.repo';
import { testDatabaseUrl } from '../helpers/databases';

let pool: Pool;
beforeAll(async () => {
  pool = createPool(await testDatabaseUrl(), 2);
});
afterAll(async () => {
  await pool?.end();
});

const counted = async () =>
  (await pool.query<{ status: string; flag: string; n: number }>('SELECT status, flag, n::int AS n FROM submission_flag_counts WHERE n > 0 ORDER BY 1, 2')).rows;
const truth = async () =>
  (await pool.query<{ status: string; flag: string; n: number }>(
    'SELECT s.status, f AS flag, count(*)::int AS n FROM submissions s CROSS JOIN unnest(s.file_flags) f GROUP BY 1, 2 ORDER BY 1, 2',
  )).rows;

test('counts by status and flag follow every change', async () => {
  const entry = async () =>
    (await submissions.insertSubmission(pool, { electionId: 1, region: 'Москва', stationNumber: '1', categoryCode: 'ballot_stuffing', description: 'flag counts', happenedAt: null, reporterRole: null, complaintStatus: null }))!;
  const [a, b, c] = [await entry(), await entry(), await entry()];
  const moderator = await accounts.insertAccount(pool, { email: `flags-${a.id.slice(0, 8)}@example.org`, role: 'moderator', passwordHash: null });
  await pool.query(`UPDATE submissions SET file_flags = CASE id WHEN $1 THEN '{edited,no_metadata}'::text[] WHEN $2 THEN '{edited}'::text[] ELSE '{}'::text[] END WHERE id IN ($1, $2, $3)`, [a.id, b.id, c.id]);
  expect(await counted()).toEqual(await truth());
  const pending = await submissions.countFlagsOfStatus(pool, 'pending');
  expect([pending.edited, pending.no_metadata]).toEqual([2, 1]);

  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`UPDATE submissions SET file_flags = '{no_metadata}' WHERE id = $1`, [b.id]);
    await client.query(`UPDATE submissions SET file_flags = '{}' WHERE id = $1`, [b.id]);
    const decision = await submissions.insertDecision(client, {
      submissionId: a.id, accountId: moderator.id, action: 'needs_info', reason: 'which station?', reasonCode: null, checklist: null, publicChoices: null, mergedInto: null,
    });
    expect(decision.id).toBeTruthy();
    await submissions.changeStatus(client, a.id, { status: 'needs_info' });
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  expect(await counted()).toEqual(await truth());
  expect(await submissions.countFlagsOfStatus(pool, 'needs_info')).toMatchObject({ edited: 1, no_metadata: 1 });
  // the live queue reads the same counts in one statement
  const live = await submissions.liveQueueSnapshot(pool, 'needs_info');
  expect(live.flags).toEqual(await submissions.countFlagsOfStatus(pool, 'needs_info'));
  expect(live.counts).toEqual(await submissions.countByStatus(pool));
  expect(live.claims).toEqual({ n: 0, latest: null });
  expect(live.backlog.unfinished).toBe(0);

  await pool.query('DELETE FROM submissions WHERE id = $1', [c.id]).catch(() => undefined); // the app may not delete: then nothing changed
  expect(await counted()).toEqual(await truth());
});
