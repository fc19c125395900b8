import { ALL_CHECKS, decideFromPage } from '../helpers/moderation';
import { Client, fileFromPath, loggedInClient, submissionForm, type UploadFile } from '../helpers/http';
import { describeWithFixtures, fixturePath } from '../helpers/fixtures';
import { startSystem, type TestSystem } from '../helpers/system';
import { PROTOCOL_CATEGORY, COUNT_CATEGORY } from '../../domain/counts/model';

/**
 * Counts as evidence over HTTP (issue 19): an admin configures the protocol and imports official
 * results (bad rows reported, good ones in, corrections kept); observers send a protocol copy and
 * counts; a moderator transcribes and verifies; the station's discrepancies are exactly the fixture's
 * numbers worked out by hand; and an unverified or unpublished figure is never public.
 */

const LINES = `1; voters; voters_on_list; Число избирателей, внесённых в список; Voters on the list
4; issued_station; issued_station; Выдано бюллетеней в помещении; Ballots issued at the station
10; found; ballots_found; Найдено бюллетеней в ящиках; Ballots found in the boxes
11; invalid; invalid; Недействительных бюллетеней; Invalid ballots
12; valid; valid; Действительных бюллетеней; Valid ballots
20; cand_a; candidate; Кандидат А; Candidate A
21; cand_b; candidate; Кандидат Б; Candidate B`;

// Station 8050's official figures: 1 300 issued; A 1 211, B 79. Cumulative turnout 150 by 10:00, 420 by 12:00.
const OFFICIAL_CSV = [
  'uik,region,voters,issued_station,found,invalid,valid,cand_a,cand_b,turnout_10:00,turnout_12:00',
  '8050,Москва,2000,1300,1300,10,1290,1211,79,150,420', // line 2
  '8051,Москва,1500,abc,900,5,895,500,395,100,300', // line 3: bad figure
  ',Москва,1,1,1,0,1,1,0,,', // line 4: no station number
  '8052,Москва,1800,1000,1000,0,1000,700,300,120,380', // line 5
  '8052,Москва,1800,1000,1000,0,1000,700,300,120,380', // line 6: the same station again
].join('\n');

describeWithFixtures('counts: official results, protocol copies and attendance counts', () => {
  let system: TestSystem;
  let admin: Client;
  let moderator: Client;
  let observer: Client;
  let photo: UploadFile;
  let protocolId = '';
  let countId = '';
  let unverifiedCountId = '';

  const send = async (fields: Record<string, string>) => {
    if (!observer.csrf) await observer.page('/count');
    const res = await observer.fetch('/api/v1/submissions', { method: 'POST', headers: { 'x-csrf-token': observer.csrf, accept: 'application/json' }, body: submissionForm(fields, [photo]) });
    const body = (await res.json()) as { submissionId: string; error?: { code: string } };
    return { status: res.status, body };
  };
  const base = { election_id: '1', region: 'Москва', station_number: '8050' };

  beforeAll(async () => {
    system = await startSystem();
    admin = await loggedInClient(system.ctx, system.url, 'admin');
    moderator = await loggedInClient(system.ctx, system.url, 'moderator');
    observer = new Client(system.url);
    photo = await fileFromPath(fixturePath('nokia-8.3-5g_gps_offset.jpg'));
  }, 60_000);
  afterAll(() => system?.stop());

  test('an admin configures the protocol lines and imports official results: bad rows reported by line, good rows in, kept and audited', async () => {
    await admin.page('/admin/counts?election_id=1');
    expect((await admin.postForm('/admin/counts/lines', { election_id: '1', lines: LINES })).status).toBe(303);
    const { body } = await admin.page('/admin/counts?election_id=1');
    expect(body).toContain('20; cand_a; candidate; Кандидат А; Candidate A');

    const form = new FormData();
    form.append('election_id', '1');
    form.append('file', new Blob([OFFICIAL_CSV], { type: 'text/csv' }), 'official.csv');
    const res = await admin.fetch(`/admin/counts/official?_csrf=${encodeURIComponent(admin.csrf)}`, { method: 'POST', body: form });
    const page = await res.text();
    expect(res.status).toBe(200);
    expect(page).toContain('Imported 2, changed 0, rows refused: 3.');
    expect(page).toContain('3: issued_station must be a whole number from 0, or empty');
    expect(page).toContain('4: uik must be the station number, 1 to 6 digits');
    expect(page).toContain('6: station 8052 is already on line 5');

    // A correction: station 8052's figures change; what they replace is kept.
    const fix = new FormData();
    fix.append('election_id', '1');
    fix.append('file', new Blob(['uik;region;voters;issued_station;found;invalid;valid;cand_a;cand_b\n8052;Москва;1800;1000;1000;0;1000;650;350\n'], { type: 'text/csv' }), 'fix.csv');
    expect(await (await admin.fetch(`/admin/counts/official?_csrf=${encodeURIComponent(admin.csrf)}`, { method: 'POST', body: fix })).text()).toContain('Imported 1, changed 1, rows refused: 0.');
    const { rows: revisions } = await system.ownerDb.query(`SELECT uik_number, figures->>'cand_a' AS a FROM official_result_revisions`);
    expect(revisions).toEqual([{ uik_number: '8052', a: '700' }]);
    const { rows: imports } = await system.ownerDb.query(`SELECT rows_imported, rows_bad, jsonb_array_length(report) AS reported FROM official_result_imports ORDER BY id`);
    expect(imports).toEqual([{ rows_imported: 2, rows_bad: 3, reported: 3 }, { rows_imported: 1, rows_bad: 0, reported: 0 }]);
    const { rows: audit } = await system.ownerDb.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'counts.official_import'`);
    expect(audit[0].n).toBe(2);
    // Official figures always name an import of their election (a set-based check, not a row-level key).
    await expect(
      system.ownerDb.query(`INSERT INTO official_results (election_id, uik_number, region, figures, turnout, import_id) VALUES (1, '9999', 'X', '{}', '{}', 424242)`),
    ).rejects.toThrow('official results must name an import of their election');
  });

  test('observers send a protocol copy whose lines do not add up, and counts; the arithmetic is flagged', async () => {
    const protocol = await send({
      ...base,
      category_code: PROTOCOL_CATEGORY,
      description: 'Копия протокола УИК 8050',
      // found 1300 ≠ valid 1290 + invalid 20; candidates 604 + 686 = 1290 = valid
      line_voters: '2000', line_issued_station: '1300', line_found: '1300', line_invalid: '20', line_valid: '1290', line_cand_a: '604', line_cand_b: '686',
    });
    expect(protocol.status).toBe(201);
    protocolId = protocol.body.submissionId;
    const count = await send({ ...base, category_code: COUNT_CATEGORY, description: 'Считали кликером у входа', count_from: '2024-03-17T10:00', count_to: '2024-03-17T12:00', count_people: '180', count_what: 'entered', count_method: 'clicker' });
    expect(count.status).toBe(201);
    countId = count.body.submissionId;
    const other = await send({ ...base, category_code: COUNT_CATEGORY, description: 'Второй подсчёт', count_from: '2024-03-17T08:00', count_to: '2024-03-17T10:00', count_people: '40', count_what: 'entered', count_method: 'tally' });
    unverifiedCountId = other.body.submissionId;
    // A count without its figures, and figures under another category, are refused.
    expect((await send({ ...base, category_code: COUNT_CATEGORY, description: 'без цифр' })).body.error?.code).toBe('count_missing');
    expect((await send({ ...base, category_code: 'ballot_stuffing', description: 'x', count_from: '2024-03-17T10:00', count_to: '2024-03-17T12:00', count_people: '1', count_what: 'entered', count_method: 'clicker' })).body.error?.code).toBe('count_needs_category');

    const { body } = await moderator.page(`/moderation/submissions/${protocolId}`);
    expect(body).toContain('data-check="found_is_valid_plus_invalid"');
    expect(body).not.toContain('data-check="candidates_sum_to_valid"');
    expect(body).toMatch(/<td>the observer · /); // who entered each figure
  });

  test('a moderator corrects, checks and publishes; the discrepancy is exactly the hand-worked one, in both languages, with the chart', async () => {
    // The moderator corrects one figure from the photo: invalid is 10. Only that figure is now theirs.
    await moderator.page(`/moderation/submissions/${protocolId}`);
    expect((await moderator.postForm(`/moderation/submissions/${protocolId}/protocol`, { line_voters: '2000', line_issued_station: '1300', line_found: '1300', line_invalid: '10', line_valid: '1290', line_cand_a: '604', line_cand_b: '686' })).status).toBe(303);
    const { rows: entered } = await system.ownerDb.query(`SELECT line_code, entered_by IS NOT NULL AS by_moderator FROM protocol_figures WHERE submission_id = $1 ORDER BY line_code`, [protocolId]);
    expect(entered.filter((r) => r.by_moderator).map((r) => r.line_code)).toEqual(['invalid']);
    const review = (await moderator.page(`/moderation/submissions/${protocolId}`)).body;
    expect(review).toContain('id="arithmetic-ok"');
    expect((await moderator.postForm(`/moderation/submissions/${protocolId}/protocol-check`, { checked: '1' })).status).toBe(303);
    expect((await moderator.postForm(`/moderation/submissions/${countId}/count-verification`, { verified: '1' })).status).toBe(303);
    for (const id of [protocolId, countId, unverifiedCountId]) expect((await decideFromPage(moderator, id, { action: 'verify_publish', ...ALL_CHECKS })).status).toBe(303);

    // Hand-checked: official − copy. A: 1211 − 604 = 607; B: 79 − 686 = −607; valid 1290 − 1290 = 0.
    // Attendance 17 March 10:00–12:00 (turnout_HH:MM is the last voting day's): official 420 − 150 = 270; counted 180 by clicker, ± ceil(180 × 2 %) = 4; 270 − 180 = 90, 86 beyond.
    const json = (await (await observer.fetch('/api/v1/counts/stations/1/8050')).json()) as { discrepancies: { kind: string; subject: string; official: number; observed: number; uncertainty: number; difference: number; beyond_uncertainty: number }[]; counts: { entry_id: string }[] };
    const bySubject = Object.fromEntries(json.discrepancies.map((d) => [d.subject, [d.official, d.observed, d.uncertainty, d.difference, d.beyond_uncertainty]]));
    expect(bySubject).toEqual({
      cand_a: [1211, 604, 0, 607, 607],
      cand_b: [79, 686, 0, -607, 607],
      valid: [1290, 1290, 0, 0, 0],
      voters: [2000, 2000, 0, 0, 0],
      issued_station: [1300, 1300, 0, 0, 0],
      found: [1300, 1300, 0, 0, 0],
      invalid: [10, 10, 0, 0, 0],
      '2024-03-17T10:00/2024-03-17T12:00': [270, 180, 4, 90, 86],
    });

    const en = await (await observer.fetch('/stations/1/%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0/8050?lang=en')).text();
    expect(en).toContain('The official result gives “Candidate A” 1,211; the protocol copy signed at the station gives 604 (a difference of +607).');
    expect(en).toContain('From 2024-03-17 10:00 to 12:00 the official turnout is 270 voters; observers counted 180 (± 4, clicker; a difference of +90).');
    expect(en).toMatch(/<svg viewBox="0 0 480 240"[^>]*role="img"/);
    expect(en).toContain('<circle class="observed"');
    const ru = await (await observer.fetch('/stations/1/%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0/8050?lang=ru')).text();
    expect(ru).toContain('По официальным данным «Кандидат А» — 1\u00a0211; в копии протокола, подписанной на участке, — 604 (разница +607).');
    expect(ru).toContain('Явка по часам: официально и по подсчётам наблюдателей');

    const ranking = (await (await observer.fetch('/api/v1/counts/ranking?election=1')).json()) as { items: { station_number: string; largest_difference: number; evidence: number }[] };
    expect(ranking.items).toEqual([expect.objectContaining({ station_number: '8050', largest_difference: 607, evidence: 2 })]);
    const bytes = Buffer.from(await (await observer.fetch('/api/v1/counts/export.csv?election=1&region=%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0')).arrayBuffer());
    expect(bytes.subarray(0, 3).toString('hex')).toBe('efbbbf'); // so spreadsheets read the Cyrillic as UTF-8
    const csv = bytes.subarray(3).toString('utf8');
    expect(csv.split('\n')[0]).toBe('election_id,region,station_number,largest_difference,kind,subject,official,observed,uncertainty,difference,beyond_uncertainty,entry_url');
    expect(csv).toContain(`1,Москва,8050,607,protocol_line,cand_a,1211,604,0,607,607,${system.url}/archive/${protocolId}`);
    const list = await (await observer.fetch('/counts?election=1&lang=en')).text();
    expect(list).toContain('Stations by official turnout');
    expect(list).toMatch(/<rect class="evidence"/); // station 8050 marked in the distributions
  });

  test('unverified figures are never public, even when their entry is published; unpublished ones neither', async () => {
    // unverifiedCountId is published but its count was never verified.
    const json = (await (await observer.fetch('/api/v1/counts/stations/1/8050')).json()) as { counts: { entry_id: string; people: number }[]; discrepancies: { entry_id: string }[] };
    expect(json.counts.map((c) => c.entry_id)).toEqual([countId]);
    expect(json.discrepancies.some((d) => d.entry_id === unverifiedCountId)).toBe(false);
    const page = await (await observer.fetch('/stations/1/%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0/8050?lang=en')).text();
    expect(page).not.toContain('40 people');

    // Taking a protocol check back removes its figures from the public at once; so does withdrawing the entry.
    await moderator.page(`/moderation/submissions/${protocolId}`);
    expect((await moderator.postForm(`/moderation/submissions/${protocolId}/protocol-check`, { checked: '0' })).status).toBe(303);
    const after = (await (await observer.fetch('/api/v1/counts/stations/1/8050')).json()) as { protocol_copies: unknown[]; discrepancies: { subject: string }[] };
    expect(after.protocol_copies).toEqual([]);
    expect(after.discrepancies.map((d) => d.subject)).toEqual(['2024-03-17T10:00/2024-03-17T12:00']);
    expect((await decideFromPage(moderator, countId, { action: 'unpublish', reason: 'test: withdrawn' })).status).toBe(303);
    const none = (await (await observer.fetch('/api/v1/counts/stations/1/8050')).json()) as { counts: unknown[]; discrepancies: unknown[] };
    expect(none).toEqual(expect.objectContaining({ counts: [], discrepancies: [] }));
    expect(((await (await observer.fetch('/api/v1/counts/ranking')).json()) as { items: unknown[] }).items).toEqual([]);
  });
});
