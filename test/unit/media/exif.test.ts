import sharp from 'sharp';
import { ExifUnreadableError, readExifTags } from '../../../domain/media/exif';
import { describeWithFixtures, fixturePath } from '../../helpers/fixtures';

/** A little-endian TIFF with one IFD0 of `entries` (tag, type, count, 4-byte value or data), then the data area. */
function tiff(entries: [tag: number, type: number, count: number, value: number | Buffer][], extra: (at: number) => Buffer = () => Buffer.alloc(0)) {
  const ifdAt = 8;
  const dataAt = ifdAt + 2 + entries.length * 12 + 4;
  const head = Buffer.alloc(dataAt);
  head.write('II*\0', 0, 'latin1');
  head.writeUInt32LE(ifdAt, 4);
  head.writeUInt16LE(entries.length, ifdAt);
  const data: Buffer[] = [];
  let next = dataAt;
  entries.forEach(([tag, type, count, value], i) => {
    const e = ifdAt + 2 + i * 12;
    head.writeUInt16LE(tag, e);
    head.writeUInt16LE(type, e + 2);
    head.writeUInt32LE(count, e + 4);
    if (typeof value === 'number') head.writeUInt32LE(value, e + 8);
    else if (value.length <= 4) value.copy(head, e + 8);
    else {
      head.writeUInt32LE(next, e + 8);
      data.push(value);
      next += value.length;
    }
  });
  return Buffer.concat([head, ...data, extra(next)]);
}
const ascii = (s: string) => Buffer.from(`${s}\0`, 'latin1');

describe('readExifTags (exifr)', () => {
  test('reads IFD0 strings and orientation, with or without the "Exif\\0\\0" marker', async () => {
    const block = tiff([[0x010f, 2, 6, ascii('Canon')], [0x0112, 3, 1, 6]]);
    for (const input of [block, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), block])]) {
      expect(await readExifTags(input, [])).toMatchObject({ make: 'Canon', orientation: 6, dateTimeOriginal: null, gpsLatitude: null });
    }
  });

  test('no TIFF header, or an IFD0 outside the block, is ExifUnreadableError', async () => {
    await expect(readExifTags(Buffer.from('Exif\0\0\xff\xff\0\0\0\0\0\0', 'latin1'), [])).rejects.toBeInstanceOf(ExifUnreadableError);
    const block = tiff([[0x010f, 2, 6, ascii('Canon')]]);
    block.writeUInt32LE(0xfffff0, 4);
    await expect(readExifTags(block, [])).rejects.toBeInstanceOf(ExifUnreadableError);
  });

  test('a value pointing past the block is not read from the memory after it', async () => {
    // Make claims 40 bytes; the block ends after 6 of them, and Node's buffer pool has more behind it.
    const whole = tiff([[0x010f, 2, 40, Buffer.alloc(0)]], () => Buffer.from('Canon SECRET-NEIGHBOUR-BYTES-0123456789', 'latin1'));
    whole.writeUInt32LE(whole.length - 39, 8 + 2 + 8);
    const block = whole.subarray(0, whole.length - 33);
    let make: string | null = null;
    try {
      make = (await readExifTags(block, [])).make;
    } catch (e) {
      expect(e).toBeInstanceOf(ExifUnreadableError);
    }
    expect(make ?? '').not.toMatch(/SECRET/);
  });

  test('SubIFDs: the full-resolution image size is taken from the first NewSubfileType 0 IFD', async () => {
    // IFD0 is a 256x171 preview; SubIFD entries (placed in the data area) give 1224x816.
    const sub = Buffer.alloc(2 + 3 * 12 + 4);
    sub.writeUInt16LE(3, 0);
    [[0x00fe, 4, 0], [0x0100, 4, 1224], [0x0101, 4, 816]].forEach(([tag, type, value], i) => {
      sub.writeUInt16LE(tag!, 2 + i * 12);
      sub.writeUInt16LE(type!, 4 + i * 12);
      sub.writeUInt32LE(1, 6 + i * 12);
      sub.writeUInt32LE(value!, 10 + i * 12);
    });
    const entries: [number, number, number, number | Buffer][] = [[0x00fe, 4, 1, 1], [0x0100, 3, 1, 256], [0x0101, 3, 1, 171], [0x014a, 4, 1, 0]];
    const probe = tiff(entries);
    entries[3]![3] = probe.length; // the SubIFD goes right after everything else
    const block = Buffer.concat([tiff(entries), sub]);
    expect((await readExifTags(block, [])).mainImageSize).toEqual({ width: 1224, height: 816 });
  });
});

describeWithFixtures('readExifTags on damaged copies of real EXIF', () => {
  test('never throws anything but ExifUnreadableError', async () => {
    const block = (await sharp(fixturePath('iphone-6s_livephoto_gps_offset.jpg')).metadata()).exif!;
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * n;
    for (let i = 0; i < 200; i++) {
      const copy = Buffer.from(block);
      if (i % 2 === 0) for (let k = 0; k < 8; k++) copy[Math.floor(random(Math.min(copy.length, 1500)))] = Math.floor(random(256));
      const input = i % 2 === 0 ? copy : copy.subarray(0, Math.floor(random(copy.length)));
      const warnings: string[] = [];
      try {
        const data = await readExifTags(input, warnings);
        expect(typeof data.make === 'string' || data.make === null).toBe(true);
      } catch (e) {
        expect(e).toBeInstanceOf(ExifUnreadableError);
      }
    }
  });

  test('the Live Photo id comes from the Apple MakerNote', async () => {
    const block = (await sharp(fixturePath('iphone-6s_livephoto_gps_offset.jpg')).metadata()).exif!;
    expect((await readExifTags(block, [])).appleMediaGroupUuid).toBe('E905E6C6-C747-4805-942F-9904A0281F02');
  });
});

describeWithFixtures('GPS needs its hemisphere reference', () => {
  /** The iPhone block is big-endian: finds `tag` in the IFD at `ifdAt` (TIFF-relative) and renames it. */
  const retag = (tiffBlock: Buffer, ifdAt: number, tag: number, to: number) => {
    for (let i = 0, n = tiffBlock.readUInt16BE(ifdAt); i < n; i++) {
      const e = ifdAt + 2 + i * 12;
      if (tiffBlock.readUInt16BE(e) === tag) return tiffBlock.writeUInt16BE(to, e);
    }
    throw new Error(`tag ${tag} not found`);
  };
  const entry = (tiffBlock: Buffer, ifdAt: number, tag: number) => {
    for (let i = 0, n = tiffBlock.readUInt16BE(ifdAt); i < n; i++) {
      const e = ifdAt + 2 + i * 12;
      if (tiffBlock.readUInt16BE(e) === tag) return tiffBlock.readUInt32BE(e + 8);
    }
    throw new Error(`tag ${tag} not found`);
  };

  test('a latitude without GPSLatitudeRef is no coordinate (exifr alone would call it north)', async () => {
    const block = Buffer.from((await sharp(fixturePath('iphone-6s_livephoto_gps_offset.jpg')).metadata()).exif!);
    const before = await readExifTags(block, []);
    expect(before.gpsLatitude).toBeCloseTo(52.2096777777778, 9);
    const t = block.subarray(6);
    retag(t, entry(t, t.readUInt32BE(4), 0x8825), 0x0001, 0x0009);
    const after = await readExifTags(block, []);
    expect(after.gpsLatitude).toBeNull();
    expect(after.gpsLongitude).toBe(before.gpsLongitude);
  });
});
