import { Client as PgClient } from 'pg';
import { createHash } from 'node:crypto';
import { APP_ROLE } from '../../db/roles';
import type { ProofBundle, Receipt } from '../../domain/transparency/receipt';
import { verifyReceiptFile } from '../../domain/transparency/verify';
import { startFaultSystem, uniquePhoto, type FaultSystem } from '../helpers/fault-system';
import { Client, SUBMISSION_FIELDS, uploadSubmission } from '../helpers/http';
import { waitFor } from '../helpers/system';

/**
 * PostgreSQL going away in the moment after an upload's transaction committed: the files are in the
 * archive and in the log, so the observer's answer is 201, and its log receipt must be whole and
 * verify once a head covers the leaf. Before, the API read the log key and its promise delegation
 * again after the commit: that read failed, and the observer got a receipt with no log part (one
 * in 400 in bench:noon, whose PostgreSQL restarts under load).
 */
describe('a PostgreSQL restart just after an upload committed', () => {
  let system: FaultSystem;

  beforeAll(async () => {
    system = await startFaultSystem({ env: { LOG_STH_INTERVAL_SECONDS: '1' } });
  });
  afterAll(async () => {
    await system?.close();
  });

  const proofOf = async (leafHash: string) => {
    const res = await fetch(`${system.url}/api/v1/log/proof/bundle?leaf_hash=${leafHash}`);
    return res.ok ? ((await res.json()) as ProofBundle) : null;
  };

  test('the answer still carries a log receipt, and it verifies once a head covers the file', async () => {
    const owner = () => system.ownerDb;
    // The worker has published the log key and vouched for this API's promise key.
    await waitFor(async () => (await owner().query('SELECT 1 FROM tlog_promise_delegations WHERE vkey = $1', [system.ctx.promiseSigner.vkey])).rowCount, 60_000, 'the promise delegation');
    const client = new Client(system.url);
    await client.page('/');
    const first = await uploadSubmission(client, SUBMISSION_FIELDS, [{ name: 'before.jpg', data: await uniquePhoto() }]);
    expect(first.status).toBe(201);
    expect(((await first.json()) as { log_receipt: Receipt | null }).log_receipt).not.toBeNull();

    // Anything that reads the delegations waits behind this lock; the upload's own transaction does not.
    const locker = new PgClient({ connectionString: system.pg.url('svidetel') });
    locker.on('error', () => undefined); // cut by the stop below, as intended
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE tlog_promise_delegations IN ACCESS EXCLUSIVE MODE');

    const data = await uniquePhoto();
    let answered = false;
    const answer = uploadSubmission(client, SUBMISSION_FIELDS, [{ name: 'after.jpg', data }]).finally(() => (answered = true));
    const lockWaits = async () => {
      const { rows } = await owner().query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE usename = $1 AND wait_event_type = 'Lock' AND query LIKE '%tlog_promise_delegations%'`,
        [APP_ROLE], // the API's sessions; the worker's signer reads the delegations too
      );
      return Number(rows[0]!.n) > 0;
    };
    // Either answered at once, or committed and reading the delegations again: then PostgreSQL goes away.
    const then = await waitFor(async () => (answered ? 'answered' : (await lockWaits()) ? 'read after the commit' : null), 60_000, 'the answer or a read behind the lock');
    if (then !== 'answered') {
      await system.pg.stop();
      await system.pg.start();
    }
    const res = await answer;
    expect(res.status).toBe(201);
    const body = (await res.json()) as { log_receipt: Receipt | null; files: { sha256: string }[] };
    expect(body.files[0]!.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(body.log_receipt).not.toBeNull();
    // Once the API knows the key and the delegation, a receipt needs no read after the commit at all.
    expect(then).toBe('answered');
    await locker.query('ROLLBACK').catch(() => undefined);

    const file = body.log_receipt!.files[0]!;
    const key = await waitFor(async () => {
      const res = await fetch(`${system.url}/api/v1/log/key`);
      return res.ok ? ((await res.json()) as { vkey: string }).vkey : null;
    }, 60_000, 'the log key after the restart');
    const bundle = await waitFor(() => proofOf(file.leaf_hash), 60_000, 'a signed head over the leaf');
    const verdict = verifyReceiptFile({ file: data, receipt: body.log_receipt!, sth: bundle, key });
    expect([verdict.ok, verdict.verdict]).toEqual([true, expect.stringMatching(/^VERIFIED/)]);
    await locker.end().catch(() => undefined);
  }, 240_000);
});
