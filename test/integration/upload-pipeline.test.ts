import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describeWithFixtures, FIXTURES_DIR, fixturePath, loadExpected, type ExpectedFile } from '../helpers/fixtures';
import { Client, SUBMISSION_FIELDS, fileFromPath, loggedInClient, uploadSubmission } from '../helpers/http';
import { ALL_CHECKS, decideFromPage } from '../helpers/moderation';
import { processedFiles, startSystem, waitFor, type TestSystem } from '../helpers/system';

/**
 * Every fixture once through the real pipeline, on one system, then checked twice:
 *
 * 1. Upload → worker: the real HTTP upload, the real worker (BullMQ on Redis), real sharp, exifr and
 *    ffprobe, compared with what exiftool/ffprobe recorded in expected.json.
 * 2. Privacy: a moderator verifies and publishes each of those entries, every public copy is
 *    downloaded as anyone would and read by an independent tool, exiftool: nothing that locates or
 *    identifies a device or person may survive. Every video's published copy (MP4) is read by
 *    exiftool and ffprobe too.
 *
 * One file, so that each fixture is processed (and each video's copy made) once, not once per check:
 * the second part publishes the submissions the first made (uploading again only one the first did
 * not leave, e.g. when run alone with -t).
 */
const JPEG_PNG = new Set(['image/jpeg', 'image/png']);
const PUBLIC_VARIANTS = ['thumb.jpg', 'preview.jpg', 'published.jpg'] as const;
/** All exiftool may report about a clean JPEG: the tool, the file system, the JPEG frame, and size. */
const ALLOWED_GROUPS = new Set(['ExifTool', 'System', 'File']);
const ALLOWED_COMPOSITE = new Set(['Composite:ImageSize', 'Composite:Megapixels']);
/** Tags that identify a device, a person or a place, in whatever group they would appear. */
/** A clean MP4 (issue 17, item 1): its boxes and tracks only; ©xyz, loci, make and the like live in UserData, ItemList and Keys. */
const ALLOWED_VIDEO_GROUPS = /^(ExifTool|System|File|QuickTime|Track\d+|Composite)$/;
const ALLOWED_VIDEO_FORMAT_TAGS = new Set(['major_brand', 'minor_version', 'compatible_brands']);
const ALLOWED_VIDEO_STREAM_TAGS = new Set(['language', 'handler_name', 'vendor_id', 'encoder']);
const IDENTIFYING_TAG = /GPS|Make|Model|Serial|Software|Owner|Artist|Copyright|Author|Creator|History|HostComputer|ContentIdentifier|MediaGroup|UniqueID|ProfileDescription|DeviceManufacturer|ThumbnailImage|PreviewImage|Lens/i;

/** The identifying text values exiftool read from the original (its raw output kept with the fixtures). */
function identifyingValues(file: string): string[] {
  const raw = JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, 'raw-metadata', `${file}.exiftool.json`), 'utf8')) as
    | Record<string, unknown>
    | Record<string, unknown>[];
  const tags = Array.isArray(raw) ? (raw[0] ?? {}) : raw;
  return Object.entries(tags)
    .filter(([key, value]) => IDENTIFYING_TAG.test(key) && typeof value === 'string')
    .map(([, value]) => (value as string).trim())
    // Long enough that a chance match inside compressed image data is practically impossible.
    .filter((value) => value.length >= 5 && /[A-Za-z]/.test(value));
}

describeWithFixtures('every fixture through the pipeline', () => {
  const expected = loadExpected().filter((e) => e.bytes > 0);
  let system: TestSystem;
  const client = () => new Client(system.url);
  /** The submission each fixture was uploaded as by part 1 (its only file), for part 2. */
  const uploaded = new Map<string, string>();

  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  describe('upload → worker pipeline on every fixture', () => {
    test.each(expected.map((e) => [e.file, e] as const))('%s', async (_name, exp: ExpectedFile) => {
      const upload = await fileFromPath(fixturePath(exp.file));
      const res = await uploadSubmission(client(), SUBMISSION_FIELDS, [upload]);
      expect(res.status).toBe(201);
      const receipt = (await res.json()) as { submissionId: string; files: { sha256: string; bytes: number }[] };
      uploaded.set(exp.file, receipt.submissionId);
      expect(receipt.files[0]).toMatchObject({ sha256: exp.sha256, bytes: exp.bytes });

      // The original is stored byte for byte, read-only, at its content address (the filesystem store lends the stored file itself).
      await system.ctx.blobs.withOriginalFile(exp.sha256, async (storedPath) => {
        expect(path.relative(system.storageDir, storedPath)).toBe(path.join('originals', exp.sha256.slice(0, 2), exp.sha256.slice(2, 4), exp.sha256));
        expect((await fsp.readFile(storedPath)).equals(upload.data)).toBe(true);
        expect((await fsp.stat(storedPath)).mode & 0o222).toBe(0);
      });

      const [file] = await processedFiles(system, receipt.submissionId, 90_000);
      if (!file) throw new Error('no file row');

      // Whatever the format, the pipeline ends; a failure carries its reason.
      expect(['ready', 'failed']).toContain(file.status);
      if (file.status === 'failed') expect(file.failure_reason).toBeTruthy();
      expect(file.mime).toBe(exp.mime);
      if (!JPEG_PNG.has(exp.mime ?? '')) return; // other formats are checked by the media unit tests

      expect(file.taken_at_local).toBe(exp.taken_at ? exp.taken_at.slice(0, 19) : null);
      expect(file.taken_at_utc?.toISOString().replace('.000Z', 'Z') ?? null).toBe(exp.taken_at_utc);
      if (exp.offset) {
        expect(file.taken_at_offset).toBe(exp.offset);
        expect(file.offset_source).toBe(exp.offset_source);
      }
      if (exp.taken_at) expect(file.taken_at_source).toBe(exp.taken_at_source);
      if (exp.gps && exp.gps_valid) {
        expect(file.gps_lat).toBeCloseTo(exp.gps.lat, 5);
        expect(file.gps_lon).toBeCloseTo(exp.gps.lon, 5);
      } else {
        expect(file.gps_lat).toBeNull();
      }
      expect(file.width).toBe(exp.display_width);
      expect(file.height).toBe(exp.display_height);
      expect(file.orientation).toBe(exp.orientation);
      expect(file.make).toBe(exp.make);
      expect(file.model).toBe(exp.model);
      if (file.status === 'ready') {
        expect(file.has_thumb && file.has_preview).toBe(true);
      }
    });
  });

  describe('published copies carry nothing identifying', () => {
    const fixtures = expected;
    const downloadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'svidetel-privacy-'));
    const downloaded: { fixture: string; variant: string; file: string; bytes: Buffer }[] = [];

    beforeAll(async () => {
      const moderator = await loggedInClient(system.ctx, system.url);
      const anyone = new Client(system.url);
      for (const fixture of fixtures) {
        let submissionId = uploaded.get(fixture.file);
        if (!submissionId) {
          const res = await uploadSubmission(new Client(system.url), SUBMISSION_FIELDS, [await fileFromPath(fixturePath(fixture.file))]);
          expect(res.status).toBe(201);
          submissionId = ((await res.json()) as { submissionId: string }).submissionId;
        }
        const [file] = await processedFiles(system, submissionId);
        expect({ fixture: fixture.file, status: file!.status }).toEqual({ fixture: fixture.file, status: 'ready' });

        const decision = await decideFromPage(moderator, submissionId, { action: 'verify_publish', ...ALL_CHECKS });
        expect(decision.status).toBe(303);

        if (file!.kind === 'video') {
          await waitFor(async () => {
            const copy = await system.ctx.repos.videoCopies.findVideoCopy(file!.id);
            return copy?.status === 'ready' || copy?.status === 'failed' ? copy : null;
          }, 240_000, `the published copy of ${fixture.file}`);
          const got = await anyone.fetch(`/media/${file!.id}/video.mp4`);
          expect({ fixture: fixture.file, status: got.status, type: got.headers.get('content-type') }).toEqual({ fixture: fixture.file, status: 200, type: 'video/mp4' });
          const bytes = Buffer.from(await got.arrayBuffer());
          const saved = path.join(downloadDir, `${fixture.file}.video.mp4`);
          fs.writeFileSync(saved, bytes);
          downloaded.push({ fixture: fixture.file, variant: 'video.mp4', file: saved, bytes });
        }
        for (const variant of PUBLIC_VARIANTS) {
          const got = await anyone.fetch(`/media/${file!.id}/${variant}`);
          expect({ fixture: fixture.file, variant, status: got.status, type: got.headers.get('content-type') }).toEqual({
            fixture: fixture.file,
            variant,
            status: 200,
            type: 'image/jpeg',
          });
          const bytes = Buffer.from(await got.arrayBuffer());
          const saved = path.join(downloadDir, `${fixture.file}.${variant}`);
          fs.writeFileSync(saved, bytes);
          downloaded.push({ fixture: fixture.file, variant, file: saved, bytes });
        }
      }
    }, 900_000);

    afterAll(() => {
      fs.rmSync(downloadDir, { recursive: true, force: true });
    });

    test('every fixture was published and every public copy downloaded', () => {
      expect(downloaded.length).toBe(fixtures.length * PUBLIC_VARIANTS.length + fixtures.filter((f) => f.kind === 'video').length);
    });

    test('exiftool and ffprobe find nothing identifying in any published video copy: no tag, no date, no data stream', () => {
      const videos = downloaded.filter((d) => d.variant === 'video.mp4');
      expect(videos.length).toBeGreaterThanOrEqual(6);
      const reports = JSON.parse(execFileSync('exiftool', ['-json', '-a', '-G1', ...videos.map((d) => d.file)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as Record<string, unknown>[];
      for (const report of reports) {
        const keys = Object.keys(report).filter((k) => k !== 'SourceFile');
        const unexpected = keys.filter((k) => !ALLOWED_VIDEO_GROUPS.test(k.split(':')[0]!));
        const identifying = keys.filter((k) => IDENTIFYING_TAG.test(k) || /Location|Coordinates|Author|Encoder|Comment|Title|Keyword|:Description$/i.test(k));
        // every date the file itself holds is zero (the System group is this test's own copy on disk)
        const dated = keys.filter((k) => /Date/.test(k) && !k.startsWith('System:') && report[k] !== '0000:00:00 00:00:00');
        const file = path.basename(String(report.SourceFile));
        expect({ file, unexpected, identifying, dated }).toEqual({ file, unexpected: [], identifying: [], dated: [] });
      }
      for (const video of videos) {
        const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-show_chapters', video.file], { encoding: 'utf8' })) as {
          format: { tags?: Record<string, string> };
          streams: { codec_type: string; codec_name: string; width?: number; height?: number; tags?: Record<string, string> }[];
          chapters: unknown[];
        };
        const formatTags = Object.keys(probe.format.tags ?? {}).filter((k) => !ALLOWED_VIDEO_FORMAT_TAGS.has(k));
        const streamTags = probe.streams.flatMap((s) => Object.keys(s.tags ?? {}).filter((k) => !ALLOWED_VIDEO_STREAM_TAGS.has(k)));
        const streams = probe.streams.map((s) => `${s.codec_type}/${s.codec_name}`);
        const picture = probe.streams.find((s) => s.codec_type === 'video')!;
        expect({ video: video.fixture, formatTags, streamTags, chapters: probe.chapters.length, streams, shortSide: Math.min(picture.width!, picture.height!) <= 720 }).toEqual({
          video: video.fixture,
          formatTags: [],
          streamTags: [],
          chapters: 0,
          streams: streams.length === 1 ? ['video/h264'] : ['video/h264', 'audio/aac'],
          shortSide: true,
        });
      }
    });

    test('exiftool finds no metadata group and no identifying tag in any public image copy', () => {
      const images = downloaded.filter((d) => d.variant !== 'video.mp4');
      const reports = JSON.parse(execFileSync('exiftool', ['-json', '-a', '-G1', ...images.map((d) => d.file)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as Record<string, unknown>[];
      expect(reports).toHaveLength(images.length);
      for (const report of reports) {
        const keys = Object.keys(report).filter((k) => k !== 'SourceFile');
        const unexpected = keys.filter((k) => !ALLOWED_GROUPS.has(k.split(':')[0]!) && !ALLOWED_COMPOSITE.has(k));
        const identifying = keys.filter((k) => IDENTIFYING_TAG.test(k));
        expect({ file: path.basename(String(report.SourceFile)), unexpected, identifying }).toEqual({
          file: path.basename(String(report.SourceFile)),
          unexpected: [],
          identifying: [],
        });
      }
    });

    test("no make, model, serial number, software, owner or Apple id of the original appears in a public copy's bytes", () => {
      const checked = fixtures.map((f) => ({ fixture: f.file, values: identifyingValues(f.file) }));
      // The fixtures do carry such values, so this test can fail.
      expect(checked.filter((c) => c.values.length > 0).length).toBeGreaterThan(fixtures.length / 2);
      for (const { fixture, values } of checked) {
        for (const copy of downloaded.filter((d) => d.fixture === fixture)) {
          const found = values.filter((v) => copy.bytes.includes(Buffer.from(v, 'utf8')));
          expect({ copy: `${fixture} ${copy.variant}`, found }).toEqual({ copy: `${fixture} ${copy.variant}`, found: [] });
        }
      }
    });
  });
});
