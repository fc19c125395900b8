import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspectFile, type InspectRecord } from '../../../domain/media/inspect';
import { describeWithFixtures, loadExpected, fixturePath } from '../../helpers/fixtures';
import { createMediaToolkit } from '../../../infra/compose';

const media = createMediaToolkit();

const REQUIRED_KEYS: (keyof InspectRecord)[] = [
  'file', 'sha256', 'bytes', 'kind', 'mime', 'width', 'height', 'orientation', 'duration_s', 'taken_at_local', 'offset',
  'offset_source', 'taken_at_utc', 'taken_at_source', 'gps', 'gps_source', 'make', 'model', 'software', 'flags', 'error',
];

describeWithFixtures('inspectFile', () => {
  test('a photo: hash, size and metadata, no error', async () => {
    const expected = loadExpected().find((e) => e.kind === 'image' && e.gps_valid && e.offset)!;
    const record = await inspectFile(media, fixturePath(expected.file));
    expect(Object.keys(record)).toEqual(expect.arrayContaining(REQUIRED_KEYS));
    expect(record).toMatchObject({ sha256: expected.sha256, bytes: expected.bytes, mime: expected.mime, kind: 'image', error: null, offset: expected.offset });
  });

  test('the empty file gives an error record, not an exception', async () => {
    const empty = loadExpected().find((e) => e.bytes === 0)!;
    const record = await inspectFile(media, fixturePath(empty.file));
    expect(Object.keys(record)).toEqual(expect.arrayContaining(REQUIRED_KEYS));
    expect(record).toMatchObject({ sha256: empty.sha256, bytes: 0, kind: null, mime: null });
    expect(record.error).toMatch(/empty/);
  });
});

describe('inspectFile on non-media', () => {
  test('a PDF named .jpg and a missing file are reported in `error`', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'svidetel-inspect-test-'));
    try {
      const pdf = path.join(dir, 'scan.jpg');
      fs.writeFileSync(pdf, '%PDF-1.7\n1 0 obj\n<<>>\nendobj\n');
      expect((await inspectFile(media, pdf)).error).toMatch(/not a supported/);
      expect((await inspectFile(media, path.join(dir, 'missing.jpg'))).error).toMatch(/cannot read/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
