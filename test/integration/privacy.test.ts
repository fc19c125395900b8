import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as mediaRepo from '../../db/media.repo';
import { describeWithFixtures, FIXTURES_DIR, fixturePath, loadExpected } from '../helpers/fixtures';
import { Client, SUBMISSION_FIELDS, fileFromPath, loggedInClient, uploadSubmission } from '../helpers/http';
import { ALL_CHECKS, decideFromPage } from '../helpers/moderation';
import { startSystem, waitFor, type TestSystem } from '../helpers/system';

/**
 * Every fixture goes through the real pipeline (HTTP upload, worker, a moderator's verify &
 * publish), then every public copy is downloaded as anyone would and read by an independent tool,
 * exiftool: nothing that locates or identifies a device or person may survive.
 */
const PUBLIC_VARIANTS = ['thumb.jpg', 'preview.jpg', 'published.jpg'] as const;
/** All exiftool may report about a clean JPEG: the tool, the file system, the JPEG frame, and size. */
const ALLOWED_GROUPS = new Set(['ExifTool', 'System', 'File']);
const ALLOWED_COMPOSITE = new Set(['Composite:ImageSize', 'Composite:Megapixels']);
/** Tags that identify a device, a person or a place, in whatever group they would appear. */
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

describeWithFixtures('published copies carry nothing identifying', () => {
  const fixtures = loadExpected().filter((e) => e.bytes > 0);
  let system: TestSystem;
  const downloadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'svidetel-privacy-'));
  const downloaded: { fixture: string; variant: string; file: string; bytes: Buffer }[] = [];

  beforeAll(async () => {
    system = await startSystem();
    const moderator = await loggedInClient(system.ctx, system.url);
    const anyone = new Client(system.url);
    for (const fixture of fixtures) {
      const res = await uploadSubmission(new Client(system.url), SUBMISSION_FIELDS, [await fileFromPath(fixturePath(fixture.file))]);
      expect(res.status).toBe(201);
      const { submissionId } = (await res.json()) as { submissionId: string };
      const [file] = await waitFor(async () => {
        const files = await mediaRepo.listMediaFiles(system.ctx.db, submissionId);
        return files.every((f) => f.status === 'ready' || f.status === 'failed') ? files : null;
      }, 120_000, `${fixture.file} to be processed`);
      expect({ fixture: fixture.file, status: file!.status }).toEqual({ fixture: fixture.file, status: 'ready' });

      const decision = await decideFromPage(moderator, submissionId, { action: 'verify_publish', ...ALL_CHECKS });
      expect(decision.status).toBe(303);

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

  afterAll(async () => {
    await system?.stop();
    fs.rmSync(downloadDir, { recursive: true, force: true });
  });

  test('every fixture was published and every public copy downloaded', () => {
    expect(downloaded.length).toBe(fixtures.length * PUBLIC_VARIANTS.length);
  });

  test('exiftool finds no metadata group and no identifying tag in any public copy', () => {
    const reports = JSON.parse(execFileSync('exiftool', ['-json', '-a', '-G1', ...downloaded.map((d) => d.file)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as Record<string, unknown>[];
    expect(reports).toHaveLength(downloaded.length);
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
