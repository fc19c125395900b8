import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import * as catalogRepo from '../../db/catalog.repo';
import * as mediaRepo from '../../db/media.repo';
import * as stationsRepo from '../../db/stations.repo';
import { FIRST_RETRY_DELAY_MS } from '../../domain/queue/retry';
import { describeWithFixtures, fixturePath, loadExpected, type ExpectedFile } from '../helpers/fixtures';
import { Client, SUBMISSION_FIELDS, fileFromPath, loggedInClient, uploadSubmission, type UploadFile } from '../helpers/http';
import { processedFiles, startSystem, type TestSystem } from '../helpers/system';

/**
 * The flags a moderator sees, through the real upload, worker, PostgreSQL and review page:
 * files linked to other files (exact and near duplicates, Live Photo pairs), capture times that
 * contradict the observer's claim, and broken media failing once instead of being retried.
 */
type Expected = ExpectedFile & { apple_content_identifier: string | null };
const expected = loadExpected() as Expected[];

describeWithFixtures('media flags', () => {
  let system: TestSystem;
  let moderator: Client;

  beforeAll(async () => {
    system = await startSystem();
    moderator = await loggedInClient(system.ctx, system.url);
  });
  afterAll(async () => {
    await system?.stop();
  });

  async function submit(files: UploadFile[], fields: Record<string, string> = {}): Promise<string> {
    const res = await uploadSubmission(new Client(system.url), { ...SUBMISSION_FIELDS, ...fields }, files);
    expect(res.status).toBe(201);
    return ((await res.json()) as { submissionId: string }).submissionId;
  }

  const processed = (submissionId: string) => processedFiles(system, submissionId);

  const reload = async (fileId: string) => (await mediaRepo.findMediaFile(system.ctx.db, fileId))!;

  /** The review page's section of one file: its flags and the links they carry. */
  async function fileSection(submissionId: string, fileId: string): Promise<string> {
    const { res, body } = await moderator.page(`/moderation/submissions/${submissionId}`);
    expect(res.status).toBe(200);
    const start = body.indexOf(`id="file-${fileId}"`);
    expect(start).toBeGreaterThan(-1);
    const end = body.indexOf('<li class="file"', start + 1);
    return body.slice(start, end === -1 ? undefined : end);
  }
  const linkTo = (submissionId: string, fileId: string) => `href="/moderation/submissions/${submissionId}#file-${fileId}"`;

  test('a Live Photo still and its video are flagged as a pair, linked, and the video has a contact sheet', async () => {
    const still = expected.find((e) => e.kind === 'image' && e.apple_content_identifier && expected.some((v) => v.kind === 'video' && v.apple_content_identifier === e.apple_content_identifier))!;
    const video = expected.find((v) => v.kind === 'video' && v.apple_content_identifier === still.apple_content_identifier)!;
    const id = await submit([await fileFromPath(fixturePath(still.file)), await fileFromPath(fixturePath(video.file))]);
    const [photoRow, videoRow] = await processed(id);
    expect(photoRow!.content_identifier).toBe(still.apple_content_identifier);
    expect(videoRow!.content_identifier).toBe(video.apple_content_identifier);
    expect(photoRow!.flags).toContain('live_photo_pair');
    expect(videoRow!.flags).toContain('live_photo_pair');
    expect(await fileSection(id, photoRow!.id)).toContain(linkTo(id, videoRow!.id));
    expect(await fileSection(id, videoRow!.id)).toContain(linkTo(id, photoRow!.id));

    expect(videoRow!.has_contact).toBe(true);
    expect(photoRow!.has_contact).toBe(false);
    const sheet = await moderator.fetch(`/moderation/files/${videoRow!.id}/contact.jpg`);
    expect(sheet.status).toBe(200);
    expect((await sharp(Buffer.from(await sheet.arrayBuffer())).metadata()).format).toBe('jpeg');
    expect((await moderator.fetch(`/moderation/files/${photoRow!.id}/contact.jpg`)).status).toBe(404);
  });

  test('an exact duplicate marks the earlier file too, and each links to the other', async () => {
    const small = expected.filter((e) => e.kind === 'image' && e.bytes > 0).sort((a, b) => a.bytes - b.bytes)[0]!;
    const first = await submit([await fileFromPath(fixturePath(small.file))]);
    const [earlier] = await processed(first);
    const second = await submit([await fileFromPath(fixturePath(small.file))]);
    const [later] = await processed(second);
    expect(later!.flags).toContain('exact_duplicate');
    expect((await reload(earlier!.id)).flags).toContain('exact_duplicate');
    expect(await fileSection(first, earlier!.id)).toContain(linkTo(second, later!.id));
    expect(await fileSection(second, later!.id)).toContain(linkTo(first, earlier!.id));
  });

  test('a resized, recompressed copy is a near duplicate of its original (both flagged, linked); an unrelated picture is not', async () => {
    const photo = expected.find((e) => e.kind === 'image' && e.mime === 'image/jpeg' && !e.made_here && e.gps_valid)!;
    const original = await fileFromPath(fixturePath(photo.file));
    const copy = await sharp(original.data).rotate().resize(800).jpeg({ quality: 60 }).toBuffer();
    const unrelated = await sharp({ create: { width: 900, height: 600, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
      .jpeg()
      .toBuffer();

    const first = await submit([original]);
    const [originalRow] = await processed(first);
    const second = await submit([{ name: 'forwarded.jpg', data: copy }, { name: 'other.jpg', data: unrelated }]);
    const [copyRow, unrelatedRow] = await processed(second);

    expect(copyRow!.phash).toMatch(/^[0-9a-f]{16}$/);
    expect(copyRow!.flags).toContain('near_duplicate');
    expect((await reload(originalRow!.id)).flags).toContain('near_duplicate');
    const section = await fileSection(second, copyRow!.id);
    expect(section).toContain(linkTo(first, originalRow!.id));
    expect(await fileSection(first, originalRow!.id)).toContain(linkTo(second, copyRow!.id));
    expect(unrelatedRow!.status).toBe('ready');
    expect(unrelatedRow!.flags).not.toContain('near_duplicate');
  });

  test('time_mismatch: capture time far from the stated time, or outside the voting days', async () => {
    const photo = expected.find((e) => e.kind === 'image' && e.offset && e.taken_at && !e.made_here)!;
    const local = photo.taken_at!.slice(0, 19); // "YYYY-MM-DDTHH:MM:SS", the file's wall clock
    const day = local.slice(0, 10);
    const election = await catalogRepo.insertElection(system.ctx.db, {
      slug: `flags-${randomBytes(5).toString('hex')}`,
      nameRu: 'Тестовые выборы',
      nameEn: 'Test election',
      country: 'RU',
      votingStartsOn: day,
      votingEndsOn: day,
    });
    const window = system.ctx.config.timeMismatchHours;
    const stated = (hours: number) => new Date(Date.parse(`${local}Z`) + hours * 3_600_000).toISOString().slice(0, 16);
    const upload = await fileFromPath(fixturePath(photo.file));
    const election_id = String(election.id);

    const matching = await processed(await submit([upload], { election_id, happened_at: stated(0) }));
    const later = await processed(await submit([upload], { election_id, happened_at: stated(window + 1) }));
    const noStatedTime = await processed(await submit([upload], { election_id }));
    const otherDays = await catalogRepo.insertElection(system.ctx.db, {
      slug: `flags-${randomBytes(5).toString('hex')}`,
      nameRu: 'Другие выборы',
      nameEn: 'Another election',
      country: 'RU',
      votingStartsOn: new Date(Date.parse(`${day}T00:00:00Z`) + 3 * 86_400_000).toISOString().slice(0, 10),
      votingEndsOn: new Date(Date.parse(`${day}T00:00:00Z`) + 4 * 86_400_000).toISOString().slice(0, 10),
    });
    const outsideDays = await processed(await submit([upload], { election_id: String(otherDays.id), happened_at: stated(0) }));

    expect(matching[0]!.taken_at_local).toBe(local);
    expect(matching[0]!.flags).not.toContain('time_mismatch');
    expect(noStatedTime[0]!.flags).not.toContain('time_mismatch');
    expect(later[0]!.flags).toContain('time_mismatch');
    expect(outsideDays[0]!.flags).toContain('time_mismatch');
    const { body } = await moderator.page(`/moderation/submissions/${later[0]!.submission_id}`);
    expect(body).toContain('data-flag="time_mismatch"');
  });

  test("place_mismatch: GPS far from the stated station's registered place; near it, no flag", async () => {
    const photo = expected.find((e) => e.kind === 'image' && e.gps && e.gps_valid && e.taken_at && !e.made_here)!;
    const day = photo.taken_at!.slice(0, 10);
    const election = await catalogRepo.insertElection(system.ctx.db, {
      slug: `places-${randomBytes(5).toString('hex')}`,
      nameRu: 'Выборы с участками',
      nameEn: 'Election with stations',
      country: 'RU',
      votingStartsOn: day,
      votingEndsOn: day,
    });
    // One degree of latitude is ~111 km: one station at the photo's place, one well beyond the limit.
    const farDegrees = (system.ctx.config.placeMismatchKm * 5) / 111;
    const station = (uikNumber: string, latitude: number) => ({ region: 'Москва', tik: 'ТИК', uikNumber, address: `УИК ${uikNumber}`, latitude, longitude: photo.gps!.lon });
    await stationsRepo.upsertStations(system.ctx.db, election.id, [station('7001', photo.gps!.lat), station('7002', photo.gps!.lat + farDegrees)]);
    const upload = await fileFromPath(fixturePath(photo.file));

    const atStation = await processed(await submit([upload], { election_id: String(election.id), station_number: '7001' }));
    const elsewhere = await processed(await submit([upload], { election_id: String(election.id), station_number: '7002' }));
    expect(atStation[0]!.gps_lat).not.toBeNull();
    expect(atStation[0]!.flags).not.toContain('place_mismatch');
    expect(elsewhere[0]!.flags).toContain('place_mismatch');
    expect(await fileSection(elsewhere[0]!.submission_id, elsewhere[0]!.id)).toContain('data-flag="place_mismatch"');
  });

  test("region_mismatch: with no register entry for the station, GPS outside the claimed region's boundary; the region the GPS is in, no flag", async () => {
    // google-pixel_gps.jpg was taken in Czechia (50.30 N, 14.82 E)
    const photo = await fileFromPath(fixturePath('google-pixel_gps.jpg'));
    const election = await catalogRepo.insertElection(system.ctx.db, {
      slug: `regions-${randomBytes(5).toString('hex')}`,
      nameRu: 'Выборы без реестра',
      nameEn: 'Election without a register',
      country: 'RU',
      votingStartsOn: '2026-09-18',
      votingEndsOn: '2026-09-20',
    });
    const [inMoscow] = await processed(await submit([photo], { election_id: String(election.id), region: 'Москва', station_number: '7201' }));
    const [inCzechia] = await processed(await submit([photo], { election_id: String(election.id), region: 'Чехия', station_number: '7202' }));
    expect(inMoscow!.flags).toContain('region_mismatch');
    expect(inCzechia!.flags).not.toContain('region_mismatch');
    expect(inMoscow!.flags).not.toContain('place_mismatch'); // no register: nothing to measure from

    expect(await fileSection(inMoscow!.submission_id, inMoscow!.id)).toContain('data-flag="region_mismatch"');
    const queue = (await moderator.page(`/moderation?flag=region_mismatch&election=${election.id}`)).body;
    expect(queue).toContain(inMoscow!.submission_id);
    expect(queue).not.toContain(inCzechia!.submission_id);
  });

  test('a register imported after the upload re-checks places: a far station flags the file, a corrected place clears it', async () => {
    const photo = expected.find((e) => e.kind === 'image' && e.gps && e.gps_valid && e.taken_at && !e.made_here)!;
    const day = photo.taken_at!.slice(0, 10);
    const election = await catalogRepo.insertElection(system.ctx.db, {
      slug: `late-register-${randomBytes(5).toString('hex')}`,
      nameRu: 'Реестр позже',
      nameEn: 'Register later',
      country: 'RU',
      votingStartsOn: day,
      votingEndsOn: day,
    });
    const [file] = await processed(await submit([await fileFromPath(fixturePath(photo.file))], { election_id: String(election.id), station_number: '7101' }));
    expect(file!.gps_lat).not.toBeNull();
    expect(file!.flags).not.toContain('place_mismatch'); // no register yet: nothing to compare with
    expect(file!.flags).toContain('region_mismatch'); // until then the claimed region (Москва) decides: no fixture was taken there

    const admin = await loggedInClient(system.ctx, system.url, 'admin');
    await admin.page('/admin/stations');
    const importRegister = async (latitude: number) => {
      const form = new FormData();
      form.append('election_id', String(election.id));
      const csv = `region,tik,uik,address,latitude,longitude\nМосква,ТИК,7101,УИК 7101,${latitude},${photo.gps!.lon}\n`;
      form.append('file', new Blob([csv], { type: 'text/csv' }), 'stations.csv');
      const res = await admin.fetch(`/admin/stations?_csrf=${encodeURIComponent(admin.csrf)}&lang=en`, { method: 'POST', body: form });
      expect(res.status).toBe(200);
      return res.text();
    };
    const far = photo.gps!.lat + (system.ctx.config.placeMismatchKm * 5) / 111;
    expect(await importRegister(far)).toContain('changed with the new station places: 1.');
    expect((await reload(file!.id)).flags).toContain('place_mismatch');
    expect((await reload(file!.id)).flags).not.toContain('region_mismatch'); // the register's place decides now
    const queue = await moderator.page(`/moderation?flag=place_mismatch&election=${election.id}`);
    expect(queue.body).toContain(file!.submission_id);

    await importRegister(photo.gps!.lat); // the admin corrects the station's place
    expect((await reload(file!.id)).flags).not.toContain('place_mismatch');
    expect((await moderator.page(`/moderation?flag=place_mismatch&election=${election.id}`)).body).not.toContain(file!.submission_id);
  });

  test('corrupt media fails once with its reason and is not retried; the original stays available', async () => {
    // JPEG magic bytes (so the upload accepts it) followed by bytes no decoder can read.
    const corrupt = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'), randomBytes(20_000)]);
    const id = await submit([{ name: 'broken.jpg', data: corrupt }]);
    const [file] = await processed(id);
    expect(file!.status).toBe('failed');
    expect(file!.failure_reason).toMatch(/cannot be decoded/);
    expect(file!.attempts).toBe(1);
    // A retry would come after the first backoff, at most FIRST_RETRY_DELAY_MS: wait twice that, nothing may change.
    await new Promise((r) => setTimeout(r, 2 * FIRST_RETRY_DELAY_MS));
    expect(await reload(file!.id)).toMatchObject({ status: 'failed', attempts: 1, failure_reason: file!.failure_reason });
    const original = await moderator.fetch(`/moderation/files/${file!.id}/original`);
    expect(original.status).toBe(200);
    expect(Buffer.from(await original.arrayBuffer()).equals(corrupt)).toBe(true);
  });
});
