import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Bucket } from '../../domain/config';
import { uniquePhoto } from '../helpers/fault-system';
import { Client, SUBMISSION_FIELDS, loggedInClient, uploadSubmission } from '../helpers/http';
import { ALL_CHECKS, decideFromPage } from '../helpers/moderation';
import { createTestBucket, removeTestBucket, s3StorageEnv } from '../helpers/s3';
import { processedFiles, startSystem, waitFor, type TestSystem } from '../helpers/system';

/**
 * Several hosts (issue 15): two API processes and two workers, each with a local folder of its own
 * and no shared disk, against one PostgreSQL, Redis and S3 bucket. The test is the load balancer:
 * it spreads requests itself. Rate limits and failed logins are counted once across both APIs
 * (RATE_LIMIT_STORE=redis); a moderator's session works on either; either worker processes.
 */
describe('two APIs and two workers share PostgreSQL, Redis and S3, and nothing else', () => {
  let bucket: S3Bucket & { client: S3Client };
  let hosts: TestSystem[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    bucket = await createTestBucket('hosts');
    // The log key is provisioned to every worker host (kept offline, like the TOTP key every API gets).
    const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const env = {
      ...s3StorageEnv(bucket),
      QUEUE_PREFIX: `test-hosts-${randomBytes(4).toString('hex')}`,
      RATE_LIMIT_STORE: 'redis',
      PUBLIC_MEDIA_REQUESTS_PER_MINUTE: '4',
      LOGIN_FAILURES_PER_CLIENT_PER_DAY: '2',
      LOG_STH_INTERVAL_SECONDS: '1',
    };
    for (let i = 0; i < 2; i++) {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), `svidetel-host${i}-`));
      dirs.push(dir);
      await fs.mkdir(path.join(dir, 'keys'), { mode: 0o700 });
      await fs.writeFile(path.join(dir, 'keys', 'log-ed25519.pem'), pem, { mode: 0o600 });
      hosts.push(await startSystem({ env, storageDir: dir }));
    }
  }, 180_000);
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
    hosts = [];
    await removeTestBucket(bucket).catch(() => undefined);
    await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  });

  test('uploads, processing, moderation, publication and signing work whichever process takes each step', async () => {
    const [hostA, hostB] = hosts as [TestSystem, TestSystem];
    const send = async (host: TestSystem) => {
      const res = await uploadSubmission(new Client(host.url), SUBMISSION_FIELDS, [{ name: 'p.jpg', data: await uniquePhoto() }]);
      expect(res.status).toBe(201);
      return ((await res.json()) as { submissionId: string }).submissionId;
    };
    const first = await send(hostA);
    const second = await send(hostB);
    await processedFiles(hostA, first);
    await processedFiles(hostB, second);

    // Worker A stops: B's worker takes what either API receives (BullMQ's normal mode).
    await hostA.stopWorker();
    const third = await send(hostA);
    expect((await processedFiles(hostB, third, 60_000)).map((f) => f.status)).toEqual(['ready']);
    await hostA.startWorker();

    // A session made through A works on B: sessions are in PostgreSQL.
    const moderator = await loggedInClient(hostA.ctx, hostA.url);
    expect((await decideFromPage(moderator.at(hostB.url), third, { action: 'verify_publish', ...ALL_CHECKS })).status).toBe(303);
    const entry = await new Client(hostA.url).fetch(`/api/v1/entries/${third}`);
    expect(entry.status).toBe(200);

    // Both workers sign with the one key; one head per size, and the log stays consistent.
    await waitFor(async () => ((await hostB.ctx.repos.transparency.getSth())?.treeSize ?? 0) >= 3, 30_000, 'a head over every upload');
    const integrity = await new Client(hostB.url).fetch('/healthz/integrity');
    expect(integrity.status).toBe(200);
  }, 180_000);

  // Last: it spends this client's (127.0.0.1's) login budget for the day.
  test('public and login limits count a client once across both APIs', async () => {
    const [a, b] = hosts.map((h) => new Client(h.url));
    const media = (c: Client) => c.fetch(`/media/${randomUUID()}/thumb.jpg`).then((r) => r.status);
    expect([await media(a!), await media(b!), await media(a!), await media(b!)]).not.toContain(429);
    expect(await media(a!)).toBe(429);
    expect(await media(b!)).toBe(429);

    const failLogin = async (c: Client) => {
      if (!c.csrf) await c.page('/login');
      return c.postForm('/login', { email: 'nobody@example.org', password: 'guess' });
    };
    expect((await failLogin(a!)).status).not.toBe(429);
    expect((await failLogin(b!)).status).not.toBe(429);
    const third = await failLogin(a!);
    expect(third.status).toBe(429);
    expect(await third.text()).toContain('Too many failed logins');
  });
});
