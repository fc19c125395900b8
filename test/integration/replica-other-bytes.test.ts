import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { S3Bucket } from '../../domain/config';
import { enqueueDueReplicaChecks, replicationStatus } from '../../domain/replication/replication.service';
import { restoreFromReplicas } from '../../domain/replication/restore.service';
import { describeWithFixtures, fixturePath, loadExpected } from '../helpers/fixtures';
import { Client, SUBMISSION_FIELDS, fileFromPath, loggedInClient, uploadSubmission } from '../helpers/http';
import { createTestBucket, removeTestBucket, s3ReplicaEnv, s3StorageEnv } from '../helpers/s3';
import { startSystem, waitFor, type TestSystem } from '../helpers/system';

/**
 * Replicas that hold other bytes than an original's, on a real Ceph RGW. Replica "locked-rep" has
 * Object Lock, and someone wrote other bytes under the photo's key there before Svidetel's copy
 * (under a GOVERNANCE retention this test can lift to clean up): they cannot be removed, so they stay
 * recorded and an alarm. Replica "open-rep" has no lock: bytes tampered with there are found by the
 * replica verification, removed, and the original is sent again and read back. A restore never takes
 * an original from a copy recorded as other bytes, records those it finds, and checks the replicas'
 * derivative copies even where the primary still has them.
 */
const photo = loadExpected().filter((e) => e.mime === 'image/jpeg').sort((a, b) => a.bytes - b.bytes)[0]!;
const sha256Of = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const originalKey = `originals/${photo.sha256.slice(0, 2)}/${photo.sha256.slice(2, 4)}/${photo.sha256}`;
const forged = Buffer.from('not the photo: written under its key before the replica had a copy');
const tampered = Buffer.from('the replica copy, tampered with');

describeWithFixtures('replicas holding other bytes', () => {
  let primary: S3Bucket & { client: S3Client };
  let locked: S3Bucket & { client: S3Client };
  let open: S3Bucket & { client: S3Client };
  let system: TestSystem;

  const otherBytes = async (replica: string) =>
    (
      await system.ownerDb.query<{ observed: string; write_once: boolean; found_at: Date; last_seen_at: Date }>(
        `SELECT encode(observed_sha256, 'hex') AS observed, write_once, found_at, last_seen_at FROM replica_other_bytes WHERE replica = $1 AND sha256 = decode($2, 'hex')`,
        [replica, photo.sha256],
      )
    ).rows[0];
  const confirmedCopy = async (replica: string) =>
    (
      await system.ownerDb.query<{ confirmed_at: Date; checked_at: Date }>(
        `SELECT confirmed_at, checked_at FROM replica_copies WHERE replica = $1 AND sha256 = decode($2, 'hex')`,
        [replica, photo.sha256],
      )
    ).rows[0];
  const alarm = async (replica: string) =>
    (
      await system.ownerDb.query<{ detail: string; resolved_at: Date | null }>(`SELECT detail, resolved_at FROM integrity_alarms WHERE kind = 'replica_other_bytes' AND subject = $1`, [
        `${replica}/${photo.sha256}`,
      ])
    ).rows[0];
  const firstVersionHash = async (bucket: S3Bucket & { client: S3Client }, key: string) => {
    const versions = (await bucket.client.send(new ListObjectVersionsCommand({ Bucket: bucket.bucket, Prefix: key }))).Versions ?? [];
    const first = versions.filter((v) => v.Key === key).at(-1);
    if (!first) return null;
    const object = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.bucket, Key: key, VersionId: first.VersionId }));
    return sha256Of(await object.Body!.transformToByteArray());
  };
  /** Every version of the key removed: gone for good from a store without a lock. */
  const removeAll = async (bucket: S3Bucket & { client: S3Client }, key: string) => {
    const versions = (await bucket.client.send(new ListObjectVersionsCommand({ Bucket: bucket.bucket, Prefix: key }))).Versions ?? [];
    for (const v of versions) if (v.Key === key) await bucket.client.send(new DeleteObjectCommand({ Bucket: bucket.bucket, Key: key, VersionId: v.VersionId }));
  };
  /** The key's bytes replaced (what is put after removeAll is its first version). */
  const replaceWith = async (bucket: S3Bucket & { client: S3Client }, key: string, data: Buffer) => {
    await removeAll(bucket, key);
    await bucket.client.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: key, Body: data }));
  };

  const thumbKey = `derived/${photo.sha256.slice(0, 2)}/${photo.sha256}/thumb.jpg`;
  const previewKey = `derived/${photo.sha256.slice(0, 2)}/${photo.sha256}/preview.jpg`;
  const derivativeOn = async (replica: string, name: string) =>
    (
      await system.ownerDb.query<{ confirmed_at: Date }>(`SELECT confirmed_at FROM replica_derivative_copies WHERE replica = $1 AND key = decode($2, 'hex') AND name = $3`, [
        replica,
        photo.sha256,
        name,
      ])
    ).rows[0]?.confirmed_at;
  const bytesOf = async (bucket: S3Bucket & { client: S3Client }, key: string) =>
    Buffer.from(await (await bucket.client.send(new GetObjectCommand({ Bucket: bucket.bucket, Key: key }))).Body!.transformToByteArray());
  /** The same number of bytes, one of them changed: what a listing (key and size) cannot tell from the copy. */
  const flipped = (data: Buffer) => {
    const other = Buffer.from(data);
    other[other.length >> 1]! ^= 0xff;
    return other;
  };

  beforeAll(async () => {
    primary = await createTestBucket('primary');
    locked = await createTestBucket('locked-rep', { objectLock: true });
    open = await createTestBucket('open-rep');
    await locked.client.send(
      new PutObjectCommand({ Bucket: locked.bucket, Key: originalKey, Body: forged, ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: new Date(Date.now() + 86_400_000) }),
    );
    system = await startSystem({
      env: {
        ...s3StorageEnv(primary),
        ...s3ReplicaEnv(1, 'locked-rep', locked),
        ...s3ReplicaEnv(2, 'open-rep', open),
        SWEEP_INTERVAL_SECONDS: '1',
        JOB_ATTEMPTS: '1',
      },
    });
  }, 180_000);
  afterAll(async () => {
    await system?.stop();
    for (const bucket of [primary, open]) if (bucket) await removeTestBucket(bucket).catch(() => undefined);
    // The forged version is under GOVERNANCE retention: lifted to remove it (nothing of ours is locked there).
    if (locked) {
      const versions = (await locked.client.send(new ListObjectVersionsCommand({ Bucket: locked.bucket }))).Versions ?? [];
      for (const v of versions) {
        await locked.client.send(new DeleteObjectCommand({ Bucket: locked.bucket, Key: v.Key, VersionId: v.VersionId, BypassGovernanceRetention: true })).catch(() => undefined);
      }
      await removeTestBucket(locked).catch(() => undefined);
    }
  });

  test('other bytes on a write-once replica are recorded, never confirmed, kept, and shown as an alarm to admins and moderators', async () => {
    const res = await uploadSubmission(new Client(system.url), SUBMISSION_FIELDS, [await fileFromPath(fixturePath(photo.file))]);
    expect(res.status).toBe(201);
    await waitFor(async () => (await confirmedCopy('open-rep')) !== undefined, 60_000, 'the copy on open-rep');
    await waitFor(async () => (await otherBytes('locked-rep'))?.write_once === true, 60_000, 'the other bytes on locked-rep found and kept');

    expect(await otherBytes('locked-rep')).toMatchObject({ observed: sha256Of(forged), write_once: true });
    expect(await confirmedCopy('locked-rep')).toBeUndefined();
    // Still there, as the first version: the replica refused to remove them.
    expect(await firstVersionHash(locked, originalKey)).toBe(sha256Of(forged));
    expect(await alarm('locked-rep')).toMatchObject({ resolved_at: null });
    expect((await alarm('locked-rep'))!.detail).toContain(sha256Of(forged));

    const status = await replicationStatus(system.ctx);
    expect(status.replicas.map((r) => [r.replica, r.missing, r.otherBytes])).toEqual([
      ['locked-rep', 1, 1],
      ['open-rep', 0, 0],
    ]);
    expect(status.otherBytes).toMatchObject([{ replica: 'locked-rep', sha256: photo.sha256, observed: sha256Of(forged), writeOnce: true }]);
    // The sweep does not send a copy the replica cannot take: no job keeps failing on it.
    expect((await system.workerCtx.repos.replication.listOwedCopies(['locked-rep'], 10)).map((c) => c.sha256)).not.toContain(photo.sha256);

    const admin = await loggedInClient(system.ctx, system.url, 'admin');
    const page = await (await admin.fetch('/admin/replication')).text();
    expect(page).toContain('id="replica-other-bytes"');
    expect(page).toContain(`Replica locked-rep holds other bytes for file ${photo.sha256} since`);
    expect(page).toContain(sha256Of(forged));
    expect(page).toContain('Object Lock');
    expect(page).toMatch(/data-replica="locked-rep">[\s\S]*?<td class="other-bytes">1<\/td>/);
    const moderator = await loggedInClient(system.ctx, system.url, 'moderator');
    const modPage = await (await moderator.fetch('/moderation/replication', { headers: { 'accept-language': 'ru' } })).text();
    expect(modPage).toContain(`Реплика locked-rep хранит другие байты вместо файла ${photo.sha256} с`);
  }, 150_000);

  test('the replica verification finds bytes tampered with on a replica without a lock: recorded, sent again, read back, confirmed', async () => {
    const before = (await confirmedCopy('open-rep'))!;
    await replaceWith(open, originalKey, tampered);
    // Due: their last read-back is older than SCRUB_EVERY_HOURS (the write-once replica's other bytes too).
    await system.ownerDb.query(`UPDATE replica_copies SET checked_at = now() - interval '1 year' WHERE sha256 = decode($1, 'hex')`, [photo.sha256]);
    await system.ownerDb.query(`UPDATE replica_other_bytes SET last_seen_at = now() - interval '1 year' WHERE sha256 = decode($1, 'hex')`, [photo.sha256]);
    expect(await enqueueDueReplicaChecks(system.workerCtx)).toBe(2);

    await waitFor(async () => (await alarm('open-rep'))?.resolved_at != null, 60_000, 'the tampered copy found and replaced');
    expect((await alarm('open-rep'))!.detail).toContain(sha256Of(tampered));
    expect(await otherBytes('open-rep')).toBeUndefined();
    expect(await firstVersionHash(open, originalKey)).toBe(photo.sha256);
    const after = (await confirmedCopy('open-rep'))!;
    expect(after.checked_at.getTime()).toBeGreaterThan(before.checked_at.getTime());
    // The write-once replica's other bytes were looked at again and are still there, still an alarm.
    // (the finding is recorded first, then marked write-once when the removal is refused: wait for both)
    await waitFor(async () => {
      const found = (await otherBytes('locked-rep'))!;
      return found.last_seen_at.getTime() > Date.now() - 86_400_000 && found.write_once;
    }, 30_000, 'locked-rep looked at again');
    expect(await otherBytes('locked-rep')).toMatchObject({ observed: sha256Of(forged), write_once: true });
    expect(await firstVersionHash(locked, originalKey)).toBe(sha256Of(forged));
    expect((await replicationStatus(system.ctx)).replicas.map((r) => r.otherBytes)).toEqual([1, 0]);
  }, 120_000);

  test('a restore never takes an original from other bytes, records those its check finds, and checks the replicas\u2019 derivative copies the primary still has', async () => {
    await removeAll(primary, originalKey);
    const seen = (await otherBytes('locked-rep'))!.last_seen_at;
    // open-rep loses its thumbnail and holds a preview of another size; the primary still has both.
    await waitFor(async () => (await derivativeOn('open-rep', 'thumb')) !== undefined && (await derivativeOn('open-rep', 'preview')) !== undefined, 60_000, 'the derivatives on open-rep');
    const thumbFirst = (await derivativeOn('open-rep', 'thumb'))!;
    const previewFirst = (await derivativeOn('open-rep', 'preview'))!;
    await open.client.send(new DeleteObjectCommand({ Bucket: open.bucket, Key: thumbKey }));
    await open.client.send(new PutObjectCommand({ Bucket: open.bucket, Key: previewKey, Body: tampered }));

    const report = await restoreFromReplicas(system.workerCtx);
    expect(report).toMatchObject({ copied: 1, lost: [], derivatives: { replicaCopiesForgotten: 2, lost: [] } });
    expect(report.derivatives.present).toBe(report.derivatives.recorded);
    // Taken from open-rep: locked-rep (asked first) was not even read, its finding untouched.
    expect(await firstVersionHash(primary, originalKey)).toBe(photo.sha256);
    expect((await otherBytes('locked-rep'))!.last_seen_at.getTime()).toBe(seen.getTime());
    // The derivatives open-rep was found lacking are sent to it again by the sweep, checked.
    await waitFor(
      async () => ((await derivativeOn('open-rep', 'thumb'))?.getTime() ?? 0) > thumbFirst.getTime() && ((await derivativeOn('open-rep', 'preview'))?.getTime() ?? 0) > previewFirst.getTime(),
      60_000,
      'the derivatives owed to open-rep again',
    );
    const preview = await open.client.send(new GetObjectCommand({ Bucket: open.bucket, Key: previewKey }));
    expect(sha256Of(await preview.Body!.transformToByteArray())).not.toBe(sha256Of(tampered));

    // Had the database not known of locked-rep's other bytes, the restore's check finds them.
    await system.ownerDb.query(`DELETE FROM replica_other_bytes WHERE replica = 'locked-rep'`);
    await removeAll(primary, originalKey);
    const again = await restoreFromReplicas(system.workerCtx);
    expect(again).toMatchObject({ copied: 1, lost: [] });
    expect(await otherBytes('locked-rep')).toMatchObject({ observed: sha256Of(forged) });
    expect(await firstVersionHash(primary, originalKey)).toBe(photo.sha256);
  }, 150_000);

  test('a restore reads back the replicas\u2019 derivative copies: one of the right size but other bytes is forgotten and sent again, whether the primary holds it or the copy is taken from another replica', async () => {
    for (const replica of ['locked-rep', 'open-rep']) {
      await waitFor(async () => (await derivativeOn(replica, 'thumb')) !== undefined && (await derivativeOn(replica, 'preview')) !== undefined, 60_000, `the derivatives on ${replica}`);
    }
    const previewFirst = (await derivativeOn('open-rep', 'preview'))!;
    const thumbFirst = (await derivativeOn('open-rep', 'thumb'))!;
    const preview = await bytesOf(primary, previewKey);
    const thumb = await bytesOf(primary, thumbKey);
    // open-rep: the preview (the primary still has it) and the thumbnail (the primary loses it, and
    // locked-rep, asked first, gives the right one) replaced by bytes of the same size.
    await open.client.send(new PutObjectCommand({ Bucket: open.bucket, Key: previewKey, Body: flipped(preview) }));
    await open.client.send(new PutObjectCommand({ Bucket: open.bucket, Key: thumbKey, Body: flipped(thumb) }));
    await removeAll(primary, thumbKey);

    const report = await restoreFromReplicas(system.workerCtx);
    expect(report.derivatives).toMatchObject({ replicaCopiesForgotten: 1, copied: 1, lost: [] });
    expect(await bytesOf(primary, thumbKey)).toEqual(thumb);
    // Both of open-rep's copies are forgotten (the thumbnail by the copy's comparison), locked-rep's
    // kept. Their confirmations are gone: absent, or already a new one (the sweep runs every second).
    const stillFirst = async (name: string, first: Date) => (await derivativeOn('open-rep', name))?.getTime() === first.getTime();
    expect(await stillFirst('preview', previewFirst)).toBe(false);
    expect(await stillFirst('thumb', thumbFirst)).toBe(false);
    expect(await derivativeOn('locked-rep', 'thumb')).toBeDefined();
    expect(await derivativeOn('locked-rep', 'preview')).toBeDefined();
    // The sweep owes them to open-rep again and sends the recorded bytes, checked.
    await waitFor(
      async () => ((await derivativeOn('open-rep', 'thumb'))?.getTime() ?? 0) > thumbFirst.getTime() && ((await derivativeOn('open-rep', 'preview'))?.getTime() ?? 0) > previewFirst.getTime(),
      60_000,
      'the derivatives owed to open-rep again',
    );
    expect(await bytesOf(open, previewKey)).toEqual(preview);
    expect(await bytesOf(open, thumbKey)).toEqual(thumb);
  }, 150_000);
});
