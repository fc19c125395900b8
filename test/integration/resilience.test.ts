import { spawn, type ChildProcess } from 'node:child_process';
import sharp from 'sharp';
import IORedis from 'ioredis';
import * as mediaRepo from '../../db/media.repo';
import { Client, SUBMISSION_FIELDS, uploadSubmission } from '../helpers/http';
import { startSystem, waitFor, type TestSystem } from '../helpers/system';

/**
 * Redis here keeps nothing on disk. A Redis of this test's own (a real redis-server on a spare
 * port) is restarted empty mid-run: PostgreSQL is the source of truth and nothing may be lost.
 */
const PORT = 6391 + (process.pid % 100);
const REDIS_URL = `redis://127.0.0.1:${PORT}`;

function startRedis(): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  return waitFor(async () => {
    const probe = new IORedis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => undefined);
    const ok = await probe.connect().then(() => probe.ping()).then(() => true, () => false);
    probe.disconnect();
    return ok ? child : null;
  }, 10_000, 'redis-server to start');
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return; // already gone
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL'); // a crash, not a clean shutdown
  await exited;
}

describe('nothing is lost when Redis or the worker restarts', () => {
  let redis: ChildProcess;
  let system: TestSystem;
  let photo: Buffer;

  const statuses = async (submissionId: string) => (await mediaRepo.listMediaFiles(system.ctx.db, submissionId)).map((f) => f.status);
  const allReady = (submissionId: string) =>
    waitFor(async () => ((await statuses(submissionId)).every((s) => s === 'ready') ? true : null), 60_000, 'all files ready');

  async function submit(n: number): Promise<string> {
    const files = Array.from({ length: n }, (_, i) => ({ name: `p${i}.jpg`, data: Buffer.concat([photo, Buffer.from([i])]) }));
    const res = await uploadSubmission(new Client(system.url), SUBMISSION_FIELDS, files);
    expect(res.status).toBe(201);
    return ((await res.json()) as { submissionId: string }).submissionId;
  }

  beforeAll(async () => {
    redis = await startRedis();
    system = await startSystem({ worker: false, env: { REDIS_URL } });
    photo = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#224466' } }).jpeg().toBuffer();
  });
  afterAll(async () => {
    await system?.stop();
    if (redis) await stopRedis(redis);
  });

  test('jobs lost with a Redis restart are re-enqueued from PostgreSQL when the worker starts', async () => {
    const submissionId = await submit(5);
    await stopRedis(redis);
    redis = await startRedis(); // empty: every queued job is gone
    expect(await statuses(submissionId)).toEqual(['received', 'received', 'received', 'received', 'received']);
    await system.startWorker();
    await allReady(submissionId);
  });

  test('a Redis restart under a running worker loses nothing', async () => {
    await system.startWorker();
    const submissionId = await submit(8);
    await stopRedis(redis);
    redis = await startRedis();
    await allReady(submissionId);
  });

  test('an upload while Redis is down is kept and processed when it returns', async () => {
    await system.stopWorker();
    await stopRedis(redis);
    const submissionId = await submit(2);
    redis = await startRedis();
    await system.startWorker();
    await allReady(submissionId);
  });

  test('a file left "processing" by a crashed worker is picked up again', async () => {
    await system.stopWorker();
    const submissionId = await submit(1);
    await stopRedis(redis);
    redis = await startRedis();
    await system.ctx.db.query(`UPDATE media_files SET status = 'processing', attempts = 1 WHERE submission_id = $1`, [submissionId]);
    await system.startWorker();
    await allReady(submissionId);
  });
});
