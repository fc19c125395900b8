/**
 * The API reuses a session it read for a moment (SESSION_CACHE_SECONDS; 30 here, so nothing below
 * passes by timing): revocation still stops a session at once where it counts. A request that
 * changes something reads its session afresh, so a session ended outside the API (SQL) changes
 * nothing from that moment, while it can read for at most the cache's time; logging out, an admin
 * disabling the account and revoking one's other session, through this API, stop reads at once too,
 * and on another API host as soon as the notice of it arrives.
 */
import { loggedInClient, Client } from '../helpers/http';
import { testDatabaseUrl } from '../helpers/databases';
import { startSystem, type TestSystem } from '../helpers/system';

let system: TestSystem;
/** A second API host on the same database: it learns of revocations made through the first only by their notices. */
let other: TestSystem;
beforeAll(async () => {
  const env = { DATABASE_URL: await testDatabaseUrl(), SESSION_CACHE_SECONDS: '30' };
  system = await startSystem({ worker: false, env });
  other = await startSystem({ worker: false, env });
  // both listen for notices (until then neither reuses a session)
  const deadline = Date.now() + 10_000;
  while ((await system.ownerDb.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'svidetel-sessions' AND query LIKE 'LISTEN%'`)).rowCount! < 2) {
    if (Date.now() > deadline) throw new Error('the API hosts do not listen for session changes');
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 100));
});
afterAll(async () => {
  await other?.stop();
  await system?.stop();
});

/** GETs `pathname` on a host with a browser's cookie until it is refused; how long that took. */
async function refusedWithin(host: TestSystem, cookie: string, pathname: string, limitMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const res = await fetch(`${host.url}${pathname}`, { headers: { cookie }, redirect: 'manual' });
    await res.arrayBuffer();
    if (res.status === 401) return Date.now() - started;
    if (Date.now() - started > limitMs) throw new Error(`still ${res.status} after ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const accountIdOf = async (email: string) => (await system.ctx.db.query<{ id: string }>('SELECT id FROM accounts WHERE email = $1', [email])).rows[0]!.id;

test('ended outside the API: a change is refused at once; reading goes on only while the cached session lasts', async () => {
  const moderator = await loggedInClient(system.ctx, system.url);
  expect((await moderator.fetch('/moderation')).status).toBe(200);
  await system.ctx.db.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE account_id = $1`, [await accountIdOf(moderator.email)]);
  // the window this cache opens (30 s here, 2 s by default), and only for reading
  expect((await moderator.fetch('/moderation')).status).toBe(200);
  expect((await moderator.postForm('/moderation/my-region', { region: '' })).status).toBe(401);
});

test('logging out stops the session at once, also for reading', async () => {
  const moderator = await loggedInClient(system.ctx, system.url);
  expect((await moderator.fetch('/moderation')).status).toBe(200);
  const cookie = moderator.cookieHeader();
  expect((await moderator.postForm('/logout', {})).status).toBe(303);
  const replayed = await fetch(`${system.url}/moderation`, { headers: { cookie }, redirect: 'manual' });
  expect(replayed.status).toBe(401);
});

test('an admin disabling the account, or its owner revoking another session, stops it at once', async () => {
  const admin = await loggedInClient(system.ctx, system.url, 'admin');
  const moderator = await loggedInClient(system.ctx, system.url);
  expect((await moderator.fetch('/moderation')).status).toBe(200);
  await admin.page('/admin/accounts');
  expect((await admin.postForm(`/admin/accounts/${await accountIdOf(moderator.email)}/disabled`, { disabled: 'on' })).status).toBe(303);
  expect((await moderator.fetch('/moderation')).status).toBe(401);

  const first = await loggedInClient(system.ctx, system.url);
  expect((await first.fetch('/moderation')).status).toBe(200);
  // the same account in a second browser ends the first one's session from its account page
  const second = new Client(system.url);
  await second.page('/login');
  expect((await second.postForm('/login', { email: first.email, password: 'correct horse battery staple' })).status).toBe(303);
  const { body } = await second.page('/account');
  // the row not marked as this browser's own session
  const row = body.split('<tr>').find((r) => r.includes('/revoke"') && !r.includes('<strong>('))!;
  const sessionId = /\/account\/sessions\/([0-9a-f]+)\/revoke"/.exec(row)![1]!;
  expect((await second.postForm(`/account/sessions/${sessionId}/revoke`, {})).status).toBe(303);
  expect((await first.fetch('/moderation')).status).toBe(401);
  expect((await second.fetch('/moderation')).status).toBe(200);
});

test('another API host stops a session logged out or disabled through this one as the notice arrives, not after its cache time', async () => {
  const moderator = await loggedInClient(system.ctx, system.url);
  const cookie = moderator.cookieHeader();
  const onOther = async () => (await fetch(`${other.url}/moderation`, { headers: { cookie }, redirect: 'manual' })).status;
  expect(await onOther()).toBe(200); // now cached there, for up to 30 s
  expect((await moderator.postForm('/logout', {})).status).toBe(303);
  expect(await refusedWithin(other, cookie, '/moderation', 2000)).toBeLessThan(2000);

  const admin = await loggedInClient(system.ctx, system.url, 'admin');
  const disabled = await loggedInClient(system.ctx, system.url);
  const its = disabled.cookieHeader();
  expect((await fetch(`${other.url}/moderation`, { headers: { cookie: its }, redirect: 'manual' })).status).toBe(200);
  await admin.page('/admin/accounts');
  expect((await admin.postForm(`/admin/accounts/${await accountIdOf(disabled.email)}/disabled`, { disabled: 'on' })).status).toBe(303);
  expect(await refusedWithin(other, its, '/moderation', 2000)).toBeLessThan(2000);
});
