/**
 * Counts over several voting days (issue 19; Russia's 15–17 March 2024 is election 1): official
 * turnout columns dated per day, cumulative since the first opening, stored by instant; a file that
 * names a column twice or a day without voting is refused, a row whose turnout goes down is reported
 * by line, in both languages; and migration 020 rewrites what was stored by hour of the last day.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { MIGRATIONS_DIR, migrate } from '../../db/migrate';
import { createPool } from '../../db/pool';
import { COUNT_CATEGORY } from '../../domain/counts/model';
import { errorText } from '../../web/error-messages';
import { describeWithFixtures, fixturePath } from '../helpers/fixtures';
import { Client, fileFromPath, loggedInClient, submissionForm } from '../helpers/http';
import { ALL_CHECKS, decideFromPage } from '../helpers/moderation';
import { emptyDatabase } from '../helpers/databases';
import { freshDatabaseUrl, startSystem, type TestSystem } from '../helpers/system';

const LINES = `1; voters; voters_on_list; Число избирателей; Voters on the list
4; issued_station; issued_station; Выдано в помещении; Issued at the station
12; valid; valid; Действительных бюллетеней; Valid ballots
20; cand_a; candidate; Кандидат А; Candidate A`;

describe('counts: official turnout over several voting days', () => {
  let system: TestSystem;
  let admin: Client;

  const importCsv = async (csv: string, lang: 'en' | 'ru' = 'en') => {
    const form = new FormData();
    form.append('election_id', '1');
    form.append('file', new Blob([csv], { type: 'text/csv' }), 'official.csv');
    const res = await admin.fetch(`/admin/counts/official?_csrf=${encodeURIComponent(admin.csrf)}&lang=${lang}`, { method: 'POST', body: form, headers: { 'accept-language': lang } });
    return { status: res.status, page: await res.text() };
  };

  beforeAll(async () => {
    system = await startSystem({ env: { DATABASE_URL: await freshDatabaseUrl('counts_days') } });
    admin = await loggedInClient(system.ctx, system.url, 'admin');
    await admin.page('/admin/counts?election_id=1');
    expect((await admin.postForm('/admin/counts/lines', { election_id: '1', lines: LINES })).status).toBe(303);
  }, 60_000);
  afterAll(() => system?.stop());

  test('a column twice (turnout_20:00 is the last day’s turnout_2024-03-17_20:00) refuses the file, nothing imported', async () => {
    const { status, page } = await importCsv('uik,region,voters,issued_station,valid,cand_a,turnout_20:00,turnout_2024-03-17_20:00\n1,Москва,10,5,5,5,5,5\n');
    expect(status).toBe(400);
    expect(page).toContain(errorText({ code: 'csv_column_twice', params: { columns: ['turnout_20:00', 'turnout_2024-03-17_20:00'] } }, 'en'));
    expect(page).toContain('A column is given twice: turnout_20:00, turnout_2024-03-17_20:00');
    const twice = await importCsv('uik,region,voters,issued_station,valid,cand_a,valid\n1,Москва,10,5,5,5,5\n');
    expect(twice.page).toContain('A column is given twice: valid');
    const { rows } = await system.ownerDb.query('SELECT count(*)::int AS n FROM official_result_imports');
    expect(rows[0].n).toBe(0);
  });

  test('turnout for a day without voting refuses the file, naming the voting days', async () => {
    const { status, page } = await importCsv('uik,region,voters,issued_station,valid,cand_a,turnout_2024-03-14_20:00,turnout_2024-03-18_10:00,turnout_2024-03-16_10:00\n1,Москва,10,5,5,5,1,2,3\n');
    expect(status).toBe(400);
    expect(page).toContain('Turnout for a day without voting: turnout_2024-03-14_20:00, turnout_2024-03-18_10:00. This election’s voting days are 2024-03-15 to 2024-03-17.');
    const ru = await importCsv('uik,region,voters,issued_station,valid,cand_a,turnout_2024-03-18_10:00\n1,Москва,10,5,5,5,1\n', 'ru');
    expect(ru.page).toContain('Явка за день, когда голосования не было: turnout_2024-03-18_10:00. Дни голосования этих выборов — с 2024-03-15 по 2024-03-17.');
    // not a calendar date: not a turnout column at all
    expect((await importCsv('uik,region,voters,issued_station,valid,cand_a,turnout_2024-03-32_10:00\n1,Москва,10,5,5,5,1\n')).page).toMatch(/unknown: turnout_2024-03-32_10:00/);
  });

  test('dated columns in any order are stored by instant; a row whose cumulative turnout goes down is reported by line in both languages, the others imported', async () => {
    const csv = [
      // columns out of time order on purpose: the check reads them in time order
      'uik,region,voters,issued_station,valid,cand_a,turnout_2024-03-16_20:00,turnout_2024-03-15_20:00,turnout_10:00,turnout_2024-03-17_12:00',
      '8050,Москва,2000,1300,1290,1211,700,300,800,950', // line 2
      '8051,Москва,2000,1300,1290,1211,250,300,800,950', // line 3: the 16th's close below the 15th's
      '8052,Москва,2000,1300,1290,1211,700,300,800,,', // line 4: 12:00 not published
      '8053,Москва,2000,1300,1290,1211,,300,200,950', // line 5: 17th 10:00 below the 15th's close (the 16th not given)
    ].join('\n');
    const { status, page } = await importCsv(csv);
    expect(status).toBe(200);
    expect(page).toContain('Imported 2, changed 0, rows refused: 2.');
    expect(page).toContain('Line 3: Turnout is cumulative from the first voting day, but turnout_2024-03-16_20:00 is less than turnout_2024-03-15_20:00.');
    expect(page).toContain('Line 5: Turnout is cumulative from the first voting day, but turnout_10:00 is less than turnout_2024-03-15_20:00.');
    const { rows } = await system.ownerDb.query(`SELECT uik_number, turnout FROM official_results WHERE election_id = 1 ORDER BY uik_number`);
    expect(rows).toEqual([
      { uik_number: '8050', turnout: { '2024-03-15T20:00': 300, '2024-03-16T20:00': 700, '2024-03-17T10:00': 800, '2024-03-17T12:00': 950 } },
      { uik_number: '8052', turnout: { '2024-03-15T20:00': 300, '2024-03-16T20:00': 700, '2024-03-17T10:00': 800 } },
    ]);
    // the stored report keeps the code and its parameters; the words are the catalogue's
    const { rows: [report] } = await system.ownerDb.query(`SELECT report FROM official_result_imports ORDER BY id DESC LIMIT 1`);
    expect(report.report[0]).toEqual({ line: 3, code: 'turnout_goes_down', params: { from: 'turnout_2024-03-15_20:00', to: 'turnout_2024-03-16_20:00' } });
    const ru = await importCsv(csv.split('\n').slice(0, 1).concat(csv.split('\n')[2]!).join('\n'), 'ru');
    expect(ru.page).toContain('Строка 2: Явка считается нарастающим итогом с первого дня голосования, а turnout_2024-03-16_20:00 меньше, чем turnout_2024-03-15_20:00.');

    // the public API says the instants and the election's voting days
    const json = (await (await admin.fetch('/api/v1/counts/stations/1/8050')).json()) as { voting_days: unknown; official: { turnout: Record<string, number> } };
    expect(json.voting_days).toEqual({ first: '2024-03-15', last: '2024-03-17' });
    expect(json.official.turnout['2024-03-16T20:00']).toBe(700);
  });
});

describeWithFixtures('counts: an observer’s count on a voting day before the last, from upload to publication', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startSystem({ env: { DATABASE_URL: await freshDatabaseUrl('counts_days_flow') } });
  }, 60_000);
  afterAll(() => system?.stop());

  test('compared with the cumulative official turnout of that day (its morning is the day before’s close), said with the day, exported as an ISO interval', async () => {
    const admin = await loggedInClient(system.ctx, system.url, 'admin');
    const moderator = await loggedInClient(system.ctx, system.url, 'moderator');
    const observer = new Client(system.url);
    await admin.page('/admin/counts?election_id=1');
    expect((await admin.postForm('/admin/counts/lines', { election_id: '1', lines: LINES })).status).toBe(303);
    const form = new FormData();
    form.append('election_id', '1');
    // cumulative: 300 by the 15th's close, 420 by the 16th's noon, 700 by its close
    form.append('file', new Blob(['uik;region;voters;issued_station;valid;cand_a;turnout_2024-03-15_20:00;turnout_2024-03-16_12:00;turnout_2024-03-16_20:00\n8050;Москва;2000;1300;1290;1211;300;420;700\n'], { type: 'text/csv' }), 'official.csv');
    expect(await (await admin.fetch(`/admin/counts/official?_csrf=${encodeURIComponent(admin.csrf)}`, { method: 'POST', body: form })).text()).toContain('Imported 1, changed 0, rows refused: 0.');

    await observer.page('/count');
    const fields = { election_id: '1', region: 'Москва', station_number: '8050', category_code: COUNT_CATEGORY, description: 'Кликер у входа, второй день', count_from: '2024-03-16T08:00', count_to: '2024-03-16T12:00', count_people: '100', count_what: 'entered', count_method: 'tally' };
    const photo = await fileFromPath(fixturePath('nokia-8.3-5g_gps_offset.jpg'));
    const res = await observer.fetch('/api/v1/submissions', { method: 'POST', headers: { 'x-csrf-token': observer.csrf, accept: 'application/json' }, body: submissionForm(fields, [photo]) });
    expect(res.status).toBe(201);
    const { submissionId } = (await res.json()) as { submissionId: string };
    await moderator.page(`/moderation/submissions/${submissionId}`);
    expect((await moderator.postForm(`/moderation/submissions/${submissionId}/count-verification`, { verified: '1' })).status).toBe(303);
    expect((await decideFromPage(moderator, submissionId, { action: 'verify_publish', ...ALL_CHECKS })).status).toBe(303);

    // Hand-checked: 16 March 08:00 is the 15th's close, 300; by 12:00, 420: 120 official; 100 counted by tally, ± ceil(5 %) = 5; 120 − 100 = 20, 15 beyond.
    const json = (await (await observer.fetch('/api/v1/counts/stations/1/8050')).json()) as { discrepancies: { subject: string; official: number; observed: number; uncertainty: number; difference: number; beyond_uncertainty: number }[] };
    expect(json.discrepancies).toEqual([expect.objectContaining({ subject: '2024-03-16T08:00/2024-03-16T12:00', official: 120, observed: 100, uncertainty: 5, difference: 20, beyond_uncertainty: 15 })]);
    const en = await (await observer.fetch('/stations/1/%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0/8050?lang=en')).text();
    expect(en).toContain('From 2024-03-16 08:00 to 12:00 the official turnout is 120 voters; observers counted 100 (± 5, tally on paper; a difference of +20).');
    expect(en).toContain('<figure class="chart" data-day="2024-03-16">');
    const ru = await (await observer.fetch('/stations/1/%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0/8050?lang=ru')).text();
    expect(ru).toContain('С 2024-03-16 08:00 до 12:00 по официальным данным проголосовало 120');
    const csv = await (await observer.fetch('/api/v1/counts/export.csv?election=1')).text();
    expect(csv).toContain(`1,Москва,8050,15,attendance,2024-03-16T08:00/2024-03-16T12:00,120,100,5,20,15,${system.url}/archive/${submissionId}`);
    const exported = (await (await observer.fetch('/api/v1/counts/export.json?election=1')).json()) as { discrepancies: { subject: string }[] }[];
    expect(exported[0]!.discrepancies.map((d) => d.subject)).toEqual(['2024-03-16T08:00/2024-03-16T12:00']);
  });
});

describe('migration 020: stored hours of the last voting day become instants', () => {
  let dir: string;
  let pool: Pool;
  let url: string;
  let later: string[];

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-migrations-020-'));
    await fs.cp(MIGRATIONS_DIR, dir, { recursive: true });
    // the database as it stood before 020: that file and every later one are held back
    later = (await fs.readdir(dir)).filter((f) => f.endsWith('.sql') && f >= '020_');
    for (const f of later) await fs.rename(path.join(dir, f), path.join(dir, `${f}.later`));
    url = await freshDatabaseUrl('migration_020');
    await emptyDatabase(url);
    pool = createPool(url, 2);
  });
  afterAll(async () => {
    await pool?.end();
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('official turnout, its revisions and attendance subjects are rewritten for the election’s last day; protocol lines and new forms untouched', async () => {
    expect((await migrate(pool, dir)).at(-1)).toBe('019_live_queue.sql');
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL session_replication_role = replica'); // rows as 019 stored them, without the accounts and submissions they name
      const account = '00000000-0000-4000-8000-000000000001';
      const [s1, s2] = ['00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a2'];
      await client.query(`INSERT INTO official_result_imports (id, election_id, account_id, file_sha256, rows_imported, rows_changed, rows_bad, report) VALUES (1, 1, $1, decode(repeat('00', 32), 'hex'), 1, 0, 0, '[]'), (2, 1, $1, decode(repeat('11', 32), 'hex'), 1, 1, 0, '[]')`, [account]);
      await client.query(`INSERT INTO official_results (election_id, uik_number, region, figures, turnout, import_id) VALUES (1, '8050', 'Москва', '{"valid": 5}', '{"10:00": 150, "12:00": 420}', 2), (1, '8051', 'Москва', '{}', '{}', 2)`);
      await client.query(`INSERT INTO official_result_revisions (import_id, election_id, uik_number, region, figures, turnout, replaced_import_id) VALUES (2, 1, '8050', 'Москва', '{}', '{"10:00": 140}', 1)`);
      await client.query(
        `INSERT INTO station_discrepancies (submission_id, election_id, uik_number, kind, subject, official, observed, uncertainty)
         VALUES ($1, 1, '8050', 'attendance', '10:00-12:00', 270, 180, 4), ($2, 1, '8050', 'protocol_line', 'cand_a', 1211, 604, 0)`,
        [s1, s2],
      );
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    for (const f of later) await fs.rename(path.join(dir, `${f}.later`), path.join(dir, f));
    expect((await migrate(pool, dir))[0]).toBe('020_turnout_days.sql');

    const { rows: official } = await pool.query(`SELECT uik_number, turnout FROM official_results ORDER BY uik_number`);
    expect(official).toEqual([{ uik_number: '8050', turnout: { '2024-03-17T10:00': 150, '2024-03-17T12:00': 420 } }, { uik_number: '8051', turnout: {} }]);
    const { rows: revisions } = await pool.query(`SELECT turnout FROM official_result_revisions`);
    expect(revisions).toEqual([{ turnout: { '2024-03-17T10:00': 140 } }]);
    const { rows: subjects } = await pool.query(`SELECT kind, subject FROM station_discrepancies ORDER BY kind`);
    expect(subjects).toEqual([{ kind: 'attendance', subject: '2024-03-17T10:00/2024-03-17T12:00' }, { kind: 'protocol_line', subject: 'cand_a' }]);
    // the old form is refused from now on
    await expect(pool.query(`UPDATE station_discrepancies SET subject = '10:00-12:00' WHERE kind = 'attendance'`)).rejects.toThrow(/station_discrepancies_attendance_interval/);
  });
});
