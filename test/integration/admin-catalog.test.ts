import { Client, loggedInClient } from '../helpers/http';
import { startSystem, type TestSystem } from '../helpers/system';

describe('admins manage elections and categories; codes never change', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({ worker: false });
  });
  afterAll(async () => {
    await system?.stop();
  });

  test('only admins reach the catalog pages', async () => {
    expect((await new Client(system.url).fetch('/admin/catalog')).status).toBe(401);
    const moderator = await loggedInClient(system.ctx, system.url, 'moderator');
    expect((await moderator.fetch('/admin/catalog')).status).toBe(403);
    const admin = await loggedInClient(system.ctx, system.url, 'admin');
    expect((await admin.fetch('/admin/catalog')).status).toBe(200);
  });

  test('a new election appears in the upload form; a bad one is refused with a reason', async () => {
    const admin = await loggedInClient(system.ctx, system.url, 'admin');
    await admin.page('/admin/catalog');
    const slug = `ru-duma-${Date.now()}`;
    const election = { slug, name_ru: 'Выборы в Госдуму 2026', name_en: 'State Duma election 2026', country: 'ru', voting_starts_on: '2026-09-18', voting_ends_on: '2026-09-20' };
    expect((await admin.postForm('/admin/elections', election)).status).toBe(303);
    expect(await (await new Client(system.url).fetch('/?lang=en')).text()).toContain('State Duma election 2026');

    const again = await admin.postForm('/admin/elections', election);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('short name'); // slug_taken, not the generic "already exists"
    const reversed = await admin.postForm('/admin/elections', { ...election, slug: `${slug}-x`, voting_starts_on: '2026-09-21' });
    expect(reversed.status).toBe(400);
    expect(await reversed.text()).toContain('Voting cannot end before it starts.');
    const badDate = await admin.postForm('/admin/elections', { ...election, slug: `${slug}-y`, voting_ends_on: '2026-02-30' });
    expect(badDate.status).toBe(400);
  });

  test('labels can be edited and categories added; a code can never change', async () => {
    const admin = await loggedInClient(system.ctx, system.url, 'admin');
    await admin.page('/admin/catalog');
    const code = `test_cat_${Date.now()}`;
    expect((await admin.postForm('/admin/categories', { code, phase_code: 'counting', label_ru: 'Тест', label_en: 'Test' })).status).toBe(303);
    const edit = await admin.postForm(`/admin/categories/${code}`, { label_ru: 'Подмена протокола', label_en: 'Protocol swapped', active: 'on' });
    expect(edit.status).toBe(303);
    expect(await (await new Client(system.url).fetch('/?lang=ru')).text()).toContain('Подмена протокола');
    expect((await admin.postForm(`/admin/categories/${code}`, { label_ru: 'Подмена протокола', label_en: 'Protocol swapped' })).status).toBe(303);
    expect(await (await new Client(system.url).fetch('/?lang=ru')).text()).not.toContain('Подмена протокола'); // deactivated
    const taken = await admin.postForm('/admin/categories', { code, phase_code: 'counting', label_ru: 'Тест', label_en: 'Test' });
    expect(taken.status).toBe(409);
    expect(await taken.text()).toContain('codes are permanent'); // code_taken, not the generic "already exists"
    expect((await admin.postForm('/admin/categories', { code: `${code}_b`, phase_code: 'no_such_phase', label_ru: 'Т', label_en: 'T' })).status).toBe(400);
    expect((await admin.postForm('/admin/categories/NOT VALID', { label_ru: 'x', label_en: 'y' })).status).toBe(400);
    expect((await admin.postForm('/admin/categories/no_such_code', { label_ru: 'x', label_en: 'y' })).status).toBe(404);

    await expect(system.ctx.db.query(`UPDATE categories SET code = 'renamed' WHERE code = $1`, [code])).rejects.toThrow(/never changes/);
    await expect(system.ctx.db.query(`DELETE FROM categories WHERE code = $1`, [code])).rejects.toThrow(/permission denied/);
    await expect(system.ownerDb.query(`DELETE FROM categories WHERE code = $1`, [code])).rejects.toThrow(/never deleted/); // the owner neither
  });
});
