import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MIGRATIONS_DIR } from '../../db/migrate';
import type { S3Bucket } from '../../domain/config';
import { replicationStatus } from '../../domain/replication/replication.service';
import { restoreFromReplicas } from '../../domain/replication/restore.service';
import { verifySthJson, type SthJson } from '../../domain/transparency/checkpoint';
import { publicKey } from '../../domain/transparency/log.service';
import { signTreeHeadIfGrown } from '../../domain/transparency/signer.service';
import { describeWithFixtures, fixturePath, loadExpected } from '../helpers/fixtures';
import { Client, SUBMISSION_FIELDS, fileFromPath, loggedInClient, uploadSubmission } from '../helpers/http';
import { createTestBucket, removeTestBucket, s3ReplicaEnv, s3StorageEnv, testBucket } from '../helpers/s3';
import { startSystem, waitFor, type TestSystem } from '../helpers/system';

/**
 * Off-site replicas on a real Ceph RGW (each bucket standing for a store in another jurisdiction):
 * the worker copies every original and its derivatives to every replica, and records a copy only when
 * it hashes right; a replica that is down when the file arrives catches up by itself once it is back.
 */
const photo = loadExpected().filter((e) => e.mime === 'image/jpeg').sort((a, b) => a.bytes - b.bytes)[0]!;

describeWithFixtures('replication to off-site stores', () => {
  let primary: S3Bucket & { client: S3Client };
  let replicaA: S3Bucket & { client: S3Client };
  let replicaB: S3Bucket & { client: S3Client };
  let system: TestSystem;

  const confirmed = async (replica: string) =>
    (await system.ownerDb.query<{ sha256: string }>(`SELECT encode(sha256, 'hex') AS sha256 FROM replica_copies WHERE replica = $1`, [replica])).rows.map((r) => r.sha256);

  const storedDerivatives = async (key: string) =>
    (
      await system.ownerDb.query<{ name: string; sha256: string }>(
        `SELECT name, encode(sha256, 'hex') AS sha256 FROM stored_derivatives WHERE key = decode($1, 'hex')`,
        [key],
      )
    ).rows;
  const derivativesOn = async (replica: string) =>
    (
      await system.ownerDb.query<{ copy: string }>(`SELECT name || ':' || encode(sha256, 'hex') AS copy FROM replica_derivative_copies WHERE replica = $1`, [replica])
    ).rows.map((r) => r.copy);

  beforeAll(async () => {
    primary = await createTestBucket('primary');
    replicaA = await createTestBucket('offsite-a');
    // Replica B is "down": its bucket does not exist until the test brings it back.
    const bName = `offsite-b-${process.pid}-${Date.now()}`;
    replicaB = { ...(await testBucket(bName)), client: replicaA.client };
    system = await startSystem({
      env: {
        ...s3StorageEnv(primary),
        ...s3ReplicaEnv(1, 'offsite-a', replicaA),
        ...s3ReplicaEnv(2, 'offsite-b', replicaB),
        SWEEP_INTERVAL_SECONDS: '1',
        JOB_ATTEMPTS: '1', // a failed copy is dropped at once; the next sweep owes it again
      },
    });
  }, 180_000);
  afterAll(async () => {
    await system?.stop();
    for (const bucket of [primary, replicaA, replicaB]) if (bucket) await removeTestBucket({ ...bucket, client: bucket.client }).catch(() => undefined);
  });

  test('every original reaches every replica, checked by its SHA-256; a replica that was down catches up', async () => {
    const res = await uploadSubmission(new Client(system.url), SUBMISSION_FIELDS, [await fileFromPath(fixturePath(photo.file))]);
    expect(res.status).toBe(201);

    await waitFor(async () => (await confirmed('offsite-a')).includes(photo.sha256), 60_000, 'the copy on replica A');
    const copy = await replicaA.client.send(
      new GetObjectCommand({ Bucket: replicaA.bucket, Key: `originals/${photo.sha256.slice(0, 2)}/${photo.sha256.slice(2, 4)}/${photo.sha256}` }),
    );
    expect(createHash('sha256').update(await copy.Body!.transformToByteArray()).digest('hex')).toBe(photo.sha256);

    // Its copies (thumbnail, preview) follow, each checked by the SHA-256 recorded when it was stored.
    await waitFor(async () => (await derivativesOn('offsite-a')).length >= 2, 60_000, 'the thumbnail and preview on replica A');
    const recorded = await storedDerivatives(photo.sha256);
    expect(recorded.map((d) => d.name).sort()).toEqual(['preview', 'thumb']);
    expect((await derivativesOn('offsite-a')).sort()).toEqual(recorded.map((d) => `${d.name}:${d.sha256}`).sort());
    for (const d of recorded) {
      const object = await replicaA.client.send(new GetObjectCommand({ Bucket: replicaA.bucket, Key: `derived/${photo.sha256.slice(0, 2)}/${photo.sha256}/${d.name}.jpg` }));
      expect(createHash('sha256').update(await object.Body!.transformToByteArray()).digest('hex')).toBe(d.sha256);
    }

    // B is still down: nothing is recorded for it, and the status says what it lacks and since when.
    expect(await confirmed('offsite-b')).toEqual([]);
    const { replicas: lagging } = await replicationStatus(system.ctx);
    expect(lagging.map((r) => [r.replica, r.missing, r.derivativesMissing])).toEqual([
      ['offsite-a', 0, 0],
      ['offsite-b', 1, 2],
    ]);
    expect(lagging[1]!.oldestMissingSince).toBeInstanceOf(Date);
    expect(lagging[0]!.lastConfirmedAt).toBeInstanceOf(Date);

    // The log's public data follows each signed head: the checkpoint on the replica verifies with the log's key.
    await signTreeHeadIfGrown(system.workerCtx, { force: true });
    const size = (await system.ctx.repos.transparency.getSth())!.treeSize;
    await waitFor(async () => (await replicationStatus(system.ctx)).replicas[0]!.logTreeSize >= size, 60_000, 'the log copy on replica A');
    const checkpoint = await replicaA.client.send(new GetObjectCommand({ Bucket: replicaA.bucket, Key: `log-copies/checkpoints/${String(size).padStart(12, '0')}.json` }));
    const sth = JSON.parse(await checkpoint.Body!.transformToString()) as SthJson;
    expect(verifySthJson(sth, (await publicKey(system.ctx)).vkey).treeSize).toBe(size);
    const leaves = await replicaA.client.send(new GetObjectCommand({ Bucket: replicaA.bucket, Key: 'log-copies/leaves/000000000000.json' }));
    expect((JSON.parse(await leaves.Body!.transformToString()) as { leaves: unknown[] }).leaves).toHaveLength(size);

    // Admins see the lag: B lacks the original and the log.
    const admin = await loggedInClient(system.ctx, system.url, 'admin');
    const page = await (await admin.fetch('/admin/replication')).text();
    expect(page).toMatch(/data-replica="offsite-b">\s*<td><code>offsite-b<\/code><\/td>\s*<td>1<\/td>/);
    expect(page).toContain(`0 / ${size}`);
    expect(page).toMatch(/data-replica="offsite-b">[\s\S]*?<td class="derivatives">2<\/td>/);
    // Moderators see it too, beside their queue (not the admin section).
    const moderator = await loggedInClient(system.ctx, system.url, 'moderator');
    expect(await (await moderator.fetch('/moderation')).text()).toContain('href="/moderation/replication"');
    const modPage = await (await moderator.fetch('/moderation/replication')).text();
    expect(modPage).toMatch(/data-replica="offsite-b">\s*<td><code>offsite-b<\/code><\/td>\s*<td>1<\/td>/);
    expect(modPage).not.toContain('href="/admin/accounts"');
    expect((await moderator.fetch('/admin/replication')).status).toBe(403);

    await replicaB.client.send(new CreateBucketCommand({ Bucket: replicaB.bucket }));
    await waitFor(async () => (await confirmed('offsite-b')).includes(photo.sha256), 60_000, 'replica B to catch up');
    await waitFor(async () => (await replicationStatus(system.ctx)).replicas[1]!.logTreeSize >= size, 60_000, 'replica B to catch up on the log');
    await waitFor(async () => (await derivativesOn('offsite-b')).length >= 2, 60_000, 'replica B to catch up on the derivatives');
    expect((await replicationStatus(system.ctx)).replicas.map((r) => [r.missing, r.derivativesMissing])).toEqual([
      [0, 0],
      [0, 0],
    ]);
  }, 150_000);

  test('a restore finds a replica lacking an original it was recorded as holding: the copy is taken from the other, and the sweep sends it again', async () => {
    // Both replicas hold the photo (the first test). Then the primary loses it, and so does replica A
    // (asked first): the database still records A's copy.
    const key = `originals/${photo.sha256.slice(0, 2)}/${photo.sha256.slice(2, 4)}/${photo.sha256}`;
    expect((await confirmed('offsite-a')).sort()).toEqual((await confirmed('offsite-b')).sort());
    expect(await confirmed('offsite-a')).toContain(photo.sha256);
    const confirmedAt = async () =>
      (await system.ownerDb.query<{ at: Date }>(`SELECT confirmed_at AS at FROM replica_copies WHERE replica = 'offsite-a' AND sha256 = decode($1, 'hex')`, [photo.sha256])).rows[0]?.at;
    const firstConfirmed = (await confirmedAt())!;
    await primary.client.send(new DeleteObjectCommand({ Bucket: primary.bucket, Key: key }));
    await replicaA.client.send(new DeleteObjectCommand({ Bucket: replicaA.bucket, Key: key }));
    // Its thumbnail is lost from the primary and from replica B (asked second: it is copied from A).
    const thumbKey = `derived/${photo.sha256.slice(0, 2)}/${photo.sha256}/thumb.jpg`;
    await primary.client.send(new DeleteObjectCommand({ Bucket: primary.bucket, Key: thumbKey }));
    await replicaB.client.send(new DeleteObjectCommand({ Bucket: replicaB.bucket, Key: thumbKey }));
    const thumbOnB = async () =>
      (await system.ownerDb.query<{ at: Date }>(`SELECT confirmed_at AS at FROM replica_derivative_copies WHERE replica = 'offsite-b' AND key = decode($1, 'hex') AND name = 'thumb'`, [photo.sha256])).rows[0]?.at;
    const thumbFirstOnB = (await thumbOnB())!;

    const report = await restoreFromReplicas(system.workerCtx);
    expect(report).toMatchObject({ copied: 1, lost: [], replicaCopiesForgotten: 1, derivatives: { copied: 1, lost: [] } });
    // The primary holds it again, from B, byte for byte.
    const back = await primary.client.send(new GetObjectCommand({ Bucket: primary.bucket, Key: key }));
    expect(createHash('sha256').update(await back.Body!.transformToByteArray()).digest('hex')).toBe(photo.sha256);
    // A no longer counts as holding it (B still does), and the running worker's sweep sends it to A again, checked.
    expect(await confirmed('offsite-b')).toContain(photo.sha256);
    await waitFor(async () => (await confirmed('offsite-a')).includes(photo.sha256), 60_000, 'the copy owed to replica A again');
    expect((await confirmedAt())!.getTime()).toBeGreaterThan(firstConfirmed.getTime());
    const again = await replicaA.client.send(new GetObjectCommand({ Bucket: replicaA.bucket, Key: key }));
    expect(createHash('sha256').update(await again.Body!.transformToByteArray()).digest('hex')).toBe(photo.sha256);
    expect((await replicationStatus(system.ctx)).replicas.map((r) => r.missing)).toEqual([0, 0]);
    // The thumbnail is back in the primary, and B, found lacking it, is sent it again.
    const recordedThumb = (await storedDerivatives(photo.sha256)).find((d) => d.name === 'thumb')!;
    const thumb = await primary.client.send(new GetObjectCommand({ Bucket: primary.bucket, Key: thumbKey }));
    expect(createHash('sha256').update(await thumb.Body!.transformToByteArray()).digest('hex')).toBe(recordedThumb.sha256);
    await waitFor(async () => ((await thumbOnB())?.getTime() ?? 0) > thumbFirstOnB.getTime(), 60_000, 'the thumbnail owed to replica B again');
    const thumbB = await replicaB.client.send(new GetObjectCommand({ Bucket: replicaB.bucket, Key: thumbKey }));
    expect(createHash('sha256').update(await thumbB.Body!.transformToByteArray()).digest('hex')).toBe(recordedThumb.sha256);
  }, 120_000);

  test("migration 023's back-fill finds the copies the database already knew of (their hashes), as the worker records them", async () => {
    // One connection: the rows are removed and back-filled in a transaction that is rolled back.
    const db = await system.ownerDb.connect();
    const recordedNow = async () =>
      (await db.query<{ row: string }>(`SELECT encode(key, 'hex') || '/' || name || ':' || encode(sha256, 'hex') AS row FROM stored_derivatives ORDER BY 1`)).rows.map((r) => r.row);
    const sql = await fs.readFile(path.join(MIGRATIONS_DIR, '023_stored_derivatives.sql'), 'utf8');
    const backFill = sql.slice(sql.indexOf('-- Back-fill'));
    await db.query('BEGIN');
    try {
      const before = await recordedNow();
      expect(before.length).toBeGreaterThanOrEqual(2);
      await db.query('DELETE FROM replica_derivative_copies; DELETE FROM stored_derivatives');
      expect(await recordedNow()).toEqual([]);
      await db.query(backFill);
      expect(await recordedNow()).toEqual(before);
    } finally {
      await db.query('ROLLBACK');
      db.release();
    }
  });
});
