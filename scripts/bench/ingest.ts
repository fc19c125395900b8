/**
 * `npm run bench:ingest`: upload throughput and memory of the Svidetel API against a bare Node
 * server receiving the same bytes.
 *
 * Generates a 1 GiB MP4-looking video and 200 × 5 MiB JPEG-looking photos (valid headers, then
 * random bytes: the upload only sniffs the first bytes), starts the Svidetel API (no worker:
 * ingest only) and a baseline server (`pipeline(req, createWriteStream)` + SHA-256 of the stream)
 * as child processes on loopback, sends each workload to both as multipart/form-data streamed from
 * disk (8 uploads in flight for the photos), and prints MB/s (10^6 bytes of file content per
 * second of wall time), the ratio, and each server's peak RSS (VmHWM).
 *
 * The last line of output is one JSON object: {"mb_s", "baseline_mb_s", "ratio", "peak_rss_mb"}.
 * Exit code 1 when a bar is missed (ratio < 0.8, or peak RSS ≥ 300 MB), 2 on an error.
 *
 * Options: --rounds=N (default 1; workloads are interleaved baseline/Svidetel each round),
 *          --profile (writes a V8 CPU profile of the Svidetel server to $TMPDIR/svidetel-bench-profiles/).
 * Env: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/svidetel_bench; dropped and
 *      recreated, so it must be dedicated), BENCH_REDIS_URL (default redis://127.0.0.1:6379).
 * Needs PostgreSQL and Redis; uses ~6 GB of temporary disk, removed at the end in every case.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import IORedis from 'ioredis';
import { Client } from 'pg';
import sharp from 'sharp';
import { appDatabaseEnv, freePort, log } from './bench-kit';

const MiB = 1024 * 1024;
const ROOT = path.resolve(__dirname, '..', '..');
const BIG_BYTES = 1024 * MiB;
const SMALL_COUNT = 200;
const SMALL_BYTES = 5 * MiB;
const CONCURRENCY = 8;
const BAR_RATIO = 0.8;
const BAR_RSS_MB = 300;
const HOST = '127.0.0.1';
const PROFILE_DIR = path.join(os.tmpdir(), 'svidetel-bench-profiles');

// ----------------------------------------------------------------------------------------------
// Baseline server (this same file, run as a child with --baseline-server)

function runBaselineServer(): void {
  const dir = process.env.BENCH_BASELINE_DIR!;
  const port = Number(process.env.PORT);
  let counter = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
      return;
    }
    if (req.method !== 'POST') {
      res.statusCode = 405;
      res.end();
      return;
    }
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    const file = path.join(dir, `${process.pid}-${counter++}.bin`);
    pipeline(req, createWriteStream(file, { flags: 'wx' })).then(
      () => {
        res.statusCode = 201;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ sha256: hash.digest('hex'), bytes }));
      },
      (err: Error) => {
        res.statusCode = 500;
        res.end(err.message);
      },
    );
  });
  server.requestTimeout = 0;
  server.listen(port, HOST);
  process.once('SIGTERM', () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

// ----------------------------------------------------------------------------------------------
// Helpers

type Child = {
  name: string;
  proc: ChildProcess;
  url: string;
  output: string[];
  exited: Promise<number | null>;
};

const children = new Set<Child>();
let tempRoot: string | null = null;

function startChild(name: string, args: string[], env: Record<string, string>, port: number): Child {
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString('utf8'));
    if (output.length > 200) output.shift();
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const child: Child = { name, proc, url: `http://${HOST}:${port}`, output, exited };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

async function waitReady(child: Child, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void child.exited.then((c) => (exitCode = c));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new Error(`${child.name} exited (code ${exitCode}) before answering:\n${child.output.join('').slice(-4000)}`);
    }
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get(`${child.url}/healthz`, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.setTimeout(1000, () => req.destroy());
      req.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${child.name} did not answer /healthz within ${timeoutMs / 1000} s:\n${child.output.join('').slice(-4000)}`);
}

async function stopChild(child: Child): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), 15_000);
  await child.exited;
  clearTimeout(timer);
}

/** Peak and current resident set of a process, from the kernel (MB = 10^6 bytes). */
function memoryOf(pid: number): { hwmMb: number; rssMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { hwmMb: (kb('VmHWM') * 1024) / 1e6, rssMb: (kb('VmRSS') * 1024) / 1e6 };
  } catch {
    return null;
  }
}

/** User + system CPU seconds a process has used so far. */
function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

// ----------------------------------------------------------------------------------------------
// Inputs

type InputFile = { path: string; name: string; contentType: string; bytes: number; sha256: string };

/** A real (tiny) JPEG, then a unique block, then random bytes up to the size. */
async function jpegHeader(): Promise<Buffer> {
  return sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

/** An ISO-BMFF file: ftyp (isom, compatible isom/mp42), then one mdat box (64-bit size) to the end. */
function mp4Header(total: number): Buffer {
  const ftyp = Buffer.alloc(24);
  ftyp.writeUInt32BE(24, 0);
  ftyp.write('ftyp', 4, 'latin1');
  ftyp.write('isom', 8, 'latin1');
  ftyp.writeUInt32BE(0x200, 12);
  ftyp.write('isom', 16, 'latin1');
  ftyp.write('mp42', 20, 'latin1');
  const mdat = Buffer.alloc(16);
  mdat.writeUInt32BE(1, 0); // size 1: the 64-bit size follows the type
  mdat.write('mdat', 4, 'latin1');
  mdat.writeBigUInt64BE(BigInt(total - 24), 8);
  return Buffer.concat([ftyp, mdat]);
}

async function writeInput(file: string, header: Buffer, bytes: number, pool: Buffer): Promise<string> {
  const hash = createHash('sha256');
  const unique = randomBytes(4096);
  let offset = unique.readUInt32BE(0) % pool.length;
  let written = 0;
  async function* chunks() {
    for (const part of [header, unique]) {
      const piece = part.subarray(0, bytes - written);
      written += piece.length;
      yield piece;
    }
    while (written < bytes) {
      const len = Math.min(MiB, bytes - written, pool.length - offset);
      const piece = pool.subarray(offset, offset + len);
      offset = (offset + len) % pool.length;
      written += len;
      yield piece;
    }
  }
  await pipeline(
    chunks,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const c of source) {
        hash.update(c);
        yield c;
      }
    },
    createWriteStream(file),
  );
  return hash.digest('hex');
}

async function generateInputs(dir: string): Promise<{ big: InputFile; small: InputFile[] }> {
  await fs.mkdir(dir, { recursive: true });
  const pool = randomBytes(64 * MiB);
  const jpeg = await jpegHeader();
  const bigPath = path.join(dir, 'bench-video.mp4');
  const big: InputFile = {
    path: bigPath,
    name: 'bench-video.mp4',
    contentType: 'video/mp4',
    bytes: BIG_BYTES,
    sha256: await writeInput(bigPath, mp4Header(BIG_BYTES), BIG_BYTES, pool),
  };
  const small: InputFile[] = [];
  for (let i = 0; i < SMALL_COUNT; i++) {
    const name = `bench-photo-${String(i + 1).padStart(3, '0')}.jpg`;
    const p = path.join(dir, name);
    small.push({ path: p, name, contentType: 'image/jpeg', bytes: SMALL_BYTES, sha256: await writeInput(p, jpeg, SMALL_BYTES, pool) });
  }
  return { big, small };
}

// ----------------------------------------------------------------------------------------------
// Client: multipart/form-data written by hand, the file streamed from disk, with Content-Length

const FIELDS: Record<string, string> = {
  election_id: '1',
  region: 'Benchmark region',
  station_number: '8050',
  category_code: 'ballot_stuffing',
  description: 'Synthetic upload from scripts/bench/ingest.ts',
};

type Target = { url: string; path: string; headers: Record<string, string> };

function upload(target: Target, agent: http.Agent, file: InputFile): Promise<{ status: number; body: string }> {
  const boundary = `----svidetel-bench-${randomBytes(12).toString('hex')}`;
  const fieldParts = Object.entries(FIELDS)
    .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
    .join('');
  const pre = Buffer.from(
    `${fieldParts}--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${file.name}"\r\n` +
      `Content-Type: ${file.contentType}\r\n\r\n`,
    'utf8',
  );
  const post = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  const { hostname, port } = new URL(target.url);
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (!settled) {
        settled = true;
        fn();
      }
    };
    const req = http.request(
      {
        hostname,
        port,
        path: target.path,
        method: 'POST',
        agent,
        headers: {
          ...target.headers,
          accept: 'application/json',
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(pre.length + file.bytes + post.length),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => finish(() => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') })));
        res.on('error', (err) => finish(() => reject(err)));
      },
    );
    req.on('error', (err) => finish(() => reject(err)));
    req.write(pre);
    const stream = createReadStream(file.path, { highWaterMark: MiB });
    stream.on('error', (err) => {
      req.destroy(err);
      finish(() => reject(err));
    });
    stream.on('end', () => req.end(post));
    stream.pipe(req, { end: false });
  });
}

type Run = { bytes: number; seconds: number; cpuSeconds: number };

async function runWorkload(
  target: Target,
  files: InputFile[],
  concurrency: number,
  pid: number,
  check: (file: InputFile, res: { status: number; body: string }) => void,
): Promise<Run> {
  let next = 0;
  // A fresh keep-alive pool per phase: sockets left idle across phases would be closed by the
  // server's keep-alive timeout, racing with their reuse.
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const cpuBefore = cpuSecondsOf(pid);
  const started = process.hrtime.bigint();
  const lane = async () => {
    for (;;) {
      const index = next++;
      if (index >= files.length) return;
      const file = files[index]!;
      check(file, await upload(target, agent, file));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, lane));
  } finally {
    agent.destroy();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { bytes: files.reduce((n, f) => n + f.bytes, 0), seconds, cpuSeconds: cpuSecondsOf(pid) - cpuBefore };
}

/** GET / for the anonymous CSRF cookie, which must come back as cookie and as x-csrf-token. */
async function csrfHeaders(url: string): Promise<Record<string, string>> {
  const res = await fetch(`${url}/`);
  await res.arrayBuffer();
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('svid_csrf='));
  const token = cookie?.split(';')[0]!.slice('svid_csrf='.length);
  if (!token) throw new Error(`GET / (status ${res.status}) set no svid_csrf cookie`);
  return { cookie: `svid_csrf=${token}`, 'x-csrf-token': token };
}

// ----------------------------------------------------------------------------------------------
// Database and queue: dedicated to the bench, emptied before and after

async function resetDatabase(databaseUrl: string, recreate: boolean): Promise<void> {
  const u = new URL(databaseUrl);
  const name = decodeURIComponent(u.pathname.slice(1));
  if (!/^[a-z0-9_]*bench[a-z0-9_]*$/i.test(name)) throw new Error(`refusing to drop "${name}": the bench database name must contain "bench"`);
  u.pathname = '/postgres';
  const admin = new Client({ connectionString: u.toString(), connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    if (recreate) await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
}

async function clearQueue(redisUrl: string, prefix: string): Promise<void> {
  const redis = new IORedis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    for (let i = 0; i < 100_000; i++) {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = nextCursor;
      if (cursor === '0') break;
    }
  } finally {
    redis.disconnect();
  }
}

async function countFiles(dir: string): Promise<number> {
  let n = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) if (entry.isFile()) n++;
  return n;
}

// ----------------------------------------------------------------------------------------------

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const mbps = (r: Run) => r.bytes / 1e6 / r.seconds;

function addRun(a: Run | undefined, b: Run): Run {
  return a ? { bytes: a.bytes + b.bytes, seconds: a.seconds + b.seconds, cpuSeconds: a.cpuSeconds + b.cpuSeconds } : b;
}

async function main(): Promise<number> {
  const rounds = Math.max(1, Math.min(10, Number(/^--rounds=(\d+)$/.exec(process.argv.find((a) => a.startsWith('--rounds=')) ?? '')?.[1] ?? 1)));
  const profile = process.argv.includes('--profile');
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/svidetel_bench';
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const queuePrefix = 'bench';

  tempRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-bench-'));
  const inputsDir = path.join(tempRoot, 'inputs');
  const storageDir = path.join(tempRoot, 'storage');
  const baselineDir = path.join(tempRoot, 'baseline');
  await fs.mkdir(baselineDir, { recursive: true });

  log(`== Svidetel ingest bench (${os.cpus().length} CPUs, node ${process.version}, temp ${tempRoot})`);
  let t = Date.now();
  const { big, small } = await generateInputs(inputsDir);
  log(`generated 1 × ${big.bytes / MiB} MiB MP4-looking file and ${small.length} × ${SMALL_BYTES / MiB} MiB JPEG-looking files in ${fmt((Date.now() - t) / 1000)} s`);

  await resetDatabase(databaseUrl, true);
  const databaseEnv = await appDatabaseEnv(databaseUrl);
  await clearQueue(redisUrl, queuePrefix);

  const svidetelPort = await freePort(HOST);
  const svidetel = startChild(
    'Svidetel API',
    [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []), '--import', 'tsx', 'api/main.ts'],
    {
      NODE_ENV: 'production',
      LOG_ORIGIN: 'bench-ingest.svidetel.test/log',
      PUBLIC_URL: `http://${HOST}:${svidetelPort}`,
      HOST,
      STORAGE_DIR: storageDir,
      ...databaseEnv,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: queuePrefix,
      LOG_LEVEL: 'warn',
      MAX_VIDEO_MB: String(Math.ceil(BIG_BYTES / MiB) + 16), // the 1 GiB file is exactly at the default limit
    },
    svidetelPort,
  );
  const baselinePort = await freePort(HOST);
  const baseline = startChild(
    'baseline server',
    ['--import', 'tsx', path.join('scripts', 'bench', 'ingest.ts'), '--baseline-server'],
    { BENCH_BASELINE_DIR: baselineDir },
    baselinePort,
  );
  t = Date.now();
  await Promise.all([waitReady(svidetel), waitReady(baseline)]);
  log(`servers answering after ${fmt((Date.now() - t) / 1000)} s (Svidetel pid ${svidetel.proc.pid}, baseline pid ${baseline.proc.pid})`);

  const svidetelTarget: Target = { url: svidetel.url, path: '/api/v1/submissions', headers: await csrfHeaders(svidetel.url) };
  const baselineTarget: Target = { url: baseline.url, path: '/upload', headers: {} };

  const checkSvidetel = (file: InputFile, res: { status: number; body: string }) => {
    if (res.status !== 201) throw new Error(`Svidetel refused ${file.name}: ${res.status} ${res.body.slice(0, 500)}`);
    const receipt = JSON.parse(res.body) as { files?: { sha256: string; bytes: number }[] };
    const got = receipt.files?.[0];
    if (got?.sha256 !== file.sha256 || got.bytes !== file.bytes) {
      throw new Error(`Svidetel's receipt for ${file.name} does not match: ${res.body.slice(0, 500)}`);
    }
  };
  const checkBaseline = (file: InputFile, res: { status: number; body: string }) => {
    if (res.status !== 201) throw new Error(`baseline refused ${file.name}: ${res.status} ${res.body.slice(0, 200)}`);
  };

  // Each phase starts with the page cache's dirty data written back, so neither server pays for the other's.
  const settle = () => spawnSync('sync', { stdio: 'ignore' });
  const totals: Record<string, Run | undefined> = {};
  const memorySamples = { svidetel: 0, baseline: 0 };
  const sampler = setInterval(() => {
    memorySamples.svidetel = Math.max(memorySamples.svidetel, memoryOf(svidetel.proc.pid!)?.rssMb ?? 0);
    memorySamples.baseline = Math.max(memorySamples.baseline, memoryOf(baseline.proc.pid!)?.rssMb ?? 0);
  }, 50);

  const phases: { key: string; label: string; files: InputFile[]; concurrency: number }[] = [
    { key: 'big', label: `1 × ${big.bytes / MiB} MiB video`, files: [big], concurrency: 1 },
    { key: 'small', label: `${small.length} × ${SMALL_BYTES / MiB} MiB photos, ${CONCURRENCY} in flight`, files: small, concurrency: CONCURRENCY },
  ];
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const phase of phases) {
        for (const [who, target, child, check] of [
          ['baseline', baselineTarget, baseline, checkBaseline],
          ['svidetel', svidetelTarget, svidetel, checkSvidetel],
        ] as const) {
          settle();
          const run = await runWorkload(target, phase.files, phase.concurrency, child.proc.pid!, check);
          totals[`${who}:${phase.key}`] = addRun(totals[`${who}:${phase.key}`], run);
          totals[who] = addRun(totals[who], run);
          log(
            `round ${round} ${phase.label.padEnd(36)} ${who.padEnd(8)} ${fmt(mbps(run)).padStart(7)} MB/s` +
              `  ${fmt(run.seconds, 2)} s  server CPU ${fmt(run.cpuSeconds, 2)} s (${fmt(run.cpuSeconds / (run.bytes / 1e9), 2)} s/GB)`,
          );
        }
      }
    }
  } finally {
    clearInterval(sampler);
  }

  const svidetelMem = memoryOf(svidetel.proc.pid!);
  const baselineMem = memoryOf(baseline.proc.pid!);
  const stored = await countFiles(path.join(storageDir, 'originals'));
  const leftInTmp = await countFiles(path.join(storageDir, 'tmp'));

  const s = totals.svidetel!;
  const b = totals.baseline!;
  const ratio = mbps(s) / mbps(b);
  const peakRss = svidetelMem?.hwmMb ?? memorySamples.svidetel;
  log('');
  for (const phase of phases) {
    const ps = totals[`svidetel:${phase.key}`]!;
    const pb = totals[`baseline:${phase.key}`]!;
    log(`${phase.label.padEnd(45)} Svidetel ${fmt(mbps(ps))} MB/s, baseline ${fmt(mbps(pb))} MB/s, ratio ${fmt(mbps(ps) / mbps(pb), 2)}`);
  }
  log(`overall                                       Svidetel ${fmt(mbps(s))} MB/s, baseline ${fmt(mbps(b))} MB/s, ratio ${fmt(ratio, 2)}`);
  log(`peak RSS (VmHWM)                              Svidetel ${fmt(peakRss)} MB, baseline ${fmt(baselineMem?.hwmMb ?? memorySamples.baseline)} MB`);
  log(`originals stored: ${stored} (expected ${1 + small.length}: identical bytes are stored once); left in tmp/: ${leftInTmp}`);
  if (profile) log(`CPU profile of the Svidetel server: written to ${PROFILE_DIR} when it exits`);
  const ratioOk = ratio >= BAR_RATIO;
  const rssOk = peakRss < BAR_RSS_MB;
  log(`bars: ratio ≥ ${BAR_RATIO}: ${ratioOk ? 'PASS' : 'FAIL'}; peak RSS < ${BAR_RSS_MB} MB: ${rssOk ? 'PASS' : 'FAIL'}`);
  if (stored !== 1 + small.length || leftInTmp !== 0) throw new Error('storage does not hold exactly the uploaded originals');

  log(JSON.stringify({ mb_s: round(mbps(s), 1), baseline_mb_s: round(mbps(b), 1), ratio: round(ratio, 3), peak_rss_mb: round(peakRss, 1) }));
  return ratioOk && rssOk ? 0 : 1;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

async function cleanup(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c)));
  if (tempRoot) await fs.rm(tempRoot, { recursive: true, force: true }).catch(() => undefined);
  tempRoot = null;
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/svidetel_bench';
  await resetDatabase(databaseUrl, false).catch(() => undefined);
  await clearQueue(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', 'bench').catch(() => undefined);
}

if (process.argv.includes('--baseline-server')) {
  runBaselineServer();
} else {
  // Children and temp files go in every case: error, Ctrl-C, or kill.
  process.on('exit', () => {
    for (const c of children) c.proc.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\n${signal}: stopping the servers and removing temp files\n`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  main().then(
    async (code) => {
      await cleanup();
      process.exit(code);
    },
    async (err: Error) => {
      process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
      await cleanup();
      process.exit(2);
    },
  );
}
