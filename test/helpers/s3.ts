import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Bucket } from '../../domain/config';
import { s3Client } from '../../infra/storage/s3-blob-store';

/**
 * A real S3-compatible server for the tests: TEST_S3_ENDPOINT (with TEST_S3_ACCESS_KEY_ID and
 * TEST_S3_SECRET_ACCESS_KEY) if set, else the project's one-machine Ceph RGW, started by
 * scripts/ceph-s3/start when it is not running yet (and left running: other test files and runs
 * share it; .ci/run starts it before the suite). Each test file makes buckets of its own.
 */
const START_SCRIPT = path.resolve(__dirname, '../../scripts/ceph-s3/start');

type TestS3 = { endpoint: string; accessKeyId: string; secretAccessKey: string };

let started: Promise<TestS3> | undefined;

export function testS3(): Promise<TestS3> {
  started ??= (async () => {
    const accessKeyId = process.env.TEST_S3_ACCESS_KEY_ID ?? 'svidetel';
    const secretAccessKey = process.env.TEST_S3_SECRET_ACCESS_KEY ?? 'svidetel-secret';
    if (process.env.TEST_S3_ENDPOINT) return { endpoint: process.env.TEST_S3_ENDPOINT, accessKeyId, secretAccessKey };
    const { stdout } = await promisify(execFile)(START_SCRIPT, [], { timeout: 180_000 });
    const endpoint = /S3 ready on (\S+)/.exec(stdout)?.[1];
    if (!endpoint) throw new Error(`scripts/ceph-s3/start said no endpoint: ${stdout}`);
    return { endpoint, accessKeyId, secretAccessKey };
  })();
  return started;
}

/** Where a test bucket is, as the store's config has it. */
export async function testBucket(bucket: string): Promise<S3Bucket> {
  const s3 = await testS3();
  return {
    endpoint: s3.endpoint,
    region: 'us-east-1',
    bucket,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  };
}

/** A new bucket named after the test file's purpose; with Object Lock when asked (which also turns versioning on). */
export async function createTestBucket(purpose: string, options: { objectLock?: boolean } = {}): Promise<S3Bucket & { client: S3Client }> {
  const bucket = `${purpose}-${process.pid}-${randomBytes(4).toString('hex')}`.toLowerCase();
  const where = await testBucket(bucket);
  const client = s3Client(where);
  await client.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: options.objectLock }));
  return { ...where, client };
}

/** The environment that makes a system (startSystem) keep its blobs in this bucket. */
export function s3StorageEnv(where: S3Bucket): Record<string, string> {
  return {
    STORAGE: 's3',
    S3_ENDPOINT: where.endpoint!,
    S3_REGION: where.region,
    S3_BUCKET: where.bucket,
    S3_FORCE_PATH_STYLE: String(where.forcePathStyle),
    S3_ACCESS_KEY_ID: where.credentials!.accessKeyId,
    S3_SECRET_ACCESS_KEY: where.credentials!.secretAccessKey,
  };
}

/** The environment that makes a bucket the system's replica number n (REPLICA_<n>_…). */
export function s3ReplicaEnv(n: number, name: string, where: S3Bucket): Record<string, string> {
  const { STORAGE: _, ...s3 } = s3StorageEnv(where);
  return Object.fromEntries([[`REPLICA_${n}_NAME`, name], ...Object.entries(s3).map(([key, value]) => [key.replace(/^S3_/, `REPLICA_${n}_`), value])]);
}

/** Deletes every version in a bucket without Object Lock, then the bucket (the server keeps objects in memory). */
export async function removeTestBucket(where: S3Bucket & { client: S3Client }): Promise<void> {
  const { client, bucket } = where;
  for (;;) {
    const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    const entries = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])];
    if (entries.length === 0) break;
    await Promise.all(entries.map((v) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: v.Key, VersionId: v.VersionId }))));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  client.destroy();
}
