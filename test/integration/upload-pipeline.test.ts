import fs from 'node:fs/promises';
import path from 'node:path';
import { describeWithFixtures, fixturePath, loadExpected, type ExpectedFile } from '../helpers/fixtures';
import { Client, SUBMISSION_FIELDS, fileFromPath, uploadSubmission } from '../helpers/http';
import { processedFiles, startSystem, type TestSystem } from '../helpers/system';

/**
 * Every fixture goes through the real HTTP upload, the real worker (BullMQ on Redis), real sharp,
 * exifr and ffprobe, and is compared with what exiftool/ffprobe recorded in expected.json.
 */
const expected = loadExpected().filter((e) => e.bytes > 0);
const JPEG_PNG = new Set(['image/jpeg', 'image/png']);

describeWithFixtures('upload → worker pipeline on every fixture', () => {
  let system: TestSystem;
  const client = () => new Client(system.url);

  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system?.stop();
  });

  test.each(expected.map((e) => [e.file, e] as const))('%s', async (_name, exp: ExpectedFile) => {
    const upload = await fileFromPath(fixturePath(exp.file));
    const res = await uploadSubmission(client(), SUBMISSION_FIELDS, [upload]);
    expect(res.status).toBe(201);
    const receipt = (await res.json()) as { submissionId: string; files: { sha256: string; bytes: number }[] };
    expect(receipt.files[0]).toMatchObject({ sha256: exp.sha256, bytes: exp.bytes });

    // The original is stored byte for byte, read-only, at its content address (the filesystem store lends the stored file itself).
    await system.ctx.blobs.withOriginalFile(exp.sha256, async (storedPath) => {
      expect(path.relative(system.storageDir, storedPath)).toBe(path.join('originals', exp.sha256.slice(0, 2), exp.sha256.slice(2, 4), exp.sha256));
      expect((await fs.readFile(storedPath)).equals(upload.data)).toBe(true);
      expect((await fs.stat(storedPath)).mode & 0o222).toBe(0);
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
