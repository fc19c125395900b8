import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { buffer } from 'node:stream/consumers';
import type { DerivativeName } from '../../domain/media/derivatives';
import { Client as PgClient } from 'pg';
import type { S3Bucket } from '../../domain/config';
import { verifyAuditLog } from '../../domain/audit/audit.service';
import { checkConsistency, mismatchCount } from '../../domain/integrity/consistency.service';
import { replicationStatus } from '../../domain/replication/replication.service';
import type { RestoreReport } from '../../domain/replication/restore.service';
import type { ProofBundle, Receipt } from '../../domain/transparency/receipt';
import { verifyReceiptFile } from '../../domain/transparency/verify';
import { signTreeHeadIfGrown } from '../../domain/transparency/signer.service';
import { uniquePhoto } from '../helpers/fault-system';
import { Client, SUBMISSION_FIELDS, loggedInClient, uploadSubmission } from '../helpers/http';
import { ALL_CHECKS, decideFromPage } from '../helpers/moderation';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-services';
import { createTestBucket, removeTestBucket, s3ReplicaEnv, s3StorageEnv } from '../helpers/s3';
import { typescriptScript } from '../helpers/scripts';
import { processedFiles, startSystem, waitFor, type TestSystem } from '../helpers/system';

/**
 * The restore drill (issue 15): the system runs on S3 with an off-site replica and pgBackRest
 * archiving WAL; after a backup, one more head is signed and published to the replica; then the
 * database cluster, the local disk (all but the log key, which is backed up by design) and the
 * primary bucket are destroyed. PostgreSQL comes back from the backups into a fresh cluster
 * (scripts/pg-backup restore), the originals and their derivatives from the replica into a new bucket
 * (one derivative the replica lost too is made again from its original): every receipt issued
 * before the backup verifies, the published entry reads the same and shows the same pictures byte for
 * byte, every derivative hashes to the SHA-256 recorded for it, every original re-hashes to its
 * SHA-256, the audit chain and check:consistency pass, the log agrees with every checkpoint the
 * replica holds up to the restored size, and the worker refuses to sign past the published head the
 * database lost (it would fork the log).
 */
const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const PG_BACKUP = path.resolve(ROOT, 'scripts/pg-backup');

type Sent = { data: Buffer; receipt: Receipt; submissionId: string };

describe('restore drill: backups and the replica alone bring the archive back', () => {
  let work: string;
  let pgEnv: Record<string, string>;
  let pg: PrivatePostgres | undefined;
  let restoredPg: PrivatePostgres | undefined;
  let system: TestSystem | undefined;
  let restored: TestSystem | undefined;
  const buckets: (S3Bucket & { client: S3Client })[] = [];

  const pgBackup = (...args: string[]) => run(PG_BACKUP, args, { env: { ...process.env, ...pgEnv }, timeout: 120_000 });

  beforeAll(async () => {
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-drill-'));
    await fs.mkdir(path.join(work, 'repo'));
    if (process.getuid?.() === 0) await run('chown', ['-R', 'postgres:', work]);
    pg = await startPrivatePostgres({ settings: { archive_mode: 'on' } });
    pgEnv = {
      PGBACKREST_CONFIG: path.join(work, 'pgbackrest.conf'),
      PGBACKREST_REPO1_PATH: path.join(work, 'repo'),
      PGBACKREST_PG1_PATH: pg.folders.data,
      PGBACKREST_PG1_PORT: String(pg.port),
      PGBACKREST_PG1_SOCKET_PATH: pg.folders.dir,
      PGBACKREST_LOCK_PATH: path.join(work, 'lock'),
      PGBACKREST_LOG_PATH: work,
      PGBACKREST_COMPRESS_TYPE: 'lz4',
    };
    await pgBackup('configure');
  }, 120_000);

  afterAll(async () => {
    await system?.stop().catch(() => undefined);
    await restored?.stop().catch(() => undefined);
    await Promise.all([pg?.destroy(), restoredPg?.destroy()]);
    for (const bucket of buckets) await removeTestBucket(bucket).catch(() => undefined);
    await fs.rm(work, { recursive: true, force: true });
  }, 60_000);

  test('restore from pgBackRest and the replica: receipts, published entry, originals, audit chain, log and consistency hold', async () => {
    const [primary, replica, newPrimary] = await Promise.all([createTestBucket('drill-primary'), createTestBucket('drill-replica'), createTestBucket('drill-new')]);
    buckets.push(primary, replica, newPrimary);
    const storageEnv = (bucket: S3Bucket) => ({ ...s3StorageEnv(bucket), ...s3ReplicaEnv(1, 'offsite', replica), SWEEP_INTERVAL_SECONDS: '1', LOG_STH_INTERVAL_SECONDS: '1' });
    system = await startSystem({ env: { DATABASE_URL: pg!.url('svidetel'), ...storageEnv(primary) } });
    const live = system;

    const send = async (): Promise<Sent> => {
      const data = await uniquePhoto();
      const res = await uploadSubmission(new Client(live.url), SUBMISSION_FIELDS, [{ name: 'p.jpg', data }]);
      expect(res.status).toBe(201);
      const body = (await res.json()) as { submissionId: string; log_receipt: Receipt };
      await processedFiles(live, body.submissionId);
      return { data, receipt: body.log_receipt, submissionId: body.submissionId };
    };
    const sent = [await send(), await send()];
    const moderator = await loggedInClient(live.ctx, live.url);
    // Published with a redaction: the public pictures are copies with a box burned in, under the redaction's own key.
    const [publishedFile] = await live.ctx.repos.media.listMediaFiles(sent[0]!.submissionId);
    expect(
      (await decideFromPage(moderator, sent[0]!.submissionId, { action: 'verify_publish', ...ALL_CHECKS, [`redact_${publishedFile!.id}`]: '10 10 30 30 fill' })).status,
    ).toBe(303);
    const [redaction] = await live.ctx.repos.redactions.listLatestRedactions(sent[0]!.submissionId);
    expect(redaction?.regions).toHaveLength(1);
    const copiesKey = (await live.ownerDb.query<{ key: string }>(`SELECT encode(copies_key, 'hex') AS key FROM media_redactions`)).rows[0]!.key;
    const entryBefore = await (await new Client(live.url).fetch(`/api/v1/entries/${sent[0]!.submissionId}`)).text();

    // Everything signed and on the replica, then the base backup (WAL is archived all along).
    const inStep = async (size: number) => {
      const status = await replicationStatus(live.ctx);
      return status.logTreeSize >= size && status.replicas.every((r) => r.missing === 0 && r.derivativesMissing === 0 && r.logTreeSize >= size);
    };
    await waitFor(async () => ((await live.ctx.repos.transparency.getSth())?.treeSize ?? 0) >= 2, 30_000, 'a head over both uploads');
    await waitFor(() => inStep(2), 60_000, 'the replica to hold every original, derivative and the log');
    // The published page's pictures (thumbnails and previews: derivatives), as the public got them.
    const pictureUrls = [...new Set(entryBefore.match(/\/media\/[0-9a-f-]{36}\/(thumb|preview)\.jpg/g) ?? [])];
    expect(pictureUrls.length).toBeGreaterThanOrEqual(2);
    expect(await live.ctx.repos.media.findPublishedMediaFile(publishedFile!.id)).toMatchObject({ redacted_copies_key: copiesKey });
    const picturesBefore = await Promise.all(pictureUrls.map(async (url) => Buffer.from(await (await new Client(live.url).fetch(url)).arrayBuffer())));
    await pgBackup('full');

    // After the backup: one more upload, signed and published to the replica, whose WAL never reaches the archive.
    await send();
    await signTreeHeadIfGrown(live.workerCtx, { force: true }).catch(() => null);
    await waitFor(() => inStep(3), 60_000, 'the newest head on the replica');

    // The loss: the cluster, the local disk (but the log key, kept offline by design) and the primary bucket.
    const keyFile = path.join(work, 'log-ed25519.pem');
    await fs.copyFile(path.join(live.storageDir, 'keys', 'log-ed25519.pem'), keyFile);
    await live.stop();
    system = undefined;
    await pg!.destroy();
    pg = undefined;
    await removeTestBucket(primary);
    buckets.splice(buckets.indexOf(primary), 1);
    // Derivatives the replica lost too (the unpublished upload's thumbnail, the published redacted
    // thumbnail): the restore makes them again, from the original and with the redaction's box.
    const unpublished = createHash('sha256').update(sent[1]!.data).digest('hex');
    for (const key of [unpublished, copiesKey]) {
      await replica.client.send(new DeleteObjectCommand({ Bucket: replica.bucket, Key: `derived/${key.slice(0, 2)}/${key}/thumb.jpg` }));
    }

    // The restore: PostgreSQL from pgBackRest into a fresh cluster, the store from the replica.
    restoredPg = await startPrivatePostgres({ initialise: async ({ data }) => void (await pgBackup('restore', data)) });
    const admin = new PgClient({ connectionString: restoredPg.url('postgres') });
    await admin.connect();
    await waitFor(async () => !(await admin.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r, 60_000, 'recovery to end');
    await admin.end();
    const storageDir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-drill-disk-'));
    await fs.mkdir(path.join(storageDir, 'keys'), { mode: 0o700 });
    await fs.copyFile(keyFile, path.join(storageDir, 'keys', 'log-ed25519.pem'));
    restored = await startSystem({ env: { DATABASE_URL: restoredPg.url('svidetel'), ...storageEnv(newPrimary) }, storageDir, worker: false });
    const back = restored;

    // The one command an operator runs (npm run restore:store), with the worker's environment: one
    // JSON line, and exit code 1 with the reason, as the database is behind the published log.
    const restore = await run(process.execPath, typescriptScript('scripts/restore-store.ts'), { cwd: ROOT, env: { ...back.workerEnv, LOG_LEVEL: 'warn' }, timeout: 120_000 }).then(
      ({ stdout, stderr }) => ({ stdout, stderr, code: 0 }),
      (err: { stdout: string; stderr: string; code: number }) => ({ stdout: err.stdout, stderr: err.stderr, code: err.code }),
    );
    expect({ code: restore.code, stderr: restore.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/restored to log size 2, before the published checkpoint of size 3 .*will not sign/) });
    const report = JSON.parse(restore.stdout.trim().split('\n').at(-1)!) as RestoreReport;
    expect(report).toMatchObject({ recorded: 2, copied: 2, lost: [], databaseTreeSize: 2, newestPublished: { treeSize: 3, replica: 'offsite' }, canSign: false });
    // Derivatives: a thumbnail and a preview of each original and of the redaction; two made again, the rest copied checked.
    // The two thumbnails the replica lost are found by its listing, before any is copied.
    expect(report.derivatives).toEqual({ recorded: 6, replicaCopiesForgotten: 2, present: 0, copied: 4, remade: 2, remadeOtherBytes: 0, reopenedVideos: [], lost: [] });
    const { rows: recordedCopies } = await back.ownerDb.query<{ key: string; name: DerivativeName; sha256: string }>(
      `SELECT encode(key, 'hex') AS key, name, encode(sha256, 'hex') AS sha256 FROM stored_derivatives`,
    );
    expect(recordedCopies).toHaveLength(6);
    for (const copy of recordedCopies) {
      expect(createHash('sha256').update(await buffer((await back.ctx.blobs.openDerivative(copy.key, copy.name))!.stream())).digest('hex')).toBe(copy.sha256);
    }
    // The two thumbnails the replica lost are owed to it again (the sweep sends them once the worker runs).
    expect((await replicationStatus(back.ctx)).replicas).toMatchObject([{ replica: 'offsite', missing: 0, derivativesMissing: 2 }]);
    // The published page shows the same pictures, byte for byte.
    for (const [i, url] of pictureUrls.entries()) {
      const res = await new Client(back.url).fetch(url);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(picturesBefore[i]!)).toBe(true);
    }

    // Every receipt issued before the backup verifies against the restored log, with the pinned key.
    const vkey = (await back.ctx.repos.transparency.publicKeyOf(back.ctx.config.logOrigin))!.vkey;
    for (const { data, receipt } of sent) {
      const bundle = (await (await new Client(back.url).fetch(`/api/v1/log/proof/bundle?leaf_hash=${receipt.files[0]!.leaf_hash}`)).json()) as ProofBundle;
      const verdict = verifyReceiptFile({ file: data, receipt, sth: bundle, key: vkey });
      expect(verdict.verdict).toMatch(/^VERIFIED/);
    }
    expect(await (await new Client(back.url).fetch(`/api/v1/entries/${sent[0]!.submissionId}`)).text()).toBe(entryBefore);
    for (const sha256 of await back.ctx.repos.consistency.recordedOriginals()) {
      expect(createHash('sha256').update(await back.ctx.blobs.readOriginal(sha256)).digest('hex')).toBe(sha256);
    }
    expect((await verifyAuditLog(back.ctx)).ok).toBe(true);
    expect(mismatchCount(await checkConsistency(back.ctx))).toBe(0);
    for (const size of [1, 2]) {
      const copy = JSON.parse((await (await back.ctx.replicas[0]!.open()).readLogCopy(`checkpoints/${String(size).padStart(12, '0')}.json`))?.toString() ?? 'null') as {
        root_hash: string;
      } | null;
      const stored = await back.ctx.repos.transparency.getSth(size);
      if (copy && stored) expect(stored.rootHash.toString('hex')).toBe(copy.root_hash);
    }

    // A new upload would fork the log from the published head of size 3: the worker refuses and says why.
    const after = await uploadSubmission(new Client(back.url), SUBMISSION_FIELDS, [{ name: 'p.jpg', data: await uniquePhoto() }]);
    expect(after.status).toBe(201);
    await expect(signTreeHeadIfGrown(back.workerCtx, { force: true })).rejects.toThrow(/not signing: the database's log is not the one this signer signed: it signed size 3/);
  }, 240_000);
});
