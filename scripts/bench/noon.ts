/**
 * `npm run bench:noon`: noon on election day (issue 13). The real API and worker, each its own
 * process as `npm start` runs them, on a PostgreSQL and a Redis of the bench's own (so they can be
 * restarted; the shared ones are never touched). Observers upload photos (70 % JPEG fixtures with
 * EXIF and GPS, 30 % HEIC fixtures, each made unique) and a few long videos through the API's
 * upload path (POST /api/v1/submissions, one file each), retrying after a 503/507 as the upload
 * page does; PostgreSQL is restarted once and Redis once during the burst.
 *
 * Baseline in the same run: until the first fault (60 % of the burst) the worker is stopped (SIGSTOP, its
 * whole process group) and let run again in alternate windows of --window seconds, so uploads with
 * the worker stopped and with it at full load share the machine's moment (other load on a shared
 * machine hits both alike). upload_p95_ratio = p95 of photo uploads while it runs ÷ p95 while it is
 * stopped; uploads that span a switch or a fault are in neither sample, nor is any observer's first
 * upload: they all start at the same instant (first_uploads_p95_ms, on its own), a spike of the
 * bench's start that no later window repeats, and it always fell in the first (running) window.
 *
 * Reports: end_to_end_s (first upload → every file ready for moderation: hash, metadata, flags,
 * thumbnail; every receipt's leaf in a signed head), previews_done_s (→ every full-size preview
 * made), upload_p95_ratio, heic_cpu_s (CPU-s of the worker's first look at a HEIC fixture: metadata,
 * embedded-thumbnail decode, thumb, perceptual hash, hashing; the worker's own code, measured in
 * this process with its tools' CPU, running ones included: the long-running HEVC decoders; every
 * kind warmed first; heic_with_preview_cpu_s adds the owed full-size preview, so a file decoded twice
 * shows), worker_nice and worker_decoder_nice (the lowest nice value among the worker's threads and
 * among its ffmpeg children's, by `ps -L -o ni`, sampled when every file is ready: both should be
 * WORKER_NICE), lost (receipted files not in PostgreSQL, plus uploads never
 * accepted), bad_receipts (receipts whose inclusion proof does not verify with the log's key),
 * mismatches (npm run check:consistency after the run), api_rss_mb and worker_rss_mb (peak).
 * Bars: end_to_end_s < 900, upload_p95_ratio ≤ 1.3, heic_cpu_s ≤ 0.3, lost = failed = bad_receipts =
 * mismatches = 0, api_rss_mb < 300, worker_rss_mb < 600. Last line: one JSON object of them.
 *
 * Options (defaults sized for one shared 2-core machine; the issue's burst is
 * --photos=10000 --observers=200 --videos=20 --video-mib=200):
 *   --photos=N (1000) --observers=N (20) --videos=N (2) --video-mib=N (50) --window=S (8)
 * Needs /work/shared/fixtures/media (../shared/fixtures/media), ffmpeg, Debian's postgresql and redis-server.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { APP_ROLE, SIGNER_ROLE } from '../../db/roles';
import { parseConfig, withUser } from '../../domain/config';
import { detectFileType, SNIFF_BYTES } from '../../domain/media/file-type';
import { extractMetadata } from '../../domain/media/metadata';
import type { ProofBundle, Receipt as LogReceipt } from '../../domain/transparency/receipt';
import { verifyReceiptFile } from '../../domain/transparency/verify';
import { createMediaToolkit, prepareDatabase } from '../../infra/compose';
import { startPrivatePostgres, startPrivateRedis } from '../../test/helpers/private-services';
import { freePort, log, option, peakRssMb, percentile, reportFigures } from './bench-kit';

const ROOT = path.resolve(__dirname, '..', '..');
const FIXTURES = path.resolve(ROOT, '..', 'shared', 'fixtures', 'media');
const JPEGS = [
  'google-pixel_gps.jpg', 'huawei-p30_gps_resized.jpg', 'iphone-4_gps_no-gpsdate.jpg', 'iphone-6_gps_bad-gpsdate.jpg',
  'iphone-6s_livephoto_gps_offset.jpg', 'nexus-4_gps_stale-gps-time.jpg', 'nokia-8.3-5g_gps_offset.jpg',
  'samsung-galaxy-s7_gps_orient6.jpg', 'xiaomi-mi-a1_gps_edited.jpg',
];
/** The first two embed a thumbnail, the iPhone 11 ones do not. */
const HEICS = ['iphone-15-pro_gps_offset_orient6.heic', 'samsung-galaxy-a32_gps_offset.heic', 'iphone-11-pro_offset_nogps.heic', 'iphone-11-pro-max_gps_offset-neg_cropped.heic'];
const HEIC_SHARE = 0.3;
const FIELDS = { election_id: '1', region: 'Москва', station_number: '8050', category_code: 'ballot_stuffing', description: 'Полдень: bench:noon' };
const MAX_TRIES = 30;
const BARS = { endToEndS: 900, ratio: 1.3, heicCpuS: 0.3, apiRssMb: 300, workerRssMb: 600 };

const photos = option('photos', 1000);
const observers = option('observers', 20);
const videoCount = Number(process.argv.find((a) => a.startsWith('--videos='))?.split('=')[1] ?? 2);
const videoMib = option('video-mib', 50);
const windowS = option('window', 8);
/** Below this many uploads in either sample, the ratio is mostly noise: said beside it. */
const MIN_SAMPLES = 100;
/** The windows end before the first fault, which comes at this share of the burst. */
const FIRST_FAULT_AT = 0.6;

/**
 * make: its bytes, made when it is sent; a video's as a file the request streams. The issue's burst
 * made at once (10 000 photos and 4 GiB of video), or its videos held in memory while they are sent
 * (each copied by FormData), outgrows this 24 GiB machine.
 */
type Upload = { name: string; make: () => Promise<Blob>; type: string; kind: 'jpeg' | 'heic' | 'video' };
/** first: an observer's first upload (they all start at the same instant). */
type Sample = { kind: Upload['kind']; start: number; end: number; ms: number; first: boolean };
/** What an accepted upload's answer said: its files, the log receipt (null when the API gave none), and when. */
type Answer = { files: { sha256: string }[]; logReceipt: LogReceipt | null; at: number };

/** What makes a file's bytes its own, with the picture unchanged: after a JPEG's end, or a `free` box after an ISO-BMFF file's boxes. */
function uniqueTail(kind: Upload['kind'], n: number): Buffer {
  const tag = Buffer.from(`svidetel-bench-noon ${n} ${randomBytes(8).toString('hex')}`);
  if (kind === 'jpeg') return tag;
  const box = Buffer.alloc(8);
  box.writeUInt32BE(8 + tag.length, 0);
  box.write('free', 4, 'latin1');
  return Buffer.concat([box, tag]);
}

function unique(data: Buffer, kind: Upload['kind'], n: number): Buffer {
  return Buffer.concat([data, uniqueTail(kind, n)]);
}

/** A real H.264 clip of about `mib` MiB, made once per size and kept in the temp folder; its path. */
function benchVideo(mib: number): string {
  const file = path.join(os.tmpdir(), `svidetel-bench-noon-${mib}mib.mp4`);
  if (!fs.existsSync(file)) {
    const seconds = Math.max(10, Math.round(mib / 1.5)); // ~12 Mbit/s
    log(`making a ${mib} MiB test video (once; kept as ${file})`);
    const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=${seconds}`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', `${Math.round((mib * 8 * 1.048576) / seconds)}M`, '-pix_fmt', 'yuv420p', `${file}.part.mp4`]);
    if (made.status !== 0) throw new Error(`ffmpeg could not make the test video: ${made.stderr.toString()}`);
    fs.renameSync(`${file}.part.mp4`, file);
  }
  return file;
}

/** The burst's uploads; each video is written to `videoDir` (its own bytes) when it is sent. */
function workload(videoDir: string): Upload[] {
  const read = (f: string) => fs.readFileSync(path.join(FIXTURES, f));
  const jpegs = JPEGS.map(read);
  const heics = HEICS.map(read);
  const list: Upload[] = [];
  for (let i = 0; i < photos; i++) {
    const heic = (i * HEIC_SHARE) % 1 >= 1 - HEIC_SHARE; // an even spread, 30 %
    const kind = heic ? 'heic' : 'jpeg';
    const source = heic ? heics[i % heics.length]! : jpegs[i % jpegs.length]!;
    list.push({ name: `noon-${i}.${heic ? 'heic' : 'jpg'}`, make: async () => new Blob([new Uint8Array(unique(source, kind, i))], { type: heic ? 'image/heic' : 'image/jpeg' }), type: heic ? 'image/heic' : 'image/jpeg', kind });
  }
  if (videoCount > 0) {
    const video = benchVideo(videoMib);
    // Videos first: the worker is busy with them while the photos arrive.
    const make = (v: number) => async () => {
      const file = path.join(videoDir, `noon-video-${v}.mp4`);
      await fs.promises.copyFile(video, file);
      await fs.promises.appendFile(file, uniqueTail('video', v));
      return fs.openAsBlob(file, { type: 'video/mp4' });
    };
    for (let v = 0; v < videoCount; v++) list.unshift({ name: `noon-video-${v}.mp4`, make: make(v), type: 'video/mp4', kind: 'video' });
  }
  return list;
}

/** A process's CPU-seconds and its finished children's (utime, stime, cutime, cstime); 0 once it is gone. */
function ownCpuSeconds(pid: number | 'self'): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    return (f[11]! + f[12]! + f[13]! + f[14]!) / 100;
  } catch {
    return 0;
  }
}

/** The processes `pid` started that still run, and theirs (from /proc/<pid>/task/<tid>/children). */
function liveDescendants(pid: number | 'self'): number[] {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children = tids.flatMap((tid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
  return children.flatMap((c) => [c, ...liveDescendants(c)]);
}

/**
 * The CPU-seconds this process has used with every process it started: those that ended (cutime,
 * once waited for) and those still running, such as the long-running HEVC decoders a worker keeps
 * (counting only ended children would leave their decoding out).
 */
function cpuSeconds(): number {
  return ownCpuSeconds('self') + liveDescendants('self').reduce((sum, pid) => sum + ownCpuSeconds(pid), 0);
}

/**
 * CPU-s of the worker's first look at each file, as it runs it (no database): hash, sniff, metadata,
 * derivatives. Every file is looked at once before measuring, as a worker that has run a while has:
 * its modules and libvips loaded, and its HEVC decoders (one per kind of HEIC: with an embedded
 * thumbnail, without) started.
 */
async function firstLookCpu(files: string[]): Promise<Map<string, { first: number; preview: number }>> {
  const media = createMediaToolkit();
  const once = async (file: string) => {
    const bytes = fs.readFileSync(file);
    createHash('sha256').update(bytes).digest();
    const type = detectFileType(bytes.subarray(0, SNIFF_BYTES))!;
    const meta = await extractMetadata(media, file, type);
    const made = await media.renderDerivatives(file, type, meta, bytes);
    const ready = cpuSeconds();
    // The owed full-size preview (a HEIC made ready from its embedded thumbnail), as the background job makes it.
    if (!made.preview) await media.renderFullPreview(file, type, meta);
    return ready;
  };
  for (const f of files) await once(path.join(FIXTURES, f)); // warm
  const cpu = new Map<string, { first: number; preview: number }>();
  for (const f of files) {
    const before = cpuSeconds();
    const ready = await once(path.join(FIXTURES, f));
    cpu.set(f, { first: ready - before, preview: cpuSeconds() - ready });
  }
  return cpu;
}

/**
 * The lowest nice value among the worker's threads, and among the threads of the ffmpeg processes it
 * runs (its long-running HEVC decoders), by `ps -L -o ni` (issue 13, item 5): all of them should be
 * at WORKER_NICE. null when it runs none.
 */
function workerNiceness(pid: number): { worker: number; decoders: number | null; detail: string } {
  const threads = (p: number) =>
    spawnSync('ps', ['-L', '-o', 'ni=', '-p', String(p)], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.trim()).filter(Boolean).map(Number);
  const command = (p: number) => spawnSync('ps', ['-o', 'comm=', '-p', String(p)], { encoding: 'utf8' }).stdout.trim();
  const ffmpegs = liveDescendants(pid).filter((p) => command(p) === 'ffmpeg').map((p) => ({ pid: p, ni: threads(p) }));
  const worker = Math.min(...threads(pid));
  const decoders = ffmpegs.length ? Math.min(...ffmpegs.flatMap((d) => d.ni)) : null;
  return { worker, decoders, detail: `worker ${pid} at nice ${worker}; ffmpeg children ${ffmpegs.map((d) => `${d.pid} at ${[...new Set(d.ni)].join('/')}`).join(', ') || 'none'}` };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

type Proc = { proc: ChildProcess; output: string[] };

function startProcess(entry: string, env: Record<string, string>): Proc {
  // Detached: its own process group, so SIGSTOP reaches the tools it runs too.
  const proc = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const output: string[] = [];
  const keep = (c: Buffer) => {
    output.push(c.toString('utf8'));
    if (output.length > 300) output.shift();
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  proc.once('exit', (code, signal) => {
    if (!finishing) log(`${entry} exited (${signal ?? code}) during the bench:\n${output.join('').slice(-3000)}`);
  });
  return { proc, output };
}

let finishing = false;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(fn: () => Promise<T | null | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

async function main() {
  log(`bench:noon: ${photos} photos (30 % HEIC), ${videoCount} × ${videoMib} MiB videos, ${observers} observers; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  // The bench's own HEIC mix (two of the four fixtures embed a thumbnail), and each kind alone.
  const heicCpu = await firstLookCpu(HEICS);
  const heicCpuS = mean([...heicCpu.values()].map((c) => c.first));
  const heicThumbCpuS = mean(HEICS.slice(0, 2).map((f) => heicCpu.get(f)!.first));
  const heicFullCpuS = mean(HEICS.slice(2).map((f) => heicCpu.get(f)!.first));
  // Until every picture is made: the first look and the owed preview (none owed when the first look made it).
  const heicAllCpuS = mean([...heicCpu.values()].map((c) => c.first + c.preview));
  const heicThumbAllCpuS = mean(HEICS.slice(0, 2).map((f) => heicCpu.get(f)!).map((c) => c.first + c.preview));
  const heicFullAllCpuS = mean(HEICS.slice(2).map((f) => heicCpu.get(f)!).map((c) => c.first + c.preview));
  const jpegCpuS = mean([...(await firstLookCpu(JPEGS)).values()].map((c) => c.first));
  log(`first look, CPU-s per file: HEIC ${heicCpuS.toFixed(3)} (with an embedded thumbnail ${heicThumbCpuS.toFixed(3)}, without ${heicFullCpuS.toFixed(3)}), JPEG ${jpegCpuS.toFixed(3)}`);
  log(`first look and owed preview, CPU-s per file: HEIC ${heicAllCpuS.toFixed(3)} (with an embedded thumbnail ${heicThumbAllCpuS.toFixed(3)}, without ${heicFullAllCpuS.toFixed(3)}); load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const videoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'svidetel-bench-noon-videos-'));
  const uploads = workload(videoDir);

  const [pg, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
  const storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'svidetel-bench-noon-'));
  const procs: Proc[] = [];
  const cleanUp = async () => {
    finishing = true;
    for (const p of procs) {
      try {
        process.kill(-p.proc.pid!, 'SIGCONT');
        process.kill(-p.proc.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await Promise.all([pg.destroy(), redis.destroy()]);
    fs.rmSync(storageDir, { recursive: true, force: true });
    fs.rmSync(videoDir, { recursive: true, force: true });
  };
  // Interrupted: nothing of the bench's own is left running (its processes are in groups of their own).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
  try {
    const ownerUrl = pg.url('svidetel');
    const port = await freePort();
    const env: Record<string, string> = {
      NODE_ENV: 'development', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn',
      DATABASE_URL: withUser(ownerUrl, APP_ROLE), DATABASE_OWNER_URL: ownerUrl, SIGNER_DATABASE_URL: withUser(ownerUrl, SIGNER_ROLE),
      REDIS_URL: redis.url, STORAGE_DIR: storageDir, DISK_RESERVE_MB: '0', LOG_STH_INTERVAL_SECONDS: '30',
      UPLOADS_PER_MINUTE_PER_CLIENT: '100000', MAX_CONCURRENT_UPLOADS_PER_CLIENT: '1000', MAX_CONCURRENT_UPLOADS: String(observers * 2),
      PUBLIC_PAGE_REQUESTS_PER_MINUTE: '100000', PUBLIC_API_REQUESTS_PER_MINUTE: '100000', DB_ACQUIRE_TIMEOUT_MS: '2000',
    };
    await prepareDatabase(parseConfig(env));
    const api = startProcess('api/main.ts', env);
    procs.push(api);
    const base = `http://127.0.0.1:${port}`;
    await until(async () => (await fetch(`${base}/healthz`)).ok, 60_000, 'the API');
    const worker = startProcess('worker/main.ts', { ...env, LOG_LEVEL: 'info' });
    procs.push(worker);
    await until(async () => worker.output.join('').includes('"worker started"'), 120_000, 'the worker');
    const owner = new PgClient({ connectionString: ownerUrl });
    owner.on('error', () => undefined);

    // The anonymous page's CSRF cookie, as the upload page holds it.
    const page = await fetch(`${base}/`);
    const cookie = page.headers.getSetCookie().find((c) => c.startsWith('svid_csrf='))!.split(';')[0]!;
    const csrf = cookie.slice('svid_csrf='.length);

    // The worker stopped and running in alternate windows until the first fault.
    let workerStopped = false;
    const stateChanges: { at: number; stopped: boolean }[] = [];
    const setWorker = (stopped: boolean) => {
      process.kill(-worker.proc.pid!, stopped ? 'SIGSTOP' : 'SIGCONT');
      workerStopped = stopped;
      stateChanges.push({ at: Date.now(), stopped });
    };
    const faults: { from: number; to: number; what: string }[] = [];
    const samples: Sample[] = [];
    const answers: Answer[] = [];
    let given = 0;
    let lostUploads = 0;
    let refusals = 0;
    let done = 0;
    const t0 = Date.now();

    const send = async (u: Upload, first: boolean): Promise<void> => {
      const data = await u.make();
      for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
        const form = new FormData();
        for (const [k, v] of Object.entries(FIELDS)) form.append(k, v);
        form.append('files', data, u.name);
        const start = Date.now();
        const res = await fetch(`${base}/api/v1/submissions`, {
          method: 'POST', headers: { cookie, 'x-csrf-token': csrf, accept: 'application/json' }, body: form, signal: AbortSignal.timeout(120_000),
        }).catch(() => null);
        const end = Date.now();
        if (res?.status === 201) {
          const body = (await res.json()) as { log_receipt: LogReceipt | null; files: { sha256: string }[] };
          answers.push({ files: body.files, logReceipt: body.log_receipt, at: end });
          samples.push({ kind: u.kind, start, end, ms: end - start, first });
          return;
        }
        await res?.arrayBuffer().catch(() => undefined);
        refusals++;
        const wait = Number(res?.headers.get('retry-after') ?? 1);
        await sleep(Math.min(3, Number.isFinite(wait) ? wait : 1) * 1000);
      }
      lostUploads++;
    };

    /** A dependency stopped, 3 s later started again; a start slow under load is waited for (and said). */
    const restart = async (what: string, service: { stop(): Promise<void>; start(): Promise<void> }) => {
      const from = Date.now();
      await service.stop();
      await sleep(3000);
      for (let tries = 1; ; tries++) {
        try {
          await service.start();
          break;
        } catch (err) {
          if (tries >= 5) throw err;
          log(`${what} not back yet (${(err as Error).message}); waiting`);
        }
      }
      faults.push({ from, to: Date.now() + 5000, what: `${what} restarted` });
    };
    const faultsDone = (async () => {
      await until(async () => done >= uploads.length * FIRST_FAULT_AT, 3_600_000, 'the burst to reach 60 %');
      await restart('PostgreSQL', pg);
      await until(async () => done >= uploads.length * 0.8, 3_600_000, 'the burst to reach 80 %');
      await restart('Redis', redis);
    })();
    faultsDone.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile

    const windows = (async () => {
      setWorker(false);
      while (done < uploads.length * FIRST_FAULT_AT) {
        await sleep(windowS * 1000);
        if (done < uploads.length * FIRST_FAULT_AT) setWorker(!workerStopped);
      }
      if (workerStopped) setWorker(false);
    })();

    await Promise.all(
      Array.from({ length: observers }, async () => {
        for (let first = true; given < uploads.length; first = false) {
          const u = uploads[given++]!;
          await send(u, first);
          done++;
        }
      }),
    );
    const uploadsEnd = Date.now();
    await windows;
    await faultsDone;
    log(`uploads done in ${((uploadsEnd - t0) / 1000).toFixed(1)} s (${refusals} refusals retried, ${lostUploads} given up); faults: ${faults.map((f) => f.what).join(', ')}`);

    await owner.connect();
    const count = async (sql: string) => Number((await owner.query<{ n: string }>(sql)).rows[0]!.n);
    const readyAt = await until(async () => (await count(`SELECT count(*) AS n FROM media_files WHERE status NOT IN ('ready', 'failed')`)) === 0 && Date.now(), 3_600_000, 'every file to be ready');
    // While its decoders are still up (they live as long as the worker).
    const workerNice = workerNiceness(worker.proc.pid!);
    log(`priority: ${workerNice.detail}`);
    const files = await count(`SELECT count(*) AS n FROM media_files`);
    // Every file of the workload is sound: one marked failed is a defect (e.g. a tool's time limit outrun under load).
    const failed = await count(`SELECT count(*) AS n FROM media_files WHERE status = 'failed'`);
    // Ready for moderation includes a verifiable receipt: every leaf in a signed head.
    const leaves = await count(`SELECT count(*) AS n FROM tlog_leaves`);
    const signedAt = await until(async () => (await count(`SELECT coalesce(max(tree_size), 0) AS n FROM tlog_sths`)) >= leaves && Date.now(), 600_000, 'a signed head over every leaf');
    const endToEndS = (Math.max(readyAt, signedAt) - t0) / 1000;
    log(`every file ready for moderation after ${endToEndS.toFixed(1)} s (${files} files)`);
    const previewsAt = await until(async () => (await count(`SELECT count(*) AS n FROM media_files WHERE preview_owed`)) === 0 && Date.now(), 3_600_000, 'every preview');
    const previewsDoneS = (previewsAt - t0) / 1000;
    log(`every preview made after ${previewsDoneS.toFixed(1)} s`);

    // Lost: a receipted file PostgreSQL does not hold, or an upload never accepted.
    const held = new Set((await owner.query<{ h: string }>(`SELECT encode(sha256, 'hex') AS h FROM media_files`)).rows.map((r) => r.h));
    const receipted = answers.flatMap((a) => a.files.map((f) => f.sha256));
    const lost = receipted.filter((h) => !held.has(h)).length + lostUploads;

    // Receipts: each file's inclusion proof against the newest signed head, with the log key pinned.
    const key = ((await (await fetch(`${base}/api/v1/log/key`)).json()) as { vkey: string }).vkey;
    let badReceipts = 0;
    const sinceFault = (at: number) => faults.map((f) => `${((at - f.from) / 1000).toFixed(1)} s after ${f.what}`).join(', ') || 'no fault yet';
    for (const answer of answers) {
      const verdicts = answer.logReceipt
        ? await Promise.all(
            answer.logReceipt.files.map(async (f) => {
              const bundle = (await (await fetch(`${base}/api/v1/log/proof/bundle?leaf_hash=${f.leaf_hash}`)).json()) as ProofBundle;
              const verdict = verifyReceiptFile({ file: { sha256: Buffer.from(f.sha256, 'hex'), size: f.size }, receipt: answer.logReceipt!, sth: bundle, key });
              return { sha256: f.sha256, why: verdict.ok ? null : `${verdict.failed}: ${verdict.steps.at(-1)?.detail}` };
            }),
          )
        : answer.files.map((f) => ({ sha256: f.sha256, why: 'the answer carried no log receipt' }));
      for (const v of verdicts.filter((v) => v.why)) {
        badReceipts++;
        log(`receipt of ${v.sha256} does not verify (${v.why}); answered ${sinceFault(answer.at)}`);
      }
    }

    const apiRssMb = peakRssMb(api.proc.pid!);
    const workerRssMb = peakRssMb(worker.proc.pid!);
    const consistency = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/check-consistency.ts'], { cwd: ROOT, env: { ...process.env, ...env, LEFTOVER_GRACE_MINUTES: '0' }, encoding: 'utf8' });
    const mismatches = consistency.status === 0 ? 0 : Number(/(\d+) mismatches/.exec(consistency.stdout)?.[1] ?? NaN);
    if (consistency.status !== 0) log(consistency.stdout.split('\n').slice(0, 10).join('\n'));

    // The ratio: photo uploads wholly inside one worker state, outside every fault window.
    const stateAt = (t: number) => {
      let stopped: boolean | null = null;
      for (const c of stateChanges) if (c.at <= t) stopped = c.stopped;
      return stopped;
    };
    // Every observer's first upload starts at the same instant, all sharing the link at once: a
    // spike that no later window repeats, whichever state it fell in (reported on its own).
    const firstUploads = samples.filter((s) => s.kind !== 'video' && s.first).map((s) => s.ms).sort((a, b) => a - b);
    const clean = samples.filter((s) => s.kind !== 'video' && !s.first && s.start <= stateChanges.at(-1)!.at && !faults.some((f) => s.end >= f.from && s.start <= f.to));
    const inState = (stopped: boolean) =>
      clean.filter((s) => stateAt(s.start) === stopped && stateAt(s.end) === stopped && !stateChanges.some((c) => c.at > s.start && c.at < s.end)).map((s) => s.ms).sort((a, b) => a - b);
    const idle = inState(true);
    const busy = inState(false);
    const p95Idle = idle.length ? percentile(idle, 95) : NaN;
    const p95Busy = busy.length ? percentile(busy, 95) : NaN;
    const ratio = p95Busy / p95Idle;
    log(`photo upload p95: ${p95Busy} ms with the worker running (${busy.length} uploads), ${p95Idle} ms with it stopped (${idle.length}); median ${percentile(busy, 50)} vs ${percentile(idle, 50)} ms`);
    if (Math.min(busy.length, idle.length) < MIN_SAMPLES) log(`fewer than ${MIN_SAMPLES} uploads in a sample: the ratio is mostly noise (more --photos, or a longer --window)`);
    log(`peak RSS: API ${apiRssMb.toFixed(0)} MB, worker ${workerRssMb.toFixed(0)} MB; load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    await owner.end();

    const r2 = (n: number) => Math.round(n * 100) / 100;
    reportFigures(
      {
        end_to_end_s: r2(endToEndS), previews_done_s: r2(previewsDoneS), upload_p95_ratio: r2(ratio), heic_cpu_s: r2(heicCpuS),
        lost, failed, bad_receipts: badReceipts, mismatches, api_rss_mb: Math.round(apiRssMb), worker_rss_mb: Math.round(workerRssMb),
        heic_thumbnail_cpu_s: r2(heicThumbCpuS), heic_no_thumbnail_cpu_s: r2(heicFullCpuS), jpeg_cpu_s: r2(jpegCpuS),
        heic_with_preview_cpu_s: r2(heicAllCpuS), heic_thumbnail_with_preview_cpu_s: r2(heicThumbAllCpuS), heic_no_thumbnail_with_preview_cpu_s: r2(heicFullAllCpuS),
        worker_nice: workerNice.worker, worker_decoder_nice: workerNice.decoders,
        upload_p95_ms: p95Busy, upload_p95_idle_ms: p95Idle, first_uploads_p95_ms: firstUploads.length ? percentile(firstUploads, 95) : null, upload_samples_busy: busy.length, upload_samples_idle: idle.length, photos, videos: videoCount, observers,
      },
      [
        !(endToEndS < BARS.endToEndS) && `end to end ${endToEndS.toFixed(0)} s ≥ ${BARS.endToEndS} s`,
        !(ratio <= BARS.ratio) && `upload p95 ratio ${ratio.toFixed(2)} > ${BARS.ratio}`,
        !(heicCpuS <= BARS.heicCpuS) && `HEIC ${heicCpuS.toFixed(2)} CPU-s > ${BARS.heicCpuS}`,
        lost > 0 && `${lost} files lost`,
        failed > 0 && `${failed} sound files marked failed`,
        badReceipts > 0 && `${badReceipts} receipts do not verify`,
        mismatches !== 0 && `${mismatches} consistency mismatches`,
        !(apiRssMb < BARS.apiRssMb) && `API peak RSS ${apiRssMb.toFixed(0)} MB`,
        !(workerRssMb < BARS.workerRssMb) && `worker peak RSS ${workerRssMb.toFixed(0)} MB`,
      ],
    );
  } finally {
    await cleanUp();
  }
}

main().catch((err: unknown) => {
  log(`bench:noon failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(2);
});
