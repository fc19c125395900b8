/**
 * The HEIF item reader on the real HEIC fixtures: the primary image's size and turn as exiftool
 * recorded them (expected.json), the embedded thumbnail where the phone stored one (the same
 * picture: its aspect), and a thumbnail rewrapped alone reads back as the same image.
 */
import fs from 'node:fs';
import { asHeifFile, readHeifItems } from '../../../domain/media/heif';
import { describeWithFixtures, fixturePath, loadExpected } from '../../helpers/fixtures';

const heics = () => loadExpected().filter((e) => e.mime === 'image/heic');

describeWithFixtures('HEIF items of the HEIC fixtures', () => {
  test.each(heics().map((e) => [e.file, e] as const))('%s: its items as exiftool saw the picture', (file, expected) => {
    const items = readHeifItems(fs.readFileSync(fixturePath(file)));
    const turned = items.primary.transforms.some((t) => t.kind === 'rotate' && t.quarterTurnsAnticlockwise % 2 === 1);
    const [w, h] = turned ? [items.primary.height, items.primary.width] : [items.primary.width, items.primary.height];
    expect([w, h]).toEqual([expected.display_width, expected.display_height]);
    expect(items.primary.columns * items.primary.tileWidth).toBeGreaterThanOrEqual(items.primary.width);
    const t = items.thumbnail;
    if (!t) return;
    // The same picture, small, turned the same way.
    expect(t.width / t.height).toBeCloseTo(items.primary.width / items.primary.height, 1);
    expect(t.transforms).toEqual(items.primary.transforms);
    // Alone in a file of its own, it is the same image (size, turn), and libheif reads it.
    const alone = readHeifItems(asHeifFile(t)).primary;
    expect({ ...alone, bitstream: alone.bitstream.equals(t.bitstream) }).toEqual({ ...t, bitstream: true });
  });

  test('at least one fixture embeds a thumbnail and one does not', () => {
    const withThumbnail = heics().map((e) => readHeifItems(fs.readFileSync(fixturePath(e.file))).thumbnail !== null);
    expect(withThumbnail).toContain(true);
    expect(withThumbnail).toContain(false);
  });

  test('what is not a HEIF is refused, not misread', () => {
    expect(() => readHeifItems(Buffer.from('not a heif at all, just text'))).toThrow(/meta/);
  });
});
