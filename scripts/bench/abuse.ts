/**
 * `npm run bench:abuse`: does the archive stay up for honest people while one party attacks it?
 *
 * Starts the real API (tsx api/main.ts, production settings, no worker) on loopback against its own
 * database of published entries (svidetel_bench_abuse, seeded once, see archive-seed.ts). Every
 * client binds its own loopback address (127.0.x.y), so the server tells them apart exactly as it
 * tells apart people on the internet: by address, with no proxy header to forge.
 *
 * Honest load (the same in both phases): searches spread over 50 readers at 10 per second, one
 * 5 MiB photo upload every 3 s (each with different bytes), and a moderator logging in with the
 * right password every 5 s. It runs first alone ("quiet"), then while attackers:
 *   - 20 clients each hold an export (CSV or JSON) open and never read it, reconnecting whenever
 *     the server ends one;
 *   - 20 clients hold 10 uploads each (200) that send one byte every 10 s, reconnecting likewise;
 *   - 10 clients send 500 logins a minute: half with random emails, half with wrong passwords for
 *     the moderator's own email.
 * After the attackers disconnect, the API's open file descriptors and the upload temp folder are
 * watched until they are back where they were before the attack (at most 60 s).
 *
 * Bars: honest search p95 under attack ≤ 2× the quiet p95; every honest upload and login succeeds;
 * no file descriptor and no temp file left. Exit code 1 when a bar is missed, 2 on an error.
 * Options: --seconds=N per phase (default 30), --rows=N published entries (default 20 000).
 * The last line is one JSON object: {"search_p95_quiet_ms", "search_p95_attack_ms",
 * "honest_upload_ok", "honest_login_ok", "fds_leaked", "temp_files_leaked"}.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createAccountWithLink, setPasswordWithToken } from '../../domain/accounts/accounts.service';
import { createContext } from '../../infra/compose';
import { parseConfig } from '../../domain/config';
import { ensureArchiveSeeded } from './archive-seed';
import { appDatabaseEnv, freePort, log, option, percentile, reportFigures } from './bench-kit';

const ROOT = path.resolve(__dirname, '..', '..');
const DATABASE_URL = process.env.BENCH_ABUSE_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/svidetel_bench_abuse';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PHASE_S = option('seconds', 30);
const ROWS = option('rows', 20_000);
const HOST = '127.0.0.1';
const MODERATOR = { email: 'bench-abuse-moderator@example.org', password: 'bench password that is long enough' };
const SEARCH_WORDS = ['вбросы', 'карусель', 'наблюдателя удалили', 'stuffed ballots', 'observer removed', 'протокол', 'очередь', 'camera covered'];
const FORM_FIELDS: Record<string, string> = {
  election_id: '1',
  region: 'Москва',
  station_number: '8050',
  category_code: 'ballot_stuffing',
  description: 'bench:abuse: an honest observer uploads a photo during an attack',
};

/** A loopback address per client: 127.0.<group>.<n>. */
const addr = (group: number, n: number) => `127.0.${group}.${n}`;
const ADDRESSES = { reader: (i: number) => addr(1, 10 + i), uploader: addr(1, 2), moderator: addr(1, 3), exporter: (i: number) => addr(2, 1 + i), slowUploader: (i: number) => addr(3, 1 + i), loginJunk: (i: number) => addr(4, 1 + i) };

// ----------------------------------------------------------------------------------------------
// HTTP from a chosen loopback address

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: string; ms: number };

let baseUrl = '';

function request(from: string, method: string, pathname: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<Answer> {
  const { hostname, port } = new URL(baseUrl);
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: pathname, method, headers, localAddress: from, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: Number(process.hrtime.bigint() - started) / 1e6 }),
      );
      res.once('error', reject);
    });
    req.once('error', reject);
    // An honest person gives up eventually: a server that does not answer counts as a failure, not a hang.
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${pathname}: no answer within 30 s`)));
    req.end(body);
  });
}

/** A browser's first visit to a page with a form: the anonymous CSRF cookie and the token the form carries. */
async function formSession(from: string, pathname: string): Promise<{ cookie: string; token: string }> {
  const res = await request(from, 'GET', pathname);
  const cookie = (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!).join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1] ?? /data-csrf="([^"]+)"/.exec(res.body)?.[1];
  if (!token) throw new Error(`GET ${pathname} (status ${res.status}) carried no CSRF token`);
  return { cookie, token };
}

function multipart(fields: Record<string, string>, file: { name: string; type: string; bytes: Buffer }) {
  const boundary = `----svidetel-abuse-${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(
    Object.entries(fields)
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('') + `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return { contentType: `multipart/form-data; boundary=${boundary}`, head, tail, length: head.length + file.bytes.length + tail.length };
}

// ----------------------------------------------------------------------------------------------
// The honest people

/** A 5 MiB JPEG; each upload inserts a different comment segment after SOI, so its bytes differ. */
async function photo(): Promise<Buffer> {
  const width = 3400;
  const height = 2500;
  const noise = randomBytes(width * height * 3);
  return sharp(noise, { raw: { width, height, channels: 3 } }).jpeg({ quality: 82 }).toBuffer();
}

function uniqueCopy(jpeg: Buffer): Buffer {
  const comment = Buffer.from(`bench:abuse ${randomUUID()}`);
  const segment = Buffer.concat([Buffer.from([0xff, 0xfe, 0, comment.length + 2]), comment]);
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

type HonestResult = { searchMs: number[]; searchFailed: number; uploads: { ok: number; tried: number; failures: string[] }; logins: { ok: number; tried: number; failures: string[] } };

/** Runs the honest load for `seconds`: every request is awaited and counted. */
async function honestLoad(seconds: number, jpeg: Buffer): Promise<HonestResult> {
  const until = Date.now() + seconds * 1000;
  const result: HonestResult = { searchMs: [], searchFailed: 0, uploads: { ok: 0, tried: 0, failures: [] }, logins: { ok: 0, tried: 0, failures: [] } };
  const every = async (ms: number, fn: (i: number) => Promise<void>) => {
    const running: Promise<void>[] = [];
    for (let i = 0; Date.now() < until; i++) {
      const next = Date.now() + ms;
      running.push(fn(i));
      await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
    }
    await Promise.all(running);
  };
  const searches = every(100, async (i) => {
    const q = encodeURIComponent(SEARCH_WORDS[i % SEARCH_WORDS.length]!);
    const res = await request(ADDRESSES.reader(i % 50), 'GET', `/api/v1/search?q=${q}`).catch(() => null);
    if (res?.status === 200) result.searchMs.push(res.ms);
    else result.searchFailed++;
  });
  const uploads = every(3000, async () => {
    result.uploads.tried++;
    try {
      const form = await formSession(ADDRESSES.uploader, '/');
      const bytes = uniqueCopy(jpeg);
      const body = multipart(FORM_FIELDS, { name: 'IMG_0001.jpg', type: 'image/jpeg', bytes });
      const res = await request(
        ADDRESSES.uploader,
        'POST',
        '/api/v1/submissions',
        { cookie: form.cookie, 'x-csrf-token': form.token, accept: 'application/json', 'content-type': body.contentType, 'content-length': String(body.length) },
        Buffer.concat([body.head, bytes, body.tail]),
      );
      if (res.status === 201) result.uploads.ok++;
      else result.uploads.failures.push(`${res.status} ${res.body.slice(0, 160)}`);
    } catch (err) {
      result.uploads.failures.push((err as Error).message);
    }
  });
  const logins = every(5000, async () => {
    result.logins.tried++;
    try {
      const ok = await logIn(ADDRESSES.moderator, MODERATOR.email, MODERATOR.password);
      if (ok.status === 303 && /\/(moderation|account)$/.test(String(ok.headers.location))) result.logins.ok++;
      else result.logins.failures.push(`${ok.status} ${String(ok.headers.location ?? ok.body.slice(0, 160))}`);
    } catch (err) {
      result.logins.failures.push((err as Error).message);
    }
  });
  await Promise.all([searches, uploads, logins]);
  return result;
}

async function logIn(from: string, email: string, password: string): Promise<Answer> {
  const form = await formSession(from, '/login');
  return request(
    from,
    'POST',
    '/login',
    { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'en' },
    new URLSearchParams({ _csrf: form.token, email, password }).toString(),
  );
}

// ----------------------------------------------------------------------------------------------
// The attackers

type Attack = { stop(): void; counts: Record<string, number> };

function startAttack(): Attack {
  const sockets = new Set<net.Socket>();
  const counts: Record<string, number> = { exports_opened: 0, exports_ended_by_server: 0, slow_uploads_opened: 0, slow_uploads_ended_by_server: 0, junk_logins: 0 };
  let stopped = false;
  const timers: NodeJS.Timeout[] = [];
  const { port } = new URL(baseUrl);

  /** A raw connection that sends `head`, then `trickle` (if any) one byte at a time, and never reads. */
  const hold = (from: string, head: string | Buffer, opened: string, ended: string, trickle?: { bytes: Buffer; everyMs: number }) => {
    if (stopped) return;
    const socket = net.connect({ host: HOST, port: Number(port), localAddress: from });
    sockets.add(socket);
    counts[opened]!++;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      socket.write(head);
      socket.pause(); // never read: the server's writes fill the socket buffers and stall
      if (trickle) {
        let at = 0;
        const timer = setInterval(() => {
          if (at < trickle.bytes.length && !socket.destroyed) socket.write(trickle.bytes.subarray(at, ++at));
        }, trickle.everyMs);
        socket.once('close', () => clearInterval(timer));
      }
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      sockets.delete(socket);
      if (stopped) return;
      counts[ended]!++;
      setTimeout(() => hold(from, head, opened, ended, trickle), 200); // a persistent attacker comes back
    });
  };

  for (let i = 0; i < 20; i++) {
    const format = i % 2 ? 'json' : 'csv';
    hold(ADDRESSES.exporter(i), `GET /api/v1/export.${format} HTTP/1.1\r\nHost: ${HOST}:${port}\r\n\r\n`, 'exports_opened', 'exports_ended_by_server');
  }

  void (async () => {
    for (let i = 0; i < 20 && !stopped; i++) {
      const from = ADDRESSES.slowUploader(i);
      const form = await formSession(from, '/').catch(() => null);
      if (!form) continue;
      for (let j = 0; j < 10; j++) {
        const body = multipart(FORM_FIELDS, { name: 'slow.jpg', type: 'image/jpeg', bytes: Buffer.alloc(5 * 1024 * 1024) });
        const head =
          `POST /api/v1/submissions HTTP/1.1\r\nHost: ${HOST}:${port}\r\nCookie: ${form.cookie}\r\nX-CSRF-Token: ${form.token}\r\n` +
          `Content-Type: ${body.contentType}\r\nContent-Length: ${body.length}\r\nAccept: application/json\r\n\r\n`;
        hold(from, Buffer.concat([Buffer.from(head), body.head]), 'slow_uploads_opened', 'slow_uploads_ended_by_server', { bytes: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]), everyMs: 10_000 });
      }
    }
  })();

  // 500 a minute from 10 clients: one every 120 ms, round robin.
  let n = 0;
  timers.push(
    setInterval(() => {
      const i = n++;
      const from = ADDRESSES.loginJunk(i % 10);
      const email = i % 2 ? `junk-${randomUUID()}@example.org` : MODERATOR.email;
      counts.junk_logins!++;
      void logIn(from, email, `wrong password ${i}`).catch(() => undefined);
    }, 120),
  );

  return {
    counts,
    stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
    },
  };
}

// ----------------------------------------------------------------------------------------------
// The server

const openFds = (pid: number) => fs.readdirSync(`/proc/${pid}/fd`).length;
const tempFiles = (storage: string) => fs.readdirSync(path.join(storage, 'tmp')).length;

async function startServer(storage: string): Promise<{ proc: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort(HOST);
  baseUrl = `http://${HOST}:${port}`;
  const proc = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...(await appDatabaseEnv(DATABASE_URL)), NODE_ENV: 'production', LOG_ORIGIN: 'bench-abuse.svidetel.test/log', HOST, PORT: String(port), PUBLIC_URL: baseUrl, REDIS_URL, QUEUE_PREFIX: 'bench-abuse', STORAGE_DIR: storage, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  for (let i = 0; i < 600; i++) {
    if (proc.exitCode !== null) throw new Error('the API exited before answering');
    if ((await request(HOST, 'GET', '/healthz').catch(() => null))?.status === 200) {
      return {
        proc,
        async stop() {
          proc.kill('SIGTERM');
          await exited;
        },
      };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  proc.kill('SIGKILL');
  throw new Error('the API did not answer /healthz within 120 s');
}

async function createModerator(storage: string): Promise<void> {
  const ctx = await createContext(parseConfig({ NODE_ENV: 'test', ...(await appDatabaseEnv(DATABASE_URL)), REDIS_URL, STORAGE_DIR: storage, LOG_LEVEL: 'warn', QUEUE_PREFIX: 'bench-abuse' }), 'bench-abuse');
  try {
    // Kept from an earlier run (the seed is cached) or created now.
    const link = await createAccountWithLink(ctx, MODERATOR.email, 'moderator').catch(() => null);
    if (link) await setPasswordWithToken(ctx, link, MODERATOR.password);
  } finally {
    await ctx.close();
  }
}

/** null when no request succeeded at all: there is no latency to report, and the bar is missed. */
const p95 = (ms: number[]) => (ms.length ? Math.round(percentile([...ms].sort((a, b) => a - b), 95) * 10) / 10 : null);
const ratio = (r: { ok: number; tried: number }) => (r.tried ? Math.round((r.ok / r.tried) * 1000) / 1000 : 0);

async function waitUntil(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
}

async function main(): Promise<void> {
  await ensureArchiveSeeded(DATABASE_URL, ROWS);
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'svidetel-bench-abuse-'));
  await createModerator(storage);
  const jpeg = await photo();
  log(`photo: ${(jpeg.length / 1024 / 1024).toFixed(2)} MiB; ${PHASE_S} s per phase`);
  const server = await startServer(storage);
  const pid = server.proc.pid!;
  try {
    // Warm-up: the first requests pay for module loading and the first plans.
    await honestLoad(3, jpeg);
    const fdsBefore = openFds(pid);
    const tempBefore = tempFiles(storage);

    const quiet = await honestLoad(PHASE_S, jpeg);
    log(`quiet:  search p95 ${p95(quiet.searchMs)} ms (${quiet.searchMs.length} ok, ${quiet.searchFailed} failed); uploads ${quiet.uploads.ok}/${quiet.uploads.tried}; logins ${quiet.logins.ok}/${quiet.logins.tried}`);

    const attack = startAttack();
    await new Promise((r) => setTimeout(r, 3000)); // let the attack build up before measuring
    const attacked = await honestLoad(PHASE_S, jpeg);
    const peakFds = openFds(pid);
    attack.stop();
    log(`attack: search p95 ${p95(attacked.searchMs)} ms (${attacked.searchMs.length} ok, ${attacked.searchFailed} failed); uploads ${attacked.uploads.ok}/${attacked.uploads.tried}; logins ${attacked.logins.ok}/${attacked.logins.tried}`);
    log(`        attackers: ${JSON.stringify(attack.counts)}; API fds ${fdsBefore} before, ${peakFds} at the end of the attack`);
    for (const f of [...quiet.uploads.failures, ...attacked.uploads.failures].slice(0, 5)) log(`        upload failed: ${f}`);
    for (const f of [...quiet.logins.failures, ...attacked.logins.failures].slice(0, 5)) log(`        login failed: ${f}`);

    // Idle pooled connections close after their idle timeout; give the server a minute to settle.
    await waitUntil(() => openFds(pid) <= fdsBefore && tempFiles(storage) <= tempBefore, 60_000);
    const figures = {
      search_p95_quiet_ms: p95(quiet.searchMs),
      search_p95_attack_ms: p95(attacked.searchMs),
      honest_upload_ok: ratio({ ok: quiet.uploads.ok + attacked.uploads.ok, tried: quiet.uploads.tried + attacked.uploads.tried }),
      honest_login_ok: ratio({ ok: quiet.logins.ok + attacked.logins.ok, tried: quiet.logins.tried + attacked.logins.tried }),
      fds_leaked: Math.max(0, openFds(pid) - fdsBefore),
      temp_files_leaked: Math.max(0, tempFiles(storage) - tempBefore),
    };
    reportFigures(figures, [
      (figures.search_p95_attack_ms === null || figures.search_p95_quiet_ms === null || figures.search_p95_attack_ms > 2 * figures.search_p95_quiet_ms) &&
        'search p95 under attack > 2× quiet',
      figures.honest_upload_ok < 1 && 'an honest upload failed',
      figures.honest_login_ok < 1 && 'an honest login failed',
      quiet.searchFailed + attacked.searchFailed > 0 && 'an honest search failed',
      figures.fds_leaked > 0 && 'file descriptors left open',
      figures.temp_files_leaked > 0 && 'temp files left',
    ]);
  } finally {
    await server.stop();
    fs.rmSync(storage, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(2);
});
