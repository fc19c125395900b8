import fs from 'node:fs';
import path from 'node:path';

/** The shared real-media fixtures (never copied into the repo); absent only outside this workspace. */
export const FIXTURES_DIR = path.resolve(__dirname, '../../../shared/fixtures/media');
export const HAVE_FIXTURES = fs.existsSync(path.join(FIXTURES_DIR, 'expected.json'));
if (!HAVE_FIXTURES) {
  // eslint-disable-next-line no-console
  console.warn(`Media fixtures not found at ${FIXTURES_DIR}: fixture-driven tests are skipped.`);
}

export type ExpectedFile = {
  file: string;
  sha256: string;
  bytes: number;
  mime: string | null;
  kind: 'image' | 'video';
  made_here: boolean;
  orientation: number | null;
  rotation: number | null;
  display_width: number | null;
  display_height: number | null;
  taken_at: string | null;
  taken_at_source: string | null;
  offset: string | null;
  offset_source: string | null;
  taken_at_utc: string | null;
  gps: { lat: number; lon: number; alt?: number } | null;
  gps_valid: boolean | null;
  make: string | null;
  model: string | null;
  gps_source: string | null;
  apple_content_identifier: string | null;
  duration_s: number | null;
  vips_width?: number | null;
  vips_height?: number | null;
  vips_decode_ok_fail_on_warning?: boolean | null;
};

export function loadExpected(): ExpectedFile[] {
  if (!HAVE_FIXTURES) return [];
  return JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, 'expected.json'), 'utf8')) as ExpectedFile[];
}

export const fixturePath = (name: string) => path.join(FIXTURES_DIR, name);

/** The first bytes of a fixture, as the upload's type sniffer sees them. */
export function fixtureHead(name: string, bytes: number): Buffer {
  const fd = fs.openSync(fixturePath(name), 'r');
  try {
    const head = Buffer.alloc(bytes);
    return head.subarray(0, fs.readSync(fd, head, 0, bytes, 0));
  } finally {
    fs.closeSync(fd);
  }
}

/** `describe` that skips (and says why) when the fixtures folder is absent. */
export const describeWithFixtures = HAVE_FIXTURES ? describe : describe.skip;
