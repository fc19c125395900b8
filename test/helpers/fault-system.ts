import sharp from 'sharp';
import { Client, SUBMISSION_FIELDS, uploadSubmission } from './http';
import { startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from './private-services';
import { startSystem, type TestSystem } from './system';

/** The real API and worker on a PostgreSQL and a Redis of the test's own, which the test may stop and start. */
export type FaultSystem = TestSystem & { pg: PrivatePostgres; redis: PrivateRedis; close(): Promise<void> };

export async function startFaultSystem(options: { env?: Record<string, string>; worker?: boolean; storageDir?: string } = {}): Promise<FaultSystem> {
  const [pg, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
  try {
    // startSystem migrates the database as its owner (prepareDatabase) and runs the API and worker as their roles.
    const system = await startSystem({
      worker: options.worker,
      storageDir: options.storageDir,
      env: {
        DATABASE_URL: pg.url('svidetel'),
        REDIS_URL: redis.url,
        // A lost connection is found out in seconds, not after the 5 s default, in every test.
        DB_ACQUIRE_TIMEOUT_MS: '2000',
        ...options.env,
      },
    });
    return Object.assign(system, {
      pg,
      redis,
      async close() {
        // Bounded: a system that cannot stop cleanly after a fault must still not leave a cluster running.
        await Promise.race([system.stop().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 30_000).unref())]);
        await Promise.all([pg.destroy(), redis.destroy()]);
      },
    });
  } catch (err) {
    await Promise.all([pg.destroy(), redis.destroy()]);
    throw err;
  }
}

let photoCounter = 0;
let basePhoto: Promise<Buffer> | undefined;

/** A small real JPEG, different bytes on every call (a trailing byte after the image's end). */
export async function uniquePhoto(): Promise<Buffer> {
  basePhoto ??= sharp({ create: { width: 640, height: 480, channels: 3, background: '#336699' } }).jpeg().toBuffer();
  const n = photoCounter++;
  return Buffer.concat([await basePhoto, Buffer.from(`${process.pid}-${n}`)]);
}

export type UploadOutcome = { status: number; ms: number; retryAfter: string | null; body: Record<string, unknown> | null };

/** One submission of `files` photos through the JSON API, as the upload page sends it; never throws for a refused upload. */
export async function uploadPhotos(client: Client, files = 1): Promise<UploadOutcome> {
  const photos = await Promise.all(Array.from({ length: files }, async (_, i) => ({ name: `p${i}.jpg`, data: await uniquePhoto() })));
  const started = Date.now();
  const res = await uploadSubmission(client, SUBMISSION_FIELDS, photos);
  const text = await res.text();
  let body: Record<string, unknown> | null = null;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = null;
  }
  return { status: res.status, ms: Date.now() - started, retryAfter: res.headers.get('retry-after'), body };
}

export const errorMessage = (o: UploadOutcome) => ((o.body?.error as { message?: string } | undefined)?.message ?? '');
