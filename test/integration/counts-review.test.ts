import { ALL_CHECKS, decideFromPage } from '../helpers/moderation';
import { Client, fileFromPath, loggedInClient, submissionForm, type UploadFile } from '../helpers/http';
import { describeWithFixtures, fixturePath } from '../helpers/fixtures';
import { freshDatabaseUrl, startSystem, type TestSystem } from '../helpers/system';
import { COUNT_CATEGORY } from '../../domain/counts/model';

/**
 * What the counts pages owed after issue 19 (over HTTP; the in-place form with scripts is in
 * test/browser/errors-and-figures.test.ts): the review page sets two observers' counts of the same
 * hours against each other, the general upload form sends a count or a protocol copy to its own
 * form, and the ranked list of stations pages. Own database: the ranking holds only this file's stations.
 */

const LINES = `1; voters; voters_on_list; Число избирателей; Voters on the list
12; valid; valid; Действительных бюллетеней; Valid ballots
20; cand_a; candidate; Кандидат А; Candidate A`;
// Two stations with official turnout 10:00–12:00: 8050 gave 270 voters, 8052 gave 260.
const OFFICIAL_CSV = ['uik,region,voters,valid,cand_a,turnout_10:00,turnout_12:00', '8050,Москва,2000,1290,1290,150,420', '8052,Москва,1800,1000,1000,120,380'].join('\n');

describeWithFixtures('counts: agreement on the review page, the general form, the ranking pager', () => {
  let system: TestSystem;
  let moderator: Client;
  let observer: Client;
  let photo: UploadFile;

  const sendCount = async (station: string, people: number, method: string) => {
    if (!observer.csrf) await observer.page('/count');
    const fields = { election_id: '1', region: 'Москва', station_number: station, category_code: COUNT_CATEGORY, description: `Подсчёт ${people}`, count_from: '2024-03-17T10:00', count_to: '2024-03-17T12:00', count_people: String(people), count_what: 'entered', count_method: method };
    const res = await observer.fetch('/api/v1/submissions', { method: 'POST', headers: { 'x-csrf-token': observer.csrf, accept: 'application/json' }, body: submissionForm(fields, [photo]) });
    expect(res.status).toBe(201);
    return ((await res.json()) as { submissionId: string }).submissionId;
  };
  const verifyAndPublish = async (id: string) => {
    await moderator.page(`/moderation/submissions/${id}`);
    expect((await moderator.postForm(`/moderation/submissions/${id}/count-verification`, { verified: '1' })).status).toBe(303);
    expect((await decideFromPage(moderator, id, { action: 'verify_publish', ...ALL_CHECKS })).status).toBe(303);
  };

  beforeAll(async () => {
    system = await startSystem({ worker: false, env: { DATABASE_URL: await freshDatabaseUrl('counts_review') } });
    const admin = await loggedInClient(system.ctx, system.url, 'admin');
    moderator = await loggedInClient(system.ctx, system.url, 'moderator');
    observer = new Client(system.url);
    photo = await fileFromPath(fixturePath('nokia-8.3-5g_gps_offset.jpg'));
    await admin.page('/admin/counts?election_id=1');
    expect((await admin.postForm('/admin/counts/lines', { election_id: '1', lines: LINES })).status).toBe(303);
    const form = new FormData();
    form.append('election_id', '1');
    form.append('file', new Blob([OFFICIAL_CSV], { type: 'text/csv' }), 'official.csv');
    expect(await (await admin.fetch(`/admin/counts/official?_csrf=${encodeURIComponent(admin.csrf)}`, { method: 'POST', body: form })).text()).toContain('Imported 2, changed 0, rows refused: 0.');
  }, 120_000);
  afterAll(() => system?.stop());

  test('the review page says, in plain words, whether the other counts of the same hours agree within their methods’ uncertainty', async () => {
    const mine = await sendCount('8050', 180, 'clicker'); // ±4 people
    const close = await sendCount('8050', 188, 'tally'); // ±10: 8 apart, agrees
    const far = await sendCount('8050', 150, 'clicker'); // ±4: 30 apart, does not
    const other = await sendCount('8052', 180, 'clicker'); // another station: not compared

    const en = (await moderator.page(`/moderation/submissions/${mine}?lang=en`)).body;
    const list = /<div id="same-window">([\s\S]*?)<\/div>/.exec(en)?.[1] ?? '';
    expect(list).toContain(`188 people (tally on paper) — agrees with this count: the difference of 8 is within the methods’ uncertainty (±10). <a href="/moderation/submissions/${close}">`);
    expect(list).toContain(`150 people (clicker) — does not agree with this count: the difference of 30 is more than the methods’ uncertainty (±4). <a href="/moderation/submissions/${far}">`);
    expect(list).not.toContain(other);
    const ru = (await moderator.page(`/moderation/submissions/${mine}?lang=ru`)).body;
    expect(ru).toContain('188 человек (палочки на бумаге) — сходится с этим подсчётом: разница 8 в пределах погрешности методов (±10).');
    expect(ru).toContain('150 человек (счётчик-кликер) — не сходится с этим подсчётом: разница 30 больше погрешности методов (±4).');

    // a rejected count no longer stands beside it; a count alone at its station has no such list
    expect((await decideFromPage(moderator, far, { action: 'reject', reason_code: 'not_evidence', reason: 'test' })).status).toBe(303);
    expect((await moderator.page(`/moderation/submissions/${mine}?lang=en`)).body).not.toContain('150 people (clicker)');
    expect((await moderator.page(`/moderation/submissions/${other}?lang=en`)).body).not.toContain('id="same-window"');
  });

  test('the general form sends a count or a protocol copy to its own form; without scripts the refusal is that form, with what was typed', async () => {
    const { body } = await observer.page('/?lang=en');
    expect(body).toMatch(/<option value="attendance_count"[^>]*data-figures-form="\/count"/);
    expect(body).toMatch(/<option value="protocol_copy"[^>]*data-figures-form="\/protocol"/);
    expect(body).toContain('<a href="/count">Report an attendance count</a>');
    expect(body).toContain('<a href="/protocol">Send a copy of the final protocol</a>');

    const form = submissionForm({ _csrf: observer.csrf, election_id: '1', region: 'Москва', station_number: '8050', category_code: COUNT_CATEGORY, description: 'Считали у входа, typed before' }, [photo]);
    const refused = await observer.fetch('/submit?lang=en', { method: 'POST', body: form });
    expect(refused.status).toBe(400);
    const page = await refused.text();
    expect(page).toContain('<h1>Report an attendance count</h1>');
    expect(page).toContain('Give the count: how many people, between which times, and how they were counted.');
    expect(page).toMatch(/<input id="count_people" name="count_people"/);
    expect(page).toContain('Считали у входа, typed before');
  });

  test('the ranked list of stations pages, keeping its filters', async () => {
    for (const station of ['8050', '8052']) await verifyAndPublish(await sendCount(station, station === '8050' ? 300 : 265, 'clicker'));
    const first = await (await observer.fetch('/counts?election=1&limit=1&lang=en')).text();
    const rows = (html: string) => [...html.matchAll(/<tr><td><a href="[^"]*#figures">(\d+)<\/a>/g)].map((m) => m[1]);
    expect(rows(first)).toEqual(['8050']); // 30 above the official 270, beyond 8052's 5
    expect(first).toContain('<a rel="next" href="/counts?election=1&amp;limit=1&amp;offset=1">Next →</a>');
    expect(first).not.toContain('rel="prev"');
    const second = await (await observer.fetch('/counts?election=1&limit=1&offset=1&lang=en')).text();
    expect(rows(second)).toEqual(['8052']);
    expect(second).toContain('<a rel="prev" href="/counts?election=1&amp;limit=1">← Previous</a>');
    expect(second).not.toContain('rel="next"');
  });
});
