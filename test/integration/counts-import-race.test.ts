import { loggedInClient, type Client } from '../helpers/http';
import { startSystem, type TestSystem } from '../helpers/system';

/**
 * An election's first import of official results goes straight into official_results (nothing to
 * compare or keep); a later one is staged and compared. Two imports of one election at once take
 * turns: the one that waited is not a first import any more and replaces what the other wrote,
 * keeping it, instead of colliding with it.
 */

const LINES = `1; voters; voters_on_list; Число избирателей; Voters on the list
12; valid; valid; Действительных; Valid
20; cand_a; candidate; Кандидат А; Candidate A
21; cand_b; candidate; Кандидат Б; Candidate B`;

const csv = (candA: number) => `uik,region,voters,valid,cand_a,cand_b\n7001,Москва,2000,1000,${candA},${1000 - candA}\n7002,Москва,1500,800,400,400\n`;

describe('counts: imports of one election at once', () => {
  let system: TestSystem;
  let admin: Client;
  let electionId = 0;

  beforeAll(async () => {
    system = await startSystem();
    admin = await loggedInClient(system.ctx, system.url, 'admin');
    const { rows } = await system.ownerDb.query<{ id: number }>(
      `INSERT INTO elections (slug, name_ru, name_en, country, voting_starts_on, voting_ends_on) VALUES ('import-race', 'Гонка', 'Race', 'RU', '2024-03-15', '2024-03-17') RETURNING id`,
    );
    electionId = rows[0]!.id;
    await admin.page(`/admin/counts?election_id=${electionId}`);
    expect((await admin.postForm('/admin/counts/lines', { election_id: String(electionId), lines: LINES })).status).toBe(303);
  }, 60_000);
  afterAll(() => system?.stop());

  const post = async (text: string) => {
    const form = new FormData();
    form.append('election_id', String(electionId));
    form.append('file', new Blob([text], { type: 'text/csv' }), 'official.csv');
    const res = await admin.fetch(`/admin/counts/official?_csrf=${encodeURIComponent(admin.csrf)}`, { method: 'POST', body: form });
    return { status: res.status, page: await res.text() };
  };

  test('two first imports at once: both succeed, the second replaces what the first wrote and keeps it', async () => {
    const [one, two] = await Promise.all([post(csv(600)), post(csv(550))]);
    expect([one.status, two.status]).toEqual([200, 200]);
    const reports = [one.page, two.page].map((p) => /Imported 2, changed [01], rows refused: 0\./.exec(p)?.[0]);
    expect(reports.sort()).toEqual(['Imported 2, changed 0, rows refused: 0.', 'Imported 2, changed 1, rows refused: 0.']);

    const { rows: imports } = await system.ownerDb.query(`SELECT id, rows_imported, rows_changed FROM official_result_imports WHERE election_id = $1 ORDER BY id`, [electionId]);
    expect(imports.map((i) => [i.rows_imported, i.rows_changed])).toEqual([[2, 0], [2, 1]]);
    // the current figures are the later import's; the earlier one's figure for 7001 is kept as a revision
    const { rows: current } = await system.ownerDb.query(`SELECT uik_number, (figures->>'cand_a')::int AS a, import_id FROM official_results WHERE election_id = $1 ORDER BY uik_number`, [electionId]);
    const { rows: revisions } = await system.ownerDb.query(`SELECT uik_number, (figures->>'cand_a')::int AS a, replaced_import_id FROM official_result_revisions WHERE election_id = $1`, [electionId]);
    expect(revisions).toHaveLength(1);
    expect(revisions[0]).toMatchObject({ uik_number: '7001', replaced_import_id: imports[0].id });
    expect(current).toEqual([
      { uik_number: '7001', a: 1150 - revisions[0].a, import_id: imports[1].id }, // 600 + 550 - the one replaced
      { uik_number: '7002', a: 400, import_id: imports[0].id }, // the same figures: not replaced
    ]);
  });
});
