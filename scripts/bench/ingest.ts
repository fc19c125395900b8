/**
 * `npm run bench:ingest`: upload throughput and memory of the Svidetel API against the limit of this
 * machine and against the tus Node server, over five rounds back to back on an archive of 1 M files.
 *
 * Workload (each round, for every contender): 200 × 5 MiB JPEG-looking photos with 8 in flight, then
 * one 256 MiB file and one 1 GiB MP4-looking video. Every Svidetel upload has bytes of its own (the
 * last 32 bytes of each input are redrawn before each Svidetel phase), so the store grows round by
 * round as a real archive does instead of finding each file already stored.
 *
 * Contenders, each measured in the same run:
 *  - the limit: a bare Node server that streams the body to disk with SHA-256 and an fsync before it
 *    answers (as Svidetel does), at a few write-buffer sizes (the best one is kept after round 1),
 *    and `dd … conv=fdatasync` copying the same files raw, with the same concurrency. The limit is
 *    the better of the two, and the output says which;
 *  - the peer (ingest-peer.ts): `@tus/server` with `@tus/file-store`, reading each finished upload
 *    back for its SHA-256 (the read-back a tus server needs to know what it received), driven by
 *    `tus-js-client`, run compiled (dist/scripts/bench/ingest-peer.js) with the API's Node options;
 *  - Svidetel's resumable path (tus, /api/v1/uploads, then the JSON submission naming the upload:
 *    what the observer's page does), driven by the same `tus-js-client`: this is `mb_s`. The API runs
 *    as production runs it: the Dockerfile's CMD on the code compiled to dist/, built by the bench;
 *  - Svidetel's multipart POST /api/v1/submissions (the page without JavaScript, and API clients):
 *    reported beside it.
 *
 * The database is svidetel_bench_ingest, seeded once with 1 M archive entries (submissions, files,
 * blobs; scripts/bench/archive-seed.ts) and 2^20 transparency-log leaves, and reused by later runs;
 * the store and the temp folder are fresh each run and never reset between rounds.
 *
 * Each round starts with the store's files written back and dropped from the page cache: the store
 * keeps every round's originals (tens of GB at full size), and without this each round would begin
 * with less free memory than the one before, its writes paying for the kernel's reclaim.
 *
 * Last line: {"mb_s", "small_mb_s", "large_mb_s", "limit_mb_s", "ratio", "small_ratio", "peer_mb_s",
 * "peer_ratio", "drift", "idle_rss_mb", "peak_rss_mb", "cpu_s_per_gb", "multipart_cpu_s_per_gb",
 * "peer_cpu_s_per_gb", "cpu_drift"} (MB = 10^6 bytes of file content, per second of wall time;
 * ratio = mb_s / limit_mb_s; peer_ratio = mb_s / peer_mb_s; drift = the last round's mb_s ÷ the first
 * round's; RSS of the API process, idle after start and peak VmHWM; server CPU seconds (user + system)
 * per GB of file content of the resumable path, the multipart path and the peer, and the resumable
 * path's last round ÷ its first: steadier than MB/s on a loaded machine). Exit code 1 when a bar is
 * missed, 2 on an error.
 *
 * Options: --rounds=N (default 5), --rows=N (archive entries seeded, default 1 000 000; 0 = an empty
 * archive), --profile (V8 CPU profile of the API into $TMPDIR/svidetel-bench-profiles/), --quick (24 photos, a
 * 16 MiB clip and a 64 MiB video: checks the bench itself, its figures compare with nothing).
 * Env: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/svidetel_bench_ingest; dedicated),
 *      BENCH_REDIS_URL (default redis://127.0.0.1:6379).
 * Needs PostgreSQL, Redis and `dd`; needs ~30 GB of temporary disk (the store keeps every round),
 * removed at the end in every case.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import IORedis from 'ioredis';
import sharp from 'sharp';
import * as tus from 'tus-js-client';
import { build, DIST } from '../build';
import { ensureArchiveSeeded, withClient } from './archive-seed';
import { appDatabaseEnv, csrfHeaders, freePort, log, option, reportFigures } from './bench-kit';
import { processCpuSeconds } from '../../infra/media/run-tool';

const MiB = 1024 * 1024;
const ROOT = path.resolve(__dirname, '..', '..');
// --quick: a workload small enough to check the bench itself; its figures compare with nothing.
const QUICK = process.argv.includes('--quick');
const SMALL_COUNT = QUICK ? 24 : 200;
const SMALL_BYTES = 5 * MiB;
const MID_BYTES = (QUICK ? 16 : 256) * MiB;
const BIG_BYTES = (QUICK ? 64 : 1024) * MiB;
const CONCURRENCY = 8;
/** Write buffers the bare server is tried with in round 1 (Node's default is 16 KiB). */
const BARE_BUFFERS = [64 * 1024, MiB, 4 * MiB];
const DD_BLOCK = '1M';
const LOG_SEED_LEVELS = 20; // 2^20 leaves: a log of an archive of a million files
const TAIL_BYTES = 32;
const HOST = '127.0.0.1';
const PROFILE_DIR = path.join(os.tmpdir(), 'svidetel-bench-profiles');
const DISK_NEEDED_BYTES = 32e9;
const BARS = { ratio: 0.8, small_ratio: 0.75, peer_ratio: 1.15, drift: 0.95, idle_rss_mb: 100, peak_rss_mb: 150 };

// ----------------------------------------------------------------------------------------------
// The bare server (this same file, run as a child; the peer is ingest-peer.ts)

/** The limit of a Node server: body → file (write buffer of ?hwm= bytes) with SHA-256, fsync, answer. */
function runBareServer(): void {
  const dir = process.env.BENCH_DIR!;
  let counter = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') return void res.end('{"ok":true}');
    const hwm = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('hwm')) || 16 * 1024;
    const hash = createHash('sha256');
    req.on('data', (chunk: Buffer) => hash.update(chunk));
    const file = path.join(dir, `bare-${counter++}.bin`);
    pipeline(req, createWriteStream(file, { flags: 'wx', highWaterMark: hwm, flush: true })).then(
      () => {
        res.statusCode = 201;
        res.end(JSON.stringify({ sha256: hash.digest('hex') }));
        void fs.rm(file, { force: true });
      },
      (err: Error) => {
        res.statusCode = 500;
        res.end(err.message);
      },
    );
  });
  server.requestTimeout = 0;
  server.listen(Number(process.env.PORT), HOST);
  process.once('SIGTERM', () => process.exit(0));
}

// ----------------------------------------------------------------------------------------------
// Child processes

type Child = { name: string; proc: ChildProcess; url: string; output: string[]; exited: Promise<number | null> };

const children = new Set<Child>();
let tempRoot: string | null = null;

function startChild(name: string, args: string[], env: Record<string, string>, port: number): Child {
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
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
    if (exitCode !== undefined) throw new Error(`${child.name} exited (code ${exitCode}) before answering:\n${child.output.join('').slice(-4000)}`);
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

/** Peak (VmHWM) and current (VmRSS) resident memory of a process, MB = 10^6 bytes. */
function memoryOf(pid: number): { hwmMb: number; rssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { hwmMb: megabytesIn(status, 'VmHWM'), rssMb: megabytesIn(status, 'VmRSS') };
}

/** A `Field:   123 kB` line of a /proc file, in MB (10^6 bytes); NaN when absent. */
function megabytesIn(procFile: string, field: string): number {
  return (Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(procFile)?.[1] ?? NaN) * 1024) / 1e6;
}

/** User + system CPU seconds a process has used so far (NaN for none). */
const cpuSecondsOf = (pid: number | null): number => (pid === null ? NaN : processCpuSeconds(pid) ?? NaN);

// ----------------------------------------------------------------------------------------------
// Inputs: written once; the last TAIL_BYTES are redrawn so that each Svidetel upload is new bytes

type InputFile = {
  path: string;
  name: string;
  contentType: string;
  bytes: number;
  /** SHA-256 state of everything before the tail: a new tail's digest costs 32 bytes of hashing. */
  prefix: Hash;
  sha256: string;
};

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
  mdat.writeUInt32BE(1, 0);
  mdat.write('mdat', 4, 'latin1');
  mdat.writeBigUInt64BE(BigInt(total - 24), 8);
  return Buffer.concat([ftyp, mdat]);
}

async function writeInput(dir: string, name: string, contentType: string, header: Buffer, bytes: number, pool: Buffer): Promise<InputFile> {
  const file = path.join(dir, name);
  const prefix = createHash('sha256');
  let offset = randomBytes(4).readUInt32BE(0) % pool.length;
  const body = bytes - TAIL_BYTES;
  async function* chunks() {
    let written = 0;
    for (const part of [header, randomBytes(4096)]) {
      const piece = part.subarray(0, body - written);
      written += piece.length;
      prefix.update(piece);
      yield piece;
    }
    while (written < body) {
      const len = Math.min(MiB, body - written, pool.length - offset);
      const piece = pool.subarray(offset, offset + len);
      offset = (offset + len) % pool.length;
      written += len;
      prefix.update(piece);
      yield piece;
    }
    yield Buffer.alloc(TAIL_BYTES);
  }
  await pipeline(chunks, createWriteStream(file));
  const input: InputFile = { path: file, name, contentType, bytes, prefix, sha256: '' };
  await newTails([input]);
  return input;
}

/** Redraws the last bytes of each file (in place) and its SHA-256. */
async function newTails(files: InputFile[]): Promise<void> {
  for (const f of files) {
    const tail = randomBytes(TAIL_BYTES);
    const handle = await fs.open(f.path, 'r+');
    try {
      await handle.write(tail, 0, TAIL_BYTES, f.bytes - TAIL_BYTES);
    } finally {
      await handle.close();
    }
    f.sha256 = f.prefix.copy().update(tail).digest('hex');
  }
}

async function generateInputs(dir: string): Promise<{ small: InputFile[]; mid: InputFile; big: InputFile }> {
  await fs.mkdir(dir, { recursive: true });
  const pool = randomBytes(64 * MiB);
  const jpeg = await jpegHeader();
  const small: InputFile[] = [];
  for (let i = 0; i < SMALL_COUNT; i++) {
    small.push(await writeInput(dir, `bench-photo-${String(i + 1).padStart(3, '0')}.jpg`, 'image/jpeg', jpeg, SMALL_BYTES, pool));
  }
  const mid = await writeInput(dir, 'bench-clip.mp4', 'video/mp4', mp4Header(MID_BYTES), MID_BYTES, pool);
  const big = await writeInput(dir, 'bench-video.mp4', 'video/mp4', mp4Header(BIG_BYTES), BIG_BYTES, pool);
  return { small, mid, big };
}

// ----------------------------------------------------------------------------------------------
// Clients

const FIELDS: Record<string, string> = {
  election_id: '1',
  region: 'Benchmark region',
  station_number: '8050',
  category_code: 'ballot_stuffing',
  description: 'Synthetic upload from scripts/bench/ingest.ts',
};

type Answer = { status: number; body: string };

function request(url: string, agent: http.Agent, options: http.RequestOptions, send: (req: http.ClientRequest) => void): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, ...options }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    send(req);
  });
}

/** The file streamed from disk as the body, between `pre` and `post`, with a Content-Length. */
function sendFile(url: string, agent: http.Agent, headers: Record<string, string>, file: InputFile, pre = Buffer.alloc(0), post = Buffer.alloc(0)): Promise<Answer> {
  return request(url, agent, { method: 'POST', headers: { ...headers, 'content-length': String(pre.length + file.bytes + post.length) } }, (req) => {
    req.write(pre);
    const stream = createReadStream(file.path, { highWaterMark: MiB });
    stream.on('error', (err) => req.destroy(err));
    stream.on('end', () => req.end(post));
    stream.pipe(req, { end: false });
  });
}

function multipartUpload(url: string, agent: http.Agent, headers: Record<string, string>, file: InputFile): Promise<Answer> {
  const boundary = `----svidetel-bench-${randomBytes(12).toString('hex')}`;
  const fields = Object.entries({ ...FIELDS, idempotency_key: randomBytes(24).toString('base64url') })
    .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
    .join('');
  const pre = Buffer.from(`${fields}--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${file.name}"\r\nContent-Type: ${file.contentType}\r\n\r\n`, 'utf8');
  const post = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  return sendFile(url, agent, { ...headers, accept: 'application/json', 'content-type': `multipart/form-data; boundary=${boundary}` }, file, pre, post);
}

/** One file through tus-js-client as the upload page sends it (creation, then one PATCH); resolves with the last response. */
function tusUpload(endpoint: string, agent: http.Agent, headers: Record<string, string>, file: InputFile): Promise<{ url: string; response: tus.HttpResponse }> {
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(createReadStream(file.path), {
      endpoint,
      uploadSize: file.bytes,
      metadata: { filename: file.name },
      headers,
      retryDelays: null,
      storeFingerprintForResuming: false,
      httpStack: new tus.DefaultHttpStack({ agent }),
      fileReader: megabyteReader(file),
      onSuccess: ({ lastResponse }) => resolve({ url: upload.url!, response: lastResponse }),
      onError: reject,
    });
    upload.start();
  });
}

/**
 * tus-js-client's own file source reads a slice in Node's default 64 KiB chunks (it makes its own
 * read stream, whatever the one it is given): 1 MiB reads, as sendFile's, halve the client's CPU
 * per GB, and the client runs on the same 2 cores as the servers it measures.
 */
function megabyteReader(file: InputFile): NonNullable<tus.UploadOptions['fileReader']> {
  return {
    openFile: async () => ({
      size: file.bytes,
      async slice(start: number, end: number) {
        const to = Math.min(end, file.bytes);
        const stream = Object.assign(createReadStream(file.path, { start, end: to - 1, highWaterMark: MiB }), { size: to - start });
        return { value: stream, done: to >= file.bytes };
      },
      close: () => undefined,
    }),
  };
}

function checkReceipt(who: string, file: InputFile, res: Answer): void {
  if (res.status !== 201) throw new Error(`${who} refused ${file.name}: ${res.status} ${res.body.slice(0, 500)}`);
  const got = (JSON.parse(res.body) as { files?: { sha256: string; bytes: number }[] }).files?.[0];
  if (got?.sha256 !== file.sha256 || got.bytes !== file.bytes) throw new Error(`${who}'s receipt for ${file.name} does not match: ${res.body.slice(0, 500)}`);
}

function dd(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn('dd', [`if=${from}`, `of=${to}`, `bs=${DD_BLOCK}`, 'conv=fdatasync', 'status=none'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.once('error', reject);
    proc.once('exit', (code) => (code === 0 ? fs.rm(to).then(() => resolve(), reject) : reject(new Error(`dd failed (${code}): ${err}`))));
  });
}

// ----------------------------------------------------------------------------------------------
// Seeded archive: 1 M entries (archive-seed) and a transparency log of 2^20 leaves

async function seedLog(databaseUrl: string): Promise<void> {
  await withClient(databaseUrl, async (c) => {
    const { rows } = await c.query<{ size: string }>('SELECT size FROM tlog_state WHERE id');
    if (Number(rows[0]?.size ?? 0) > 0) return;
    const started = Date.now();
    await c.query('BEGIN');
    await c.query(
      `INSERT INTO tlog_leaves (leaf_index, leaf_hash, record, sha256)
       SELECT i, sha256('\\x00'::bytea || r), r, sha256(r)
         FROM generate_series(0, $1::bigint - 1) AS i, LATERAL (SELECT convert_to('svidetel bench seed leaf ' || i, 'UTF8') AS r) AS x`,
      [2 ** LOG_SEED_LEVELS],
    );
    await c.query('INSERT INTO tlog_subtrees (level, idx, hash) SELECT 0, leaf_index, leaf_hash FROM tlog_leaves');
    for (let level = 1; level <= LOG_SEED_LEVELS; level++) {
      await c.query(
        `INSERT INTO tlog_subtrees (level, idx, hash)
         SELECT $1::smallint, l.idx / 2, sha256('\\x01'::bytea || l.hash || r.hash)
           FROM tlog_subtrees l JOIN tlog_subtrees r ON r.level = l.level AND r.idx = l.idx + 1
          WHERE l.level = $1::smallint - 1 AND l.idx % 2 = 0`,
        [level],
      );
    }
    await c.query(
      `INSERT INTO tlog_media_leaves (leaf_index, media_file_id)
       SELECT row_number() OVER (ORDER BY id) - 1, id FROM media_files LIMIT $1`,
      [2 ** LOG_SEED_LEVELS],
    );
    await c.query('UPDATE tlog_state SET size = $1 WHERE id', [2 ** LOG_SEED_LEVELS]);
    await c.query('COMMIT');
    await c.query('VACUUM ANALYZE tlog_leaves, tlog_subtrees, tlog_media_leaves');
    log(`  transparency log: ${2 ** LOG_SEED_LEVELS} leaves in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  });
}

async function recreateDatabase(databaseUrl: string): Promise<void> {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  if (!/^[a-z0-9_]*bench[a-z0-9_]*$/i.test(name)) throw new Error(`refusing to drop "${name}": the bench database name must contain "bench"`);
  await withClient(Object.assign(new URL(databaseUrl), { pathname: '/postgres' }).toString(), async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}"`);
  });
}

async function clearQueue(redisUrl: string, prefix: string): Promise<void> {
  const redis = new IORedis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000 });
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

async function countFiles(dir: string): Promise<number> {
  let n = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) if (entry.isFile()) n++;
  return n;
}

/** The kernel's page cache now (MB = 10^6 bytes): what it holds, what waits to be written, what is free. */
function pageCache(): string {
  const info = readFileSync('/proc/meminfo', 'utf8');
  const mb = (field: string) => megabytesIn(info, field).toFixed(0);
  return `page cache ${mb('Cached')} MB (dirty ${mb('Dirty')}, writeback ${mb('Writeback')}), free ${mb('MemFree')} MB`;
}

/**
 * Writes back and drops from the page cache every file under `dir` (GNU dd's `iflag=nocache count=0`
 * is posix_fadvise DONTNEED over the whole file; no root needed, nothing else's cache is touched).
 * The store keeps every round's originals: without this each round would start with less free
 * memory than the one before (tens of GB at full size), and the rounds would not be alike.
 */
async function dropFromPageCache(dir: string): Promise<void> {
  spawnSync('sync', { stdio: 'ignore' });
  const files: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (entry.isFile()) files.push(path.join(entry.parentPath, entry.name));
  }
  for (let i = 0; i < files.length; i += 500) {
    const batch = files.slice(i, i + 500);
    const done = spawnSync('sh', ['-c', 'for f; do dd if="$f" iflag=nocache count=0 status=none || exit 1; done', 'sh', ...batch], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (done.status !== 0) throw new Error(`dd iflag=nocache failed: ${done.stderr.toString().slice(0, 300)}`);
  }
}

// ----------------------------------------------------------------------------------------------
// The run

type Run = { bytes: number; seconds: number; cpuSeconds: number };
type Contender = {
  key: string;
  label: string;
  pid: number | null;
  /** Svidetel keeps what it receives: its inputs get new bytes first. */
  stores: boolean;
  send(file: InputFile, agent: http.Agent): Promise<void>;
};

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const mbps = (r: Run | undefined) => (r ? r.bytes / 1e6 / r.seconds : NaN);
const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
const add = (a: Run | undefined, b: Run): Run => (a ? { bytes: a.bytes + b.bytes, seconds: a.seconds + b.seconds, cpuSeconds: a.cpuSeconds + b.cpuSeconds } : b);

async function runPhase(contender: Contender, files: InputFile[], concurrency: number): Promise<Run> {
  if (contender.stores) await newTails(files);
  spawnSync('sync', { stdio: 'ignore' }); // each phase starts with the page cache's dirty data written back
  // A fresh keep-alive pool per phase: sockets idle across phases would race the server's keep-alive timeout.
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const cpuBefore = cpuSecondsOf(contender.pid);
  const started = process.hrtime.bigint();
  const lane = async () => {
    for (let i = next++; i < files.length; i = next++) await contender.send(files[i]!, agent);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, lane));
  } finally {
    agent.destroy();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { bytes: files.reduce((n, f) => n + f.bytes, 0), seconds, cpuSeconds: cpuSecondsOf(contender.pid) - cpuBefore };
}

async function main(): Promise<void> {
  const rounds = option('rounds', 5);
  const rowsRaw = process.argv.find((a) => a.startsWith('--rows='))?.split('=')[1];
  const rows = rowsRaw === undefined ? 1_000_000 : Number(rowsRaw);
  const profile = process.argv.includes('--profile');
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/svidetel_bench_ingest${rows === 0 ? '_empty' : ''}`;
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const queuePrefix = 'bench-ingest';

  tempRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-bench-'));
  const free = await fs.statfs(tempRoot);
  if (free.bavail * free.bsize < DISK_NEEDED_BYTES) throw new Error(`${tempRoot} has ${fmt((free.bavail * free.bsize) / 1e9)} GB free; the bench needs ${DISK_NEEDED_BYTES / 1e9} GB`);
  const dirs = Object.fromEntries(['inputs', 'storage', 'bare', 'dd', 'peer'].map((d) => [d, path.join(tempRoot!, d)]));
  await Promise.all(Object.values(dirs).map((d) => fs.mkdir(d, { recursive: true })));

  log(`== Svidetel ingest bench (${os.cpus().length} CPUs, node ${process.version}, ${rounds} rounds, temp ${tempRoot}); load: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  let t = Date.now();
  const { small, mid, big } = await generateInputs(dirs.inputs!);
  log(`inputs: ${SMALL_COUNT} × 5 MiB photos, ${MID_BYTES / MiB} MiB clip, ${BIG_BYTES / MiB} MiB video, written in ${fmt((Date.now() - t) / 1000)} s`);

  if (rows > 0) {
    await ensureArchiveSeeded(databaseUrl, rows);
    await seedLog(databaseUrl);
  } else {
    await recreateDatabase(databaseUrl); // an empty archive: made afresh each run
  }
  const databaseEnv = await appDatabaseEnv(databaseUrl);
  await clearQueue(redisUrl, queuePrefix);

  // The API as production runs it: the Dockerfile's CMD on the code compiled to dist/ (built here, from this tree).
  const production = apiCommand();
  const built = build();
  log(`dist/: ${built.files} files compiled in ${fmt(built.ms / 1000)} s; the API runs \`node ${production.nodeArgs.join(' ')} ${production.entry}\``);
  const apiPort = await freePort(HOST);
  const api = startChild(
    'Svidetel API',
    [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []), ...production.nodeArgs, production.entry],
    {
      NODE_ENV: 'production',
      ...IMAGE_NODE_ENV,
      LOG_ORIGIN: 'bench-ingest.svidetel.test/log',
      PUBLIC_URL: `http://${HOST}:${apiPort}`,
      HOST,
      STORAGE_DIR: dirs.storage!,
      ...databaseEnv,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: queuePrefix,
      LOG_LEVEL: 'warn',
      MAX_VIDEO_MB: String(BIG_BYTES / MiB + 16), // the 1 GiB file is exactly at the default limit
      // One client on loopback sends every upload: per-client caps would refuse the workload.
      UPLOADS_PER_MINUTE_PER_CLIENT: '100000',
      MAX_CONCURRENT_UPLOADS_PER_CLIENT: String(CONCURRENCY * 2),
    },
    apiPort,
  );
  const barePort = await freePort(HOST);
  const bare = startChild('bare server', ['--import', 'tsx', 'scripts/bench/ingest.ts', '--bare-server'], { BENCH_DIR: dirs.bare! }, barePort);
  const peerPort = await freePort(HOST);
  // The peer runs with the API's own Node options, so their memory compares like for like.
  const peer = startChild('tus peer', [...production.nodeArgs, path.relative(ROOT, path.join(DIST, 'scripts/bench/ingest-peer.js'))], { ...IMAGE_NODE_ENV, BENCH_DIR: dirs.peer! }, peerPort);
  t = Date.now();
  await Promise.all([waitReady(api), waitReady(bare), waitReady(peer)]);
  const csrf = await csrfHeaders(api.url);
  await new Promise((r) => setTimeout(r, 2000));
  const idle = { api: memoryOf(api.proc.pid!).rssMb, peer: memoryOf(peer.proc.pid!).rssMb };
  log(`servers answering after ${fmt((Date.now() - t) / 1000)} s; idle RSS: API ${fmt(idle.api)} MB, tus peer ${fmt(idle.peer)} MB`);

  const bareContender = (hwm: number): Contender => ({
    key: `bare-${hwm / 1024}k`,
    label: `bare, ${hwm >= MiB ? `${hwm / MiB} MiB` : `${hwm / 1024} KiB`} buffer`,
    pid: bare.proc.pid!,
    stores: false,
    async send(file, agent) {
      const res = await sendFile(`${bare.url}/upload?hwm=${hwm}`, agent, {}, file);
      if (res.status !== 201 || (JSON.parse(res.body) as { sha256: string }).sha256 !== file.sha256) throw new Error(`bare server: ${res.status} ${res.body.slice(0, 200)}`);
    },
  });
  let ddCounter = 0;
  const ddContender: Contender = { key: 'dd', label: `dd bs=${DD_BLOCK} conv=fdatasync`, pid: null, stores: false, send: (file) => dd(file.path, path.join(dirs.dd!, `dd-${ddCounter++}`)) };
  const peerContender: Contender = {
    key: 'peer',
    label: '@tus/server + file store + read-back SHA-256',
    pid: peer.proc.pid!,
    stores: false,
    async send(file, agent) {
      const { url, response } = await tusUpload(`${peer.url}/files`, agent, {}, file);
      if (response.getHeader('upload-sha256') !== file.sha256) throw new Error(`peer's SHA-256 of ${file.name} does not match`);
      await fs.rm(path.join(dirs.peer!, url.split('/').pop()!), { force: true }); // the peer's disk is not measured across rounds
      await fs.rm(path.join(dirs.peer!, `${url.split('/').pop()!}.json`), { force: true });
    },
  };
  const resumable: Contender = {
    key: 'resumable',
    label: 'Svidetel resumable (tus + JSON submission)',
    pid: api.proc.pid!,
    stores: true,
    async send(file, agent) {
      const { url } = await tusUpload(`${api.url}/api/v1/uploads`, agent, csrf, file);
      const body = JSON.stringify({ ...FIELDS, idempotency_key: randomBytes(24).toString('base64url'), uploads: [url.split('/').pop()] });
      const res = await request(`${api.url}/api/v1/submissions`, agent, { method: 'POST', headers: { ...csrf, accept: 'application/json', 'content-type': 'application/json' } }, (req) => req.end(body));
      checkReceipt('Svidetel (resumable)', file, res);
    },
  };
  const multipart: Contender = {
    key: 'multipart',
    label: 'Svidetel multipart POST /api/v1/submissions',
    pid: api.proc.pid!,
    stores: true,
    send: async (file, agent) => checkReceipt('Svidetel (multipart)', file, await multipartUpload(`${api.url}/api/v1/submissions`, agent, csrf, file)),
  };

  const phases = [
    { key: 'small', label: `${SMALL_COUNT} × 5 MiB, ${CONCURRENCY} in flight`, files: small, concurrency: CONCURRENCY },
    { key: 'large', label: `${MID_BYTES / MiB} MiB`, files: [mid], concurrency: 1 },
    { key: 'large', label: `${BIG_BYTES / MiB} MiB`, files: [big], concurrency: 1 },
  ];
  // totals[contender][phase key or 'all'], and per round for the drift
  const totals = new Map<string, Map<string, Run>>();
  const perRound = new Map<string, Run[]>();
  const record = (who: string, phase: string, run: Run, roundIndex: number) => {
    const t = totals.get(who) ?? new Map<string, Run>();
    t.set(phase, add(t.get(phase), run));
    t.set('all', add(t.get('all'), run));
    totals.set(who, t);
    const r = perRound.get(who) ?? [];
    r[roundIndex] = add(r[roundIndex], run);
    perRound.set(who, r);
  };

  let bareBest = BARE_BUFFERS[0]!;
  for (let r = 0; r < rounds; r++) {
    await dropFromPageCache(dirs.storage!);
    log(`round ${r + 1} starts: ${pageCache()}`);
    const bares = r === 0 ? BARE_BUFFERS : [bareBest];
    const contenders = [...bares.map(bareContender), ddContender, peerContender, resumable, multipart];
    for (const phase of phases) {
      for (const c of contenders) {
        const run = await runPhase(c, phase.files, phase.concurrency);
        record(c.key, phase.key, run, r);
        log(
          `round ${r + 1} ${phase.label.padEnd(20)} ${c.label.padEnd(46)} ${fmt(mbps(run)).padStart(7)} MB/s  ${fmt(run.seconds, 2).padStart(6)} s` +
            (c.pid === null ? '' : `  server CPU ${fmt(run.cpuSeconds / (run.bytes / 1e9), 2)} s/GB`),
        );
      }
    }
    if (r === 0) {
      bareBest = BARE_BUFFERS.reduce((best, hwm) => (mbps(totals.get(`bare-${hwm / 1024}k`)!.get('all')) > mbps(totals.get(`bare-${best / 1024}k`)!.get('all')) ? hwm : best));
      log(`bare write buffers in round 1: ${BARE_BUFFERS.map((h) => `${h / 1024} KiB ${fmt(mbps(totals.get(`bare-${h / 1024}k`)!.get('all')))} MB/s`).join(', ')}; kept ${bareBest / 1024} KiB`);
    }
    log(`round ${r + 1} done; load: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  }

  const after = memoryOf(api.proc.pid!);
  const peerMem = memoryOf(peer.proc.pid!);
  const get = (who: string, phase = 'all') => mbps(totals.get(who)!.get(phase));
  const bareKey = `bare-${bareBest / 1024}k`;
  const limitOf = (phase: string) => Math.max(get(bareKey, phase), get('dd', phase));
  const limitName = get(bareKey) >= get('dd') ? `bare Node server, ${bareBest / 1024} KiB buffer` : `dd bs=${DD_BLOCK} conv=fdatasync`;
  const driftOf = (who: string) => mbps(perRound.get(who)![rounds - 1]) / mbps(perRound.get(who)![0]);
  // Server CPU seconds per GB of file content: what a path costs, whatever the load did to its speed.
  const cpuPerGb = (r: Run | undefined) => (r ? r.cpuSeconds / (r.bytes / 1e9) : NaN);

  log('');
  for (const who of [bareKey, 'dd', 'peer', 'resumable', 'multipart']) {
    log(`${who.padEnd(10)} overall ${fmt(get(who)).padStart(7)} MB/s   small ${fmt(get(who, 'small')).padStart(7)}   large ${fmt(get(who, 'large')).padStart(7)}   by round ${perRound.get(who)!.map((r) => fmt(mbps(r))).join(' → ')}`);
  }
  for (const who of [bareKey, 'peer', 'resumable', 'multipart']) {
    log(`${who.padEnd(10)} server CPU ${fmt(cpuPerGb(totals.get(who)!.get('all')), 2)} s/GB (small ${fmt(cpuPerGb(totals.get(who)!.get('small')), 2)}, large ${fmt(cpuPerGb(totals.get(who)!.get('large')), 2)})   by round ${perRound.get(who)!.map((r) => fmt(cpuPerGb(r), 2)).join(' → ')}`);
  }
  log(`limit: ${limitName} (${fmt(limitOf('all'))} MB/s; small phase ${fmt(limitOf('small'))} MB/s)`);
  log(`multipart: ratio ${fmt(get('multipart') / limitOf('all'), 3)}, small ratio ${fmt(get('multipart', 'small') / limitOf('small'), 3)}, peer ratio ${fmt(get('multipart') / get('peer'), 3)}, drift ${fmt(driftOf('multipart'), 3)}`);
  log(`memory: API idle ${fmt(idle.api)} MB, after the run ${fmt(after.rssMb)} MB, peak ${fmt(after.hwmMb)} MB; tus peer idle ${fmt(idle.peer)} MB, peak ${fmt(peerMem.hwmMb)} MB`);
  const stored = await countFiles(path.join(dirs.storage!, 'originals'));
  const leftInTmp = await countFiles(path.join(dirs.storage!, 'tmp'));
  const expected = rounds * 2 * (SMALL_COUNT + 2);
  log(`originals stored: ${stored} (expected ${expected}); left in tmp/: ${leftInTmp}; load: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (stored !== expected || leftInTmp !== 0) throw new Error('storage does not hold exactly the uploaded originals');

  const f = {
    mb_s: round(get('resumable'), 1),
    small_mb_s: round(get('resumable', 'small'), 1),
    large_mb_s: round(get('resumable', 'large'), 1),
    limit_mb_s: round(limitOf('all'), 1),
    ratio: round(get('resumable') / limitOf('all'), 3),
    small_ratio: round(get('resumable', 'small') / limitOf('small'), 3),
    peer_mb_s: round(get('peer'), 1),
    peer_ratio: round(get('resumable') / get('peer'), 3),
    drift: round(driftOf('resumable'), 3),
    idle_rss_mb: round(idle.api, 1),
    peak_rss_mb: round(after.hwmMb, 1),
    cpu_s_per_gb: round(cpuPerGb(totals.get('resumable')!.get('all')), 2),
    multipart_cpu_s_per_gb: round(cpuPerGb(totals.get('multipart')!.get('all')), 2),
    peer_cpu_s_per_gb: round(cpuPerGb(totals.get('peer')!.get('all')), 2),
    cpu_drift: round(cpuPerGb(perRound.get('resumable')![rounds - 1]) / cpuPerGb(perRound.get('resumable')![0]), 3),
  };
  reportFigures(f, [
    f.ratio < BARS.ratio && `ratio ${f.ratio} < ${BARS.ratio}`,
    f.small_ratio < BARS.small_ratio && `small_ratio ${f.small_ratio} < ${BARS.small_ratio}`,
    f.peer_ratio < BARS.peer_ratio && `peer_ratio ${f.peer_ratio} < ${BARS.peer_ratio}`,
    f.drift < BARS.drift && `drift ${f.drift} < ${BARS.drift}`,
    f.idle_rss_mb >= BARS.idle_rss_mb && `idle_rss_mb ${f.idle_rss_mb} ≥ ${BARS.idle_rss_mb}`,
    f.peak_rss_mb >= BARS.peak_rss_mb && `peak_rss_mb ${f.peak_rss_mb} ≥ ${BARS.peak_rss_mb}`,
  ]);
}

/** The Dockerfile's ENV that changes how Node runs the code, not the app's settings (no esbuild worker thread: see the Dockerfile). */
const IMAGE_NODE_ENV: Record<string, string> = Object.fromEntries(
  ['ESBUILD_WORKER_THREADS'].flatMap((name) => {
    const value = new RegExp(`^\\s*(?:ENV\\s+)?${name}=(\\S+)`, 'm').exec(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
    return value === undefined ? [] : [[name, value]];
  }),
);

/** The API exactly as production starts it: the Dockerfile's CMD, Node's options between `node` and the compiled entry. */
function apiCommand(): { nodeArgs: string[]; entry: string } {
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
  const argv = cmd ? (JSON.parse(cmd) as string[]) : [];
  if (argv[0] !== 'node' || argv.at(-1) !== 'dist/api/main.js') throw new Error(`the Dockerfile's CMD is not \`node … dist/api/main.js\`: ${cmd}`);
  return { nodeArgs: argv.slice(1, -1), entry: argv.at(-1)! };
}

async function cleanup(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c)));
  if (tempRoot) await fs.rm(tempRoot, { recursive: true, force: true }).catch(() => undefined);
  tempRoot = null;
  await clearQueue(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', 'bench-ingest').catch(() => undefined);
}

if (process.argv.includes('--bare-server')) {
  runBareServer();
} else {
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
    async () => {
      await cleanup();
      process.exit(process.exitCode ?? 0);
    },
    async (err: Error) => {
      process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
      await cleanup();
      process.exit(2);
    },
  );
}
