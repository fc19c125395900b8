import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createDatabase } from '../../db/repositories';
import { verifyAuditChain } from '../../domain/audit/audit.service';
import { loggedInClient } from '../helpers/http';
import { freshDatabaseUrl, startSystem, type TestSystem } from '../helpers/system';
import { typescriptScript } from '../helpers/scripts';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

/** `npm run audit:verify` against a database: its exit code and what it printed. */
async function auditVerify(databaseUrl: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, typescriptScript('scripts/audit-verify.ts'), {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl },
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

/**
 * The audit log is append-only in the database and hash-chained. This file tampers with the log,
 * in a database of its own (as every test file has).
 */
describe('audit log', () => {
  let system: TestSystem;
  let databaseUrl: string;
  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl('audit');
    system = await startSystem({ worker: false, env: { DATABASE_URL: databaseUrl } });
  });
  afterAll(async () => {
    await system?.stop();
  });

  const rows = async () =>
    (await system.ctx.db.query<{ seq: string; action: string; actor_label: string; entity_id: string; after: unknown }>(
      'SELECT seq, action, actor_label, entity_id, after FROM audit_log ORDER BY seq',
    )).rows;

  test('account and catalog actions are recorded with actor, entity and before/after; the chain verifies', async () => {
    const admin = await loggedInClient(system.ctx, system.url, 'admin');
    await admin.page('/admin/catalog');
    const slug = `audit-${Date.now()}`;
    const election = { slug, name_ru: 'Выборы', name_en: 'Election', country: 'RU', voting_starts_on: '2026-09-18', voting_ends_on: '2026-09-20' };
    expect((await admin.postForm('/admin/elections', election)).status).toBe(303);
    const { rows: [created] } = await system.ctx.db.query<{ id: number }>('SELECT id FROM elections WHERE slug = $1', [slug]);
    expect((await admin.postForm(`/admin/elections/${created!.id}`, { active: 'false' })).status).toBe(303);

    const log = await rows();
    const accountId = (await system.ctx.db.query<{ id: string }>('SELECT id FROM accounts WHERE email = $1', [admin.email])).rows[0]!.id;
    expect(log.filter((r) => r.entity_id === accountId).map((r) => [r.action, r.actor_label])).toEqual([
      ['account.create', 'system:cli'],
      ['account.set_password', admin.email],
      ['account.login', admin.email],
    ]);
    const catalogRows = log.filter((r) => r.entity_id === String(created!.id));
    expect(catalogRows.map((r) => [r.action, r.actor_label])).toEqual([
      ['catalog.election_create', admin.email],
      ['catalog.election_active', admin.email],
    ]);
    expect(catalogRows[0]!.after).toMatchObject({ slug, active: true });
    expect(catalogRows[1]!.after).toEqual({ active: false });
    expect(log.map((r) => Number(r.seq))).toEqual(log.map((_, i) => i + 1));

    const report = await verifyAuditChain(system.ctx.repos);
    expect(report).toMatchObject({ ok: true, rows: log.length });
    const cli = await auditVerify(databaseUrl);
    expect(cli.code).toBe(0);
    expect(cli.out).toContain(`ok: ${log.length} audit rows`);

    const page = await admin.page('/admin/audit?verify=1&lang=en');
    expect(page.res.status).toBe(200);
    expect(page.body).toContain(`The chain is intact: ${log.length} rows`);
    expect(page.body).toContain('catalog.election_active');
  });

  test('the database refuses UPDATE, DELETE and TRUNCATE of audit rows, even to its owner', async () => {
    const db = system.ownerDb; // the app's own role may not even try (db-integrity.test.ts): the triggers stop the owner
    await expect(db.query(`UPDATE audit_log SET actor_label = 'someone else' WHERE seq = 1`)).rejects.toThrow(/append-only/);
    await expect(db.query('DELETE FROM audit_log WHERE seq = 1')).rejects.toThrow(/append-only/);
    await expect(db.query('TRUNCATE audit_log CASCADE')).rejects.toThrow(/append-only/);
    await expect(db.query('UPDATE audit_head SET seq = 0')).rejects.toThrow(/moves forward/);
    expect((await verifyAuditChain(createDatabase(db).repos)).ok).toBe(true);
  });

  test('a row altered by someone who bypasses the triggers is found and named', async () => {
    const db = system.ownerDb;
    const admin = await loggedInClient(system.ctx, system.url, 'admin');
    const target = (await rows()).find((r) => r.action === 'account.create' && r.after && (r.after as { email: string }).email === admin.email)!;
    const total = (await rows()).length;
    // As a database superuser could: switch the trigger off, rewrite history, switch it on again.
    await db.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
    try {
      await db.query(`UPDATE audit_log SET after = jsonb_set(after, '{role}', '"moderator"') WHERE seq = $1`, [target.seq]);
    } finally {
      await db.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
    }
    const report = await verifyAuditChain(createDatabase(db).repos);
    expect(report).toMatchObject({ ok: false, seq: Number(target.seq), rows: Number(target.seq) - 1 });
    const cli = await auditVerify(databaseUrl);
    expect(cli.code).toBe(1);
    expect(cli.out).toContain(`FAILED at audit row ${target.seq}`);
    expect(cli.out).toContain('altered');
    const page = await admin.page('/admin/audit?verify=1&lang=en');
    expect(page.body).toContain(`The chain is broken at row ${target.seq}`);
    expect(Number(target.seq)).toBeLessThan(total);
  });
});
