import * as mediaRepo from '../../db/media.repo';
import { FLAGS } from '../../domain/media/flags';
import { describeWithFixtures, fixturePath } from '../helpers/fixtures';
import { Client, SUBMISSION_FIELDS, fileFromPath, loggedInClient, uploadSubmission, type UploadFile } from '../helpers/http';
import { processedFiles, startSystem, waitFor, type TestSystem } from '../helpers/system';

/**
 * The flags back-fill through HTTP, the worker and PostgreSQL: real files are processed, their flags
 * are removed behind the application's back (as files processed before a flag existed would lack
 * them), an admin starts the back-fill and every flag comes back, from each step.
 */
describeWithFixtures('flags back-fill', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  async function submit(files: UploadFile[]): Promise<string> {
    const res = await uploadSubmission(new Client(system.url), SUBMISSION_FIELDS, files);
    expect(res.status).toBe(201);
    return ((await res.json()) as { submissionId: string }).submissionId;
  }
  const processed = (submissionId: string) => processedFiles(system, submissionId);
  const flagsOf = async (ids: string[]) =>
    Object.fromEntries(await Promise.all(ids.map(async (id) => [id, [...(await mediaRepo.findMediaFile(system.ctx.db, id))!.flags].sort()] as const)));

  test('an admin recomputes the flags of processed files: metadata, claim and relation flags come back, audited', async () => {
    const edited = await fileFromPath(fixturePath('xiaomi-mi-a1_gps_edited.jpg'));
    const gpsZero = await fileFromPath(fixturePath('samsung-galaxy-s_gps-zero_orient6.jpg'));
    const first = await submit([edited, gpsZero]);
    const [editedRow, gpsZeroRow] = await processed(first);
    const second = await submit([edited]);
    const [copyRow] = await processed(second);
    const ids = [editedRow!.id, gpsZeroRow!.id, copyRow!.id];
    const before = await flagsOf(ids);
    expect(before[gpsZeroRow!.id]).toEqual(expect.arrayContaining(['gps_invalid', 'time_mismatch']));
    // taken in Bydgoszcz, claimed in Москва with no register entry for the station: region_mismatch
    expect(before[editedRow!.id]).toEqual(expect.arrayContaining(['edited', 'exact_duplicate', 'time_mismatch', 'region_mismatch']));
    expect(before[copyRow!.id]).toEqual(expect.arrayContaining(['edited', 'exact_duplicate', 'region_mismatch']));
    expect(before[gpsZeroRow!.id]).not.toContain('region_mismatch'); // no fix, no place to compare

    // As the database owner: the application itself never drops flags.
    await system.ownerDb.query(`UPDATE media_files SET flags = '{}' WHERE id = ANY($1::uuid[])`, [ids]);
    expect(Object.values(await flagsOf(ids)).flat()).toEqual([]);

    const admin = await loggedInClient(system.ctx, system.url, 'admin');
    const moderator = await loggedInClient(system.ctx, system.url, 'moderator');
    const queueWithFlag = async () => (await moderator.page('/moderation?flag=gps_invalid')).body;
    expect(await queueWithFlag()).not.toContain(`data-entry="${first}"`);

    expect((await moderator.postForm('/api/v1/admin/flags/backfill', {})).status).toBe(403);
    expect((await admin.postForm('/api/v1/admin/flags/backfill', {}, 'not-the-token')).status).toBe(403);
    const started = await admin.postForm('/api/v1/admin/flags/backfill', {});
    expect(started.status).toBe(202);
    expect(await started.json()).toEqual({ files: 3 });

    await waitFor(async () => JSON.stringify(await flagsOf(ids)) === JSON.stringify(before), 60_000, 'the flags to be back');
    const audit = await system.ctx.db.query<{ actor_label: string; after: unknown }>(
      `SELECT actor_label, after FROM audit_log WHERE action = 'media.flags_backfill'`,
    );
    expect(audit.rows).toEqual([{ actor_label: admin.email, after: { files: 3 } }]);

    // gps_invalid is in the registry: a queue filter, with its label on the review page.
    expect(await queueWithFlag()).toContain(`data-entry="${first}"`);
    expect((await moderator.page(`/moderation/submissions/${first}`)).body).toContain(FLAGS.gps_invalid.label.en);
  });

  test("the settings page's button starts it too: the form carries the CSRF token, the page answers how many files wait", async () => {
    const admin = await loggedInClient(system.ctx, system.url, 'admin');
    const settings = (await admin.page('/admin/settings?lang=en')).body;
    const form = /<form method="post" action="([^"]+)" id="flags-backfill">([\s\S]*?)<\/form>/.exec(settings);
    expect(form?.[1]).toBe('/admin/settings/flags-backfill');
    expect(form?.[2]).toContain(`name="_csrf" value="${admin.csrf}"`);
    expect(form?.[2]).toContain('Recompute the flags of every file');

    expect((await admin.postForm(form![1]!, {}, 'not-the-token')).status).toBe(403);
    const moderator = await loggedInClient(system.ctx, system.url, 'moderator');
    expect((await moderator.postForm(form![1]!, {})).status).toBe(403);

    const started = await admin.postForm(form![1]!, {});
    expect(started.status).toBe(202);
    expect(await started.text()).toMatch(/id="flags-backfill-started">Recomputing started: 3 files queued\./);
    const audit = await system.ctx.db.query<{ actor_label: string; after: unknown }>(
      `SELECT actor_label, after FROM audit_log WHERE action = 'media.flags_backfill' ORDER BY seq`,
    );
    expect(audit.rows.at(-1)).toEqual({ actor_label: admin.email, after: { files: 3 } });
  });
});
