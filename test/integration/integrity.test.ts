/**
 * The server checks itself (issue 16, item 5), in the test's own database: before signing, a
 * changed subtree hash, a rewrite of the newest leaves and a rollback of the database are each
 * caught, nothing is signed, and admins see the alarm; the scrub finds a changed inner subtree hash
 * and a flipped byte in a stored original, and a download's Digest then says what the bytes are.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { PoolClient } from 'pg';
import { enqueueDueOriginals, scrubLogSpan } from '../../domain/integrity/scrub.service';
import { appendLeaves } from '../../domain/transparency/log.service';
import { signTreeHeadIfGrown } from '../../domain/transparency/signer.service';
import { describeWithFixtures, fixturePath } from '../helpers/fixtures';
import { Client, SUBMISSION_FIELDS, fileFromPath, loggedInClient, uploadSubmission, type UploadFile } from '../helpers/http';
import { freshDatabaseUrl, startSystem, waitFor, type TestSystem } from '../helpers/system';

type Status = { ok: boolean; open_alarms: Record<string, number>; alarms?: { kind: string; subject: string; detail: string }[] };

describeWithFixtures('the server checks itself', () => {
  let system: TestSystem;
  let photo: UploadFile;
  let uploaded: { sha256: string }[] = [];

  beforeAll(async () => {
    photo = await fileFromPath(fixturePath('macos-screenshot_noexif.png'));
    system = await startSystem({
      env: {
        DATABASE_URL: await freshDatabaseUrl('integrity'),
        LOG_ORIGIN: 'svidetel.test/log',
        LOG_STH_INTERVAL_SECONDS: '3600',
        // every check is due again at once: the test drives the schedule itself
        SCRUB_EVERY_HOURS: '0.0001',
      },
    });
  });
  afterAll(async () => system?.stop());

  const upload = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const res = await uploadSubmission(new Client(system.url), SUBMISSION_FIELDS, [photo]);
      expect(res.status).toBe(201);
      uploaded.push(...((await res.json()) as { files: { sha256: string }[] }).files);
    }
  };
  const sign = () => signTreeHeadIfGrown(system.workerCtx, { force: true });
  /** As the owner, with the append-only triggers off: what someone with the database's disk could do. */
  const tamper = async (fn: (db: PoolClient) => Promise<unknown>) => {
    const db = await system.ownerDb.connect();
    try {
      await db.query('BEGIN');
      await db.query('SET LOCAL session_replication_role = replica');
      await fn(db);
      await db.query('COMMIT');
    } finally {
      db.release();
    }
  };
  const subtree = async (level: number, index: number) =>
    (await system.ownerDb.query<{ hash: Buffer }>('SELECT hash FROM tlog_subtrees WHERE level = $1 AND idx = $2', [level, index])).rows[0]!.hash;
  const setSubtree = (level: number, index: number, hash: Buffer) =>
    tamper((db) => db.query('UPDATE tlog_subtrees SET hash = $3 WHERE level = $1 AND idx = $2', [level, index, hash]));
  const flipped = (b: Buffer) => Buffer.concat([Buffer.of(b[0]! ^ 1), b.subarray(1)]);
  const status = async (): Promise<[number, Status]> => {
    const res = await fetch(`${system.url}/healthz/integrity`);
    return [res.status, (await res.json()) as Status];
  };
  const adminReport = async () => (await (await loggedInClient(system.ctx, system.url, 'admin')).fetch('/admin/integrity')).json() as Promise<Status>;

  test('the log scrub recomputes stored subtree hashes from the leaves and reports a changed one', async () => {
    await upload(3);
    expect((await sign())?.tree_size).toBe(3);
    expect(await scrubLogSpan(system.workerCtx)).toBe(3);
    expect(await status()).toEqual([200, expect.objectContaining({ ok: true, open_alarms: {} })]);

    // Leaf 1's own subtree: inside the signed tree, on no path the pre-signing check reads.
    const original = await subtree(0, 1);
    await setSubtree(0, 1, flipped(original));
    await scrubLogSpan(system.workerCtx);
    const [code, body] = await status();
    expect([code, body.open_alarms]).toEqual([503, { log_subtree_mismatch: 1 }]);
    expect((await adminReport()).alarms).toEqual([expect.objectContaining({ kind: 'log_subtree_mismatch', subject: 'subtree 0/1' })]);
    await setSubtree(0, 1, original);
    await system.ownerDb.query("UPDATE integrity_alarms SET resolved_at = now() WHERE kind = 'log_subtree_mismatch'");
  });

  test('a subtree hash altered in the database: the worker refuses to sign, raises an alarm, and signs once it is right again', async () => {
    await upload(2);
    const original = await subtree(2, 0); // leaves 0…3: part of the new root of size 5, not of the signed tree of size 3
    await setSubtree(2, 0, flipped(original));
    await expect(sign()).rejects.toThrow(/not signing: the stored subtree hashes give root .* for size 5, the leaves give/);
    expect((await system.ownerDb.query('SELECT count(*)::int AS n FROM tlog_sths WHERE tree_size = 5')).rows[0].n).toBe(0);
    expect(await status()).toEqual([503, expect.objectContaining({ ok: false, open_alarms: { log_signing_refused: 1 } })]);
    expect((await adminReport()).alarms).toEqual([expect.objectContaining({ kind: 'log_signing_refused', subject: 'svidetel.test/log', detail: expect.stringContaining('a subtree hash was changed') })]);

    await setSubtree(2, 0, original);
    expect((await sign())?.tree_size).toBe(5);
    expect(await status()).toEqual([200, expect.objectContaining({ ok: true, open_alarms: {} })]);
  });

  test('a rewrite of the newest signed leaves (same size, consistent subtrees) is caught when the log next grows', async () => {
    // Leaves 3 and 4 replaced by others, their subtrees recomputed, the head of size 5 left in place.
    await tamper(async (db) => {
      await db.query('DELETE FROM tlog_media_leaves WHERE leaf_index >= 3');
      await db.query('DELETE FROM tlog_leaves WHERE leaf_index >= 3');
      await db.query('DELETE FROM tlog_subtrees WHERE (idx + 1) * (1::bigint << level) > 3');
      await db.query('UPDATE tlog_state SET size = 3');
    });
    const other = (i: number) => ({ sha256: createHash('sha256').update(`other ${i}`).digest(), size: 1000 + i, receivedAt: Date.UTC(2024, 0, 1) });
    await system.ctx.transaction((tx) => appendLeaves(tx, [other(1), other(2)]));
    expect(await sign()).toBeNull(); // the same size as the latest head: nothing to sign
    await upload(1);
    await expect(sign()).rejects.toThrow(/not signing: the stored subtree hashes of the signed tree of size 5 do not give its signed root/);
    expect((await status())[1].open_alarms).toEqual({ log_signing_refused: 1 });
  });

  test('a rollback of the database (heads and leaves gone back to an earlier size) is caught by the signer’s own memory', async () => {
    await tamper(async (db) => {
      await db.query('DELETE FROM tlog_sths WHERE tree_size > 3');
      await db.query('DELETE FROM tlog_media_leaves WHERE leaf_index >= 3');
      await db.query('DELETE FROM tlog_leaves WHERE leaf_index >= 3');
      await db.query('DELETE FROM tlog_subtrees WHERE (idx + 1) * (1::bigint << level) > 3');
      await db.query('UPDATE tlog_state SET size = 3');
    });
    await upload(2);
    await expect(sign()).rejects.toThrow(/not signing: the database's log is not the one this signer signed: it signed size 5 .* has no head of that size and its latest head is of size 3/);
    const memory = path.join(system.storageDir, 'keys', 'log-ed25519.pem.checkpoint');
    expect((await fs.readFile(memory, 'utf8')).split('\n').slice(0, 2)).toEqual(['svidetel.test/log', '5']);
  });

  test('the scrub finds a flipped byte in a stored original; the download’s Digest then says what the bytes are', async () => {
    const sha256 = uploaded[0]!.sha256;
    const { id } = (await system.ownerDb.query<{ id: string }>("SELECT id FROM media_files WHERE sha256 = decode($1, 'hex') LIMIT 1", [sha256])).rows[0]!;
    const moderator = await loggedInClient(system.ctx, system.url);
    const digestOf = async () => {
      const res = await moderator.fetch(`/moderation/files/${id}/original`);
      const bytes = Buffer.from(await res.arrayBuffer());
      return { digest: res.headers.get('digest'), bytes };
    };
    const b64 = (hex: string) => `sha-256=${Buffer.from(hex, 'hex').toString('base64')}`;
    expect((await digestOf()).digest).toBe(b64(sha256));

    const stored = path.join(system.storageDir, 'originals', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
    await fs.chmod(stored, 0o644); // originals are stored read-only
    await fs.writeFile(stored, flipped(await fs.readFile(stored)));
    await fs.chmod(stored, 0o444);
    const changedSha = createHash('sha256').update(await fs.readFile(stored)).digest('hex');

    // Due again once SCRUB_EVERY_HOURS (here 0.36 s) has passed since the download hashed it.
    await waitFor(() => enqueueDueOriginals(system.workerCtx), 10_000, 'the original to be due for a check');
    const alarm = await waitFor(async () => (await adminReport()).alarms?.find((a) => a.kind === 'original_mismatch'), 30_000, 'the scrub job');
    expect(alarm).toEqual(expect.objectContaining({ subject: sha256, detail: expect.stringContaining(`now hashes to ${changedSha}`) }));
    expect((await status())[1].open_alarms).toEqual(expect.objectContaining({ original_mismatch: 1 }));
    const after = await digestOf();
    expect(after.digest).toBe(b64(changedSha));
    expect(after.digest).toBe(b64(createHash('sha256').update(after.bytes).digest('hex')));
  });
});
