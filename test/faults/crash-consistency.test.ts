import { execFile, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { Pool } from 'pg';
import { APP_ROLE, SIGNER_ROLE } from '../../db/roles';
import { parseConfig, withUser } from '../../domain/config';
import { prepareDatabase } from '../../infra/compose';
import { testTotpKeyPath } from '../helpers/databases';
import { uploadPhotos } from '../helpers/fault-system';
import { Client } from '../helpers/http';
import { freePort, startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from '../helpers/private-services';
import { typescriptScript } from '../helpers/scripts';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
/** Short, so the last start removes what the last kill left; the kills come sooner than it, so a restart under load does not cut live uploads. */
const GRACE_SECONDS = 3;

/**
 * The API or the worker as `npm start` runs it: its own process, which the test kills with SIGKILL.
 * The API cleans its stale temp files when it starts; the worker, once per start, everything a crash
 * left in the store.
 */
class ServiceProcess {
  private child: ChildProcess | null = null;
  private cleaned: Promise<Record<string, unknown> | null> | null = null;

  constructor(
    private readonly env: Record<string, string>,
    private readonly entry: 'api/main.ts' | 'worker/main.ts',
    private readonly says: { ready: string; cleaned: string },
  ) {}

  /** Starts it and waits until it is ready; `cleaned` settles with its start-up clean-up's report. */
  async start(): Promise<void> {
    // The entry compiled by swc on require, as the test's other scripts (test/helpers/scripts.ts):
    // tsx (npm start's) costs each of the test's many starts about 0.8 CPU-seconds more.
    const args = typescriptScript(this.entry);
    const child = fork(args.at(-1)!, [], { execArgv: args.slice(0, -1), env: this.env, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    this.child = child;
    const lines = createInterface({ input: child.stdout! });
    let listening!: () => void;
    let cleaned!: (report: Record<string, unknown> | null) => void;
    const ready = new Promise<void>((resolve, reject) => {
      listening = resolve;
      child.once('exit', (code, signal) => reject(new Error(`${this.entry} exited (${code ?? signal}) before it was ready`)));
    });
    this.cleaned = new Promise((resolve) => (cleaned = resolve));
    child.once('exit', () => cleaned(null)); // killed before its clean-up ended: the next start does it
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (String(entry.msg).startsWith(this.says.ready)) listening();
      if (entry.msg === this.says.cleaned) cleaned(entry);
      if (String(entry.msg).startsWith(`${this.says.cleaned.replace(/ cleaned$/, '')} not cleaned`)) cleaned(null);
    });
    await ready;
  }

  /** Its start-up clean-up's report (as logged), or null when it did not end. */
  cleanup(): Promise<Record<string, unknown> | null> {
    return this.cleaned!;
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.child = null;
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The API killed with SIGKILL at random points while observers upload (several at once): whatever a
 * kill leaves (a half-received temp file, an original linked by a transaction that never committed)
 * is removed (temp files by the API when it starts again, originals with no row by the worker when
 * it starts), and `npm run check:consistency` then finds store, database and log in agreement. No
 * receipt given is lost.
 */
describe('the API killed with SIGKILL during uploads', () => {
  let pg: PrivatePostgres;
  let redis: PrivateRedis;
  let api: ServiceProcess;
  let env: Record<string, string>;
  let ownerDb: Pool;
  let storageDir: string;
  let worker: ServiceProcess | undefined;

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
    storageDir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-crash-'));
    const ownerUrl = pg.url('svidetel');
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      NODE_ENV: 'test',
      PORT: String(await freePort()),
      DATABASE_OWNER_URL: ownerUrl,
      DATABASE_URL: withUser(ownerUrl, APP_ROLE),
      SIGNER_DATABASE_URL: withUser(ownerUrl, SIGNER_ROLE),
      REDIS_URL: redis.url,
      QUEUE_PREFIX: `crash-${randomBytes(4).toString('hex')}`,
      STORAGE_DIR: storageDir,
      LOG_LEVEL: 'info',
      UPLOADS_PER_MINUTE_PER_CLIENT: '100000',
      MAX_CONCURRENT_UPLOADS_PER_CLIENT: '1000',
      DISK_RESERVE_MB: '0',
      TOTP_KEY_PATH: testTotpKeyPath(),
      LEFTOVER_GRACE_MINUTES: String(GRACE_SECONDS / 60),
    };
    await prepareDatabase(parseConfig(env));
    ownerDb = new Pool({ connectionString: ownerUrl, max: 2 });
    api = new ServiceProcess(env, 'api/main.ts', { ready: 'Svidetel is running', cleaned: 'stale temp files cleaned' });
  });
  afterAll(async () => {
    await api?.kill();
    await worker?.kill();
    await ownerDb?.end();
    await Promise.all([pg?.destroy(), redis?.destroy()]);
    if (storageDir) await fs.rm(storageDir, { recursive: true, force: true });
  });

  test('after 5-7 kills across 100 uploads, the restart cleans up and check:consistency finds no mismatch', async () => {
    const base = `http://127.0.0.1:${env.PORT}`;
    await api.start();
    let up: Promise<void> = Promise.resolve();

    // Four observers at once, 100 submissions of 1-3 photos in all; an upload cut by a kill is not retried.
    const receipts: string[] = [];
    let attempts = 0;
    let cut = 0;
    const observer = async () => {
      let client: Client | null = null;
      while (attempts < 100) {
        await up;
        attempts++;
        try {
          client ??= new Client(base);
          const outcome = await uploadPhotos(client, 1 + Math.floor(Math.random() * 3));
          if (outcome.status === 201) receipts.push(String(outcome.body?.submissionId));
        } catch {
          cut++; // the connection died with the API
          client = null;
        }
      }
    };
    const kills = 5 + Math.floor(Math.random() * 3);
    // Each start's clean-up, awaited so none is still running when the test ends.
    const starts: Promise<Record<string, unknown> | null>[] = [];
    const killer = async () => {
      for (let k = 0; k < kills && attempts < 95; k++) {
        await pause(200 + Math.random() * 800);
        // Uploads not yet begun wait for the restart; those in flight are cut by the kill.
        let restarted!: () => void;
        up = new Promise((resolve) => (restarted = resolve));
        await api.kill();
        await api.start();
        starts.push(api.cleanup());
        restarted();
      }
    };
    await Promise.all([killer(), ...Array.from({ length: 4 }, observer)]);
    expect(cut).toBeGreaterThan(0); // the kills did land in the middle of uploads

    // A resumable upload begun and not finished: its temp file must survive every clean-up.
    const observer2 = new Client(base);
    await observer2.page('/');
    const begun = await observer2.fetch('/api/v1/uploads', {
      method: 'POST',
      headers: { 'tus-resumable': '1.0.0', 'x-csrf-token': observer2.csrf, 'upload-length': '5000', 'upload-metadata': `filename ${Buffer.from('later.jpg').toString('base64')}` },
    });
    expect(begun.status).toBe(201);

    // The last kill, then the API and the worker start after the grace period: they remove what the kills left.
    await api.kill();
    await pause(GRACE_SECONDS * 1000 + 500);
    await api.start();
    const tempsCleaned = await api.cleanup();
    await Promise.all(starts);
    worker = new ServiceProcess(env, 'worker/main.ts', { ready: 'worker started', cleaned: 'crash leftovers cleaned' });
    await worker.start();
    const cleaned = await worker.cleanup();
    expect(tempsCleaned).toEqual(expect.objectContaining({ msg: 'stale temp files cleaned' }));

    const { stdout, code } = await run(process.execPath, typescriptScript('scripts/check-consistency.ts'), { cwd: ROOT, env: { ...env, LOG_LEVEL: 'warn' } }).then(
      ({ stdout }) => ({ stdout, code: 0 }),
      (err: { stdout: string; code: number }) => ({ stdout: err.stdout, code: err.code }),
    );
    expect({ code, stdout, cleaned }).toEqual({ code: 0, stdout: 'consistent: store, database and log agree\n', cleaned: expect.objectContaining({ msg: 'crash leftovers cleaned' }) });

    // Nothing receipted was lost, and the paused resumable upload still has its file and its offset.
    const stored = await ownerDb.query<{ id: string }>('SELECT id FROM submissions WHERE id = ANY($1::uuid[])', [receipts]);
    expect(stored.rowCount).toBe(receipts.length);
    expect(receipts.length).toBeGreaterThan(20);
    const paused = await ownerDb.query<{ temp_path: string }>('SELECT temp_path FROM resumable_uploads');
    expect(paused.rows).toHaveLength(1);
    expect(existsSync(paused.rows[0]!.temp_path)).toBe(true);
    const head = await observer2.fetch(begun.headers.get('location')!, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' } });
    expect([head.status, head.headers.get('upload-offset')]).toEqual([200, '0']);
  }, 240_000); // the API restarted 5-7 times, then the worker started once
});
