import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import * as mediaRepo from '../../db/media.repo';
import { verifyAuditChain } from '../../domain/audit/audit.service';
import { Client, SUBMISSION_FIELDS, loggedInClient, uploadSubmission } from '../helpers/http';
import { ALL_CHECKS, decideFromPage, formVersion, observerWords } from '../helpers/moderation';
import { startSystem, waitFor, type TestSystem } from '../helpers/system';

/** The decision workflow: checklist, reasons, public choices, unpublish, merge, and every refusal changing nothing. */
describe('moderation decisions', () => {
  let system: TestSystem;
  const marker = randomUUID().slice(0, 8);
  const region = `Test region ${marker}`;

  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  async function submitOne(description: string, fields: Record<string, string> = {}) {
    const data = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#335577' } }).jpeg().toBuffer();
    const res = await uploadSubmission(new Client(system.url), { ...SUBMISSION_FIELDS, region, description, ...fields }, [{ name: 'p.jpg', data }]);
    expect(res.status).toBe(201);
    return ((await res.json()) as { submissionId: string }).submissionId;
  }

  const state = async (id: string) =>
    (await system.ctx.db.query<{ status: string; version: number; public_title: string | null; public_description: string | null; description: string; public_location: string; public_device: boolean; original_downloadable: boolean; withdrawal_reason: string | null; merged_into_id: string | null }>(
      `SELECT status, version, public_title, public_description, description, public_location, public_device, original_downloadable, withdrawal_reason, merged_into_id
         FROM submissions WHERE id = $1`,
      [id],
    )).rows[0]!;
  const decisionsOf = async (id: string) =>
    (await system.ctx.db.query<{ action: string; checklist: unknown; reason_code: string | null; public_choices: unknown }>(
      'SELECT action, checklist, reason_code, public_choices FROM decisions WHERE submission_id = $1 ORDER BY created_at, id',
      [id],
    )).rows;
  const auditOf = async (id: string) =>
    (await system.ctx.db.query<{ action: string; actor_label: string }>(
      `SELECT action, actor_label FROM audit_log WHERE entity_type = 'submission' AND entity_id = $1 ORDER BY seq`,
      [id],
    )).rows;

  test('verifying with nothing ticked names all four missing items, in Russian by default and in English, never by field name', async () => {
    const id = await submitOne(`Ничего не отмечено (${marker})`);
    const moderator = await loggedInClient(system.ctx, system.url);
    const { body } = await moderator.page(`/moderation/submissions/${id}`);
    const before = await state(id);
    const texts: Record<'ru' | 'en', string> = { ru: '', en: '' };
    for (const lang of ['ru', 'en'] as const) {
      const res = await moderator.postForm(`/moderation/submissions/${id}/decision?lang=${lang}`, { action: 'verify', version: formVersion(body) });
      expect(res.status).toBe(400);
      texts[lang] = /<p class="error"[^>]*>([^<]*)<\/p>/.exec(await res.text())?.[1] ?? '';
    }
    for (const item of ['Источник правдоподобен', 'Время согласуется', 'Место согласуется', 'Видно заявленное нарушение']) expect(texts.ru).toContain(`Отметьте «${item}»`);
    for (const item of ['Source plausible', 'Time consistent', 'Place consistent', 'Content shows the claimed violation']) expect(texts.en).toContain(`Tick “${item}”`);
    for (const text of Object.values(texts)) expect(text).not.toMatch(/note_|check_/);
    expect(await state(id)).toEqual(before);
  });

  test('the public description starts empty, never as the observer’s words; publishing without one is refused; taking them is a choice beside a warning', async () => {
    const words = `Снимала с места наблюдателя, участок 2034 <Иванова> (${marker})`;
    const id = await submitOne(words);
    const moderator = await loggedInClient(system.ctx, system.url);
    const { body } = await moderator.page(`/moderation/submissions/${id}`);
    expect(body).toMatch(/<textarea id="public_description" name="public_description"[^>]*><\/textarea>/);
    expect(body).toContain('The observer’s words may give them away');
    expect(body).toMatch(/<button type="button"[^>]*id="use-observer-words"[^>]*>Use the observer’s words<\/button>/);
    expect(observerWords(body)).toBe(words);

    const before = await state(id);
    for (const action of ['verify_publish', 'publish'] as const) {
      const empty = await moderator.postForm(`/moderation/submissions/${id}/decision?lang=ru`, { action, version: formVersion(body), ...ALL_CHECKS, public_description: '  ' });
      expect(empty.status).toBe(action === 'publish' ? 409 : 400); // publishing unverified is refused first
      if (action === 'verify_publish') expect(await empty.text()).toContain('Напишите публичное описание');
    }
    expect(await state(id)).toEqual(before);
    expect(await decisionsOf(id)).toEqual([]);

    // chosen deliberately, the observer's words are published as they are
    expect((await decideFromPage(moderator, id, { action: 'verify_publish', ...ALL_CHECKS, public_description: observerWords(body) })).status).toBe(303);
    expect(await state(id)).toMatchObject({ status: 'published', public_description: words });

    // the edit form shows what was published, and clearing it is refused (the public would see the observer's text)
    const { body: published } = await moderator.page(`/moderation/submissions/${id}`);
    expect(published).toContain(`>${words.replace('<', '&lt;').replace('>', '&gt;')}</textarea>`);
    const cleared = await moderator.postForm(`/moderation/submissions/${id}/public-text`, { version: formVersion(published), public_description: '' });
    expect(cleared.status).toBe(400);
    expect(await cleared.text()).toContain('Напишите публичное описание') // the page's language stays as last chosen (Russian, above);
    expect((await state(id)).public_description).toBe(words);
  });

  test('verify needs every check ticked or explained; then publish with the chosen public fields; then unpublish with a reason', async () => {
    const id = await submitOne(`Вброс; наблюдатель Иван Петров на фото (${marker})`);
    const moderator = await loggedInClient(system.ctx, system.url);
    const before = await state(id);

    const unexplained = await decideFromPage(moderator, id, { action: 'verify', check_source: 'on', check_time: 'on', check_place: 'on' });
    expect(unexplained.status).toBe(400);
    expect(await unexplained.text()).toContain('Content shows the claimed violation');
    expect(await state(id)).toEqual(before);
    expect(await decisionsOf(id)).toEqual([]);

    const publishFirst = await decideFromPage(moderator, id, { action: 'publish' });
    expect(publishFirst.status).toBe(409);
    expect(await publishFirst.text()).toContain('Verify this entry');

    const verified = await decideFromPage(moderator, id, { action: 'verify', check_source: 'on', check_time: 'on', note_place: 'No GPS; the station sign is visible', check_content: 'on' });
    expect(verified.status).toBe(303);
    expect((await state(id)).status).toBe('verified');
    expect((await decisionsOf(id))[0]).toMatchObject({
      action: 'verify',
      checklist: { source: { ok: true }, time: { ok: true }, place: { ok: false, note: 'No GPS; the station sign is visible' }, content: { ok: true } },
    });

    const choices = { public_title: `Вброс на участке ${marker}`, public_description: 'Вброс бюллетеней, лица скрыты.', public_location: 'hidden', public_device: 'on' };
    expect((await decideFromPage(moderator, id, { action: 'publish', ...choices })).status).toBe(303);
    const published = await state(id);
    expect(published).toMatchObject({
      status: 'published',
      public_title: choices.public_title,
      public_description: choices.public_description,
      public_location: 'hidden',
      public_device: true,
      original_downloadable: false,
      description: before.description, // the observer's own text stays as it was
    });
    expect((await decisionsOf(id))[1]).toMatchObject({
      action: 'publish',
      public_choices: { title: choices.public_title, description: choices.public_description, location: 'hidden', device: true, originalDownloadable: false },
    });
    expect((await new Client(system.url).fetch(`/archive/${id}`)).status).toBe(200);

    const noReason = await decideFromPage(moderator, id, { action: 'unpublish', reason: '  ' });
    expect(noReason.status).toBe(400);
    expect(await noReason.text()).toContain('Give the reason for unpublishing');
    expect((await state(id)).status).toBe('published');
    expect((await decideFromPage(moderator, id, { action: 'unpublish', reason: 'The observer asked us to remove it.' })).status).toBe(303);
    expect(await state(id)).toMatchObject({ status: 'withdrawn', withdrawal_reason: 'The observer asked us to remove it.' });

    expect((await auditOf(id)).map((r) => [r.action, r.actor_label])).toEqual([
      ['submission.claim', moderator.email],
      ['submission.verify', moderator.email],
      ['submission.claim', moderator.email], // the claim ended with the decision; reopening to publish takes it again
      ['submission.publish', moderator.email],
      ['submission.unpublish', moderator.email],
    ]);
  });

  test('the one-step verify & publish keeps the privacy-safe defaults; reject needs a reason from the list', async () => {
    const id = await submitOne(`one step ${marker}`);
    const moderator = await loggedInClient(system.ctx, system.url);
    expect((await decideFromPage(moderator, id, { action: 'verify_publish', ...ALL_CHECKS })).status).toBe(303);
    expect(await state(id)).toMatchObject({ status: 'published', public_location: 'rounded', public_device: false, original_downloadable: false });

    const other = await submitOne(`to reject ${marker}`);
    const noCode = await decideFromPage(moderator, other, { action: 'reject', reason: 'blurry' });
    expect(noCode.status).toBe(400);
    expect(await noCode.text()).toContain('choose one from the list');
    expect((await decideFromPage(moderator, other, { action: 'reject', reason_code: 'unverifiable', reason: 'blurry' })).status).toBe(303);
    expect((await decisionsOf(other))[0]).toMatchObject({ action: 'reject', reason_code: 'unverifiable' });
  });

  test('needs_info, then a decision from there; merge into another entry (not itself, not a missing one)', async () => {
    const moderator = await loggedInClient(system.ctx, system.url);
    const main = await submitOne(`main report ${marker}`);
    const dup = await submitOne(`duplicate report ${marker}`);
    expect((await decideFromPage(moderator, dup, { action: 'needs_info', reason: 'Which polling station exactly?' })).status).toBe(303);
    expect((await state(dup)).status).toBe('needs_info');

    expect((await decideFromPage(moderator, dup, { action: 'merge', merge_into: dup, reason: 'same' })).status).toBe(400);
    const missing = await decideFromPage(moderator, dup, { action: 'merge', merge_into: randomUUID(), reason: 'same' });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('was not found');
    expect((await state(dup)).status).toBe('needs_info');
    expect((await decideFromPage(moderator, dup, { action: 'merge', merge_into: main, reason: 'Same ballot box, same minute' })).status).toBe(303);
    expect(await state(dup)).toMatchObject({ status: 'merged', merged_into_id: main });
    const mainPage = await moderator.page(`/moderation/submissions/${main}?lang=en`);
    expect(mainPage.body).toContain('Duplicates merged into this entry');
    expect(mainPage.body).toContain(`/moderation/submissions/${dup}`);
  });

  test('a stale form, a claim held by someone else and a decided entry all get a clear 409 and change nothing', async () => {
    const id = await submitOne(`contested ${marker}`);
    const alice = await loggedInClient(system.ctx, system.url);
    const bob = await loggedInClient(system.ctx, system.url);
    const aliceVersion = formVersion((await alice.page(`/moderation/submissions/${id}`)).body); // Alice claims it
    const bobPage = await bob.page(`/moderation/submissions/${id}?lang=en`);
    expect(bobPage.body).toContain(`${alice.email} is reviewing this entry`);
    const queue = await bob.page(`/moderation?region=${encodeURIComponent(region)}&lang=en`);
    expect(queue.body).toContain(`being reviewed by ${alice.email}`);

    const claimed = await bob.postForm(`/moderation/submissions/${id}/decision`, { action: 'reject', reason_code: 'other', reason: 'no', version: formVersion(bobPage.body) });
    expect(claimed.status).toBe(409);
    expect(await claimed.text()).toContain(`${alice.email} is reviewing this entry`);
    expect((await state(id)).status).toBe('pending');

    // Alice's claim lapses (as after CLAIM_MINUTES without activity): Bob may now decide.
    await system.ctx.db.query(`UPDATE claims SET claimed_at = now() - interval '1 hour', expires_at = now() - interval '1 second' WHERE submission_id = $1`, [id]);
    expect((await decideFromPage(bob, id, { action: 'verify', ...ALL_CHECKS })).status).toBe(303);
    const afterBob = await state(id);

    // Alice still has the form she opened before Bob's decision.
    const stale = await alice.postForm(`/moderation/submissions/${id}/decision`, { action: 'reject', reason_code: 'other', reason: 'fake', version: aliceVersion });
    expect(stale.status).toBe(409);
    const staleText = await stale.text();
    expect(staleText).toContain('changed after you opened it');
    expect(staleText).toContain(`latest decision: verified by ${bob.email}`);
    expect(await state(id)).toEqual(afterBob);

    const decided = await alice.postForm(`/moderation/submissions/${id}/decision`, { action: 'verify', version: String(afterBob.version), ...ALL_CHECKS });
    expect(decided.status).toBe(409);
    expect(await decided.text()).toContain(bob.email);
    expect(await state(id)).toEqual(afterBob);
    expect((await decisionsOf(id)).map((d) => d.action)).toEqual(['verify']);
  });

  test('bad requests: missing entry, malformed id, no version, bad CSRF, expired session, disabled account', async () => {
    const id = await submitOne(`bad input ${marker}`);
    const moderator = await loggedInClient(system.ctx, system.url);
    const { body } = await moderator.page(`/moderation/submissions/${id}`);
    const fields = { action: 'verify', version: formVersion(body), ...ALL_CHECKS };
    const before = await state(id);

    expect((await moderator.postForm(`/moderation/submissions/${randomUUID()}/decision`, fields)).status).toBe(404);
    expect((await moderator.postForm('/moderation/submissions/not-an-id/decision', fields)).status).toBe(400);
    const noVersion = await moderator.postForm(`/moderation/submissions/${id}/decision`, { action: 'verify', ...ALL_CHECKS });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.text()).toContain('reload the page');
    expect((await moderator.postForm(`/moderation/submissions/${id}/decision`, fields, 'forged')).status).toBe(403);

    const accountId = (await system.ctx.db.query<{ id: string }>('SELECT id FROM accounts WHERE email = $1', [moderator.email])).rows[0]!.id;
    await system.ctx.db.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE account_id = $1`, [accountId]);
    expect((await moderator.postForm(`/moderation/submissions/${id}/decision`, fields)).status).toBe(401);

    const disabled = await loggedInClient(system.ctx, system.url);
    const page = await disabled.page(`/moderation/submissions/${id}`);
    await system.ctx.db.query('UPDATE accounts SET disabled_at = now() WHERE email = $1', [disabled.email]);
    expect((await disabled.postForm(`/moderation/submissions/${id}/decision`, { ...fields, version: formVersion(page.body) })).status).toBe(401);

    const after = await state(id);
    expect({ ...after, version: 0 }).toEqual({ ...before, version: 0 });
    expect(await decisionsOf(id)).toEqual([]);
  });

  test('internal notes: threaded, with author and time, never public; an over-long note is refused', async () => {
    const id = await submitOne(`notes ${marker}`);
    const moderator = await loggedInClient(system.ctx, system.url);
    await moderator.page(`/moderation/submissions/${id}`);
    expect((await moderator.postForm(`/moderation/submissions/${id}/notes`, { body: `Called the observer ${marker}` })).status).toBe(303);
    const noteId = (await system.ctx.db.query<{ id: string }>('SELECT id FROM notes WHERE submission_id = $1', [id])).rows[0]!.id;
    expect((await moderator.postForm(`/moderation/submissions/${id}/notes`, { body: 'They confirmed the time', parent_id: noteId })).status).toBe(303);

    const tooLong = await moderator.postForm(`/moderation/submissions/${id}/notes`, { body: 'x'.repeat(4001) });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.text()).toContain('at most 4000 characters');
    const foreign = await moderator.postForm(`/moderation/submissions/${id}/notes`, { body: 'reply elsewhere', parent_id: randomUUID() });
    expect(foreign.status).toBe(400);
    const notes = (await system.ctx.db.query<{ body: string; parent_id: string | null }>('SELECT body, parent_id FROM notes WHERE submission_id = $1 ORDER BY created_at', [id])).rows;
    expect(notes).toEqual([{ body: `Called the observer ${marker}`, parent_id: null }, { body: 'They confirmed the time', parent_id: noteId }]);

    const review = await moderator.page(`/moderation/submissions/${id}`);
    expect(review.body).toMatch(new RegExp(`id="note-${noteId}"[\\s\\S]*${moderator.email}[\\s\\S]*They confirmed the time`));

    expect((await decideFromPage(moderator, id, { action: 'verify_publish', ...ALL_CHECKS })).status).toBe(303);
    const publicPage = await (await new Client(system.url).fetch(`/archive/${id}`)).text();
    expect(publicPage).not.toContain(`Called the observer ${marker}`);
    expect(publicPage).not.toContain('They confirmed the time');
  });

  test('corroboration lists other reports from the same station around the same time, whatever their status', async () => {
    const station = String(100000 + Math.floor(Math.random() * 800000));
    const first = await submitOne(`corroboration A ${marker}`, { station_number: station });
    const second = await submitOne(`corroboration B ${marker}`, { station_number: station });
    const elsewhere = await submitOne(`corroboration C ${marker}`, { station_number: String(Number(station) + 1) });
    const moderator = await loggedInClient(system.ctx, system.url);
    expect((await decideFromPage(moderator, second, { action: 'reject', reason_code: 'duplicate', reason: 'dup' })).status).toBe(303);
    const page = await moderator.page(`/moderation/submissions/${first}?lang=en`);
    const section = page.body.slice(page.body.indexOf('id="corroboration"'));
    expect(section).toContain(`/moderation/submissions/${second}`);
    expect(section).toContain('rejected');
    expect(section).not.toContain(`/moderation/submissions/${elsewhere}`);
  });

  test('bulk: one reason rejects every ticked entry, needs-info asks them all; an entry decided meanwhile is counted, not changed', async () => {
    const moderator = await loggedInClient(system.ctx, system.url);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await submitOne(`spam ${i} ${marker}`, { region: `Bulk region ${marker}` }));
    await moderator.page('/moderation');
    expect((await decideFromPage(moderator, ids[3]!, { action: 'reject', reason_code: 'other', reason: 'decided first' })).status).toBe(303);

    const rejected = await moderator.postForm('/moderation/bulk', { ids: `${ids[0]},${ids[1]}`, action: 'reject', reason_code: 'not_evidence', reason: 'Advertising, not evidence.' });
    expect(rejected.status).toBe(303);
    expect(rejected.headers.get('location')).toBe('/moderation?bulk_done=2&bulk_refused=0');
    expect([await state(ids[0]!), await state(ids[1]!)].map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((await decisionsOf(ids[0]!)).map((d) => [d.action, d.reason_code])).toEqual([['reject', 'not_evidence']]);

    const asked = await moderator.postForm('/moderation/bulk', { ids: `${ids[2]},${ids[3]}`, action: 'needs_info', reason: 'Which station was it?' });
    expect(asked.headers.get('location')).toBe('/moderation?bulk_done=1&bulk_refused=1');
    expect((await state(ids[2]!)).status).toBe('needs_info');
    expect((await state(ids[3]!)).status).toBe('rejected');
    expect((await auditOf(ids[2]!)).map((a) => a.action)).toContain('submission.needs_info');

    const empty = await moderator.postForm('/moderation/bulk', { action: 'reject', reason_code: 'other', reason: 'x' });
    expect(empty.status).toBe(400);
  });

  test('the queue filters, sorts, counts and pages by keyset', async () => {
    const moderator = await loggedInClient(system.ctx, system.url);
    const queueRegion = `Queue region ${marker}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await submitOne(`queue ${i} ${marker}`, { region: queueRegion }));
    await waitFor(async () => {
      const files = await Promise.all(ids.map((id) => mediaRepo.listMediaFiles(system.ctx.db, id)));
      return files.every((f) => f[0]?.status === 'ready');
    }, 30_000, 'processing');

    const listed = (body: string) => [...body.matchAll(/data-entry="([0-9a-f-]{36})"/g)].map((m) => m[1]);
    const q = `/moderation?region=${encodeURIComponent(queueRegion)}`;
    expect(listed((await moderator.page(q)).body)).toEqual(ids);
    expect(listed((await moderator.page(`${q}&sort=newest`)).body)).toEqual([...ids].reverse());
    // a generated JPEG has no camera metadata: the worker flags it
    expect(listed((await moderator.page(`${q}&flag=no_metadata`)).body)).toEqual(ids);
    expect(listed((await moderator.page(`${q}&flag=place_mismatch`)).body)).toEqual([]);
    expect(listed((await moderator.page(`${q}&has_video=1`)).body)).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect(listed((await moderator.page(`${q}&received_from=${today}&received_to=${today}`)).body)).toEqual(ids);
    expect(listed((await moderator.page(`${q}&received_to=2000-01-01`)).body)).toEqual([]);
    // the queue's old names (issue 17, item 7) lead to the same queue under the names the archive uses
    const old = await moderator.fetch(`${q}&video=1&from=${today}`, { redirect: 'manual' });
    expect({ status: old.status, location: old.headers.get('location') }).toEqual({ status: 301, location: `/moderation?${new URLSearchParams({ region: queueRegion, has_video: '1', received_from: today })}` });
    expect(listed((await moderator.page(`${q}&category=${SUBMISSION_FIELDS.category_code}&election=${SUBMISSION_FIELDS.election_id}`)).body)).toEqual(ids);

    expect((await decideFromPage(moderator, ids[0]!, { action: 'verify', ...ALL_CHECKS })).status).toBe(303);
    expect(listed((await moderator.page(q)).body)).toEqual(ids.slice(1));
    expect(listed((await moderator.page(`${q}&status=verified`)).body)).toEqual([ids[0]]);

    const counts = (await system.ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM submissions WHERE status = 'verified'`)).rows[0]!.n;
    expect((await moderator.page('/moderation?lang=en')).body).toMatch(new RegExp(`verified <span class="count">${counts}</span>`));

    expect((await moderator.page('/moderation?status=nonsense')).res.status).toBe(400);
    expect((await moderator.page('/moderation?received_from=2024-02-30')).res.status).toBe(400);
    expect((await moderator.page('/moderation?after=garbage')).res.status).toBe(400);
  });

  test('the audit chain of the file database still verifies after all these actions', async () => {
    expect(await verifyAuditChain(system.ctx.repos)).toMatchObject({ ok: true });
  });
});
