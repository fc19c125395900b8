import sharp from 'sharp';
import * as mediaRepo from '../../db/media.repo';
import { Client, SUBMISSION_FIELDS, loggedInClient, uploadSubmission } from '../helpers/http';
import { ALL_CHECKS, decideFromPage, formVersion } from '../helpers/moderation';
import { startSystem, waitFor, type TestSystem } from '../helpers/system';

/** Nothing unpublished is reachable by anyone but moderators; decisions are recorded and exclusive. */
describe('access and decisions', () => {
  let system: TestSystem;

  async function submitOne(description: string) {
    const data = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#884422' } }).jpeg().toBuffer();
    const res = await uploadSubmission(new Client(system.url), { ...SUBMISSION_FIELDS, description }, [{ name: 'p.jpg', data }]);
    expect(res.status).toBe(201);
    const { submissionId } = (await res.json()) as { submissionId: string };
    const [file] = await waitFor(async () => {
      const files = await mediaRepo.listMediaFiles(system.ctx.db, submissionId);
      return files[0]?.status === 'ready' ? files : null;
    }, 30_000, 'processing');
    return { submissionId, fileId: file!.id };
  }

  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  test('anonymous visitors see nothing unpublished; moderators see it all', async () => {
    const { submissionId, fileId } = await submitOne('unpublished evidence');
    const anon = new Client(system.url);
    for (const path of [
      `/archive/${submissionId}`,
      `/api/v1/entries/${submissionId}`,
      `/media/${fileId}/preview.jpg`,
      `/media/${fileId}/thumb.jpg`,
      `/media/${fileId}/published.jpg`,
    ]) {
      expect([path, (await anon.fetch(path)).status]).toEqual([path, 404]);
    }
    for (const path of ['/moderation', `/moderation/submissions/${submissionId}`, `/moderation/files/${fileId}/original`, `/moderation/files/${fileId}/preview.jpg`]) {
      expect([path, (await anon.fetch(path)).status]).toEqual([path, 401]);
    }
    const archive = await (await anon.fetch('/archive')).text();
    expect(archive).not.toContain(submissionId);

    const moderator = await loggedInClient(system.ctx, system.url);
    const queue = await moderator.page('/moderation?sort=newest'); // the file's other tests add entries too: ours is the newest
    expect(queue.res.status).toBe(200);
    expect(queue.body).toContain(submissionId);
    expect((await moderator.fetch(`/moderation/submissions/${submissionId}`)).status).toBe(200);
    const original = await moderator.fetch(`/moderation/files/${fileId}/original`);
    expect(original.status).toBe(200);
    expect(original.headers.get('cache-control')).toBe('no-store');
    expect((await moderator.fetch(`/moderation/files/${fileId}/preview.jpg`)).status).toBe(200);
  });

  test('a decision with a wrong CSRF token is refused and changes nothing', async () => {
    const { submissionId } = await submitOne('csrf check');
    const moderator = await loggedInClient(system.ctx, system.url);
    const { body } = await moderator.page(`/moderation/submissions/${submissionId}`);
    const res = await moderator.postForm(
      `/moderation/submissions/${submissionId}/decision`,
      { action: 'verify_publish', version: formVersion(body), ...ALL_CHECKS },
      'forged-token',
    );
    expect(res.status).toBe(403);
    const { rows } = await system.ctx.db.query('SELECT status FROM submissions WHERE id = $1', [submissionId]);
    expect(rows[0].status).toBe('pending');
  });

  test('verify & publish makes the entry and its files public, and is recorded', async () => {
    const { submissionId, fileId } = await submitOne('Вброс на участке, видно лицо');
    const moderator = await loggedInClient(system.ctx, system.url);
    const res = await decideFromPage(moderator, submissionId, { action: 'verify_publish', ...ALL_CHECKS });
    expect(res.status).toBe(303);

    const anon = new Client(system.url);
    const page = await (await anon.fetch(`/archive/${submissionId}`)).text();
    expect(page).toContain('Вброс на участке, видно лицо');
    const copy = await anon.fetch(`/media/${fileId}/published.jpg`);
    expect(copy.status).toBe(200);
    const meta = await sharp(Buffer.from(await copy.arrayBuffer())).metadata();
    expect(meta.exif).toBeUndefined();
    expect((await anon.fetch(`/moderation/files/${fileId}/original`)).status).toBe(401);
    const api = (await (await anon.fetch(`/api/v1/entries/${submissionId}`)).json()) as { files: { sha256: string }[] };
    expect(api.files).toHaveLength(1);
    expect(JSON.stringify(api)).not.toMatch(/email|ip_address|user_agent/);

    const review = await moderator.page(`/moderation/submissions/${submissionId}`);
    expect(review.body).toContain(moderator.email);
    const { rows } = await system.ctx.db.query('SELECT action, account_id FROM decisions WHERE submission_id = $1', [submissionId]);
    expect(rows).toHaveLength(1);
    expect(rows[0].action).toBe('verify_publish');
  });

  test('reject needs a reason; a second decision gets a conflict naming the first', async () => {
    const { submissionId } = await submitOne('to be rejected');
    const first = await loggedInClient(system.ctx, system.url);
    const second = await loggedInClient(system.ctx, system.url);
    const version = formVersion((await first.page(`/moderation/submissions/${submissionId}`)).body);
    await second.page(`/moderation/submissions/${submissionId}`);

    const noReason = await first.postForm(`/moderation/submissions/${submissionId}/decision`, { action: 'reject', reason_code: 'staged_or_edited', reason: '', version });
    expect(noReason.status).toBe(400);
    expect(await noReason.text()).toContain('Give a reason');

    const reject = { action: 'reject', reason_code: 'staged_or_edited', reason: 'staged photo', version };
    expect((await first.postForm(`/moderation/submissions/${submissionId}/decision`, reject)).status).toBe(303);
    const late = await second.postForm(`/moderation/submissions/${submissionId}/decision`, { action: 'verify_publish', version, ...ALL_CHECKS });
    expect(late.status).toBe(409);
    expect(await late.text()).toContain(first.email);
    const { rows } = await system.ctx.db.query('SELECT status FROM submissions WHERE id = $1', [submissionId]);
    expect(rows[0].status).toBe('rejected');
    expect((await new Client(system.url).fetch(`/archive/${submissionId}`)).status).toBe(404);
  });

  test('the database refuses a published entry without a verifying decision', async () => {
    const { submissionId } = await submitOne('constraint check');
    await expect(
      system.ctx.db.query(`UPDATE submissions SET status = 'published', decided_at = now(), published_at = now() WHERE id = $1`, [submissionId]),
    ).rejects.toThrow(/check constraint/);
  });
});
