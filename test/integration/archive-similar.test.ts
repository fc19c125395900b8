import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import * as mediaRepo from '../../db/media.repo';
import { SIMILAR_MAX_PIXELS } from '../../domain/archive/similar.service';
import { hammingDistance } from '../../domain/media/perceptual-hash';
import { describeWithFixtures, fixturePath } from '../helpers/fixtures';
import { fileFromPath, loggedInClient } from '../helpers/http';
import { freshDatabaseUrl, startSystem, type TestSystem } from '../helpers/system';
import { ownElection, publish, uploadAndProcess, withdraw } from './archive-helpers';

/**
 * POST /api/v1/similar over real entries (uploaded, processed by the real worker, published
 * through the moderation form), in a database of its own so "no match" means no match.
 */
type Match = { entry_id: string; url: string; file_id: string; distance: number; published_at: string; thumb_url: string | null };
type Similar = { max_distance: number; matches: Match[] };

const PUBLISHED = 'samsung-galaxy-s7_gps_orient6.jpg'; // EXIF orientation 6: the copy is made upright, as a browser shows it
const PENDING = 'nokia-8.3-5g_gps_offset.jpg';
const WITHDRAWN = 'leica-t_orient8_empty-gps.jpg';
const UNRELATED = 'iphone-4_gps_no-gpsdate.jpg';

/** What the check page sends: the picture as displayed, at most 256 px, re-encoded (no metadata). */
const smallCopy = async (file: string, format: 'jpeg' | 'png' | 'webp' = 'jpeg') =>
  sharp(fixturePath(file)).rotate().resize(256, 256, { fit: 'inside' }).toFormat(format, { quality: 85 }).toBuffer();

function imageForm(parts: { field: string; data: Buffer | string; name?: string }[]): FormData {
  const form = new FormData();
  for (const p of parts) {
    if (typeof p.data === 'string') form.append(p.field, p.data);
    else form.append(p.field, new Blob([new Uint8Array(p.data)], { type: 'image/jpeg' }), p.name ?? 'copy.jpg');
  }
  return form;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
}

describeWithFixtures('archive: similar-image search', () => {
  let system: TestSystem;
  let publishedId: string;
  let publishedFileId: string;
  let pendingId: string;
  let withdrawnId: string;

  const post = (body: FormData | string, headers: Record<string, string> = {}) =>
    fetch(`${system.url}/api/v1/similar`, { method: 'POST', body, headers: { accept: 'application/json', ...headers } });
  const similar = async (image: Buffer): Promise<Similar> => {
    const res = await post(imageForm([{ field: 'image', data: image }]));
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.status).toBe(200);
    return (await res.json()) as Similar;
  };
  const stored = async () => {
    const { rows } = await system.ctx.db.query<{ blobs: string; files: string; submissions: string }>(
      `SELECT (SELECT count(*) FROM blobs) AS blobs, (SELECT count(*) FROM media_files) AS files, (SELECT count(*) FROM submissions) AS submissions`,
    );
    return { rows: rows[0], files: await listFiles(system.storageDir) };
  };

  beforeAll(async () => {
    system = await startSystem({ env: { DATABASE_URL: await freshDatabaseUrl('similar'), PUBLIC_API_REQUESTS_PER_MINUTE: '100000' } });
    const election = (await ownElection(system, 'similar')).id;
    const moderator = await loggedInClient(system.ctx, system.url);
    const fields = { election_id: String(election), region: 'Москва', station_number: '3301', category_code: 'ballot_stuffing', description: 'Вброс, для поиска похожих снимков' };
    publishedId = await uploadAndProcess(system, fields, [await fileFromPath(fixturePath(PUBLISHED))]);
    await publish(moderator, publishedId);
    publishedFileId = (await mediaRepo.listMediaFiles(system.ctx.db, publishedId))[0]!.id;
    pendingId = await uploadAndProcess(system, fields, [await fileFromPath(fixturePath(PENDING))]);
    withdrawnId = await uploadAndProcess(system, fields, [await fileFromPath(fixturePath(WITHDRAWN))]);
    await publish(moderator, withdrawnId);
    await withdraw(moderator, withdrawnId, 'Снято по просьбе автора');
  }, 300_000);

  afterAll(async () => {
    await system?.stop();
  });

  test('a 256 px re-encoded copy of a published photo finds its entry, closest first, with a thumbnail', async () => {
    const found = await similar(await smallCopy(PUBLISHED));
    expect(found.max_distance).toBe(system.ctx.config.nearDuplicateMaxDistance);
    expect(found.matches).toEqual([
      {
        entry_id: publishedId,
        url: `/archive/${publishedId}`,
        file_id: publishedFileId,
        distance: expect.any(Number),
        published_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        thumb_url: `/media/${publishedFileId}/thumb.jpg`,
      },
    ]);
    expect(found.matches[0]!.distance).toBeLessThanOrEqual(4);
    const thumb = await fetch(`${system.url}${found.matches[0]!.thumb_url}`);
    expect([thumb.status, thumb.headers.get('content-type')]).toEqual([200, 'image/jpeg']);

    // PNG and WebP copies, sniffed by content whatever the name says, find it too
    for (const format of ['png', 'webp'] as const) {
      const res = await post(imageForm([{ field: 'image', data: await smallCopy(PUBLISHED, format), name: 'copy.jpg' }]));
      expect(res.status).toBe(200);
      expect(((await res.json()) as Similar).matches.map((m) => m.entry_id)).toEqual([publishedId]);
    }
  });

  test('an unrelated photo finds nothing', async () => {
    expect((await similar(await smallCopy(UNRELATED))).matches).toEqual([]);
  });

  test('copies of an unpublished and of a withdrawn entry’s photo find nothing', async () => {
    for (const [file, id] of [[PENDING, pendingId], [WITHDRAWN, withdrawnId]] as const) {
      const copy = await smallCopy(file);
      // the file is there and near the copy: only its entry's status keeps it out of the answer
      const [stored] = await mediaRepo.listMediaFiles(system.ctx.db, id);
      expect(hammingDistance(stored!.phash!, await system.ctx.media.perceptualHashOfImage(copy, SIMILAR_MAX_PIXELS))).toBeLessThanOrEqual(system.ctx.config.nearDuplicateMaxDistance);
      expect({ file, matches: (await similar(copy)).matches }).toEqual({ file, matches: [] });
    }
  });

  test('bad input: a clear 4xx, no-store, and nothing stored', async () => {
    const before = await stored();
    const copy = await smallCopy(PUBLISHED);
    const bomb = await sharp({ create: { width: 2500, height: 2000, channels: 3, background: '#808080' } }).jpeg().toBuffer();
    const noise = await sharp(randomBytes(700 * 700 * 3), { raw: { width: 700, height: 700, channels: 3 } }).png().toBuffer();
    expect(bomb.length).toBeLessThan(1024 * 1024);
    expect(noise.length).toBeGreaterThan(1024 * 1024);
    const cases: [string, () => Promise<Response>, number, string][] = [
      ['not multipart', () => post(JSON.stringify({ image: 'x' }), { 'content-type': 'application/json' }), 400, 'malformed_form'],
      ['no file', () => post(new FormData()), 400, 'no_image'],
      ['wrong field', () => post(imageForm([{ field: 'file', data: copy }])), 400, 'unexpected_file'],
      ['two images', () => post(imageForm([{ field: 'image', data: copy }, { field: 'image', data: copy }])), 400, 'too_many_parts'],
      ['an extra field', () => post(imageForm([{ field: 'image', data: copy }, { field: 'lang', data: 'en' }])), 400, 'too_many_parts'],
      ['empty file', () => post(imageForm([{ field: 'image', data: Buffer.alloc(0) }])), 400, 'empty_file'],
      ['text named .jpg', () => post(imageForm([{ field: 'image', data: Buffer.from('not an image at all') }])), 415, 'unsupported_image'],
      ['a video', async () => post(imageForm([{ field: 'image', data: await fs.readFile(fixturePath('android_gps_xyz.mp4')) }])), 415, 'unsupported_image'],
      ['HEIC', async () => post(imageForm([{ field: 'image', data: await fs.readFile(fixturePath('iphone-11-pro_offset_nogps.heic')) }])), 415, 'unsupported_image'],
      ['truncated JPEG', async () => post(imageForm([{ field: 'image', data: await fs.readFile(fixturePath('made-here_truncated-half_iphone-4.jpg')) }])), 400, 'undecodable_image'],
      ['cut-off copy', () => post(imageForm([{ field: 'image', data: copy.subarray(0, Math.floor(copy.length / 2)) }])), 400, 'undecodable_image'],
      ['more than 1 MiB', () => post(imageForm([{ field: 'image', data: noise }])), 413, 'too_large'],
      ['a full-size photo', async () => post(imageForm([{ field: 'image', data: await fs.readFile(fixturePath(PUBLISHED)) }])), 413, 'too_large'],
      ['5 megapixels in few bytes', () => post(imageForm([{ field: 'image', data: bomb }])), 413, 'too_large'],
    ];
    for (const [what, send, status, code] of cases) {
      const res = await send();
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect({ what, status: res.status, code: body.error?.code, cacheControl: res.headers.get('cache-control') }).toEqual({ what, status, code, cacheControl: 'no-store' });
      expect(body.error.message.length).toBeGreaterThan(10);
    }
    expect(await stored()).toEqual(before);
  });

  test('a good search stores nothing either', async () => {
    const before = await stored();
    await similar(await smallCopy(PUBLISHED));
    expect(await stored()).toEqual(before);
  });
});

describe('similar-image look-ups under load', () => {
  let system: TestSystem;
  beforeAll(async () => {
    system = await startSystem({ worker: false, env: { PUBLIC_API_REQUESTS_PER_MINUTE: '100000' } });
  });
  afterAll(() => system?.stop());

  test('beyond a few decodes at once, a look-up is told to retry (503, Retry-After) instead of taking the thread pool uploads need', async () => {
    // Well under 1 MiB, but about the most pixels allowed: each one costs a full decode.
    const side = Math.floor(Math.sqrt(SIMILAR_MAX_PIXELS)) - 8;
    const image = await sharp({ create: { width: side, height: side, channels: 3, background: '#808080' } })
      .composite([{ input: randomBytes(64 * 64 * 3), raw: { width: 64, height: 64, channels: 3 }, left: 32, top: 32 }])
      .jpeg({ quality: 60 })
      .toBuffer();
    expect(image.length).toBeLessThan(1024 * 1024);
    const send = async () => {
      const form = imageForm([{ field: 'image', data: image }]);
      const res = await fetch(`${system.url}/api/v1/similar`, { method: 'POST', body: form, headers: { accept: 'application/json' } });
      const body = (await res.json()) as { error?: { code: string } };
      return { status: res.status, code: body.error?.code ?? null, retryAfter: res.headers.get('retry-after') };
    };
    const answers = await Promise.all(Array.from({ length: 16 }, send));
    const busy = answers.filter((a) => a.status === 503);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(2);
    expect(busy.length).toBeGreaterThan(0); // before: all 16 decoded at once
    for (const a of busy) expect(a).toEqual({ status: 503, code: 'similar_busy', retryAfter: '5' });
    // Once they are done, look-ups are answered again.
    expect((await send()).status).toBe(200);
  }, 60_000);
});
