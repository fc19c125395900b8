import { createHash, randomBytes } from 'node:crypto';
import * as mediaRepo from '../../db/media.repo';
import { describeWithFixtures, fixturePath } from '../helpers/fixtures';
import { Client, fileFromPath, loggedInClient } from '../helpers/http';
import { startSystem, type TestSystem } from '../helpers/system';
import { ownElection, publish, uniquePng, uploadAndProcess, withdraw } from './archive-helpers';

/**
 * Issue 17, item 3: a copy downloaded from the archive (thumb, preview, a video's frame) is found by
 * its SHA-256 like an original, naming the entry and the original it was made from; a copy of
 * anything unpublished, or a moderator-only contact sheet, answers like bytes never received.
 */
type Lookup = {
  status: string;
  entries: { id: string; url: string; copy_of: { kind: string; file_id: string; original_sha256: string } | null }[];
};

const sha256Of = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describeWithFixtures('checking a copy the archive served', () => {
  let system: TestSystem;
  let moderator: Client;
  let fields: Record<string, string>;

  const get = (path: string) => fetch(`${system.url}${path}`);
  const download = async (client: Client | null, path: string) => {
    const res = client ? await client.fetch(path) : await get(path);
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
    return Buffer.from(await res.arrayBuffer());
  };
  const lookup = async (sha: string) => (await (await get(`/api/v1/files/${sha}`)).json()) as Lookup;

  beforeAll(async () => {
    system = await startSystem({ env: { PUBLIC_API_REQUESTS_PER_MINUTE: '100000' } });
    moderator = await loggedInClient(system.ctx, system.url);
    const election = await ownElection(system, 'copies');
    fields = { election_id: String(election.id), region: 'Москва', station_number: '2034', category_code: 'ballot_stuffing', description: `Вброс ${randomBytes(4).toString('hex')}` };
  }, 120_000);
  afterAll(async () => {
    await system?.stop();
  });

  test('every public copy of a published photo and video is found with its entry and original; contact sheets and unpublished copies are not', async () => {
    const photo = await fileFromPath(fixturePath('google-pixel_gps.jpg'));
    const video = await fileFromPath(fixturePath('android_gps_xyz.mp4'));
    const id = await uploadAndProcess(system, fields, [photo, video]);
    await publish(moderator, id);
    const files = await mediaRepo.listMediaFiles(system.ctx.db, id);
    expect(files.map((f) => [f.status, f.has_thumb, f.has_preview])).toEqual([['ready', true, true], ['ready', true, true]]);

    for (const file of files) {
      const original = file.kind === 'video' ? video : photo;
      expect(file.sha256).toBe(sha256Of(original.data));
      for (const [variant, kind] of [['thumb.jpg', 'thumb'], ['preview.jpg', 'preview'], ['published.jpg', 'preview']] as const) {
        const copy = sha256Of(await download(null, `/media/${file.id}/${variant}`));
        expect(copy).not.toBe(file.sha256);
        expect({ variant, ...(await lookup(copy)) }).toEqual({
          variant,
          sha256: copy,
          status: 'published',
          entries: [{ id, url: `/archive/${id}`, published_at: expect.any(String), copy_of: { kind, file_id: file.id, original_sha256: file.sha256 } }],
        });
      }
      // The original itself is still found as an original.
      expect((await lookup(file.sha256)).entries).toEqual([expect.objectContaining({ id, copy_of: null })]);
    }

    // The /check page (no JavaScript) says the same, in both languages.
    const thumb = sha256Of(await download(null, `/media/${files[0]!.id}/thumb.jpg`));
    const en = await (await get(`/check?sha256=${thumb}&lang=en`)).text();
    expect(en).toContain(`/archive/${id}`);
    expect(en).toContain('a copy the archive made of an original (thumbnail)');
    expect(en).toContain(files[0]!.sha256);
    const ru = await (await get(`/check?sha256=${thumb}&lang=ru`)).text();
    expect(ru).toContain('копия, которую архив сделал из оригинала (миниатюра)');

    // A contact sheet is for moderators only: not a public copy.
    const videoFile = files.find((f) => f.kind === 'video')!;
    expect(videoFile.has_contact).toBe(true);
    const contact = sha256Of(await download(moderator, `/moderation/files/${videoFile.id}/contact.jpg`));
    expect(await lookup(contact)).toEqual({ sha256: contact, status: 'unknown', entries: [] });

    // A copy of an unpublished entry answers exactly like bytes never received (API and page).
    const pendingId = await uploadAndProcess(system, fields, [await uniquePng()]);
    const pendingFile = (await mediaRepo.listMediaFiles(system.ctx.db, pendingId))[0]!;
    const pendingThumb = sha256Of(await download(moderator, `/moderation/files/${pendingFile.id}/thumb.jpg`));
    const never = randomBytes(32).toString('hex');
    expect(await lookup(pendingThumb)).toEqual({ sha256: pendingThumb, status: 'unknown', entries: [] });
    const pageFor = async (sha: string) => (await (await get(`/check?sha256=${sha}&lang=en`)).text()).replaceAll(sha, '<sha>').replace(/nonce="[^"]*"/g, '').replace(/name="_csrf" value="[^"]*"/g, '');
    expect(await pageFor(pendingThumb)).toEqual(await pageFor(never));

    // Withdrawn: its copies are no longer found either.
    await withdraw(moderator, id, 'protecting a person');
    expect((await lookup(thumb)).status).toBe('unknown');
  }, 180_000);
});
