import { execFile } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { Client } from '../helpers/http';
import { freshDatabaseUrl, startSystem, type TestSystem } from '../helpers/system';
import { issueFirstAdminLinkIfNeeded } from '../../domain/accounts/accounts.service';
import { typescriptScript } from '../helpers/scripts';

describe('accounts', () => {
  let system: TestSystem;
  let databaseUrl: string;
  const logged: string[] = [];
  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl('accounts');
    const capture = new Writable({
      write(chunk: Buffer, _enc, done) {
        logged.push(chunk.toString('utf8'));
        done();
      },
    });
    system = await startSystem({ worker: false, logTo: capture, env: { DATABASE_URL: databaseUrl, LOG_LEVEL: 'info' } });
  });
  afterAll(async () => {
    await system?.stop();
  });

  test('a start with no accounts says how to get the setup link and logs no link; npm run setup-link prints one that works', async () => {
    const log = logged.join('');
    expect(log).toContain('npm run setup-link');
    expect(log).not.toMatch(/\/setup\/[A-Za-z0-9_-]{20,}/);
    const { port } = new URL(system.url);
    const run = await promisify(execFile)(process.execPath, typescriptScript('scripts/setup-link.ts'), {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { ...process.env, NODE_ENV: 'test', DATABASE_URL: system.ctx.config.databaseUrl, DATABASE_OWNER_URL: databaseUrl, STORAGE_DIR: system.storageDir, PORT: port, LOG_LEVEL: 'silent' },
    });
    const link = /^(http:\/\/\S+\/setup\/[A-Za-z0-9_-]{43})$/m.exec(run.stdout)?.[1];
    expect(link?.startsWith(`${system.url}/setup/`)).toBe(true);
    expect((await new Client(system.url).fetch(link!.slice(system.url.length))).status).toBe(200);
  });

  test('the one-time setup link creates the first admin once, and only while there are no accounts', async () => {
    // a new link replaces the one the command above printed
    const token = await issueFirstAdminLinkIfNeeded(system.ctx);
    expect(token).toBeTruthy();
    const client = new Client(system.url);
    await client.page(`/setup/${token}`);
    const short = await client.postForm(`/setup/${token}`, { email: 'admin@example.org', password: 'short' });
    expect(short.status).toBe(400);
    const ok = await client.postForm(`/setup/${token}`, { email: 'Admin@Example.org', password: 'a long enough password' });
    expect(ok.status).toBe(303);
    expect((await client.fetch(`/setup/${token}`)).status).toBe(410);
    expect(await issueFirstAdminLinkIfNeeded(system.ctx)).toBeNull();

    await client.page('/login');
    const login = await client.postForm('/login', { email: 'admin@example.org', password: 'a long enough password' });
    expect(login.status).toBe(303);
    expect((await client.fetch('/moderation')).status).toBe(200);
  });

  test('wrong passwords get one message, then a rate limit', async () => {
    const client = new Client(system.url);
    await client.page('/login');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await client.postForm('/login', { email: 'nobody@example.org', password: 'wrong' })).status);
    expect(statuses.slice(0, 5)).toEqual([400, 400, 400, 400, 400]);
    expect(statuses[5]).toBe(429);
  });

  test('a login form without the CSRF token is refused', async () => {
    const client = new Client(system.url);
    const res = await client.postForm('/login', { email: 'x@example.org', password: 'y' }, '');
    expect(res.status).toBe(403);
  });
});
