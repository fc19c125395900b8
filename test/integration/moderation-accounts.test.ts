import { Secret, TOTP } from 'otpauth';
import { createAccountWithLink } from '../../domain/accounts/accounts.service';
import { AppError } from '../../domain/errors';
import { errorText } from '../../web/error-messages';
import sharp from 'sharp';
import { Client, SUBMISSION_FIELDS, loggedInClient, uploadSubmission } from '../helpers/http';
import { ALL_CHECKS, decideFromPage } from '../helpers/moderation';
import { freshDatabaseUrl, startSystem, type TestSystem } from '../helpers/system';

const codeFor = (email: string, secret: string, offsetMs = 0) =>
  new TOTP({ issuer: 'Svidetel', label: email, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + offsetMs });

/** Accounts, sessions, two-factor login, stations and the publication hold. Settings are global: own database. */
describe('accounts, two-factor login, stations and settings', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({ env: { DATABASE_URL: await freshDatabaseUrl('moderation_accounts') } });
  });
  afterAll(async () => {
    await system?.stop();
  });

  const audit = async (action: string) =>
    (await system.ctx.db.query<{ actor_label: string; entity_id: string; after: unknown }>('SELECT actor_label, entity_id, after FROM audit_log WHERE action = $1 ORDER BY seq', [action])).rows;

  async function logIn(email: string, password: string, code?: string): Promise<{ client: Client; status: number; body: string }> {
    const client = new Client(system.url);
    await client.page('/login');
    const res = await client.postForm('/login', { email, password, ...(code ? { code } : {}) });
    return { client, status: res.status, body: res.status === 303 ? '' : await res.text() };
  }

  test('an admin creates an account (one-time link), re-roles and disables it; disabling ends its sessions at once', async () => {
    const admin = await loggedInClient(system.ctx, system.url, 'admin');
    await admin.page('/admin/accounts');
    const created = await admin.postForm('/admin/accounts', { email: 'new.moderator@example.org', role: 'moderator' });
    expect(created.status).toBe(201);
    const link = /id="set-password-link">[^<]*(\/set-password\/[A-Za-z0-9_-]{43})</.exec(await created.text())?.[1];
    expect(link).toBeDefined();
    const owner = new Client(system.url);
    await owner.page(link!);
    expect((await owner.postForm(link!, { password: 'a new long password' })).status).toBe(303);
    expect((await owner.fetch(link!)).status).toBe(410);

    const session = await logIn('new.moderator@example.org', 'a new long password');
    expect(session.status).toBe(303);
    expect((await session.client.fetch('/moderation')).status).toBe(200);
    expect((await session.client.fetch('/admin/accounts')).status).toBe(403);

    const id = (await system.ctx.db.query<{ id: string }>(`SELECT id FROM accounts WHERE email = 'new.moderator@example.org'`)).rows[0]!.id;
    expect((await admin.postForm(`/admin/accounts/${id}/role`, { role: 'admin' })).status).toBe(303);
    expect((await session.client.fetch('/admin/accounts')).status).toBe(200);
    expect((await admin.postForm(`/admin/accounts/${id}/role`, { role: 'owner' })).status).toBe(400);

    expect((await admin.postForm(`/admin/accounts/${id}/disabled`, { disabled: 'true' })).status).toBe(303);
    expect((await session.client.fetch('/moderation')).status).toBe(401);
    expect((await logIn('new.moderator@example.org', 'a new long password')).status).toBe(400);
    expect((await system.ctx.db.query('SELECT 1 FROM sessions WHERE account_id = $1', [id])).rowCount).toBe(0);

    const adminId = (await system.ctx.db.query<{ id: string }>('SELECT id FROM accounts WHERE email = $1', [admin.email])).rows[0]!.id;
    const self = await admin.postForm(`/admin/accounts/${adminId}/disabled`, { disabled: 'true' });
    expect(self.status).toBe(409);
    expect(await self.text()).toContain('your own account');

    expect((await audit('account.role')).map((r) => [r.actor_label, r.entity_id, r.after])).toEqual([[admin.email, id, { role: 'admin' }]]);
    expect((await audit('account.disable')).map((r) => [r.actor_label, r.after])).toEqual([[admin.email, { disabled: true, sessions_ended: 1 }]]);
    expect((await audit('account.create')).some((r) => r.actor_label === admin.email && r.entity_id === id)).toBe(true);
  });

  test('an admin sends an invitation again and gives a new password link; only the newest link works, and using it ends the sessions', async () => {
    const admin = await loggedInClient(system.ctx, system.url, 'admin');
    await admin.page('/admin/accounts');
    const email = 'forgetful.moderator@example.org';
    const linkIn = async (res: Response) => /id="set-password-link">[^<]*(\/set-password\/[A-Za-z0-9_-]{43})</.exec(await res.text())?.[1];
    const firstInvitation = await linkIn(await admin.postForm('/admin/accounts', { email, role: 'moderator' }));
    const id = (await system.ctx.db.query<{ id: string }>('SELECT id FROM accounts WHERE email = $1', [email])).rows[0]!.id;

    // never used: the invitation again, in words that say so; the first link stops working
    const listed = await admin.page('/admin/accounts?lang=en');
    expect(listed.body).toContain(`aria-label="Send the invitation again: ${email}"`);
    const again = await admin.postForm(`/admin/accounts/${id}/password-link?lang=en`, {});
    expect(again.status).toBe(201);
    const againBody = await again.text();
    expect(againBody).toContain(`The invitation for ${email} was made again`);
    const secondInvitation = /id="set-password-link">[^<]*(\/set-password\/[A-Za-z0-9_-]{43})</.exec(againBody)?.[1];
    const owner = new Client(system.url);
    expect((await owner.fetch(firstInvitation!)).status).toBe(410);
    await owner.page(secondInvitation!);
    expect((await owner.postForm(secondInvitation!, { password: 'the first long password' })).status).toBe(303);
    const session = await logIn(email, 'the first long password');
    expect(session.status).toBe(303);

    // forgotten: a reset link; the old password works until the link is used, then no session survives
    const reset = await linkIn(await admin.postForm(`/admin/accounts/${id}/password-link`, {}));
    expect((await logIn(email, 'the first long password')).status).toBe(303);
    await owner.page(reset!);
    expect((await owner.postForm(reset!, { password: 'the second long password' })).status).toBe(303);
    expect((await session.client.fetch('/moderation')).status).toBe(401);
    expect((await logIn(email, 'the first long password')).status).toBe(400);
    expect((await logIn(email, 'the second long password')).status).toBe(303);

    // a disabled account gets no link
    expect((await admin.postForm(`/admin/accounts/${id}/disabled`, { disabled: 'true' })).status).toBe(303);
    const refused = await admin.postForm(`/admin/accounts/${id}/password-link`, {});
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain(`${email} is disabled: enable the account first`);

    expect((await audit('account.invitation_resent')).map((r) => [r.actor_label, r.entity_id])).toEqual([[admin.email, id]]);
    expect((await audit('account.password_reset_link')).map((r) => [r.actor_label, r.entity_id])).toEqual([[admin.email, id]]);
    expect((await audit('account.set_password')).filter((r) => r.entity_id === id).map((r) => r.after)).toEqual([{ sessions_ended: 0 }, { sessions_ended: 2 }]);

    // creating it again says how to give it a new link instead (as npm run user:create prints)
    const exists = await createAccountWithLink(system.ctx, email, 'moderator').catch((e: unknown) => e as AppError);
    expect(exists).toBeInstanceOf(AppError);
    expect(errorText(exists as AppError, 'en')).toContain(`npm run user:password-link -- --email ${email}`);
  });

  test('owners see their sessions and end one; two-factor login asks for the code, refuses a wrong or reused one', async () => {
    const first = await loggedInClient(system.ctx, system.url, 'moderator');
    const password = 'correct horse battery staple';
    const second = await logIn(first.email, password);
    expect(second.status).toBe(303);

    const page = await first.page('/account?lang=en');
    const sessionIds = [...page.body.matchAll(/\/account\/sessions\/([0-9a-f]{64})\/revoke/g)].map((m) => m[1]!);
    expect(sessionIds).toHaveLength(2);
    // the row marked "(this one)" is this client's session; end the other
    const rows = page.body.split('<tr>').slice(1);
    const other = sessionIds.find((sid) => rows.some((row) => row.includes(sid) && !row.includes('(this one)')))!;
    expect(other).toBeDefined();
    expect((await first.postForm(`/account/sessions/${other}/revoke`, {})).status).toBe(303);
    expect((await first.fetch('/moderation')).status).toBe(200);
    expect((await second.client.fetch('/moderation')).status).toBe(401);
    expect((await first.postForm(`/account/sessions/${'0'.repeat(64)}/revoke`, {})).status).toBe(404);

    const client = first;
    const setup = await client.page('/account');
    const secret = /id="totp-secret"[^>]*>([A-Z2-7]+)</.exec(setup.body)![1]!;
    expect((await client.postForm('/account/totp', { secret, code: '000000' === codeFor(first.email, secret) ? '111111' : '000000' })).status).toBe(400);
    expect((await client.postForm('/account/totp', { secret, code: codeFor(first.email, secret) })).status).toBe(303);
    expect((await client.page('/account?lang=en')).body).toContain('On: logging in asks for a code');

    const noCode = await logIn(first.email, password);
    expect(noCode.status).toBe(400);
    expect(noCode.body).toContain('enter the current 6-digit code');
    expect((await logIn(first.email, password, '12345')).status).toBe(400);
    const next = codeFor(first.email, secret, 30_000); // the next step: within the ±1 step window
    expect((await logIn(first.email, password, next)).status).toBe(303);
    const replay = await logIn(first.email, password, next);
    expect(replay.status).toBe(400);
    expect(replay.body).toContain('used already');
    expect((await audit('account.totp_enable')).some((r) => r.actor_label === first.email)).toBe(true);
  });

  test('when an admin requires two-factor login, an account without it can only reach its account page until it sets it up', async () => {
    const admin = await loggedInClient(system.ctx, system.url, 'admin');
    const moderator = await loggedInClient(system.ctx, system.url, 'moderator');
    await admin.page('/admin/settings');
    expect((await admin.postForm('/admin/settings/totp', { require_totp: 'on' })).status).toBe(303);
    try {
      const blocked = await moderator.fetch('/moderation');
      expect(blocked.status).toBe(403);
      expect(await blocked.text()).toContain('set it up on your account page');
      const account = await moderator.page('/account');
      expect(account.res.status).toBe(200);
      const secret = /id="totp-secret"[^>]*>([A-Z2-7]+)</.exec(account.body)![1]!;
      expect((await moderator.postForm('/account/totp', { secret, code: codeFor(moderator.email, secret) })).status).toBe(303);
      expect((await moderator.fetch('/moderation')).status).toBe(200);
      const off = await moderator.postForm('/account/totp/disable', { code: codeFor(moderator.email, secret, 30_000) });
      expect(off.status).toBe(409);
    } finally {
      // the admin has no second factor either: the account page stays open to set the setting back
      await system.ctx.db.query('UPDATE app_settings SET require_totp = false');
    }
  });

  test('stations import per election with a per-row error report; submissions link by number at import and at upload', async () => {
    const admin = await loggedInClient(system.ctx, system.url, 'admin');
    const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#123456' } }).jpeg().toBuffer();
    const before = await uploadSubmission(new Client(system.url), { ...SUBMISSION_FIELDS, station_number: '0451' }, [{ name: 'a.jpg', data: photo }]);
    const beforeId = ((await before.json()) as { submissionId: string }).submissionId;

    const csv = [
      'region;tik;uik;address;latitude;longitude',
      'Москва;ТИК Тверского района;451;ул. Тверская, 1;55,7601;37,6186',
      'Германия;ТИК за рубежом;8050;Berlin, Unter den Linden 63-65;;',
      'Москва;ТИК;45a;ул. Ошибочная;55.7;37.6',
      'Москва;ТИК;452;ул. Широтная;55.7;',
      'Москва;ТИК;453;;55.7;37.6',
      'Москва;ТИК;451;дубликат;55.7;37.6',
      'Москва;ТИК;454;ул. Далёкая;95;37.6',
    ].join('\n');
    await admin.page('/admin/stations');
    const form = new FormData();
    form.append('election_id', SUBMISSION_FIELDS.election_id);
    form.append('file', new Blob([csv], { type: 'text/csv' }), 'stations.csv');
    const res = await admin.fetch(`/admin/stations?_csrf=${encodeURIComponent(admin.csrf)}&lang=en`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    const report = await res.text();
    expect(report).toContain('Stations imported: 2; submissions linked: 1; rows with errors: 5.');
    expect(report).toContain('Line 4: uik must be the station number');
    expect(report).toContain('Line 5: latitude and longitude go together');
    expect(report).toContain('Line 6: address is empty');
    expect(report).toContain('Line 7: Station 451 is already on line 2.');
    expect(report).toContain('Line 8: latitude must be a number from -90 to 90');

    const stations = (await system.ctx.db.query('SELECT uik_number, region, latitude, longitude FROM polling_stations ORDER BY uik_number')).rows;
    expect(stations).toEqual([
      { uik_number: '451', region: 'Москва', latitude: 55.7601, longitude: 37.6186 },
      { uik_number: '8050', region: 'Германия', latitude: null, longitude: null },
    ]);
    const linked = (await system.ctx.db.query('SELECT polling_station_id IS NOT NULL AS linked FROM submissions WHERE id = $1', [beforeId])).rows[0];
    expect(linked).toEqual({ linked: true });

    const after = await uploadSubmission(new Client(system.url), { ...SUBMISSION_FIELDS, station_number: '8050' }, [{ name: 'b.jpg', data: photo }]);
    const afterId = ((await after.json()) as { submissionId: string }).submissionId;
    const review = await admin.page(`/moderation/submissions/${afterId}`);
    expect(review.body).toContain('Berlin, Unter den Linden 63-65');

    const noFile = new FormData();
    noFile.append('election_id', SUBMISSION_FIELDS.election_id);
    expect((await admin.fetch(`/admin/stations?_csrf=${encodeURIComponent(admin.csrf)}`, { method: 'POST', body: noFile })).status).toBe(400);
    const badHeader = new FormData();
    badHeader.append('election_id', SUBMISSION_FIELDS.election_id);
    badHeader.append('file', new Blob(['name,number\nx,1'], { type: 'text/csv' }), 'x.csv');
    const bad = await admin.fetch(`/admin/stations?_csrf=${encodeURIComponent(admin.csrf)}`, { method: 'POST', body: badHeader });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('lacks the column(s) region, tik, uik, address, latitude, longitude');
    expect((await admin.fetch('/admin/stations', { method: 'POST', body: badHeader })).status).toBe(403);
    expect((await audit('stations.import')).map((r) => r.after)).toEqual([{ imported: 2, linked: 1, bad_rows: 5, place_flags_changed: 0 }]);
  });

  test('publication is held until the polls close when an admin says so; verifying is not', async () => {
    const admin = await loggedInClient(system.ctx, system.url, 'admin');
    const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#654321' } }).jpeg().toBuffer();
    const res = await uploadSubmission(new Client(system.url), SUBMISSION_FIELDS, [{ name: 'q.jpg', data: photo }]);
    const id = ((await res.json()) as { submissionId: string }).submissionId;
    const closes = new Date(Date.now() + 3 * 3600_000).toISOString().slice(0, 16);
    await admin.page('/admin/settings');
    expect((await admin.postForm(`/admin/settings/elections/${SUBMISSION_FIELDS.election_id}/hold`, { polls_close_at: closes, hold_publication: 'on' })).status).toBe(303);
    expect((await admin.postForm(`/admin/settings/elections/${SUBMISSION_FIELDS.election_id}/hold`, { polls_close_at: '', hold_publication: 'on' })).status).toBe(400);

    const held = await decideFromPage(admin, id, { action: 'verify_publish', ...ALL_CHECKS });
    expect(held.status).toBe(409);
    expect(await held.text()).toContain(`held until the polls close (${closes.replace('T', ' ')} UTC)`);
    expect((await decideFromPage(admin, id, { action: 'verify', ...ALL_CHECKS })).status).toBe(303);
    await expect(
      system.ctx.db.query(`UPDATE submissions SET status = 'published', published_at = now(), publish_decision_id = verify_decision_id WHERE id = $1`, [id]),
    ).rejects.toThrow(/held until the polls/);
    await expect(
      system.ctx.db.query(`UPDATE submissions SET status = 'published', published_at = now(), publish_decision_id = verify_decision_id WHERE id = $1`, [id]),
    ).rejects.toMatchObject({ code: 'SV003' }); // the guard's own code: mapped to publication_held (db/errors.ts)

    expect((await admin.postForm(`/admin/settings/elections/${SUBMISSION_FIELDS.election_id}/hold`, { polls_close_at: closes, hold_publication: '' })).status).toBe(303);
    expect((await decideFromPage(admin, id, { action: 'publish' })).status).toBe(303);
    expect((await system.ctx.db.query('SELECT status FROM submissions WHERE id = $1', [id])).rows[0]).toEqual({ status: 'published' });
    expect((await audit('settings.change')).length).toBeGreaterThanOrEqual(3);
  });
});
