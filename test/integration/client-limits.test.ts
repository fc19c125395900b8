import { randomBytes } from 'node:crypto';
import { createAccountWithLink, setPasswordWithToken } from '../../domain/accounts/accounts.service';
import { parseConfig } from '../../domain/config';
import { Client } from '../helpers/http';
import { startSystem, type TestSystem } from '../helpers/system';

/**
 * A browser behind the reverse proxy: every request arrives from the proxy (loopback here) with the
 * X-Forwarded-For the proxy built, whose last entry is the address the proxy saw; anything before
 * it is whatever the client chose to send.
 */
class ClientBehindProxy extends Client {
  constructor(
    base: string,
    public forwardedFor: string,
    private readonly extraHeaders: Record<string, string> = {},
  ) {
    super(base);
  }

  override fetch(pathname: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('x-forwarded-for', this.forwardedFor);
    for (const [k, v] of Object.entries(this.extraHeaders)) headers.set(k, v);
    return super.fetch(pathname, { ...init, headers });
  }
}

const PASSWORD = 'correct horse battery staple';

async function createAdmin(system: TestSystem): Promise<string> {
  const email = `admin-${randomBytes(6).toString('hex')}@example.org`;
  await setPasswordWithToken(system.ctx, await createAccountWithLink(system.ctx, email, 'admin'), PASSWORD);
  return email;
}

async function logInFrom(client: Client, email: string, password: string): Promise<Response> {
  if (!client.csrf) await client.page('/login');
  return client.postForm('/login', { email, password });
}

/** Runs n requests, `parallel` at a time, and returns their statuses. */
async function statusesOf(n: number, parallel: number, request: (i: number) => Promise<Response>): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i += parallel) {
    const batch = await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, (_, j) => request(i + j)));
    for (const res of batch) {
      statuses.push(res.status);
      await res.arrayBuffer();
    }
  }
  return statuses;
}

const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe('login protection behind a proxy (TRUST_PROXY=1)', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({ worker: false, env: { TRUST_PROXY: '1', LOGIN_FAILURES_PER_CLIENT_PER_DAY: '40' } });
  });
  afterAll(async () => {
    await system?.stop();
  });

  test('250 junk logins with random emails from one client stop that client, not the admin on another', async () => {
    const email = await createAdmin(system);
    const attacker = new ClientBehindProxy(system.url, '203.0.113.7');
    await attacker.page('/login');
    const statuses = await statusesOf(250, 10, (i) => {
      // the forged leftmost entry changes every time: it must not buy a fresh quota
      attacker.forwardedFor = `10.1.${i % 250}.${i % 7}, 203.0.113.7`;
      return attacker.postForm('/login', { email: `junk-${randomBytes(8).toString('hex')}@example.org`, password: 'guess' });
    });
    expect(count(statuses, 400)).toBe(40);
    expect(count(statuses, 429)).toBe(210);

    const refused = await logInFrom(attacker, email, PASSWORD);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.text()).toContain('Too many failed logins');

    const admin = new ClientBehindProxy(system.url, '198.51.100.20');
    expect((await logInFrom(admin, email, PASSWORD)).status).toBe(303);
    expect((await admin.fetch('/moderation')).status).toBe(200);
  });

  test('wrong passwords for the admin from client A slow A down; the admin on client B logs in at once', async () => {
    const email = await createAdmin(system);
    const a = new ClientBehindProxy(system.url, '203.0.113.8');
    const wrong = await statusesOf(7, 1, () => logInFrom(a, email, 'not the password'));
    expect(wrong).toEqual([400, 400, 400, 400, 400, 429, 429]);

    const b = new ClientBehindProxy(system.url, '198.51.100.21');
    expect((await logInFrom(b, email, PASSWORD)).status).toBe(303);

    // A is slowed, not locked out: each further failure waits longer (1 s, then 2 s) ...
    const first = await logInFrom(a, email, PASSWORD);
    expect(first.status).toBe(429);
    const firstWait = Number(first.headers.get('retry-after'));
    expect(firstWait).toBe(1);
    await new Promise((r) => setTimeout(r, firstWait * 1000 + 50));
    expect((await logInFrom(a, email, 'not the password')).status).toBe(400);
    const second = await logInFrom(a, email, 'not the password');
    expect(second.status).toBe(429);
    const secondWait = Number(second.headers.get('retry-after'));
    expect(secondWait).toBe(2);
    // ... and the right password after the wait logs in and clears A's record for this account.
    await new Promise((r) => setTimeout(r, secondWait * 1000 + 50));
    expect((await logInFrom(a, email, PASSWORD)).status).toBe(303);
    const again = new ClientBehindProxy(system.url, '203.0.113.8');
    expect(await statusesOf(5, 1, () => logInFrom(again, email, 'not the password'))).toEqual([400, 400, 400, 400, 400]);
  });

  test('failures in parallel are counted before the password is checked: a burst gets no extra guesses', async () => {
    const email = await createAdmin(system);
    const a = new ClientBehindProxy(system.url, '203.0.113.10');
    await a.page('/login');
    const statuses = await statusesOf(20, 20, () => a.postForm('/login', { email, password: 'not the password' }));
    expect(count(statuses, 400)).toBe(5);
    expect(count(statuses, 429)).toBe(15);
  });
});

describe('rate limits: client addresses through a trusted proxy', () => {
  for (const trustProxy of ['1', 'loopback', '127.0.0.1']) {
    describe(`TRUST_PROXY=${trustProxy}`, () => {
      let system: TestSystem;
      beforeAll(async () => {
        system = await startSystem({
          worker: false,
          env: { TRUST_PROXY: trustProxy, PUBLIC_API_REQUESTS_PER_MINUTE: '5', PUBLIC_PAGE_REQUESTS_PER_MINUTE: '5' },
        });
      });
      afterAll(async () => {
        await system?.stop();
      });

      test.each(['/api/v1/search', '/archive'])('forged leftmost X-Forwarded-For entries get no fresh quota on %s', async (path) => {
        const statuses = await statusesOf(7, 1, (i) =>
          fetch(system.url + path, { headers: { 'x-forwarded-for': `10.2.${i}.1, 192.0.2.${i}, 203.0.113.30` } }),
        );
        expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
        // another client behind the same proxy has its own quota
        expect((await fetch(system.url + path, { headers: { 'x-forwarded-for': '203.0.113.31' } })).status).toBe(200);
      });
    });
  }

  describe('no proxy configured', () => {
    let system: TestSystem;
    beforeAll(async () => {
      system = await startSystem({ worker: false, env: { PUBLIC_API_REQUESTS_PER_MINUTE: '5', PUBLIC_PAGE_REQUESTS_PER_MINUTE: '5' } });
    });
    afterAll(async () => {
      await system?.stop();
    });

    test.each(['/api/v1/search', '/archive'])('X-Forwarded-For is ignored on %s: the connection is the client', async (path) => {
      const statuses = await statusesOf(7, 1, (i) => fetch(system.url + path, { headers: { 'x-forwarded-for': `203.0.113.${40 + i}` } }));
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    });

    test('the resumable upload endpoints are not counted in the API budget (a file is several requests; uploads have their own throttles)', async () => {
      const statuses = await statusesOf(7, 1, () => fetch(`${system.url}/api/v1/uploads`, { method: 'OPTIONS' }));
      expect(statuses).toEqual([204, 204, 204, 204, 204, 204, 204]);
    });
  });

  test('TRUST_PROXY=true is refused with the reason; addresses, subnets and hop counts are accepted', async () => {
    await expect(startSystem({ worker: false, env: { TRUST_PROXY: 'true' } })).rejects.toThrow(/TRUST_PROXY.*forge/s);
    await expect(startSystem({ worker: false, env: { TRUST_PROXY: '10.0.0.1,not-an-address' } })).rejects.toThrow(/TRUST_PROXY/);
    expect(parseConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(parseConfig({}).trustProxy).toBe(false);
    expect(parseConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(parseConfig({ TRUST_PROXY: '10.0.0.1, 10.0.0.2,fd00::/8,loopback' }).trustProxy).toEqual(['10.0.0.1', '10.0.0.2', 'fd00::/8', 'loopback']);
  });
});

describe('rate limits: public pages and media', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({ worker: false, env: { TRUST_PROXY: '1', PUBLIC_PAGE_REQUESTS_PER_MINUTE: '3', PUBLIC_MEDIA_REQUESTS_PER_MINUTE: '3' } });
  });
  afterAll(async () => {
    await system?.stop();
  });

  const pages = ['/', '/archive', '/archive/00000000-0000-4000-8000-000000000000', '/search?q=x', '/check', `/stations/1/${encodeURIComponent('Москва')}/8050`, '/map', '/media/1/thumb.jpg', '/login', '/setup/x', '/set-password/x'];
  test.each(pages.map((path, i) => [path, i]))('%s answers 429 with Retry-After and a page that says so', async (path, i) => {
    const from = { 'x-forwarded-for': `203.0.113.${100 + Number(i)}` };
    const statuses = await statusesOf(3, 1, () => fetch(system.url + path, { headers: from }));
    expect(statuses).not.toContain(429);
    const limited = await fetch(system.url + path, { headers: { ...from, 'accept-language': 'en' } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await limited.text()).toMatch(/Too many requests from your address\. Try again in \d+ s\./);
    const ru = await fetch(system.url + path, { headers: { ...from, 'accept-language': 'ru' } });
    expect(await ru.text()).toMatch(/Слишком много запросов с вашего адреса/);
  });

  test('pages and media have separate quotas, and each client its own', async () => {
    const from = { 'x-forwarded-for': '203.0.113.120' };
    expect(await statusesOf(4, 1, () => fetch(`${system.url}/archive`, { headers: from }))).toEqual([200, 200, 200, 429]);
    expect((await fetch(`${system.url}/media/1/thumb.jpg`, { headers: from })).status).toBe(400); // a malformed id, not a limit
    expect((await fetch(`${system.url}/archive`, { headers: { 'x-forwarded-for': '203.0.113.121' } })).status).toBe(200);
  });
});

describe('TLS behind a proxy: HSTS and the Secure cookie', () => {
  const systems: TestSystem[] = [];
  afterAll(async () => {
    await Promise.all(systems.map((s) => s.stop()));
  });
  const start = async (env: Record<string, string>) => {
    const system = await startSystem({ worker: false, env });
    systems.push(system);
    return system;
  };

  const secureSigns = async (url: string, headers: Record<string, string>) => {
    const res = await fetch(`${url}/login`, { headers });
    await res.arrayBuffer();
    return { hsts: res.headers.get('strict-transport-security'), cookies: res.headers.getSetCookie() };
  };

  test('a trusted proxy that says https turns on HSTS and Secure cookies, also for the session cookie', async () => {
    const system = await start({ TRUST_PROXY: '1' });
    const overHttps = await secureSigns(system.url, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.50' });
    expect(overHttps.hsts).toMatch(/max-age=\d+/);
    expect(overHttps.cookies.length).toBeGreaterThan(0);
    for (const c of overHttps.cookies) expect(c).toMatch(/;\s*Secure/i);

    const email = await createAdmin(system);
    const browser = new ClientBehindProxy(system.url, '203.0.113.51', { 'x-forwarded-proto': 'https' });
    await browser.page('/login');
    const login = await browser.postForm('/login', { email, password: PASSWORD });
    expect(login.status).toBe(303);
    const session = login.headers.getSetCookie().find((c) => c.startsWith('svid_session='));
    expect(session).toMatch(/;\s*Secure/i);

    const overHttp = await secureSigns(system.url, { 'x-forwarded-proto': 'http', 'x-forwarded-for': '203.0.113.52' });
    expect(overHttp.hsts).toBeNull();
    for (const c of overHttp.cookies) expect(c).not.toMatch(/;\s*Secure/i);
  });

  test.each([
    ['no proxy configured', {}],
    ['a proxy list that does not include the sender', { TRUST_PROXY: '10.0.0.1,10.0.0.2' }],
  ])('with %s, a client claiming https gets neither', async (_what, env) => {
    const system = await start(env);
    const claimed = await secureSigns(system.url, { 'x-forwarded-proto': 'https' });
    expect(claimed.hsts).toBeNull();
    expect(claimed.cookies.length).toBeGreaterThan(0);
    for (const c of claimed.cookies) expect(c).not.toMatch(/;\s*Secure/i);
  });
});
