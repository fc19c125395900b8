import fs from 'node:fs';
import path from 'node:path';

/**
 * The shared real-camera fixtures live next to the repository (…/shared/fixtures/media), never in it.
 * Found by walking up from this folder, so the tests work from any checkout depth.
 */
function findFixturesDir(): string | null {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared', 'fixtures', 'media');
    if (fs.existsSync(path.join(candidate, 'expected.json'))) return candidate;
    if (path.dirname(dir) === dir) return null;
  }
}

export const FIXTURES_DIR = findFixturesDir();
if (!FIXTURES_DIR) {
  // eslint-disable-next-line no-console
  console.warn('media fixtures (shared/fixtures/media/expected.json) not found above the repository: fixture tests are skipped');
}

export const describeWithFixtures = FIXTURES_DIR ? describe : describe.skip;

export type ExpectedMedia = {
  file: string;
  sha256: string;
  bytes: number;
  mime: string | null;
  kind: 'image' | 'video';
  made_here: boolean;
  orientation: number | null;
  display_width: number | null;
  display_height: number | null;
  taken_at: string | null;
  taken_at_source: string | null;
  offset: string | null;
  offset_source: string | null;
  taken_at_utc: string | null;
  gps: { lat: number; lon: number; alt?: number } | null;
  gps_valid: boolean | null;
  gps_source: string | null;
  make: string | null;
  model: string | null;
  apple_content_identifier: string | null;
  duration_s: number | null;
  vips_width?: number | null;
  vips_height?: number | null;
  vips_decode_ok_fail_on_warning?: boolean | null;
};

export const expectedMedia = (): ExpectedMedia[] =>
  FIXTURES_DIR ? (JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, 'expected.json'), 'utf8')) as ExpectedMedia[]) : [];

export const fixturePath = (file: string) => path.join(FIXTURES_DIR ?? '', file);

export function fixtureHead(file: string, bytes: number): Buffer {
  const fd = fs.openSync(fixturePath(file), 'r');
  try {
    const head = Buffer.alloc(bytes);
    return head.subarray(0, fs.readSync(fd, head, 0, bytes, 0));
  } finally {
    fs.closeSync(fd);
  }
}
