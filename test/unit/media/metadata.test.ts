import { gpsFixMs, imageCaptureTime, parseExifDate, parseIsoDate } from '../../../domain/media/capture-time';
import { detectFileType, SNIFF_BYTES } from '../../../domain/media/file-type';
import { parseIso6709 } from '../../../domain/media/geo';
import { extractMetadata, type MediaMetadata } from '../../../domain/media/metadata';
import type { ExifData } from '../../../domain/media/exif';
import { describeWithFixtures, loadExpected, fixtureHead, fixturePath, type ExpectedFile } from '../../helpers/fixtures';
import { createMediaToolkit } from '../../../infra/compose';

const media = createMediaToolkit();

const GPS_TOLERANCE_DEG = 1e-5;
const DURATION_TOLERANCE_S = 0.1;

describeWithFixtures('extractMetadata matches expected.json', () => {
  const cases = loadExpected().map((e) => [e.file, e] as const);

  test.each(cases)('%s', async (file, expected) => {
    const type = detectFileType(fixtureHead(file, SNIFF_BYTES));
    if (expected.bytes === 0) {
      // Nothing to read: the sniffer refuses it, and a forced read reports instead of throwing.
      expect(type).toBeNull();
      const forced = await extractMetadata(media, fixturePath(file), { mime: 'image/jpeg', kind: 'image', format: 'jpeg' });
      expect(forced.warnings.length).toBeGreaterThan(0);
      expect(forced).toMatchObject({ taken_at_local: null, gps: null, width: null, flags: ['no_metadata'] });
      return;
    }
    expect(type).not.toBeNull();
    const meta = await extractMetadata(media, fixturePath(file), type!);
    expectCaptureTime(meta, expected);
    expectLocation(meta, expected);
    expect({ width: meta.width, height: meta.height }).toEqual({ width: expected.display_width, height: expected.display_height });
    expect(meta.orientation).toBe(expected.orientation);
    if (expected.duration_s === null) expect(meta.duration_s).toBeNull();
    else expect(Math.abs(meta.duration_s! - expected.duration_s)).toBeLessThanOrEqual(DURATION_TOLERANCE_S);
    expect({ make: meta.make, model: meta.model }).toEqual({ make: expected.make, model: expected.model });
    expect(meta.apple_content_identifier).toBe(expected.apple_content_identifier);
  });
});

describeWithFixtures('serial numbers', () => {
  test('body and lens serial numbers are read as exiftool reads them; placeholders of zeros are not', async () => {
    const read = async (file: string) => (await extractMetadata(media, fixturePath(file), detectFileType(fixtureHead(file, SNIFF_BYTES))!)).serial_numbers;
    expect(await read('canon-eos-6d_offsettime-only.dng')).toEqual(['033024001432', '00001066ba']);
    expect(await read('leica-t_orient8_empty-gps.jpg')).toEqual([]);
    expect(await read('google-pixel_gps.jpg')).toEqual([]);
  });
});

function expectCaptureTime(meta: MediaMetadata, expected: ExpectedFile): void {
  // expected.taken_at is the local time with the recorded offset appended, when there is one.
  expect({
    taken_at_local: meta.taken_at_local,
    offset: meta.offset,
    offset_source: meta.offset_source,
    taken_at_utc: meta.taken_at_utc,
    taken_at_source: meta.taken_at_source,
  }).toEqual({
    taken_at_local: expected.taken_at?.slice(0, 19) ?? null,
    offset: expected.offset,
    offset_source: expected.offset_source,
    taken_at_utc: expected.taken_at_utc,
    taken_at_source: expected.taken_at_source,
  });
  if (expected.taken_at && expected.offset) expect(expected.taken_at).toBe(`${meta.taken_at_local}${meta.offset}`);
}

function expectLocation(meta: MediaMetadata, expected: ExpectedFile): void {
  const wanted = expected.gps_valid === false ? null : expected.gps;
  if (!wanted) {
    expect(meta.gps).toBeNull();
    if (expected.gps_valid === false) expect(meta.flags).toContain('gps_invalid');
    return;
  }
  expect(meta.gps).not.toBeNull();
  expect(Math.abs(meta.gps!.lat - wanted.lat)).toBeLessThanOrEqual(GPS_TOLERANCE_DEG);
  expect(Math.abs(meta.gps!.lon - wanted.lon)).toBeLessThanOrEqual(GPS_TOLERANCE_DEG);
  if (wanted.alt !== undefined) expect(Math.abs(meta.gps!.alt! - wanted.alt)).toBeLessThan(0.01);
  expect(meta.gps_source).toBe(expected.gps_source);
}

describeWithFixtures('metadata flags and warnings', () => {
  const byName = (pattern: RegExp) => loadExpected().find((e) => pattern.test(e.file))!;
  const read = async (e: ExpectedFile) => extractMetadata(media, fixturePath(e.file), detectFileType(fixtureHead(e.file, SNIFF_BYTES))!);

  test('corrupt EXIF is a warning, not an error, and the picture stays landscape', async () => {
    const meta = await read(byName(/corrupt-exif/));
    expect(meta.warnings.join(' ')).toMatch(/EXIF unreadable/);
    expect(meta.width! > meta.height!).toBe(true);
  });

  test('an editor named in Software or XMP history flags the file as edited', async () => {
    const edited = loadExpected().filter((e) => e.bytes > 0 && /edited/.test(e.file));
    expect(edited.length).toBeGreaterThan(0);
    for (const e of edited) expect((await read(e)).flags).toContain('edited');
    expect((await read(byName(/^google-pixel/))).flags).not.toContain('edited');
  });

  test('a file with nothing identifying is flagged no_metadata', async () => {
    expect((await read(byName(/^noexif/))).flags).toContain('no_metadata');
    expect((await read(byName(/^nokia/))).flags).not.toContain('no_metadata');
  });

  test('results do not depend on the server time zone', async () => {
    const e = byName(/^samsung-galaxy-s7/);
    const before = await read(e);
    const zone = process.env.TZ;
    process.env.TZ = 'Pacific/Kiritimati';
    try {
      expect(await read(e)).toEqual(before);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});

const exifWith = (fields: Partial<ExifData>): ExifData => ({
  make: null, model: null, software: null, processingSoftware: null, orientation: null, dateTimeOriginal: null,
  createDate: null, offsetTimeOriginal: null, offsetTimeDigitized: null, gpsLatitude: null, gpsLongitude: null,
  gpsAltitude: null, gpsDateStamp: null, gpsTimeOfDay: null, appleMediaGroupUuid: null,
  bodySerialNumber: null, lensSerialNumber: null, cameraSerialNumber: null, mainImageSize: null, xmp: null, ...fields,
});

describe('capture-time rules', () => {
  test('dates are validated field by field', () => {
    expect(parseExifDate('2014:09:16 14:05:12')).not.toBeNull();
    expect(parseExifDate('0000:00:00 00:00:00')).toBeNull();
    expect(parseExifDate('2014:02:30 10:00:00')).toBeNull();
    expect(parseExifDate('2014:09:16 24:00:00')).toBeNull();
    expect(parseExifDate('    :  :     :  :  ')).toBeNull();
    expect(parseIsoDate('2019-07-24T11:25:40+0300')?.offsetMinutes).toBe(180);
    expect(parseIsoDate('2019-07-24T11:25:40-04:30')?.offsetMinutes).toBe(-270);
  });

  test('a malformed GPS date or a GPS time without a date gives no fix', () => {
    expect(gpsFixMs({ gpsDateStamp: '2014:09:259', gpsTimeOfDay: 3600 })).toBeNull();
    expect(gpsFixMs({ gpsDateStamp: null, gpsTimeOfDay: 3600 })).toBeNull();
    expect(gpsFixMs({ gpsDateStamp: '2014:09:25', gpsTimeOfDay: 3600.9 })).toBe(Date.UTC(2014, 8, 25, 1, 0, 0));
  });

  test('the GPS fix gives UTC only for a whole 15-minute offset within 2 minutes and 14 hours', () => {
    const at = (gpsTimeOfDay: number, gpsDateStamp = '2020:01:01') =>
      imageCaptureTime(exifWith({ dateTimeOriginal: '2020:01:01 12:00:00', gpsDateStamp, gpsTimeOfDay }), null, []);
    expect(at(6.5 * 3600 + 90)).toMatchObject({ taken_at_utc: '2020-01-01T06:30:00Z', offset: null });
    expect(at(6.5 * 3600 + 180).taken_at_utc).toBeNull(); // 3 minutes off any zone offset
    expect(at(12 * 3600, '2019:12:31').taken_at_utc).toBeNull(); // 24 h: a stale fix
    expect(at(11 * 3600 + 59 * 60).taken_at_utc).toBe('2020-01-01T12:00:00Z'); // same zone, clock 1 min off
  });

  test('OffsetTime (ModifyDate) alone is never used; XMP supplies an offset only for the same wall time', () => {
    const exif = exifWith({ dateTimeOriginal: '2020:01:01 12:00:00', offsetTimeDigitized: '+05:00' });
    expect(imageCaptureTime(exif, null, []).taken_at_utc).toBeNull();
    const xmp = (dateCreated: string) => ({ dateTimeOriginal: null, dateCreated, createDate: null, creatorTool: null, historySoftwareAgents: [], serialNumbers: [] });
    expect(imageCaptureTime(exif, xmp('2020-01-01T12:00:00+02:00'), [])).toMatchObject({
      offset: '+02:00', offset_source: 'XMP-photoshop:DateCreated', taken_at_utc: '2020-01-01T10:00:00Z',
    });
    expect(imageCaptureTime(exif, xmp('2020-01-01T12:00:07+02:00'), []).offset).toBeNull();
  });

  test('DateTimeOriginal wins over CreateDate and falls back to it when invalid', () => {
    const both = exifWith({ dateTimeOriginal: '2013:01:20 18:54:08', createDate: '2002:12:08 12:00:00' });
    expect(imageCaptureTime(both, null, []).taken_at_source).toBe('ExifIFD:DateTimeOriginal');
    const broken = exifWith({ dateTimeOriginal: '0000:00:00 00:00:00', createDate: '2002:12:08 12:00:00' });
    expect(imageCaptureTime(broken, null, [])).toMatchObject({ taken_at_source: 'ExifIFD:CreateDate', taken_at_local: '2002-12-08T12:00:00' });
  });
});

describe('ISO 6709', () => {
  test('degrees, degrees+minutes and degrees+minutes+seconds, with altitude', () => {
    expect(parseIso6709('+52.2097-000.8955+103.640/')).toEqual({ lat: 52.2097, lon: -0.8955, alt: 103.64 });
    expect(parseIso6709('+5130.5-00007.5/')).toEqual({ lat: 51.508333333333333, lon: -0.125 });
    expect(parseIso6709('+513030-0000730/')).toMatchObject({ lat: 51.508333333333333 });
    expect(parseIso6709('+00.0000+000.0000/')).toBeNull();
    expect(parseIso6709('+95.0000+000.0000/')).toBeNull();
    expect(parseIso6709('garbage')).toBeNull();
  });
});
