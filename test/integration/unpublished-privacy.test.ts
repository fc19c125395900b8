import { createHash, randomBytes } from 'node:crypto';
import sharp from 'sharp';
import * as mediaRepo from '../../db/media.repo';
import { parseConfig } from '../../domain/config';
import { signTreeHeadIfGrown } from '../../domain/transparency/signer.service';
import { describeWithFixtures, fixturePath } from '../helpers/fixtures';
import { Client, fileFromPath, loggedInClient, uploadSubmission, type UploadFile } from '../helpers/http';
import { ALL_CHECKS, formVersion } from '../helpers/moderation';
import { freshDatabaseUrl, startSystem, waitFor, type TestSystem } from '../helpers/system';
import { decideByForm, ownElection, publish, uniquePng, uploadAndProcess, withdraw } from './archive-helpers';

/**
 * Issue 11, findings 5–8: nothing unpublished may be learned from outside. Everything goes through
 * the real upload, worker, moderation form and public pages over HTTP, as an outsider would see it.
 */
type PublicFile = { id: string; sha256: string; bytes?: number | null; flags: string[]; original_url: string | null; original_carries?: string[] };
type PublicEntry = { id: string; received_at: string; files: PublicFile[] };

const sha256Of = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A photo-like picture of its own (blocks of random colour), so its perceptual hash is new to the archive. */
async function uniquePhoto(): Promise<UploadFile> {
  const data = await sharp(randomBytes(16 * 12 * 3), { raw: { width: 16, height: 12, channels: 3 } })
    .resize(1024, 768, { kernel: 'nearest' })
    .blur(6)
    .jpeg({ quality: 90 })
    .toBuffer();
  return { name: 'photo.jpg', data, type: 'image/jpeg' };
}

describeWithFixtures('nothing unpublished can be learned from outside', () => {
  let system: TestSystem;
  let moderator: Client;
  let fields: Record<string, string>;

  const get = (path: string, init?: RequestInit) => fetch(`${system.url}${path}`, init);
  const entry = async (id: string) => {
    const res = await get(`/api/v1/entries/${id}`);
    expect(res.status).toBe(200);
    return (await res.json()) as PublicEntry;
  };

  beforeAll(async () => {
    // a database of its own: it signs tree heads, which only one log key may do in a database
    system = await startSystem({ env: { DATABASE_URL: await freshDatabaseUrl('unpublished_privacy'), PUBLIC_API_REQUESTS_PER_MINUTE: '100000' } });
    moderator = await loggedInClient(system.ctx, system.url);
    const election = await ownElection(system, 'privacy');
    fields = { election_id: String(election.id), region: 'Москва', station_number: '77', category_code: 'ballot_stuffing', description: 'Вброс на участке 77' };
  });
  afterAll(async () => {
    await system?.stop();
  });

  describe('finding 5: the hash look-up', () => {
    /** Everything a response says, with the hash itself and the per-request headers taken out. */
    async function answer(res: Response, sha: string) {
      const headers = Object.fromEntries(
        [...res.headers].filter(([name]) => !['date', 'etag', 'ratelimit-remaining', 'set-cookie'].includes(name)),
      );
      const body = (await res.text()).replaceAll(sha, '<sha>').replace(/name="_csrf" value="[^"]*"/g, '').replace(/nonce="[^"]*"/g, '');
      return { status: res.status, headers, body };
    }

    test('pending, rejected and withdrawn files answer exactly like a file never received (API and /check page)', async () => {
      const [pending, rejected, withdrawn] = await Promise.all([uniquePng(), uniquePng(), uniquePng()]);
      await uploadAndProcess(system, fields, [pending]);
      const rejectedId = await uploadAndProcess(system, fields, [rejected]);
      await decideByForm(moderator, rejectedId, { action: 'reject', reason_code: 'duplicate', reason: 'test' });
      const withdrawnId = await uploadAndProcess(system, fields, [withdrawn]);
      await publish(moderator, withdrawnId);
      await withdraw(moderator, withdrawnId, 'protecting a person');

      const never = randomBytes(32).toString('hex');
      for (const path of [(s: string) => `/api/v1/files/${s}`, (s: string) => `/check?sha256=${s}&lang=en`]) {
        const expected = await answer(await get(path(never)), never);
        expect(expected.status).toBe(200);
        for (const [what, file] of [['pending', pending], ['rejected', rejected], ['withdrawn', withdrawn]] as const) {
          const sha = sha256Of(file.data);
          expect({ what, ...(await answer(await get(path(sha)), sha)) }).toEqual({ what, ...expected });
        }
      }
      const api = (await (await get(`/api/v1/files/${never}`)).json()) as { status: string };
      expect(api.status).toBe('unknown');
      const page = await (await get(`/check?sha256=${never}&lang=en`)).text();
      expect(page).not.toMatch(/received by the archive|получен архивом/);
      // The published answer still works.
      const published = await uniquePng();
      const publishedId = await uploadAndProcess(system, fields, [published]);
      await publish(moderator, publishedId);
      const found = (await (await get(`/api/v1/files/${sha256Of(published.data)}`)).json()) as { status: string; entries: { id: string }[] };
      expect(found).toMatchObject({ status: 'published', entries: [{ id: publishedId }] });
    }, 120_000);

    test('the OpenAPI document no longer offers a "received, not published" answer', async () => {
      const doc = await (await get('/api/v1/openapi.json')).text();
      expect(doc.includes('received_not_published')).toBe(false);
    });
  });

  describe('finding 6: "allow downloading the original" with hidden location and device', () => {
    test('refused without a second confirmation naming GPS, device and serial numbers; accepted with it; the entry says so', async () => {
      const dng = await fileFromPath(fixturePath('canon-eos-6d_offsettime-only.dng'));
      const gps = await fileFromPath(fixturePath('google-pixel_gps.jpg'));
      const id = await uploadAndProcess(system, { ...fields, station_number: '78' }, [dng, gps]);
      const choices = { action: 'verify_publish', ...ALL_CHECKS, public_description: 'Снимок с участка.', public_location: 'hidden', original_downloadable: 'on' };

      const { body: review } = await moderator.page(`/moderation/submissions/${id}`);
      const refused = await moderator.postForm(`/moderation/submissions/${id}/decision`, { version: formVersion(review), ...choices });
      expect(refused.status).toBe(409);
      const refusal = await refused.text();
      for (const named of ['GPS', 'Canon EOS 6D', 'Google Pixel', '033024001432', '00001066ba']) expect(refusal).toContain(named);
      expect((await get(`/api/v1/entries/${id}`)).status).toBe(404);

      // The review page offers the confirmation, naming what this file's original reveals.
      const confirm = /name="confirm_original_reveals"[^>]*value="([^"]+)"/.exec(refusal)?.[1];
      expect(confirm?.split(',').sort()).toEqual(['device', 'gps', 'serial_numbers']);
      const { body: again } = await moderator.page(`/moderation/submissions/${id}`);
      const accepted = await moderator.postForm(`/moderation/submissions/${id}/decision`, { version: formVersion(again), ...choices, confirm_original_reveals: confirm! });
      expect(accepted.status).toBe(303);

      const published = await entry(id);
      const byName = (sha: string) => published.files.find((f) => f.sha256 === sha)!;
      expect(byName(sha256Of(dng.data)).original_carries?.sort()).toEqual(['device', 'serial_numbers']);
      expect(byName(sha256Of(gps.data)).original_carries?.sort()).toEqual(['device', 'gps']);
      const page = await (await get(`/archive/${id}?lang=en`)).text();
      expect(page).toMatch(/original file carries[^<]*GPS/);
      expect(page).toMatch(/original file carries[^<]*serial numbers/);
    }, 180_000);

    test('a confirmation for less than the original reveals is refused', async () => {
      const dng = await fileFromPath(fixturePath('canon-eos-6d_offsettime-only.dng'));
      const id = await uploadAndProcess(system, { ...fields, station_number: '79' }, [dng]);
      const { body } = await moderator.page(`/moderation/submissions/${id}`);
      const res = await moderator.postForm(`/moderation/submissions/${id}/decision`, {
        version: formVersion(body), action: 'verify_publish', ...ALL_CHECKS, public_description: 'Снимок с участка.', public_location: 'rounded', public_device: 'on', original_downloadable: 'on', confirm_original_reveals: 'device',
      });
      expect(res.status).toBe(409);
      expect(await res.text()).toContain('033024001432');
      expect((await get(`/api/v1/entries/${id}`)).status).toBe(404);
    }, 120_000);
  });

  describe('finding 7: receive times and sizes', () => {
    test('the public sees the receive time coarsened and no size of an original it cannot download; the receipt keeps both', async () => {
      const photo = await uniquePng();
      const res = await uploadSubmission(new Client(system.url), fields, [photo]);
      expect(res.status).toBe(201);
      const upload = (await res.json()) as { submissionId: string; log_receipt: { files: { size: number; leaf: { received_at: number; index: number } }[] } };
      const exact = upload.log_receipt.files[0]!.leaf;
      expect(upload.log_receipt.files[0]!.size).toBe(photo.data.length);
      await waitFor(async () => (await mediaRepo.listMediaFiles(system.ctx.db, upload.submissionId)).every((f) => f.status === 'ready'), 90_000);
      await publish(moderator, upload.submissionId);

      const e = await entry(upload.submissionId);
      const received = new Date(e.received_at);
      expect(received.getTime() % 3_600_000).toBe(0); // default PUBLIC_TIME_PRECISION_MINUTES = 60
      expect(received.getTime()).toBeLessThanOrEqual(exact.received_at);
      expect(exact.received_at - received.getTime()).toBeLessThan(3_600_000);
      expect(e.files[0]!.bytes ?? null).toBeNull();
      const page = await (await get(`/archive/${upload.submissionId}?lang=en`)).text();
      expect(page).not.toContain(`${photo.data.length} bytes`);
      const shown = /<dt>Received<\/dt><dd>([^<]*)/.exec(page)?.[1];
      expect(shown?.trim()).toBe(`${received.toISOString().slice(0, 16).replace('T', ' ')} UTC`);

      // The log is public too: its leaves must not carry the exact record either.
      await signTreeHeadIfGrown(system.workerCtx, { force: true });
      const leaves = (await (await get(`/api/v1/log/leaves?start=${exact.index}&end=${exact.index + 1}`)).json()) as { leaves: Record<string, unknown>[] };
      const text = JSON.stringify(leaves);
      expect(text).not.toContain(String(exact.received_at));
      expect(text).not.toContain(`"size":${photo.data.length}`);
    }, 120_000);

    test('signed tree heads are minutes apart by default', async () => {
      expect(parseConfig({}).logSthIntervalMs).toBeGreaterThanOrEqual(5 * 60_000);
    });
  });

  describe('finding 8: public flags', () => {
    test('an unpublished resized copy does not flag the published photo; the moderator still sees it', async () => {
      const photo = await uniquePhoto();
      const id = await uploadAndProcess(system, { ...fields, station_number: '80' }, [photo]);
      await publish(moderator, id);
      const before = await entry(id);
      expect(before.files[0]!.flags).not.toContain('near_duplicate');

      const copy = { name: 'copy.jpg', data: await sharp(photo.data).resize(512).jpeg({ quality: 80 }).toBuffer(), type: 'image/jpeg' };
      const copyId = await uploadAndProcess(system, { ...fields, station_number: '80' }, [copy]);
      const [stored] = await mediaRepo.listMediaFiles(system.ctx.db, id);
      expect(stored!.flags).toContain('near_duplicate'); // the moderators' flag is there

      expect((await entry(id)).files[0]!.flags).not.toContain('near_duplicate');
      const page = await (await get(`/archive/${id}?lang=en`)).text();
      expect(page).not.toContain('nearly identical picture');
      const { body: review } = await moderator.page(`/moderation/submissions/${id}`);
      expect(review).toContain(`/moderation/submissions/${copyId}`);

      // Once the copy is published too, the public flag is computed against it.
      await publish(moderator, copyId);
      expect((await entry(id)).files[0]!.flags).toContain('near_duplicate');
    }, 180_000);
  });
});
