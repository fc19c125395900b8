/**
 * `npm run bench:resume`: an observer's upload over a link that keeps failing (issue 14).
 *
 * Uploads a 200 MiB MP4-looking video and 20 × 4 MiB JPEG-looking photos (valid headers, then random
 * bytes) to the Svidetel API as the upload page does: each file on its own as a tus 1.0 resumable
 * upload (after a reset: HEAD for the offset, PATCH the rest), then one JSON request naming the
 * finished uploads with the client's idempotency key (asked again after a lost answer). Everything
 * goes through a loopback TCP proxy limited to 8 Mbit/s up. Baseline, in the same run: the same
 * files through the same proxy with no cuts; then the run under test, where the proxy resets every
 * connection every 15 s.
 *
 * Figures: bytes the proxy passed up ÷ file bytes (wire_overhead, bar ≤ 1.05), completion time with
 * cuts ÷ without (time_ratio, bar ≤ 1.25), the API's peak RSS (peak_rss_mb, bar < 300), submissions
 * created (one per run: 2) and receipts whose every file has the right SHA-256 and size (2).
 * The last line is one JSON object: {"wire_overhead", "time_ratio", "peak_rss_mb", "submissions_created", "receipts_ok"}.
 * Exit code 1 when a bar is missed.
 *
 * Options: --video-mib=N (200), --photos=N (20), --photo-mib=N (4), --kbit=N (8000), --cut-every-s=N (15).
 * Env: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/svidetel_bench_resume; a cache,
 *      made again when migrated by another version), BENCH_REDIS_URL (default redis://127.0.0.1:6379).
 * Needs PostgreSQL and Redis; the inputs and the API's storage live in a temp folder removed at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import IORedis from 'ioredis';
import { startLinkProxy, type LinkProxy } from '../../test/helpers/link-proxy';
import { appDatabaseEnv, csrfHeaders, freePort, log, option, peakRssMb, reportFigures } from './bench-kit';

const MiB = 1024 * 1024;
const ROOT = path.resolve(__dirname, '..', '..');
const HOST = '127.0.0.1';
const BARS = { wireOverhead: 1.05, timeRatio: 1.25, peakRssMb: 300 };

type InputFile = { path: string; name: string; bytes: number; sha256: string };

// ---- Inputs: a real header (so the type sniffed from the first bytes is right), then random bytes

function mp4Header(total: number): Buffer {
  const ftyp = Buffer.alloc(24);
  ftyp.writeUInt32BE(24, 0);
  ftyp.write('ftypisom', 4, 'latin1');
  ftyp.writeUInt32BE(0x200, 12);
  ftyp.write('isommp42', 16, 'latin1');
  const mdat = Buffer.alloc(16);
  mdat.writeUInt32BE(1, 0);
  mdat.write('mdat', 4, 'latin1');
  mdat.writeBigUInt64BE(BigInt(total - 24), 8);
  return Buffer.concat([ftyp, mdat]);
}

/** A JPEG's start (SOI, JFIF APP0); the rest is random, as the upload only sniffs the head. */
const JPEG_HEADER = Buffer.from('ffd8ffe000104a46494600010101004800480000', 'hex');

async function writeInput(dir: string, name: string, header: Buffer, bytes: number): Promise<InputFile> {
  const file = path.join(dir, name);
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  let written = 0;
  const write = (chunk: Buffer) =>
    new Promise<void>((resolve, reject) => {
      hash.update(chunk);
      written += chunk.length;
      out.write(chunk, (err) => (err ? reject(err) : resolve()));
    });
  await write(header);
  while (written < bytes) await write(randomBytes(Math.min(MiB, bytes - written)));
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { path: file, name, bytes, sha256: hash.digest('hex') };
}

// ---- The observer's client: tus 1.0 per file, then the submission by key, retried through every cut

type Session = { base: string; headers: Record<string, string>; agent: http.Agent };

function request(s: Session, method: string, pathname: string, headers: Record<string, string>, body?: Buffer | { file: string; start: number }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(s.base);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: pathname, method, agent: s.agent, headers: { ...s.headers, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (!body || Buffer.isBuffer(body)) {
      req.end(body);
      return;
    }
    const stream = createReadStream(body.file, { start: body.start, highWaterMark: 256 * 1024 });
    stream.on('error', (err) => req.destroy(err));
    stream.pipe(req);
  });
}

const TUS = { 'tus-resumable': '1.0.0' };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A refusal the client cannot fix by sending again (as the upload page's refusalOf). */
const refused = (status: number) => status >= 400 && status < 500 && ![404, 408, 409, 410, 423, 429].includes(status);

async function sendFile(s: Session, file: InputFile): Promise<string> {
  let location: string | null = null;
  for (let attempt = 0; attempt < 10_000; attempt++) {
    try {
      if (!location) {
        const created = await request(s, 'POST', '/api/v1/uploads', {
          ...TUS,
          'upload-length': String(file.bytes),
          'upload-metadata': `filename ${Buffer.from(file.name).toString('base64')}`,
          'content-length': '0',
        });
        if (refused(created.status)) throw new Error(`refused ${file.name} at creation: ${created.status} ${created.body}`);
        if (created.status !== 201) throw new Error(`retry: creation answered ${created.status}`);
        location = new URL(String(created.headers.location), s.base).pathname;
      }
      const head = await request(s, 'HEAD', location, TUS);
      if (head.status === 404 || head.status === 410) {
        location = null; // expired: start this file again
        continue;
      }
      if (head.status !== 200) throw new Error(`retry: HEAD answered ${head.status}`);
      const offset = Number(head.headers['upload-offset']);
      if (offset === file.bytes) return location.split('/').pop()!;
      const patched = await request(s, 'PATCH', location, {
        ...TUS,
        'upload-offset': String(offset),
        'content-type': 'application/offset+octet-stream',
        'content-length': String(file.bytes - offset),
      }, { file: file.path, start: offset });
      if (refused(patched.status)) throw new Error(`refused ${file.name}: ${patched.status} ${patched.body}`);
    } catch (err) {
      if ((err as Error).message.startsWith('refused')) throw err;
      await pause(Math.min(2000, 100 * 2 ** Math.min(attempt, 4)));
    }
  }
  throw new Error(`gave up on ${file.name}`);
}

type Receipt = { submissionId: string; files: { sha256: string; bytes: number }[] };

async function submit(s: Session, uploads: string[], key: string): Promise<Receipt> {
  const body = Buffer.from(
    JSON.stringify({ election_id: 1, region: 'Benchmark region', station_number: '8050', category_code: 'ballot_stuffing', description: 'Synthetic upload from scripts/bench/resume.ts', idempotency_key: key, uploads }),
  );
  for (let attempt = 0; attempt < 1000; attempt++) {
    try {
      const res = await request(s, 'POST', '/api/v1/submissions', { 'content-type': 'application/json', accept: 'application/json', 'content-length': String(body.length) }, body);
      if (res.status === 201) return JSON.parse(res.body) as Receipt;
      if (res.status < 500 && res.status !== 429) throw new Error(`refused the submission: ${res.status} ${res.body.slice(0, 300)}`);
    } catch (err) {
      if ((err as Error).message.startsWith('refused')) throw err;
    }
    await pause(500); // a lost answer: the same key again returns the same receipt
  }
  throw new Error('gave up on the submission');
}

/** One observer's whole upload through the proxy: seconds taken, the receipt, bytes the link carried up. */
async function observerUpload(proxy: LinkProxy, files: InputFile[], cutEveryMs: number | null): Promise<{ seconds: number; receipt: Receipt; wireBytes: number; cuts: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const s: Session = { base: proxy.url, headers: await csrfHeaders(proxy.url), agent };
  const startBytes = proxy.bytesUp;
  let cuts = 0;
  const cutter = cutEveryMs ? setInterval(() => { cuts++; proxy.cut(); }, cutEveryMs) : null;
  const started = process.hrtime.bigint();
  try {
    const ids: string[] = [];
    for (const f of files) ids.push(await sendFile(s, f));
    const receipt = await submit(s, ids, randomBytes(24).toString('base64url'));
    return { seconds: Number(process.hrtime.bigint() - started) / 1e9, receipt, wireBytes: proxy.bytesUp - startBytes, cuts };
  } finally {
    if (cutter) clearInterval(cutter);
    agent.destroy();
  }
}

const receiptMatches = (r: Receipt, files: InputFile[]) =>
  r.files.length === files.length && r.files.every((f, i) => f.sha256 === files[i]!.sha256 && f.bytes === files[i]!.bytes);

// ---- The API as a child process

function startApi(env: Record<string, string>, port: number): { proc: ChildProcess; output: string[]; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], { cwd: ROOT, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (c: Buffer) => { output.push(c.toString('utf8')); if (output.length > 100) output.shift(); };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  return { proc, output, exited: new Promise((resolve) => proc.once('exit', resolve)) };
}

async function waitReady(url: string, api: { proc: ChildProcess; output: string[] }): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (api.proc.exitCode !== null) throw new Error(`the API exited:\n${api.output.join('').slice(-3000)}`);
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) return;
    await pause(200);
  }
  throw new Error(`the API did not answer:\n${api.output.join('').slice(-3000)}`);
}

async function clearQueue(redisUrl: string, prefix: string): Promise<void> {
  const redis = new IORedis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const videoMib = option('video-mib', 200);
  const photoCount = option('photos', 20);
  const photoMib = option('photo-mib', 4);
  const bytesPerSecond = (option('kbit', 8000) * 1000) / 8;
  const cutEveryMs = option('cut-every-s', 15) * 1000;
  const ownerUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/svidetel_bench_resume';
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const queuePrefix = `svidetel-bench-resume-${process.pid}`;
  const temp = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-bench-resume-'));
  let api: ReturnType<typeof startApi> | null = null;
  let proxy: LinkProxy | null = null;
  try {
    log(`== resumable uploads over a failing link (${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)}, node ${process.version})`);
    await fs.mkdir(path.join(temp, 'inputs'));
    const files = [await writeInput(path.join(temp, 'inputs'), 'bench-video.mp4', mp4Header(videoMib * MiB), videoMib * MiB)];
    for (let i = 0; i < photoCount; i++) files.push(await writeInput(path.join(temp, 'inputs'), `bench-photo-${i + 1}.jpg`, JPEG_HEADER, photoMib * MiB));
    const fileBytes = files.reduce((n, f) => n + f.bytes, 0);
    log(`inputs: 1 × ${videoMib} MiB video, ${photoCount} × ${photoMib} MiB photos (${(fileBytes / 1e6).toFixed(1)} MB); link ${(bytesPerSecond * 8) / 1e6} Mbit/s up, cut every ${cutEveryMs / 1000} s`);

    const databaseEnv = await appDatabaseEnv(ownerUrl);
    const port = await freePort(HOST);
    const url = `http://${HOST}:${port}`;
    api = startApi(
      {
        NODE_ENV: 'production',
        PUBLIC_URL: url,
        LOG_ORIGIN: 'bench-resume.svidetel.test/log',
        HOST,
        STORAGE_DIR: path.join(temp, 'storage'),
        ...databaseEnv,
        REDIS_URL: redisUrl,
        QUEUE_PREFIX: queuePrefix,
        LOG_LEVEL: 'warn',
        MAX_VIDEO_MB: String(Math.max(1024, videoMib + 16)),
        // 21 files in one submission (the workload): one more than the default limit
        MAX_FILES_PER_SUBMISSION: String(Math.max(20, files.length)),
      },
      port,
    );
    await waitReady(url, api);
    proxy = await startLinkProxy(url);
    proxy.throttle(bytesPerSecond);

    const db = new Client({ connectionString: ownerUrl });
    await db.connect();
    const count = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM submissions')).rows[0]!.n;
    const before = await count();

    const baseline = await observerUpload(proxy, files, null);
    log(`baseline (no cuts):   ${baseline.seconds.toFixed(1)} s, ${(baseline.wireBytes / 1e6).toFixed(1)} MB up (${(baseline.wireBytes / fileBytes).toFixed(4)} × the files)`);
    const cut = await observerUpload(proxy, files, cutEveryMs);
    log(`with ${String(cut.cuts).padStart(3)} cuts:       ${cut.seconds.toFixed(1)} s, ${(cut.wireBytes / 1e6).toFixed(1)} MB up (${(cut.wireBytes / fileBytes).toFixed(4)} × the files)`);

    const submissionsCreated = (await count()) - before;
    await db.end();
    const figures = {
      wire_overhead: Number((cut.wireBytes / fileBytes).toFixed(4)),
      time_ratio: Number((cut.seconds / baseline.seconds).toFixed(3)),
      peak_rss_mb: Number(peakRssMb(api.proc.pid!).toFixed(1)),
      submissions_created: submissionsCreated,
      receipts_ok: [baseline, cut].filter((r) => receiptMatches(r.receipt, files)).length,
      cuts: cut.cuts,
      seconds_with_cuts: Number(cut.seconds.toFixed(1)),
      seconds_baseline: Number(baseline.seconds.toFixed(1)),
    };
    reportFigures(figures, [
      figures.wire_overhead > BARS.wireOverhead && `wire overhead ${figures.wire_overhead} > ${BARS.wireOverhead}`,
      figures.time_ratio > BARS.timeRatio && `time ratio ${figures.time_ratio} > ${BARS.timeRatio}`,
      figures.peak_rss_mb >= BARS.peakRssMb && `peak RSS ${figures.peak_rss_mb} MB ≥ ${BARS.peakRssMb}`,
      figures.submissions_created !== 2 && `${figures.submissions_created} submissions created, not 2`,
      figures.receipts_ok !== 2 && `${figures.receipts_ok} of 2 receipts right`,
    ]);
  } finally {
    await proxy?.close();
    if (api && api.proc.exitCode === null) {
      api.proc.kill('SIGTERM');
      await api.exited;
    }
    await clearQueue(redisUrl, queuePrefix).catch(() => undefined);
    await fs.rm(temp, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(2);
});
