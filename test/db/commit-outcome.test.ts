/**
 * The connection to PostgreSQL breaks during COMMIT (issue 13): nobody on this side can tell whether
 * the transaction was kept, so the failure says exactly that ('outcome_unknown') and never "nothing
 * was done" ('unreachable'), which an upload would turn into "Nothing was received". The break is
 * real: another session terminates the transaction's backend just before it commits.
 */
import { Client, type Pool } from 'pg';
import { createPool } from '../../db/pool';
import { createDatabase } from '../../db/repositories';
import { isStoreFailure } from '../../domain/errors';
import { testDatabaseUrl } from '../helpers/databases';

let pool: Pool;
let admin: Client;

beforeAll(async () => {
  const url = await testDatabaseUrl();
  pool = createPool(url, 2);
  admin = new Client({ connectionString: url });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await pool?.end();
});

/** Cuts the connection of the transaction that holds this file's advisory lock (lockBlobHash) in this database. */
async function cutTheTransaction(): Promise<void> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_locks
      WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()
        AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  expect(rows).toHaveLength(1);
  await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
}

const outcomeOf = (work: Promise<unknown>) => work.then(() => null, (err: unknown) => err);

test('a connection cut at COMMIT is an unknown outcome, not "nothing was done"', async () => {
  const database = createDatabase(pool);
  const atCommit = await outcomeOf(
    database.transaction(async (tx) => {
      await tx.media.lockBlobHash('c0'.repeat(32));
      await cutTheTransaction(); // the next thing this transaction sends is COMMIT
    }),
  );
  expect(isStoreFailure(atCommit, 'outcome_unknown')).toBe(true);

  // Cut before COMMIT, at a statement: rolled back for certain, so 'unreachable' stays true.
  const beforeCommit = await outcomeOf(
    database.transaction(async (tx) => {
      await tx.media.lockBlobHash('c1'.repeat(32));
      await cutTheTransaction();
      await tx.media.lockBlobHash('c2'.repeat(32));
    }),
  );
  expect(isStoreFailure(beforeCommit, 'unreachable')).toBe(true);
});
