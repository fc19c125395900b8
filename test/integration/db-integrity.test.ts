/**
 * Issue 11, finding 9: a compromised web process must not be able to rewrite history.
 * - The application's own connections (API and worker pools) run as a role that cannot switch the
 *   append-only triggers off, alter or truncate tables, or change audit rows.
 * - What the observer sent (a submission's words and claims, a processed file's extracted GPS) can
 *   never be changed, not even by the owner.
 * - The audit chain is anchored in the transparency log's signed tree heads: a chain the database
 *   superuser rewrote and recomputed (which the chain check alone accepts) fails audit:verify.
 * The tampering is done with the test's own superuser connection (system.ownerDb). Own database.
 */
import { storeFailureOf } from '../../db/errors';
import { fromStoreFailure } from '../../domain/errors';
import * as auditRepo from '../../db/audit.repo';
import { rowHash, verifyAuditChain, verifyAuditTrail, GENESIS_HASH } from '../../domain/audit/audit.service';
import { signTreeHeadIfGrown } from '../../domain/transparency/signer.service';
import { describeWithFixtures, fixturePath } from '../helpers/fixtures';
import { Client, SUBMISSION_FIELDS, fileFromPath, loggedInClient, uploadSubmission } from '../helpers/http';
import { freshDatabaseUrl, startSystem, waitFor, type TestSystem } from '../helpers/system';
import { publish, withdraw } from './archive-helpers';

describeWithFixtures('history cannot be rewritten from the application', () => {
  let system: TestSystem;
  let submissionId: string;

  beforeAll(async () => {
    system = await startSystem({ env: { DATABASE_URL: await freshDatabaseUrl('integrity'), LOG_STH_INTERVAL_SECONDS: '3600', LOG_ORIGIN: 'svidetel.integrity/log' } });
    const res = await uploadSubmission(new Client(system.url), SUBMISSION_FIELDS, [await fileFromPath(fixturePath('xiaomi-mi-a1_gps_edited.jpg'))]);
    expect(res.status).toBe(201);
    submissionId = ((await res.json()) as { submissionId: string }).submissionId;
    await waitFor(
      async () => (await system.ownerDb.query(`SELECT 1 FROM media_files WHERE submission_id = $1 AND status = 'ready' AND gps_lat IS NOT NULL`, [submissionId])).rowCount,
      60_000,
      'the photo processed with its GPS',
    );
  });
  afterAll(async () => {
    await system?.stop();
  });

  test("the application's role cannot switch the triggers off, alter, truncate or rewrite the audit log", async () => {
    const app = system.ctx.db;
    await loggedInClient(system.ctx, system.url, 'admin'); // some audit rows
    await expect(app.query('SET session_replication_role = replica')).rejects.toThrow(/permission denied/);
    await expect(app.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only')).rejects.toThrow(/must be owner/);
    await expect(app.query('TRUNCATE audit_log CASCADE')).rejects.toThrow(/permission denied/);
    await expect(app.query(`UPDATE audit_log SET actor_label = 'someone else' WHERE seq = 1`)).rejects.toThrow(/permission denied/);
    await expect(app.query('DELETE FROM tlog_sths')).rejects.toThrow(/permission denied/);
    // Signed heads and the log's key are the worker's (svidetel_signer) to write, never the API's.
    await expect(app.query(`INSERT INTO tlog_sths (tree_size, root_hash, signed_at, note) VALUES (999999, '\\x${'00'.repeat(32)}', now(), 'forged')`)).rejects.toThrow(/permission denied/);
    await expect(app.query(`INSERT INTO tlog_public_keys (origin, vkey, public_key_pem) VALUES ('forged.example/log', 'forged', 'forged')`)).rejects.toThrow(/permission denied/);
    const role = (await app.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows[0]!;
    expect(role.rolsuper).toBe(false);
  });

  test("an observer's description or a processed photo's GPS cannot be changed, through the app's pool or by the owner", async () => {
    const attempts = [
      [`UPDATE submissions SET description = 'nothing happened here' WHERE id = $1`, [submissionId]],
      [`UPDATE submissions SET station_number = '1' WHERE id = $1`, [submissionId]],
      [`UPDATE media_files SET gps_lat = 0, gps_lon = 0 WHERE submission_id = $1`, [submissionId]],
      [`DELETE FROM media_files WHERE submission_id = $1`, [submissionId]],
    ] as const;
    for (const [sql, params] of attempts) {
      const err = await system.ctx.db.query(sql, [...params]).then(() => null, (e: unknown) => e);
      expect(err).not.toBeNull();
      if (!sql.startsWith('DELETE')) expect(fromStoreFailure(storeFailureOf(err))).toMatchObject({ status: 409, code: 'original_unchangeable' });
      await expect(system.ownerDb.query(sql, [...params])).rejects.toThrow(/cannot be changed/);
    }
    // The workflow columns stay writable.
    await system.ctx.db.query(`UPDATE media_files SET flags = array_append(flags, 'test_flag') WHERE submission_id = $1`, [submissionId]);
    const row = (await system.ownerDb.query(`SELECT s.description, m.gps_lat FROM submissions s JOIN media_files m ON m.submission_id = s.id WHERE s.id = $1`, [submissionId])).rows[0];
    expect(row.description).toBe(SUBMISSION_FIELDS.description);
    expect(row.gps_lat).not.toBe(0);
  });

  test('what the public sees changes only with a recorded decision: no hidden location made public, no status moved, by the app', async () => {
    const moderator = await loggedInClient(system.ctx, system.url, 'moderator');
    await publish(moderator, submissionId); // location rounded, no device, no original
    const attempts = [
      `UPDATE submissions SET public_location = 'precise' WHERE id = $1`,
      `UPDATE submissions SET original_downloadable = true WHERE id = $1`,
      `UPDATE submissions SET status = 'withdrawn', withdrawn_at = now(), withdrawal_reason = 'quietly' WHERE id = $1`,
    ];
    for (const sql of attempts) {
      const err = await system.ctx.db.query(sql, [submissionId]).then(() => null, (e: unknown) => e);
      expect(fromStoreFailure(storeFailureOf(err))).toMatchObject({ status: 409, code: 'decision_required' });
    }
    const row = (await system.ownerDb.query(`SELECT status, public_location, original_downloadable FROM submissions WHERE id = $1`, [submissionId])).rows[0];
    expect(row).toEqual({ status: 'published', public_location: 'rounded', original_downloadable: false });
    // The moderators' own way still works: a decision, then the change.
    await withdraw(moderator, submissionId, 'withdrawn for the test');
    expect((await system.ownerDb.query(`SELECT status FROM submissions WHERE id = $1`, [submissionId])).rows[0]).toEqual({ status: 'withdrawn' });
  });

  test('an audit chain the superuser rewrote and recomputed after an anchor is caught by audit:verify', async () => {
    await loggedInClient(system.ctx, system.url, 'moderator'); // more audit rows
    await uploadSubmission(new Client(system.url), SUBMISSION_FIELDS, [await fileFromPath(fixturePath('macos-screenshot_noexif.png'))]);
    expect(await signTreeHeadIfGrown(system.workerCtx, { force: true })).not.toBeNull(); // a checkpoint anchors the audit head
    const origin = system.ctx.config.logOrigin;
    const before = await verifyAuditTrail(system.ctx.repos, { origin });
    expect(before.report).toMatchObject({ ok: true });
    expect((before.report as { anchors: number }).anchors).toBeGreaterThanOrEqual(1);

    // As the database superuser could: triggers off, rewrite row 1, recompute every hash and the head.
    const owner = await system.ownerDb.connect();
    try {
      await owner.query('BEGIN');
      await owner.query('SET LOCAL session_replication_role = replica');
      await owner.query(`UPDATE audit_log SET actor_label = 'someone else' WHERE seq = 1`);
      let prev: Buffer = GENESIS_HASH;
      for (const row of await auditRepo.listFrom(owner, 1, 100_000)) {
        const hash = rowHash(prev, row);
        await owner.query('UPDATE audit_log SET prev_hash = $2, hash = $3 WHERE seq = $1', [row.seq, prev, hash]);
        prev = hash;
      }
      await owner.query('UPDATE audit_head SET hash = $1', [prev]);
      await owner.query('COMMIT');
    } finally {
      owner.release();
    }

    expect(await verifyAuditChain(system.ctx.repos)).toMatchObject({ ok: true }); // the chain alone is fooled
    const after = await verifyAuditTrail(system.ctx.repos, { origin });
    expect(after.report.ok).toBe(false); // named at the first anchored row after the rewrite
    expect((after.report as { problem: string }).problem).toContain('anchored in the signed tree head');
  });
});
