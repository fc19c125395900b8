import path from 'node:path';
import { z } from 'zod';
import type { VideoCopySettings } from './media/video-copy';

const MiB = 1024 * 1024;

/** The names proxy-addr knows for whole ranges, besides addresses and subnets. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'] as const;
const proxyAddress = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6(), z.enum(PROXY_RANGE_NAMES)]);

/**
 * Which hops may say who the client is (X-Forwarded-For) and whether it came over https
 * (X-Forwarded-Proto), in Express's terms: how many proxies stand in front of us, or their addresses
 * and subnets. "Trust everyone" is refused: the client then chooses its own address.
 */
const trustProxySetting = z
  .string()
  .trim()
  .transform((value, check): false | number | string[] => {
    if (value === '' || value === 'false' || value === '0') return false;
    if (value === 'true') {
      check.addIssue({
        code: 'custom',
        message:
          'true would believe every X-Forwarded-For entry, so any client could forge its address and get a fresh rate-limit and login quota with each request; ' +
          'give the number of proxies in front of Svidetel (e.g. 1) or their addresses or subnets (e.g. 10.0.0.1,10.0.0.2 or loopback)',
      });
      return z.NEVER;
    }
    if (/^[0-9]+$/.test(value)) {
      const hops = Number(value);
      if (hops > 10) check.addIssue({ code: 'custom', message: 'at most 10 proxy hops' });
      return hops;
    }
    const entries = value.split(',').map((entry) => entry.trim());
    const wrong = entries.filter((entry) => !proxyAddress.safeParse(entry).success);
    if (wrong.length > 0) {
      check.addIssue({
        code: 'custom',
        message: `not a proxy hop count, address, subnet or one of ${PROXY_RANGE_NAMES.join('/')}: ${wrong.map((w) => JSON.stringify(w)).join(', ')}`,
      });
    }
    return entries;
  });

/** The log's name outside production when neither LOG_ORIGIN nor PUBLIC_URL says it; refused in production. */
export const DEFAULT_LOG_ORIGIN = 'svidetel.local/log';

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

/**
 * Every setting Svidetel reads from the environment, with its default.
 * The README's configuration table is written from this schema; keep them in step.
 */
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url().optional(),
  // The application's role (svidetel_app, or a member of it: owns nothing, bypasses nothing) and the
  // owner's, used only to create the database and migrate (npm start, npm run migrate).
  DATABASE_URL: z.string().min(1).default('postgres://svidetel_app@127.0.0.1:5432/svidetel'),
  DATABASE_OWNER_URL: z.string().min(1).optional(),
  // The worker's connection, as svidetel_signer (svidetel_app plus writing signed heads and the log's key).
  SIGNER_DATABASE_URL: z.string().min(1).optional(),
  REDIS_URL: z.string().min(1).default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z.string().regex(/^[a-z0-9_-]+$/i).default('svidetel'),
  // Where login and public rate-limit counters live: memory (one API process) or redis (shared by
  // every API process behind a load balancer, with the client-key salt).
  RATE_LIMIT_STORE: z.enum(['memory', 'redis']).default('memory'),
  STORAGE_DIR: z.string().min(1).default('./data'),
  // Where originals and derivatives are kept: fs (under STORAGE_DIR) or s3 (a bucket of any
  // S3-compatible store: AWS S3, Ceph RGW, Backblaze B2, Wasabi, MinIO). Uploads being received,
  // and the keys, stay under STORAGE_DIR either way.
  STORAGE: z.enum(['fs', 's3']).default('fs'),
  S3_ENDPOINT: z.url().optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens')
    .optional(),
  S3_FORCE_PATH_STYLE: booleanFromEnv.default(false),
  // Unset: the AWS SDK's own chain (AWS_ACCESS_KEY_ID…, a profile, an instance role).
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  // How long an original stays under COMPLIANCE retention when the bucket has Object Lock. Ten
  // years: longer than the limitation periods for prosecuting electoral fraud in the countries the
  // archive is for and than two full election cycles, while still finite (no one, not even the
  // store's owner, can shorten a COMPLIANCE retention, so the bucket pays for every locked byte
  // that long).
  S3_OBJECT_LOCK_DAYS: z.coerce.number().int().min(1).max(36_500).default(3653),
  MAX_PHOTO_MB: z.coerce.number().positive().default(50),
  MAX_VIDEO_MB: z.coerce.number().positive().default(1024),
  MAX_FILES_PER_SUBMISSION: z.coerce.number().int().min(1).max(100).default(20),
  // Upload throttles, per client (a salted hash of its address, in memory) and for the whole server.
  // Generous per client: many observers may share one carrier-grade NAT address.
  UPLOADS_PER_MINUTE_PER_CLIENT: z.coerce.number().int().min(1).max(100_000).default(30),
  MAX_CONCURRENT_UPLOADS: z.coerce.number().int().min(1).max(100_000).default(100),
  MAX_CONCURRENT_UPLOADS_PER_CLIENT: z.coerce.number().int().min(1).max(100_000).default(6),
  // A body that sends nothing for this long, or averages under the minimum rate once it has been
  // sending this long, is cut off (an observer on 3G sends ≥ 2 KB/s).
  UPLOAD_STALL_SECONDS: z.coerce.number().positive().max(3600).default(60),
  UPLOAD_MIN_BYTES_PER_SECOND: z.coerce.number().int().min(0).default(2048),
  // A resumable upload not finished this long after it began is removed with its bytes; a finished
  // one not taken by a submission within the same time after it finished, too.
  UPLOAD_EXPIRY_MINUTES: z.coerce.number().positive().max(30 * 24 * 60).default(24 * 60),
  // At start the API removes what a crash left behind once it is this old: temp files no resumable
  // upload owns, and originals no committed row records (an upload body silent for UPLOAD_STALL_SECONDS is cut off anyway).
  LEFTOVER_GRACE_MINUTES: z.coerce.number().min(0).max(7 * 24 * 60).default(60),
  // Free space kept on the storage filesystem: below it uploads are refused (507) and moderators are warned.
  DISK_RESERVE_MB: z.coerce.number().min(0).default(1024),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
  // Published video copies (domain/media/video-copy.ts): short side at most this many lines, a
  // bitrate a phone streams on 3G/4G, ffmpeg's threads, its time limit, and copies made at once
  // per worker (the rest wait for a slot; photos keep being processed meanwhile).
  VIDEO_COPY_MAX_HEIGHT: z.coerce.number().int().min(144).max(2160).default(720),
  VIDEO_COPY_VIDEO_KBPS: z.coerce.number().int().min(200).max(20_000).default(1500),
  VIDEO_COPY_AUDIO_KBPS: z.coerce.number().int().min(32).max(320).default(96),
  VIDEO_COPY_THREADS: z.coerce.number().int().min(1).max(16).default(2),
  VIDEO_COPY_MAX_MINUTES: z.coerce.number().positive().max(24 * 60).default(60),
  VIDEO_COPY_CONCURRENCY: z.coerce.number().int().min(1).max(8).default(1),
  // Videos run in a pool of their own, so long clips never hold the slots photos need.
  WORKER_HEAVY_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(1),
  // The worker's CPU priority (Unix nice, 0-19): uploads and pages come first on a shared machine.
  WORKER_NICE: z.coerce.number().int().min(0).max(19).default(10),
  // Transient failures (a dependency away, a full disk) are retried with exponential backoff and
  // jitter, each wait at most RETRY_MAX_DELAY_SECONDS, for RETRY_WINDOW_MINUTES; then the file waits
  // as waiting_retry and the sweep tries it again every STALE_JOB_MINUTES.
  RETRY_WINDOW_MINUTES: z.coerce.number().positive().max(7 * 24 * 60).default(60),
  RETRY_MAX_DELAY_SECONDS: z.coerce.number().positive().max(3600).default(300),
  STALE_JOB_MINUTES: z.coerce.number().positive().default(10),
  SWEEP_INTERVAL_SECONDS: z.coerce.number().positive().default(60),
  // How long a stopping worker lets running jobs finish before it cuts its connections (keep it under the container's stop grace period).
  WORKER_STOP_GRACE_SECONDS: z.coerce.number().positive().max(3600).default(90),
  SESSION_DAYS: z.coerce.number().positive().default(7),
  // How long an API process may reuse a session it read for requests that change nothing (0: never); domain/accounts/session-cache.ts.
  SESSION_CACHE_SECONDS: z.coerce.number().min(0).max(60).default(2),
  // A moderator's claim on an entry lapses after this long without activity on it.
  CLAIM_MINUTES: z.coerce.number().positive().max(24 * 60).default(15),
  COOKIE_SECURE: booleanFromEnv.optional(),
  TRUST_PROXY: trustProxySetting.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Flags a moderator sees: how far a file may be from the observer's claim before it is flagged.
  // 10 of 64 perceptual-hash bits: resized/recompressed copies of the fixtures differ by ≤ 2, 2 %
  // crops by ≤ 10, and the closest two different photos by 18. The limit of 11 keeps the indexed
  // lookup at ≤ 2 bits per band (see domain/media/perceptual-hash.ts).
  NEAR_DUPLICATE_MAX_DISTANCE: z.coerce.number().int().min(0).max(11).default(10),
  TIME_MISMATCH_HOURS: z.coerce.number().positive().max(24 * 366).default(3),
  PLACE_MISMATCH_KM: z.coerce.number().positive().max(20_000).default(2),
  // With no register entry for the station: GPS this far outside the claimed region's boundary.
  // Boundaries are simplified by up to 2 km and people live on both sides of a border: 10 km flags
  // a wrong region, not a suburb.
  REGION_MISMATCH_KM: z.coerce.number().min(0).max(20_000).default(10),
  // Transparency log: the Ed25519 key file (created on first start), the log's name (first line of
  // every checkpoint, also the signed-note key name: never change it once the log has entries), and
  // how often the worker may sign a new tree head when the log grew.
  LOG_KEY_PATH: z.string().min(1).optional(),
  LOG_ORIGIN: z
    .string()
    .regex(/^[^\s+]{1,200}$/, 'a log origin is 1 to 200 characters, no spaces and no "+", e.g. svidetel.example.org/log')
    .optional(),
  // The AES-256 key that encrypts two-factor secrets in the database (created on first start; kept out of the database).
  TOTP_KEY_PATH: z.string().min(1).optional(),
  // Minutes, not seconds: each head tells how many files arrived since the last, published or not,
  // and one window should hold many uploads on a busy day (see the README's Security section).
  LOG_STH_INTERVAL_SECONDS: z.coerce.number().positive().max(86_400).default(300),
  // The scrub (the server checking itself): MB of stored originals re-hashed per minute at most (0:
  // off), how long a check stays fresh before an original is hashed again, and how many log leaves a
  // minute have their stored subtree hashes recomputed (0: off).
  SCRUB_MB_PER_MINUTE: z.coerce.number().min(0).max(1_000_000).default(200),
  SCRUB_EVERY_HOURS: z.coerce.number().positive().max(24 * 366).default(24 * 7),
  LOG_SCRUB_LEAVES_PER_MINUTE: z.coerce.number().int().min(0).max(100_000_000).default(100_000),
  // MB of the replicas' copies read back and re-hashed per minute, all replicas together (0: off):
  // each is checked again once SCRUB_EVERY_HOURS old. Reading is egress a remote store may bill.
  REPLICA_SCRUB_MB_PER_MINUTE: z.coerce.number().min(0).max(1_000_000).default(50),
  // Witnesses (C2SP tlog-witness) the worker sends each new tree head to, comma-separated, each
  // "<submission URL prefix> <witness vkey>" (the vkey their `npm run witness` prints); empty: none.
  LOG_WITNESSES: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const out: { url: string; vkey: string }[] = [];
      for (const item of s.split(',').map((x) => x.trim()).filter(Boolean)) {
        const m = /^(https?:\/\/\S+)\s+(\S+\+[0-9a-f]{8}\+\S+)$/.exec(item);
        if (!m) ctx.addIssue({ code: 'custom', message: `"${item}": expected "<https URL prefix> <witness vkey>"` });
        else out.push({ url: m[1]!.replace(/\/+$/, ''), vkey: m[2]! });
      }
      return out;
    }),
  // An RFC 3161 timestamping authority that time-stamps every new tree head (empty: none), e.g. https://freetsa.org/tsr.
  LOG_TSA_URL: z.string().url().optional(),
  // What the public sees of when a file was received, rounded down to this many minutes (the
  // receipt keeps the exact time). It must divide a day, so the steps fall on the same clock times.
  PUBLIC_TIME_PRECISION_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(1440)
    .refine((m) => 1440 % m === 0, 'a number of minutes that divides a day, e.g. 1, 15, 60 or 1440')
    .default(60),
  // Public archive: map tiles (e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png; unset = points
  // over a plain background and no third-party request) and requests per minute per client to /api/v1.
  MAP_TILE_URL: z
    .url()
    .refine((u) => u.startsWith('https://') && ['{z}', '{x}', '{y}'].every((p) => u.includes(p)), 'an https URL with {z}, {x} and {y}')
    .optional(),
  PUBLIC_API_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(300),
  // Per client as well: pages (archive, search, check, stations, map, the upload form) and media files
  // (a search page shows 20 thumbnails).
  PUBLIC_PAGE_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(120),
  PUBLIC_MEDIA_REQUESTS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  // Login: failed attempts a client may make in a day, and consecutive failures for one account from
  // one client before each further attempt waits (1 s, 2 s, 4 s … up to 15 min; a success resets it).
  LOGIN_FAILURES_PER_CLIENT_PER_DAY: z.coerce.number().int().min(1).max(1_000_000).default(100),
  LOGIN_FAILURES_BEFORE_DELAY: z.coerce.number().int().min(1).max(100).default(5),
  // Database limits: no request may hang on PostgreSQL. The main pool serves pages, uploads,
  // moderation and the log; exports (CSV, JSON, Atom) get a small pool of their own so public
  // readers can never take the connections uploads and moderators need.
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
  DB_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  EXPORT_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(3),
  // The longest one export may stream (its statement's timeout), and how long a client may stop reading before it is cut off.
  EXPORT_MAX_MINUTES: z.coerce.number().positive().max(24 * 60).default(15),
  EXPORT_STALL_SECONDS: z.coerce.number().positive().max(3600).default(30),
}).superRefine((e, ctx) => {
  if (e.STORAGE === 's3' && !e.S3_BUCKET) ctx.addIssue({ code: 'custom', path: ['S3_BUCKET'], message: 'required with STORAGE=s3' });
  if (!e.S3_ACCESS_KEY_ID !== !e.S3_SECRET_ACCESS_KEY) {
    ctx.addIssue({ code: 'custom', path: [e.S3_ACCESS_KEY_ID ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID'], message: 'set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither' });
  }
  // Links in feeds, exports and receipts are built from it, never from a request's Host header.
  if (e.NODE_ENV === 'production' && !e.PUBLIC_URL) {
    ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: 'required in production: the address the public reaches this site at, e.g. https://svidetel.example.org' });
  }
  // The origin names the log in every checkpoint and receipt; a default shared by every deployment
  // would let one deployment's receipts pass for another's, and one derived from PUBLIC_URL would
  // change (and so break the log) with the site's address.
  if (e.NODE_ENV === 'production' && (!e.LOG_ORIGIN || e.LOG_ORIGIN === DEFAULT_LOG_ORIGIN)) {
    ctx.addIssue({
      code: 'custom',
      path: ['LOG_ORIGIN'],
      message: `required in production and not ${DEFAULT_LOG_ORIGIN}: this deployment's own log name, e.g. svidetel.example.org/log, set before the first start and never changed (on an existing log: the origin its tree heads name, see GET /api/v1/log/key)`,
    });
  }
});

/** A bucket of an S3-compatible store and how to reach it. */
export type S3Bucket = {
  /** Unset: AWS S3 itself. */
  endpoint: string | undefined;
  region: string;
  bucket: string;
  forcePathStyle: boolean;
  /** Unset: the AWS SDK's default credential chain. */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
};

/** A further S3-compatible store that receives a copy of every original (e.g. in another jurisdiction). */
export type ReplicaConfig = S3Bucket & { name: string; objectLockDays: number };

export type BlobStoreConfig = { kind: 'fs' } | ({ kind: 's3'; objectLockDays: number } & S3Bucket);

export type Config = {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  publicUrl: string | undefined;
  databaseUrl: string;
  databaseOwnerUrl: string;
  signerDatabaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  /** memory: this process's own counters; redis: counters (and the client-key salt) shared by every API process. */
  rateLimitStore: 'memory' | 'redis';
  /** Uploads being received (tmp/), the default keys and, with the fs store, the originals. */
  storageDir: string;
  /** Where originals and derivatives are kept. */
  blobStore: BlobStoreConfig;
  /** REPLICA_1_… to REPLICA_9_…: further stores each holding a copy of every original. */
  replicas: ReplicaConfig[];
  maxPhotoBytes: number;
  maxVideoBytes: number;
  maxFilesPerSubmission: number;
  uploadsPerMinutePerClient: number;
  maxConcurrentUploads: number;
  maxConcurrentUploadsPerClient: number;
  uploadStallMs: number;
  leftoverGraceMs: number;
  uploadMinBytesPerSecond: number;
  uploadExpiryMs: number;
  diskReserveBytes: number;
  workerConcurrency: number;
  videoCopy: VideoCopySettings;
  videoCopyConcurrency: number;
  workerHeavyConcurrency: number;
  workerNice: number;
  retryWindowMs: number;
  retryMaxDelayMs: number;
  staleJobMs: number;
  sweepIntervalMs: number;
  workerStopGraceMs: number;
  sessionMs: number;
  sessionCacheMs: number;
  claimMs: number;
  cookieSecure: boolean;
  /** Express's 'trust proxy': false, a hop count, or the proxies' addresses and subnets. */
  trustProxy: false | number | string[];
  logLevel: string;
  nearDuplicateMaxDistance: number;
  timeMismatchHours: number;
  placeMismatchKm: number;
  regionMismatchKm: number;
  logKeyPath: string;
  logOrigin: string;
  logSthIntervalMs: number;
  scrubBytesPerMinute: number;
  scrubEveryMs: number;
  logScrubLeavesPerMinute: number;
  replicaScrubBytesPerMinute: number;
  logWitnesses: { url: string; vkey: string }[];
  logTsaUrl: string | null;
  publicTimePrecisionMs: number;
  totpKeyPath: string;
  mapTileUrl: string | undefined;
  publicApiRequestsPerMinute: number;
  publicPageRequestsPerMinute: number;
  publicMediaRequestsPerMinute: number;
  loginFailuresPerClientPerDay: number;
  loginFailuresBeforeDelay: number;
  dbPoolSize: number;
  dbAcquireTimeoutMs: number;
  dbStatementTimeoutMs: number;
  dbIdleInTransactionTimeoutMs: number;
  exportPoolSize: number;
  exportMaxMs: number;
  exportStallMs: number;
};

export class ConfigError extends Error {}

/**
 * The same server and database, as another role and without the password (the owner's and the
 * signer's defaults; tests and benchmarks derive the application's URL from the owner's the same way).
 */
export function withUser(databaseUrl: string, user: string): string {
  try {
    const url = new URL(databaseUrl);
    url.username = user;
    url.password = '';
    return url.toString();
  } catch {
    return databaseUrl; // not a URL: the connection attempt will say so
  }
}

/**
 * A replica is REPLICA_<n>_BUCKET (n = 1…9) with the same settings as the primary bucket's
 * (REPLICA_<n>_ENDPOINT, _REGION, _FORCE_PATH_STYLE, _ACCESS_KEY_ID, _SECRET_ACCESS_KEY) and a
 * NAME that is recorded with each confirmed copy (never rename one that holds copies).
 */
const replicaSchema = z
  .object({
    NAME: z.string().regex(/^[a-z0-9-]{1,32}$/, '1 to 32 lower-case letters, digits and hyphens').optional(),
    ENDPOINT: z.url().optional(),
    REGION: z.string().min(1).default('us-east-1'),
    BUCKET: envSchema.shape.S3_BUCKET.unwrap(),
    FORCE_PATH_STYLE: booleanFromEnv.default(false),
    ACCESS_KEY_ID: z.string().min(1).optional(),
    SECRET_ACCESS_KEY: z.string().min(1).optional(),
  })
  .refine((r) => !r.ACCESS_KEY_ID === !r.SECRET_ACCESS_KEY, { message: 'set both _ACCESS_KEY_ID and _SECRET_ACCESS_KEY, or neither', path: ['ACCESS_KEY_ID'] });

function parseReplicas(env: NodeJS.ProcessEnv): { replicas: Omit<ReplicaConfig, 'objectLockDays'>[]; problems: string[] } {
  const numbers = [...new Set(Object.keys(env).flatMap((key) => /^REPLICA_([1-9])_/.exec(key)?.[1] ?? []))].sort();
  const replicas: Omit<ReplicaConfig, 'objectLockDays'>[] = [];
  const problems: string[] = [];
  for (const n of numbers) {
    const prefix = `REPLICA_${n}_`;
    const fields = Object.fromEntries(Object.entries(env).flatMap(([key, value]) => (key.startsWith(prefix) ? [[key.slice(prefix.length), value]] : [])));
    const parsed = replicaSchema.safeParse(fields);
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((i) => `  ${prefix}${i.path.join('.')}: ${i.message} (got ${JSON.stringify(fields[String(i.path[0])])})`));
      continue;
    }
    const r = parsed.data;
    replicas.push({
      name: r.NAME ?? `replica-${n}`,
      endpoint: r.ENDPOINT,
      region: r.REGION,
      bucket: r.BUCKET,
      forcePathStyle: r.FORCE_PATH_STYLE,
      credentials: r.ACCESS_KEY_ID && r.SECRET_ACCESS_KEY ? { accessKeyId: r.ACCESS_KEY_ID, secretAccessKey: r.SECRET_ACCESS_KEY } : undefined,
    });
  }
  const names = replicas.map((r) => r.name);
  if (new Set(names).size !== names.length) problems.push(`  REPLICA_<n>_NAME: every replica needs a name of its own (got ${names.join(', ')})`);
  return { replicas, problems };
}

/** Parses the environment once; every wrong value is named in one message. */
export function parseConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  const { replicas, problems } = parseReplicas(env);
  if (!parsed.success || problems.length > 0) {
    const lines = (parsed.error?.issues ?? []).map((i) => `  ${i.path.join('.')}: ${i.message} (got ${JSON.stringify(env[String(i.path[0])])})`);
    throw new ConfigError(`Invalid configuration:\n${[...lines, ...problems].join('\n')}`);
  }
  const e = parsed.data;
  const storageDir = path.resolve(e.STORAGE_DIR);
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl: e.PUBLIC_URL?.replace(/\/$/, ''),
    databaseUrl: e.DATABASE_URL,
    databaseOwnerUrl: e.DATABASE_OWNER_URL ?? withUser(e.DATABASE_URL, 'postgres'),
    signerDatabaseUrl: e.SIGNER_DATABASE_URL ?? withUser(e.DATABASE_URL, 'svidetel_signer'),
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    rateLimitStore: e.RATE_LIMIT_STORE,
    storageDir,
    blobStore:
      e.STORAGE === 's3'
        ? {
            kind: 's3',
            endpoint: e.S3_ENDPOINT,
            region: e.S3_REGION,
            bucket: e.S3_BUCKET!,
            forcePathStyle: e.S3_FORCE_PATH_STYLE,
            credentials: e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY } : undefined,
            objectLockDays: e.S3_OBJECT_LOCK_DAYS,
          }
        : { kind: 'fs' },
    // a replica with Object Lock keeps its copies as long as the primary bucket keeps the originals
    replicas: replicas.map((replica) => ({ ...replica, objectLockDays: e.S3_OBJECT_LOCK_DAYS })),
    maxPhotoBytes: Math.floor(e.MAX_PHOTO_MB * MiB),
    maxVideoBytes: Math.floor(e.MAX_VIDEO_MB * MiB),
    maxFilesPerSubmission: e.MAX_FILES_PER_SUBMISSION,
    uploadsPerMinutePerClient: e.UPLOADS_PER_MINUTE_PER_CLIENT,
    maxConcurrentUploads: e.MAX_CONCURRENT_UPLOADS,
    maxConcurrentUploadsPerClient: e.MAX_CONCURRENT_UPLOADS_PER_CLIENT,
    uploadStallMs: e.UPLOAD_STALL_SECONDS * 1000,
    leftoverGraceMs: Math.round(e.LEFTOVER_GRACE_MINUTES * 60_000),
    uploadMinBytesPerSecond: e.UPLOAD_MIN_BYTES_PER_SECOND,
    uploadExpiryMs: Math.round(e.UPLOAD_EXPIRY_MINUTES * 60_000),
    diskReserveBytes: Math.floor(e.DISK_RESERVE_MB * MiB),
    workerConcurrency: e.WORKER_CONCURRENCY,
    videoCopy: {
      maxHeight: e.VIDEO_COPY_MAX_HEIGHT,
      videoKbps: e.VIDEO_COPY_VIDEO_KBPS,
      audioKbps: e.VIDEO_COPY_AUDIO_KBPS,
      threads: e.VIDEO_COPY_THREADS,
      timeoutMs: Math.round(e.VIDEO_COPY_MAX_MINUTES * 60_000),
    },
    videoCopyConcurrency: e.VIDEO_COPY_CONCURRENCY,
    workerHeavyConcurrency: e.WORKER_HEAVY_CONCURRENCY,
    workerNice: e.WORKER_NICE,
    retryWindowMs: e.RETRY_WINDOW_MINUTES * 60_000,
    retryMaxDelayMs: e.RETRY_MAX_DELAY_SECONDS * 1000,
    staleJobMs: e.STALE_JOB_MINUTES * 60_000,
    sweepIntervalMs: e.SWEEP_INTERVAL_SECONDS * 1000,
    workerStopGraceMs: e.WORKER_STOP_GRACE_SECONDS * 1000,
    sessionMs: e.SESSION_DAYS * 86_400_000,
    sessionCacheMs: e.SESSION_CACHE_SECONDS * 1000,
    claimMs: e.CLAIM_MINUTES * 60_000,
    cookieSecure: e.COOKIE_SECURE ?? e.PUBLIC_URL?.startsWith('https:') ?? false,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    nearDuplicateMaxDistance: e.NEAR_DUPLICATE_MAX_DISTANCE,
    timeMismatchHours: e.TIME_MISMATCH_HOURS,
    placeMismatchKm: e.PLACE_MISMATCH_KM,
    regionMismatchKm: e.REGION_MISMATCH_KM,
    logKeyPath: path.resolve(e.LOG_KEY_PATH ?? path.join(storageDir, 'keys', 'log-ed25519.pem')),
    logOrigin: e.LOG_ORIGIN ?? (e.PUBLIC_URL ? `${new URL(e.PUBLIC_URL).host}/log` : DEFAULT_LOG_ORIGIN),
    logSthIntervalMs: e.LOG_STH_INTERVAL_SECONDS * 1000,
    scrubBytesPerMinute: Math.floor(e.SCRUB_MB_PER_MINUTE * MiB),
    scrubEveryMs: e.SCRUB_EVERY_HOURS * 3_600_000,
    logScrubLeavesPerMinute: e.LOG_SCRUB_LEAVES_PER_MINUTE,
    replicaScrubBytesPerMinute: Math.floor(e.REPLICA_SCRUB_MB_PER_MINUTE * MiB),
    logWitnesses: e.LOG_WITNESSES,
    logTsaUrl: e.LOG_TSA_URL ?? null,
    publicTimePrecisionMs: e.PUBLIC_TIME_PRECISION_MINUTES * 60_000,
    totpKeyPath: path.resolve(e.TOTP_KEY_PATH ?? path.join(storageDir, 'keys', 'totp-aes256.key')),
    mapTileUrl: e.MAP_TILE_URL,
    publicApiRequestsPerMinute: e.PUBLIC_API_REQUESTS_PER_MINUTE,
    publicPageRequestsPerMinute: e.PUBLIC_PAGE_REQUESTS_PER_MINUTE,
    publicMediaRequestsPerMinute: e.PUBLIC_MEDIA_REQUESTS_PER_MINUTE,
    loginFailuresPerClientPerDay: e.LOGIN_FAILURES_PER_CLIENT_PER_DAY,
    loginFailuresBeforeDelay: e.LOGIN_FAILURES_BEFORE_DELAY,
    dbPoolSize: e.DB_POOL_SIZE,
    dbAcquireTimeoutMs: e.DB_ACQUIRE_TIMEOUT_MS,
    dbStatementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
    dbIdleInTransactionTimeoutMs: e.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    exportPoolSize: e.EXPORT_POOL_SIZE,
    exportMaxMs: e.EXPORT_MAX_MINUTES * 60_000,
    exportStallMs: e.EXPORT_STALL_SECONDS * 1000,
  };
}

/** For entry points: parse or exit with the message, never a stack trace. */
export function loadConfigOrExit(): Config {
  try {
    return parseConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}
