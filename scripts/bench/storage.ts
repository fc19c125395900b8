/**
 * `npm run bench:storage`: Svidetel on S3 against a bare @aws-sdk/client-s3 client on the same
 * endpoint, in the same run.
 *
 *   1. ingest: the bench:ingest workload (photos × 5 MiB at 8 in flight, one video) uploaded to the
 *      API with STORAGE=s3, against the bare client putting the same bytes (16 MiB parts, 4 in
 *      flight, as the adapter sends them): MB/s and the ratio (bar ≥ 0.8); each side sends one
 *      photo untimed first;
 *   2. replication: a backlog of originals (stored in the primary bucket, recorded in PostgreSQL)
 *      copied to a replica by the real worker (sweep, replicate-original jobs: copy, read back,
 *      hash, record) against the bare client copying the same objects (GET then PUT, as many in
 *      flight as the worker's concurrency): files/s, MB/s and the ratio (bar ≥ 0.7);
 *   3. the restore drill (test/faults/restore-drill.test.ts, run by jest): its wall time.
 *
 * The last line is one JSON object: {"ingest_ratio", "replication_ratio", "replication_mb_s",
 * "restore_s", "peak_rss_mb"} (peak RSS of the API and the worker), with "replication_files_s" and
 * the ingest's CPU seconds per GB (from /proc; the wall clock of a loaded machine varies more),
 * "ingest_cpu_s_per_gb" (the API and the S3 server) and "bare_ingest_cpu_s_per_gb" (the bare client
 * and the S3 server). Exit code 1 when a bar is
 * missed, 2 on an error.
 *
 * Options: --photos=N (200), --video-mb=N (256), --originals=N (1000), --original-kb=N (512),
 *          --concurrency=N (worker and baseline copies in flight, 4), --no-ingest, --no-replication,
 *          --no-drill (a phase left out reports null). Quick: --photos=24 --video-mb=64 --originals=200.
 * Env: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/svidetel_bench_storage; dropped
 *      and made again), BENCH_REDIS_URL, and the S3 server: TEST_S3_ENDPOINT (+ keys) or the
 *      project's one-machine Ceph RGW (scripts/ceph-s3/start, started when not running). Each phase
 *      empties and removes its buckets when it ends: a memory-backed RGW holds one phase at a time.
 *      BENCH_NODE_ARGS: node options for the API and worker it starts (e.g. --cpu-prof --cpu-prof-dir=DIR).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Client } from 'pg';
import sharp from 'sharp';
import { s3Client } from '../../infra/storage/s3-blob-store';
import { appDatabaseEnv, freePort, log, option, peakRssMb, reportFigures } from './bench-kit';
import { processCpuSeconds } from '../../infra/media/run-tool';

const MiB = 1024 * 1024;
const ROOT = path.resolve(__dirname, '..', '..');
const HOST = '127.0.0.1';
const PART = 16 * MiB;
const run = promisify(execFile);

type S3Server = { endpoint: string; accessKeyId: string; secretAccessKey: string };

async function s3Server(): Promise<S3Server> {
  const accessKeyId = process.env.TEST_S3_ACCESS_KEY_ID ?? 'svidetel';
  const secretAccessKey = process.env.TEST_S3_SECRET_ACCESS_KEY ?? 'svidetel-secret';
  if (process.env.TEST_S3_ENDPOINT) return { endpoint: process.env.TEST_S3_ENDPOINT, accessKeyId, secretAccessKey };
  const { stdout } = await run(path.join(ROOT, 'scripts/ceph-s3/start'), [], { timeout: 180_000 });
  const endpoint = /S3 ready on (\S+)/.exec(stdout)?.[1];
  if (!endpoint) throw new Error(`scripts/ceph-s3/start said no endpoint: ${stdout}`);
  return { endpoint, accessKeyId, secretAccessKey };
}

const clientFor = (s3: S3Server) =>
  s3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });

const buckets: { client: S3Client; bucket: string }[] = [];

async function newBucket(client: S3Client, purpose: string): Promise<string> {
  const bucket = `bench-${purpose}-${process.pid}-${randomBytes(3).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  buckets.push({ client, bucket });
  return bucket;
}

/**
 * RGW frees a removed object's data later (its garbage collector waits two hours by default): on the
 * project's memory-backed Ceph that would fill it with the phases' removed bytes, so each phase
 * ends by collecting them now. A store given by TEST_S3_ENDPOINT is left alone.
 */
async function collectGarbage(): Promise<void> {
  if (process.env.TEST_S3_ENDPOINT) return;
  const conf = path.join(process.env.CEPH_S3_DIR ?? path.join(process.env.TMPDIR ?? '/tmp', 'svidetel-ceph-s3'), 'ceph.conf');
  await run('radosgw-admin', ['-c', conf, 'gc', 'process', '--include-all'], { timeout: 300_000 }).catch((err: Error) => log(`could not collect RGW's garbage: ${err.message}`));
}

async function removeBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
    if (objects.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  buckets.splice(buckets.findIndex((b) => b.bucket === bucket), 1);
  await collectGarbage();
}

// ------------------------------------------------------------------------------------------
// Processes

const children = new Set<ChildProcess>();

function startChild(args: string[], env: Record<string, string>): { proc: ChildProcess; output: string[] } {
  // BENCH_NODE_ARGS: node options for the API and the worker (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where they spend their time).
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return { proc, output };
}

async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

async function waitHealthy(url: string, child: { proc: ChildProcess; output: string[] }): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.proc.exitCode !== null) throw new Error(`the API exited: ${child.output.join('').slice(-3000)}`);
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the API did not answer: ${child.output.join('').slice(-3000)}`);
}

// ------------------------------------------------------------------------------------------
// Inputs: photo- and video-looking files (real headers, random bytes), as bench:ingest makes them

type Input = { path: string; name: string; type: string; bytes: number };

async function makeInputs(dir: string, photos: number, videoMb: number): Promise<{ photos: Input[]; video: Input }> {
  await fs.mkdir(dir, { recursive: true });
  const jpeg = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#c81e1e' } }).jpeg().toBuffer();
  const pool = randomBytes(32 * MiB);
  const photoInputs: Input[] = [];
  for (let i = 0; i < photos; i++) {
    const file = path.join(dir, `photo-${i}.jpg`);
    const offset = (i * 7919 * 4096) % (pool.length - 5 * MiB);
    await fs.writeFile(file, Buffer.concat([jpeg, randomBytes(64), pool.subarray(offset, offset + 5 * MiB - jpeg.length - 64)]));
    photoInputs.push({ path: file, name: `photo-${i}.jpg`, type: 'image/jpeg', bytes: 5 * MiB });
  }
  const bytes = videoMb * MiB;
  const head = Buffer.alloc(40);
  head.writeUInt32BE(24, 0);
  head.write('ftypisom', 4, 'latin1');
  head.writeUInt32BE(0x200, 12);
  head.write('isommp42', 16, 'latin1');
  head.writeUInt32BE(1, 24);
  head.write('mdat', 28, 'latin1');
  head.writeBigUInt64BE(BigInt(bytes - 24), 32);
  const video = path.join(dir, 'video.mp4');
  const handle = await fs.open(video, 'w');
  await handle.write(Buffer.concat([head, randomBytes(64)]));
  for (let written = 104; written < bytes; ) {
    const piece = pool.subarray(0, Math.min(pool.length, bytes - written));
    await handle.write(piece);
    written += piece.length;
  }
  await handle.close();
  return { photos: photoInputs, video: { path: video, name: 'video.mp4', type: 'video/mp4', bytes } };
}

async function inFlight<T>(items: T[], concurrency: number, each: (item: T) => Promise<void>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await each(items[next++]!);
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** The bare client's upload: one PUT, or 16 MiB parts 4 at a time (what the adapter sends). */
async function barePut(client: S3Client, bucket: string, key: string, file: string): Promise<void> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size <= PART) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await handle.readFile(), ContentLength: size }));
      return;
    }
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const parts: { PartNumber: number; ETag: string }[] = [];
    const offsets = Array.from({ length: Math.ceil(size / PART) }, (_, i) => i * PART);
    await inFlight(offsets, 4, async (offset) => {
      const body = Buffer.alloc(Math.min(PART, size - offset));
      await handle.read(body, 0, body.length, offset);
      const res = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: offset / PART + 1, Body: body, ContentLength: body.length }));
      parts.push({ PartNumber: offset / PART + 1, ETag: res.ETag! });
    });
    parts.sort((a, b) => a.PartNumber - b.PartNumber);
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
  } finally {
    await handle.close();
  }
}

/** One multipart submission to the API, the file streamed from disk. */
function apiUpload(url: string, csrf: string, agent: http.Agent, input: Input): Promise<void> {
  const boundary = `----bench-${randomBytes(8).toString('hex')}`;
  const fields = { election_id: '1', region: 'Bench', station_number: '1', category_code: 'ballot_stuffing', description: 'bench:storage' };
  const pre = Buffer.from(
    Object.entries(fields)
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('') + `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${input.name}"\r\nContent-Type: ${input.type}\r\n\r\n`,
  );
  const post = Buffer.from(`\r\n--${boundary}--\r\n`);
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        hostname,
        port,
        path: '/api/v1/submissions',
        method: 'POST',
        agent,
        headers: {
          cookie: `svid_csrf=${csrf}`,
          'x-csrf-token': csrf,
          accept: 'application/json',
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(pre.length + input.bytes + post.length),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`upload of ${input.name}: ${res.statusCode} ${Buffer.concat(chunks).toString().slice(0, 300)}`))));
      },
    );
    req.on('error', reject);
    req.write(pre);
    void (async () => {
      const handle = await fs.open(input.path, 'r');
      for await (const chunk of handle.createReadStream({ highWaterMark: MiB })) if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
      req.end(post);
    })().catch(reject);
  });
}

// ------------------------------------------------------------------------------------------

async function resetDatabase(ownerUrl: string): Promise<void> {
  const u = new URL(ownerUrl);
  const name = decodeURIComponent(u.pathname.slice(1));
  if (!name.includes('bench')) throw new Error(`refusing to drop "${name}": a bench database's name contains "bench"`);
  u.pathname = '/postgres';
  const admin = new Client({ connectionString: u.toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

const loadNow = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

/** CPU seconds (user + system) a process has spent; 0 when it is gone or not on this machine. */
const cpuSecondsOf = (pid: number): number => processCpuSeconds(pid) ?? 0;
/** The S3 server's processes on this machine (the project's Ceph RGW: radosgw and its OSD and monitor); none for a remote one. */
function storeProcesses(): number[] {
  if (process.env.TEST_S3_ENDPOINT) return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (['radosgw', 'ceph-osd', 'ceph-mon'].includes(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) pids.push(Number(entry));
    } catch {
      // gone since the listing
    }
  }
  return pids;
}
/** CPU seconds spent by these processes from now until the returned function is called. */
function cpuMeter(pids: () => number[]): () => number {
  const before = new Map(pids().map((pid) => [pid, cpuSecondsOf(pid)]));
  return () => [...before].reduce((sum, [pid, at]) => sum + Math.max(0, cpuSecondsOf(pid) - at), 0);
}
const mbS = (bytes: number, seconds: number) => bytes / 1e6 / seconds;
const r2 = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const photos = option('photos', 200);
  const videoMb = option('video-mb', 256);
  const originals = option('originals', 1000);
  const originalKb = option('original-kb', 512);
  const concurrency = option('concurrency', 4);
  const ownerUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/svidetel_bench_storage';
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const s3 = await s3Server();
  const client = clientFor(s3);
  const temp = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-bench-storage-'));
  let peakRss = 0;
  try {
    log(`== bench:storage (${os.cpus().length} CPUs, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}), S3 at ${s3.endpoint}`);
    await resetDatabase(ownerUrl);
    const databaseEnv = await appDatabaseEnv(ownerUrl);
    const s3Env = (bucket: string, prefix: string) => ({
      [`${prefix}ENDPOINT`]: s3.endpoint,
      [`${prefix}BUCKET`]: bucket,
      [`${prefix}FORCE_PATH_STYLE`]: 'true',
      [`${prefix}ACCESS_KEY_ID`]: s3.accessKeyId,
      [`${prefix}SECRET_ACCESS_KEY`]: s3.secretAccessKey,
    });
    const common = { NODE_ENV: 'production', LOG_ORIGIN: 'bench-storage.svidetel.test/log', HOST, ...databaseEnv, REDIS_URL: redisUrl, LOG_LEVEL: 'warn' };

    // 1. Ingest: the bare client first, then the API (each into a bucket of its own, removed after).
    let ingest: { api: number; bare: number } | null = null;
    let ingestCpu: { api: number; bare: number } | null = null;
    if (!process.argv.includes('--no-ingest')) {
      // One more photo than timed: sent first, untimed, by each side (a process's first upload pays
      // for its connections and lazily loaded code, not for the store).
      const inputs = await makeInputs(path.join(temp, 'inputs'), photos + 1, videoMb);
      const warmUp = inputs.photos.pop()!;
      const ingestBytes = photos * 5 * MiB + videoMb * MiB;
      const bareBucket = await newBucket(client, 'bare');
      await barePut(client, bareBucket, warmUp.name, warmUp.path);
      const store = storeProcesses();
      const bareClientCpu = cpuMeter(() => [process.pid]);
      const bareStoreCpu = cpuMeter(() => store);
      const barePhotos = await inFlight(inputs.photos, 8, (p) => barePut(client, bareBucket, p.name, p.path));
      const bareVideo = await inFlight([inputs.video], 1, (v) => barePut(client, bareBucket, v.name, v.path));
      const bareSeconds = barePhotos + bareVideo;
      const bareCpu = { client: bareClientCpu(), store: bareStoreCpu() };
      await removeBucket(client, bareBucket);
      const primary = await newBucket(client, 'primary');
      const port = await freePort(HOST);
      const url = `http://${HOST}:${port}`;
      const api = startChild(['api/main.ts'], {
        ...common,
        PORT: String(port),
        PUBLIC_URL: url,
        STORAGE_DIR: path.join(temp, 'api'),
        QUEUE_PREFIX: `bench-storage-${process.pid}`,
        STORAGE: 's3',
        ...s3Env(primary, 'S3_'),
        DISK_RESERVE_MB: '0',
        UPLOADS_PER_MINUTE_PER_CLIENT: '100000',
        MAX_CONCURRENT_UPLOADS_PER_CLIENT: '100',
        PUBLIC_API_REQUESTS_PER_MINUTE: '100000',
        MAX_VIDEO_MB: String(videoMb + 16),
      });
      await waitHealthy(url, api);
      const first = await fetch(`${url}/`);
      const csrf = first.headers.getSetCookie().find((c) => c.startsWith('svid_csrf='))!.split(';')[0]!.slice('svid_csrf='.length);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
      await apiUpload(url, csrf, agent, warmUp);
      const apiProcessCpu = cpuMeter(() => [api.proc.pid!]);
      const apiClientCpu = cpuMeter(() => [process.pid]);
      const apiStoreCpu = cpuMeter(() => store);
      const apiPhotos = await inFlight(inputs.photos, 8, (p) => apiUpload(url, csrf, agent, p));
      const apiVideo = await inFlight([inputs.video], 1, (v) => apiUpload(url, csrf, agent, v));
      const apiSeconds = apiPhotos + apiVideo;
      const apiCpu = { api: apiProcessCpu(), client: apiClientCpu(), store: apiStoreCpu() };
      log(`ingest      seconds: photos ${apiPhotos.toFixed(2)} (bare ${barePhotos.toFixed(2)}), video ${apiVideo.toFixed(2)} (bare ${bareVideo.toFixed(2)})`);
      agent.destroy();
      peakRss = Math.max(peakRss, peakRssMb(api.proc.pid!));
      await stopChild(api.proc);
      await removeBucket(client, primary);
      ingest = { api: mbS(ingestBytes, apiSeconds), bare: mbS(ingestBytes, bareSeconds) };
      log(`ingest      ${photos} × 5 MiB photos (8 in flight) + ${videoMb} MiB video: Svidetel on S3 ${ingest.api.toFixed(1)} MB/s, bare client ${ingest.bare.toFixed(1)} MB/s, ratio ${(ingest.api / ingest.bare).toFixed(3)} (load ${loadNow()})`);
      // CPU per GB says more than the wall clock on a loaded machine: the API and the S3 server against
      // the bare client (the one sending to S3 there) and the S3 server. Not counted: the observers'
      // side (this process sending to the API, said apart), PostgreSQL and Redis.
      const gb = ingestBytes / 1e9;
      ingestCpu = { api: (apiCpu.api + apiCpu.store) / gb, bare: (bareCpu.client + bareCpu.store) / gb };
      log(
        `ingest      CPU s/GB: Svidetel ${ingestCpu.api.toFixed(2)} (API ${(apiCpu.api / gb).toFixed(2)}, S3 server ${(apiCpu.store / gb).toFixed(2)}; the uploading client ${(apiCpu.client / gb).toFixed(2)} apart), ` +
          `bare ${ingestCpu.bare.toFixed(2)} (client ${(bareCpu.client / gb).toFixed(2)}, S3 server ${(bareCpu.store / gb).toFixed(2)})`,
      );
    }

    // 2. Replication: a backlog of originals stored through the S3 store and recorded, then the worker.
    let replication: { files: number; mb: number; bareMb: number } | null = null;
    if (!process.argv.includes('--no-replication')) {
      // A fresh database for the backlog (the ingest's uploads are not part of it).
      if (ingest) {
        await resetDatabase(ownerUrl);
        await appDatabaseEnv(ownerUrl);
      }
      const source = await newBucket(client, 'backlog');
      const replica = await newBucket(client, 'replica');
      const bareReplica = await newBucket(client, 'bare-replica');
      // Versioned before the first byte, as the S3 store keeps its bucket (it reads an original's first version).
      await client.send(new PutBucketVersioningCommand({ Bucket: source, VersioningConfiguration: { Status: 'Enabled' } }));
      const owner = new Client({ connectionString: ownerUrl });
      await owner.connect();
      const keys: string[] = [];
      const pool = randomBytes(originalKb * 1024);
      const seed = Array.from({ length: originals }, (_, i) => {
        const bytes = Buffer.concat([Buffer.from(`bench-original-${process.pid}-${i}`), pool]).subarray(0, originalKb * 1024);
        return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
      });
      await inFlight(seed, 8, async ({ bytes, sha256 }) => {
        const key = `originals/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
        keys.push(key);
        await client.send(new PutObjectCommand({ Bucket: source, Key: key, Body: bytes, ContentLength: bytes.length }));
      });
      const backlogBytes = originals * originalKb * 1024;

      const bareCopy = await inFlight(keys, concurrency, async (key) => {
        const res = await client.send(new GetObjectCommand({ Bucket: source, Key: key }));
        const body = Buffer.from(await res.Body!.transformToByteArray());
        await client.send(new PutObjectCommand({ Bucket: bareReplica, Key: key, Body: body, ContentLength: body.length }));
      });
      await removeBucket(client, bareReplica);

      const worker = startChild(['worker/main.ts'], {
        ...common,
        PUBLIC_URL: 'http://127.0.0.1:1',
        STORAGE_DIR: path.join(temp, 'worker'),
        QUEUE_PREFIX: `bench-storage-w-${process.pid}`,
        STORAGE: 's3',
        ...s3Env(source, 'S3_'),
        ...s3Env(replica, 'REPLICA_1_'),
        REPLICA_1_NAME: 'bench',
        WORKER_CONCURRENCY: String(concurrency),
        SWEEP_INTERVAL_SECONDS: '1',
        SCRUB_MB_PER_MINUTE: '0',
        LOG_SCRUB_LEAVES_PER_MINUTE: '0',
      });
      // The worker up (it has signed the empty log), then the backlog appears at once: the rows that make
      // the stored objects originals the replica owes (blobs is what the sweep reads).
      for (;;) {
        if (worker.proc.exitCode !== null) throw new Error(`the worker exited: ${worker.output.join('').slice(-3000)}`);
        if ((await owner.query('SELECT 1 FROM tlog_sths LIMIT 1')).rowCount) break;
        await new Promise((r) => setTimeout(r, 100));
    }
    const started = process.hrtime.bigint();
    await owner.query(
      `INSERT INTO blobs (sha256, bytes, mime, kind) SELECT decode(s, 'hex'), $2, 'image/jpeg', 'image' FROM unnest($1::text[]) AS s`,
      [seed.map((s) => s.sha256), originalKb * 1024],
    );
    for (;;) {
      if (worker.proc.exitCode !== null) throw new Error(`the worker exited: ${worker.output.join('').slice(-3000)}`);
      const { rows } = await owner.query<{ n: number }>(`SELECT count(*)::int AS n FROM replica_copies WHERE replica = 'bench'`);
      if (rows[0]!.n >= originals) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // From the backlog's appearance: the next sweep (every second) and every copy belong to the replication's time.
    const workerSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    peakRss = Math.max(peakRss, peakRssMb(worker.proc.pid!));
    await stopChild(worker.proc);
    await owner.end();
    await removeBucket(client, replica);
    await removeBucket(client, source);
    await resetDatabase(ownerUrl);
    replication = { files: originals / workerSeconds, mb: mbS(backlogBytes, workerSeconds), bareMb: mbS(backlogBytes, bareCopy) };
    log(
      `replication ${originals} originals × ${originalKb} KiB, ${concurrency} in flight: worker ${replication.files.toFixed(1)} files/s ${replication.mb.toFixed(1)} MB/s ` +
        `(copy checked by SHA-256 on the way: the signed payload hash or the parts, record), bare copy ${(originals / bareCopy).toFixed(1)} files/s ${replication.bareMb.toFixed(1)} MB/s, ratio ${(replication.mb / replication.bareMb).toFixed(3)} (load ${loadNow()})`,
    );
    }

    // 3. The restore drill, as the test suite runs it.
    let restoreS: number | null = null;
    if (!process.argv.includes('--no-drill')) {
      const drillStarted = Date.now();
      await run(path.join(ROOT, 'node_modules/.bin/jest'), ['test/faults/restore-drill.test.ts', '--selectProjects', 'faults'] /* the path first: after --selectProjects it would be taken for a second project name, and every faults test would run */, { cwd: ROOT, timeout: 600_000 });
      restoreS = (Date.now() - drillStarted) / 1000;
      log(`restore drill (jest, test/faults/restore-drill.test.ts): ${restoreS.toFixed(1)} s`);
    }

    const ingestRatio = ingest && ingest.api / ingest.bare;
    const replicationRatio = replication && replication.mb / replication.bareMb;
    log(`load average at the end: ${loadNow()}`);
    reportFigures(
      {
        ingest_ratio: ingestRatio === null ? null : r2(ingestRatio),
        replication_ratio: replicationRatio === null ? null : r2(replicationRatio),
        replication_mb_s: replication && r2(replication.mb, 1),
        replication_files_s: replication && r2(replication.files, 1),
        restore_s: restoreS === null ? null : r2(restoreS, 1),
        peak_rss_mb: r2(peakRss, 1),
        ingest_cpu_s_per_gb: ingestCpu && r2(ingestCpu.api, 2),
        bare_ingest_cpu_s_per_gb: ingestCpu && r2(ingestCpu.bare, 2),
      },
      [ingestRatio !== null && ingestRatio < 0.8 && `ingest ratio ${ingestRatio.toFixed(3)} < 0.8`, replicationRatio !== null && replicationRatio < 0.7 && `replication ratio ${replicationRatio.toFixed(3)} < 0.7`],
    );
  } finally {
    for (const proc of children) await stopChild(proc);
    for (const { client: c, bucket } of [...buckets]) await removeBucket(c, bucket).catch(() => undefined);
    await fs.rm(temp, { recursive: true, force: true });
    client.destroy();
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void (async () => {
      for (const proc of children) proc.kill('SIGKILL');
      for (const { client: c, bucket } of [...buckets]) await removeBucket(c, bucket).catch(() => undefined);
    })().finally(() => process.exit(130));
  });
}

main().catch((err: Error) => {
  process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
  process.exitCode = 2;
});
