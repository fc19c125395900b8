/**
 * `npm run bench:moderation`: how fast moderators get the queue and an entry page with 100 000
 * entries pending, and how soon the next entry shows after a decision.
 *
 * Seeds its own database (svidetel_bench_moderation, or BENCH_DATABASE_URL) once with 100 000
 * pending submissions (1–2 files each, 10 % with video, flags spread as the worker sets them, a
 * quarter in stored clusters of five identical files, which the queue lists as one) and
 * keeps it for later runs. Starts the real API as a child process on loopback, logs in a
 * moderator, and times sequential GETs over HTTP: the /healthz baseline, the first page and a
 * deep page of the queue, filtered queue pages (election+category, region, rare and common flags,
 * video, a day), the live queue's poll (/moderation/live), entry pages of random pending entries,
 * and decision → next shown: from an entry opened from the queue, the rejection posted and the
 * next entry's page it redirects to loaded in full, as a moderator working down the queue (each
 * run decides `--samples` entries of the seed: it stays about 100 000 pending for many runs).
 * Prints the query plans of a plain and a filtered queue page (EXPLAIN ANALYZE), p50/p95 per
 * kind, and as its last line one JSON object:
 * {"queue_p50_ms", "queue_p95_ms", "filtered_p95_ms", "live_p95_ms", "entry_p50_ms", "entry_p95_ms",
 *  "decision_next_p50_ms", "decision_next_p95_ms", "baseline_p50_ms", "baseline_p95_ms",
 *  "redaction_ms", "redaction_baseline_ms", "redaction_ratio", "cpu_baseline_ms", "cpu_queue_ms", "cpu_filtered_ms",
 *  "cpu_live_ms", "cpu_entry_ms", "cpu_decision_next_ms", "pending", "clusters_pending", "load1"}:
 * cpu_*_ms are the API process's own CPU milliseconds (user + system, /proc) per request of each
 * kind (per decision with its next page for decision_next), beside the latencies; load1 the
 * machine's load average at the end.
 * Redaction: the public copies (preview and thumb) of a 12 MP photo with three boxes covered, by the
 * media toolkit, against bare sharp doing the same decode, resize, blur, fill and encodes, runs
 * interleaved; the ratio is sharp's median time over ours.
 * Exit code 1 when a queue, live or entry p95 reaches the 100 ms bar, decision → next the 150 ms
 * bar, or the redaction ratio is under 0.8; 2 on an error.
 *
 * Options: --samples=N (requests per kind, default 200), --reseed (drop and seed again),
 * --pending=N (a smaller seed for a quick run, in a database of its own; default 100 000),
 * --redaction-runs=N (default 10), --redaction-only (only the redaction figures, no database),
 * --profile (the API runs with node --cpu-prof; its profile goes to $TMPDIR/svidetel-bench-profiles/).
 */
import fs from 'node:fs';
import inspector from 'node:inspector';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { AddressInfo } from 'node:net';
import { Client as PgClient } from 'pg';
import { startApiServer } from '../../api/server';
import { createAccountWithLink, setPasswordWithToken } from '../../domain/accounts/accounts.service';
import { createContext, createMediaToolkit, prepareDatabase } from '../../infra/compose';
import { PREVIEW_EDGE, THUMB_EDGE } from '../../domain/media/derivatives';
import { regionInPixels, type RedactionRegion } from '../../domain/media/redaction';
import { parseConfig } from '../../domain/config';
import { encodeCursor } from '../../domain/pagination';
import type { QueueFilter } from '../../domain/submissions/model';
import * as submissionsRepo from '../../db/submissions.repo';
import { createPool, type Queryable } from '../../db/pool';
import { Client } from '../../test/helpers/http';
import { appRoleUrl, dropIfMigratedElsewhere, log, percentile, startServerChild, timeRequests } from './bench-kit';
import { processCpuSeconds } from '../../infra/media/run-tool';

const ROOT = path.resolve(__dirname, '..', '..');
const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string | undefined]));
const PENDING = Number(args.get('pending') ?? 100_000);
const SEED_VERSION = 5;
const BAR_MS = 100;
const DECISION_NEXT_BAR_MS = 150;
const REDACTION_RATIO_BAR = 0.8;
/** A 12 MP phone photo from the shared fixtures when they are there; else one made here of noise. */
const TWELVE_MP_FIXTURE = path.resolve(ROOT, '..', 'shared', 'fixtures', 'media', 'iphone-6s_livephoto_gps_offset.jpg');
const MODERATOR = { email: 'bench-moderator@example.org', password: 'bench password that is long' };
const SAMPLES = Number(args.get('samples') ?? 200);
const REDACTION_RUNS = Number(args.get('redaction-runs') ?? 10);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/svidetel_bench_moderation${PENDING === 100_000 ? '' : `_${PENDING}`}`;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** --profile: the API's V8 CPU profile (node --cpu-prof) is written here when it stops. */
const PROFILE_DIR = path.join(os.tmpdir(), 'svidetel-bench-profiles');

function benchConfig(port: string) {
  return parseConfig({
    NODE_ENV: 'production',
    LOG_ORIGIN: 'bench-moderation.svidetel.test/log', // production requires its own
    PUBLIC_URL: 'http://127.0.0.1', // production requires one; no link is measured here
    PORT: port,
    DATABASE_URL: appRoleUrl(DATABASE_URL),
    DATABASE_OWNER_URL: DATABASE_URL,
    REDIS_URL,
    QUEUE_PREFIX: 'bench-moderation',
    STORAGE_DIR: path.join(ROOT, 'data', 'bench-moderation'),
    LOG_LEVEL: 'warn',
  });
}

/** The server under test: this file again, as a child, so the client's work is not on its event loop. */
async function runServer(): Promise<void> {
  const ctx = await createContext(benchConfig('0'), 'bench-api');
  const { server } = await startApiServer(ctx);
  const stopProfile = process.env.BENCH_PROFILE_DIR ? await startProfile(process.env.BENCH_PROFILE_DIR) : null;
  process.once('SIGTERM', () => {
    void (stopProfile?.() ?? Promise.resolve()).finally(() => process.exit(0));
  });
  process.stdout.write(`LISTENING http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
}

/** A V8 CPU profile of this process (the API under test) from now; the function returned writes it to `dir`. */
async function startProfile(dir: string): Promise<() => Promise<void>> {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) => session.post(method, (err, result) => (err ? reject(err) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: object };
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `moderation-api-${process.pid}.cpuprofile`);
    fs.writeFileSync(file, JSON.stringify(profile));
    process.stderr.write(`CPU profile of the API: ${file}\n`);
  };
}

/** User + system CPU milliseconds a process has used so far (NaN where /proc cannot tell). */
const cpuMsOf = (pid: number | undefined): number => (pid === undefined ? NaN : (processCpuSeconds(pid) ?? NaN) * 1000);

/** Runs `fn` (n requests or decisions) and adds the API process's CPU milliseconds per one of them. */
async function withServerCpu<T extends object>(pid: number | undefined, n: number, fn: () => Promise<T>): Promise<T & { cpuMs: number }> {
  const before = cpuMsOf(pid);
  const result = await fn();
  return { ...result, cpuMs: (cpuMsOf(pid) - before) / n };
}

/** Set-based seed in one transaction; triggers (archive index, versions) are not needed for pending rows. */
const SEED_SQL = `
SET LOCAL session_replication_role = replica;
INSERT INTO elections (slug, name_ru, name_en, country, voting_starts_on, voting_ends_on) VALUES
  ('bench-duma', 'Бенчмарк: Госдума', 'Bench: Duma', 'RU', '2024-03-15', '2024-03-17'),
  ('bench-local', 'Бенчмарк: местные', 'Bench: local', 'RU', '2024-03-15', '2024-03-17')
ON CONFLICT (slug) DO NOTHING;
CREATE TEMP TABLE seed ON COMMIT DROP AS
  SELECT g, gen_random_uuid() AS id FROM generate_series(1, ${PENDING}) AS g;
INSERT INTO submissions (id, election_id, region, station_number, category_code, description, received_at)
SELECT s.id, e.ids[1 + s.g % 2], 'Регион ' || (s.g % 85), ((s.g * 7919) % 3000 + 1)::text,
       c.codes[1 + s.g % cardinality(c.codes)], 'Бенчмарк: сообщение ' || s.g || ', вброс бюллетеней, видно на фото',
       timestamptz '2024-03-15 05:00+00' + s.g * interval '2 seconds'
  FROM seed s,
       (SELECT array_agg(id ORDER BY id) AS ids FROM elections WHERE slug LIKE 'bench-%') e,
       (SELECT array_agg(code ORDER BY code) AS codes FROM categories) c;
CREATE TEMP TABLE seed_files ON COMMIT DROP AS
  SELECT s.id AS submission_id, p.position, s.g,
         -- a quarter of the entries come in clusters of five sending the same first file (the queue groups them)
         CASE WHEN p.position = 0 AND s.g % 20 < 5 THEN digest('cluster:' || (s.g / 20), 'sha256')
              ELSE digest(s.id::text || ':' || p.position, 'sha256') END AS sha256,
         (p.position = 1 AND s.g % 10 = 0) AS is_video
    FROM seed s CROSS JOIN LATERAL (SELECT 0 AS position UNION ALL SELECT 1 WHERE s.g % 3 = 0) p;
INSERT INTO blobs (sha256, bytes, mime, kind)
SELECT sha256, CASE WHEN is_video THEN 40000000 ELSE 3000000 END,
       CASE WHEN is_video THEN 'video/mp4' ELSE 'image/jpeg' END, CASE WHEN is_video THEN 'video' ELSE 'image' END
  FROM seed_files
ON CONFLICT (sha256) DO NOTHING;
INSERT INTO media_files (submission_id, sha256, position, original_name, status, flags, width, height)
SELECT submission_id, sha256, position, 'IMG_' || g || '_' || position || CASE WHEN is_video THEN '.mp4' ELSE '.jpg' END, 'ready',
       array_remove(ARRAY[
         CASE WHEN g % 10 < 3 THEN 'no_metadata' END,
         CASE WHEN g % 20 = 7 THEN 'edited' END,
         CASE WHEN g % 33 = 5 THEN 'time_mismatch' END,
         CASE WHEN g % 50 = 11 THEN 'place_mismatch' END,
         CASE WHEN g % 100 = 42 THEN 'near_duplicate' END], NULL),
       4032, 3024
  FROM seed_files;
-- the triggers were off for the seed: mark videos, recount statuses
UPDATE submissions s SET has_video = true FROM seed_files f WHERE f.submission_id = s.id AND f.is_video;
UPDATE submissions s SET file_flags = f.flags
  FROM (SELECT m.submission_id, array_agg(DISTINCT flag ORDER BY flag) AS flags
          FROM media_files m CROSS JOIN unnest(m.flags) flag GROUP BY m.submission_id) f
 WHERE f.submission_id = s.id;
-- the clusters as the application stores them (db/clusters.repo.ts): the five sharing a first file
-- linked pairwise, each in the cluster named after its earliest received member
INSERT INTO submission_links (a, b, reason)
SELECT least(x.submission_id, y.submission_id), greatest(x.submission_id, y.submission_id), 'exact_duplicate'
  FROM seed_files x JOIN seed_files y ON y.sha256 = x.sha256 AND y.position = 0 AND x.submission_id < y.submission_id
 WHERE x.position = 0 AND x.g % 20 < 5;
UPDATE submissions s SET cluster_id = c.cluster_id
  FROM (SELECT f.submission_id, first_value(f.submission_id) OVER (PARTITION BY f.sha256 ORDER BY f.g) AS cluster_id, count(*) OVER (PARTITION BY f.sha256) AS n
          FROM seed_files f WHERE f.position = 0 AND f.g % 20 < 5) c
 WHERE c.submission_id = s.id AND c.n > 1;
UPDATE submission_status_counts c SET n = (SELECT count(*) FROM submissions s WHERE s.status = c.status);
DELETE FROM submission_flag_counts;
INSERT INTO submission_flag_counts (status, flag, n)
SELECT s.status, f.flag, count(*) FROM submissions s CROSS JOIN unnest(s.file_flags) AS f (flag) GROUP BY s.status, f.flag;
CREATE TABLE IF NOT EXISTS bench_seed (version int PRIMARY KEY);
INSERT INTO bench_seed (version) VALUES (${SEED_VERSION});
`;

async function seedIfNeeded(reseed: boolean): Promise<void> {
  const url = new URL(DATABASE_URL);
  const dbName = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new PgClient({ connectionString: url.toString() });
  await admin.connect();
  try {
    if (reseed) await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  await dropIfMigratedElsewhere(DATABASE_URL);
  await prepareDatabase(benchConfig('0')); // creates and migrates the database as its owner
  const ctx = await createContext(benchConfig('0'), 'bench-seed');
  // The seed writes as the owner, with the triggers off: more than the application may do.
  const owner = createPool(DATABASE_URL, 1);
  try {
    const seeded = await owner.query(`SELECT 1 FROM pg_tables WHERE tablename = 'bench_seed'`);
    const current = seeded.rowCount ? await owner.query('SELECT 1 FROM bench_seed WHERE version = $1', [SEED_VERSION]) : null;
    if (current?.rowCount) {
      log(`seed: cached (${DATABASE_URL})`);
    } else {
      if (seeded.rowCount) throw new Error(`${DATABASE_URL} holds an older seed; run with --reseed`);
      const started = Date.now();
      const client = await owner.connect();
      try {
        await client.query('BEGIN');
        await client.query(SEED_SQL);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      } finally {
        client.release();
      }
      await owner.query('ANALYZE');
      log(`seed: ${PENDING} pending submissions in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    if (!(await ctx.db.query('SELECT 1 FROM accounts WHERE email = $1', [MODERATOR.email])).rowCount) {
      const token = await createAccountWithLink(ctx, MODERATOR.email, 'moderator', { system: 'bench' });
      await setPasswordWithToken(ctx, token, MODERATOR.password);
    }
    await printPlans(ctx.db);
  } finally {
    await owner.end();
    await ctx.close();
  }
}

/** The queue's own SQL under EXPLAIN ANALYZE: the repository runs it, this wrapper asks for the plan. */
async function printPlans(db: Queryable): Promise<void> {
  const explain: Queryable = { query: ((sql: string, params: unknown[]) => db.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, params)) as Queryable['query'] };
  const base: QueueFilter = {
    status: 'pending', electionId: null, region: null, categoryCode: null, flag: null, hasVideo: false, receivedFrom: null, receivedBefore: null, sort: 'oldest',
  };
  for (const [name, filter] of [
    ['first page', base],
    ['rare flag (near_duplicate), newest first', { ...base, flag: 'near_duplicate', sort: 'newest' as const }],
  ] as const) {
    const rows = (await submissionsRepo.listQueue(explain, filter, null, 50)).items as unknown as { 'QUERY PLAN': string }[];
    const plan = rows.map((r) => r['QUERY PLAN']);
    log(`plan, ${name}:`);
    for (const line of plan.filter((l) => /Limit|Scan|Join|Sort|Execution Time/.test(l)).slice(0, 14)) log(`  ${line.trim()}`);
  }
}

/**
 * The redaction render of a 12 MP photo into its public copies, against bare sharp doing the same
 * work (decode with shrink-on-load and orientation, resize to the preview, each box pixelated and
 * blurred or filled, preview and thumb encoded): medians of interleaved runs.
 */
async function measureRedaction(): Promise<{ ours: number; sharpAlone: number }> {
  let photo = TWELVE_MP_FIXTURE;
  let made: string | null = null;
  if (!fs.existsSync(photo)) {
    made = photo = path.join(os.tmpdir(), `svidetel-bench-12mp-${process.pid}.jpg`);
    const noise = Buffer.alloc(4032 * 3024 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    await sharp(noise, { raw: { width: 4032, height: 3024, channels: 3 } }).blur(2).jpeg({ quality: 90 }).toFile(photo);
  }
  const regions: RedactionRegion[] = [
    { x: 0.1, y: 0.1, w: 0.2, h: 0.25, style: 'blur' },
    { x: 0.45, y: 0.3, w: 0.15, h: 0.2, style: 'blur' },
    { x: 0.7, y: 0.6, w: 0.2, h: 0.2, style: 'fill' },
  ];
  const media = createMediaToolkit();
  const type = { mime: 'image/jpeg', kind: 'image' as const, format: 'jpeg' };
  const header = await sharp(photo).metadata();
  const hints = { width: header.width ?? null, height: header.height ?? null, duration_s: null };
  const jpeg = { quality: 80, optimiseCoding: false };

  const sharpAlone = async () => {
    const { data, info } = await sharp(photo).rotate().resize(PREVIEW_EDGE, PREVIEW_EDGE, { fit: 'inside', kernel: 'mitchell' }).raw().toBuffer({ resolveWithObject: true });
    const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
    const overlays = await Promise.all(
      regions.map(async (r) => {
        const box = regionInPixels(r, info.width, info.height);
        const input =
          r.style === 'fill'
            ? Buffer.alloc(box.width * box.height * info.channels, 0)
            : await sharp(await sharp(data, raw).extract(box).resize(8, 8, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer(), { raw: { width: 8, height: 8, channels: info.channels } })
                .resize(box.width, box.height, { fit: 'fill', kernel: 'cubic' })
                .blur(Math.max(1, Math.min(box.width, box.height) / 8))
                .raw()
                .toBuffer();
        return { input, raw: { width: box.width, height: box.height, channels: info.channels }, left: box.left, top: box.top };
      }),
    );
    const covered = await sharp(data, raw).composite(overlays).raw().toBuffer();
    // flattened as every copy is (a transparent PNG's background becomes white)
    await Promise.all([
      sharp(covered, raw).flatten({ background: '#ffffff' }).jpeg(jpeg).toBuffer(),
      sharp(covered, raw).flatten({ background: '#ffffff' }).resize(THUMB_EDGE, THUMB_EDGE, { fit: 'inside', kernel: 'mitchell' }).jpeg(jpeg).toBuffer(),
    ]);
  };
  const ours = () => media.renderRedactedCopies(photo, type, hints, regions);
  const time = async (fn: () => Promise<unknown>) => {
    const started = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  try {
    await ours();
    await sharpAlone(); // warm up both
    const a: number[] = [];
    const b: number[] = [];
    // each goes first in every other pair, so neither always meets the other's leftovers
    for (let i = 0; i < REDACTION_RUNS; i++) {
      if (i % 2) b.push(await time(sharpAlone));
      a.push(await time(ours));
      if (!(i % 2)) b.push(await time(sharpAlone));
    }
    a.sort((x, y) => x - y);
    b.sort((x, y) => x - y);
    return { ours: percentile(a, 50), sharpAlone: percentile(b, 50) };
  } finally {
    if (made) fs.rmSync(made, { force: true });
  }
}

/**
 * A moderator working down the queue: the first entry opened from it (not timed), then per sample
 * the rejection posted from the page shown and the next entry's page it redirects to, loaded in
 * full (timed together). Entries are rejected as `other`, so each run leaves fewer pending.
 */
async function timeDecisionToNext(client: Client): Promise<{ p50: number; p95: number }> {
  const first = await client.fetch('/moderation');
  const firstId = /href="\/moderation\/submissions\/([0-9a-f-]{36})\?/.exec(await first.text())?.[1];
  if (!firstId) throw new Error('the queue shows no entry to decide');
  let shown = await client.page(`/moderation/submissions/${firstId}?from=queue`);
  let id = firstId;
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const version = /name="version" value="(\d+)"/.exec(shown.body)?.[1];
    if (!version) throw new Error(`entry ${id} shows no decision form`);
    const started = process.hrtime.bigint();
    const decided = await client.postForm(`/moderation/submissions/${id}/decision?from=queue`, { version, action: 'reject', reason_code: 'other', reason: 'bench: decision → next' });
    await decided.arrayBuffer();
    const next = decided.headers.get('location') ?? '';
    if (decided.status !== 303 || !next.startsWith('/moderation/submissions/')) throw new Error(`the decision on ${id} answered ${decided.status} → ${next}`);
    shown = await client.page(next);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (shown.res.status !== 200) throw new Error(`GET ${next} answered ${shown.res.status}`);
    id = /\/moderation\/submissions\/([0-9a-f-]{36})/.exec(next)![1]!;
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

async function main(): Promise<void> {
  if (args.has('redaction-only')) {
    const r = await measureRedaction();
    const ratio = r.sharpAlone / r.ours;
    if (ratio < REDACTION_RATIO_BAR) process.exitCode = 1;
    log(JSON.stringify({ redaction_ms: +r.ours.toFixed(1), redaction_baseline_ms: +r.sharpAlone.toFixed(1), redaction_ratio: +ratio.toFixed(2) }));
    return;
  }
  await seedIfNeeded(args.has('reseed'));
  const meta = new PgClient({ connectionString: DATABASE_URL });
  await meta.connect();
  const { rows: entries } = await meta.query<{ id: string }>(`SELECT id FROM submissions WHERE status = 'pending' ORDER BY random() LIMIT $1`, [SAMPLES]);
  const { rows: [deep] } = await meta.query<{ id: string; received_at: Date }>(
    `SELECT id, received_at FROM submissions WHERE status = 'pending' ORDER BY received_at, id OFFSET $1 LIMIT 1`, [Math.floor(PENDING / 2)],
  );
  const { rows: [election] } = await meta.query<{ id: number }>(`SELECT id FROM elections WHERE slug = 'bench-duma'`);
  const { rows: [category] } = await meta.query<{ code: string }>('SELECT min(code) AS code FROM categories');
  const { rows: [clustered] } = await meta.query<{ n: number }>(`SELECT count(DISTINCT cluster_id)::int AS n FROM submissions WHERE status = 'pending' AND cluster_id IS NOT NULL`);
  const clustersPending = clustered!.n;
  await meta.end();

  const redaction = await measureRedaction();
  const redactionRatio = redaction.sharpAlone / redaction.ours;
  log(`redaction of a 12 MP photo: ${redaction.ours.toFixed(0)} ms; sharp alone ${redaction.sharpAlone.toFixed(0)} ms; ratio ${redactionRatio.toFixed(2)}`);

  process.env.BENCH_DATABASE_URL = DATABASE_URL; // the child is started without --pending: it finds the database by this
  if (args.has('profile')) process.env.BENCH_PROFILE_DIR = PROFILE_DIR; // the child profiles itself (node does not take --cpu-prof from NODE_OPTIONS)
  const server = await startServerChild(__filename, ROOT);
  const pid = server.proc.pid;
  try {
    const client = new Client(server.url);
    await client.page('/login');
    const login = await client.postForm('/login', MODERATOR);
    if (login.status !== 303) throw new Error(`login failed: ${login.status}`);

    const cycle = (list: string[]) => Array.from({ length: SAMPLES }, (_, i) => list[i % list.length]!);
    const deepCursor = encodeCursor(deep!.received_at, deep!.id);
    const filtered = [
      `/moderation?election=${election!.id}&category=${category!.code}`,
      `/moderation?region=${encodeURIComponent('Регион 7')}`,
      '/moderation?flag=place_mismatch',
      '/moderation?flag=near_duplicate&sort=newest',
      '/moderation?flag=no_metadata',
      '/moderation?has_video=1',
      '/moderation?received_from=2024-03-16&received_to=2024-03-16',
    ];
    await timeRequests(client, cycle(['/healthz', '/moderation', ...filtered]).slice(0, 30)); // warm up
    const timed = (paths: string[]) => withServerCpu(pid, paths.length, () => timeRequests(client, paths));
    const baseline = await timed(cycle(['/healthz']));
    const queue = await timed(cycle(['/moderation', `/moderation?after=${deepCursor}`]));
    const queueFiltered = await timed(cycle(filtered));
    const live = await timed(cycle(['/moderation/live', '/moderation/live?flag=place_mismatch&status=pending']));
    const entry = await timed(entries.map((e) => `/moderation/submissions/${e.id}`));
    const decisionNext = await withServerCpu(pid, SAMPLES, () => timeDecisionToNext(client));
    const fmt = (r: { p50: number; p95: number; cpuMs: number }) => `p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, server CPU ${r.cpuMs.toFixed(1)} ms/request`;
    log(`baseline /healthz:          ${fmt(baseline)}`);
    log(`queue (first + deep page):  ${fmt(queue)}`);
    log(`queue, filtered:            ${fmt(queueFiltered)}`);
    log(`live queue poll:            ${fmt(live)}`);
    log(`entry page:                 ${fmt(entry)}`);
    log(`decision → next shown:      ${fmt(decisionNext)}`);
    const result = {
      queue_p50_ms: +queue.p50.toFixed(1),
      queue_p95_ms: +queue.p95.toFixed(1),
      filtered_p95_ms: +queueFiltered.p95.toFixed(1),
      live_p95_ms: +live.p95.toFixed(1),
      entry_p50_ms: +entry.p50.toFixed(1),
      entry_p95_ms: +entry.p95.toFixed(1),
      decision_next_p50_ms: +decisionNext.p50.toFixed(1),
      decision_next_p95_ms: +decisionNext.p95.toFixed(1),
      baseline_p50_ms: +baseline.p50.toFixed(1),
      baseline_p95_ms: +baseline.p95.toFixed(1),
      redaction_ms: +redaction.ours.toFixed(1),
      redaction_baseline_ms: +redaction.sharpAlone.toFixed(1),
      redaction_ratio: +redactionRatio.toFixed(2),
      // the API process's user + system CPU per request (per decision and next page for decision_next)
      cpu_baseline_ms: +baseline.cpuMs.toFixed(1),
      cpu_queue_ms: +queue.cpuMs.toFixed(1),
      cpu_filtered_ms: +queueFiltered.cpuMs.toFixed(1),
      cpu_live_ms: +live.cpuMs.toFixed(1),
      cpu_entry_ms: +entry.cpuMs.toFixed(1),
      cpu_decision_next_ms: +decisionNext.cpuMs.toFixed(1),
      pending: PENDING,
      clusters_pending: clustersPending,
      load1: +os.loadavg()[0]!.toFixed(2),
    };
    if ([queue.p95, queueFiltered.p95, live.p95, entry.p95].some((p) => p >= BAR_MS) || decisionNext.p95 >= DECISION_NEXT_BAR_MS || redactionRatio < REDACTION_RATIO_BAR) {
      process.exitCode = 1;
    }
    log(JSON.stringify(result));
  } finally {
    server.proc.kill('SIGTERM');
  }
}

if (process.argv.includes('--server')) {
  void runServer();
} else {
  main().catch((err: Error) => {
    process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
    process.exit(2);
  });
}
