import { Client } from '../helpers/http';
import { freshDatabaseUrl, startSystem, type TestSystem } from '../helpers/system';
import { issueFirstAdminLinkIfNeeded } from '../../domain/accounts/account.service';

describe('accounts', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({ worker: false, env: { DATABASE_URL: await freshDatabaseUrl('accounts') } });
  });
  afterAll(async () => {
    await system?.stop();
  });

  test('the one-time setup link creates the first admin once, and only while there are no accounts', async () => {
    // startSystem already issued one link (as a real start does); a new one replaces it.
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
