/**
 * A small TIFF/EXIF IFD reader for the handful of tags Svidetel needs. It works on a Buffer (the
 * EXIF block sharp hands us, or a whole DNG), never throws past `readExif`, and bounds-checks every
 * offset: EXIF in uploads is frequently damaged and sometimes hostile.
 */

export type ExifData = {
  make: string | null;
  model: string | null;
  software: string | null;
  processingSoftware: string | null;
  orientation: number | null;
  dateTimeOriginal: string | null;
  createDate: string | null;
  offsetTimeOriginal: string | null;
  offsetTimeDigitized: string | null;
  gpsLatitude: number | null;
  gpsLongitude: number | null;
  gpsAltitude: number | null;
  gpsDateStamp: string | null;
  /** GPSTimeStamp as seconds of the day (fractional), or null. */
  gpsTimeOfDay: number | null;
  gpsIfdPresent: boolean;
  appleMediaGroupUuid: string | null;
  /** Size of the full-resolution image (NewSubfileType 0) among IFD0 and SubIFDs; what DNG needs. */
  mainImageSize: { width: number; height: number } | null;
  /** XMP packet embedded as TIFF tag 700 (DNG/TIFF keep XMP there). */
  xmp: string | null;
};

const TYPE_SIZES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];
const MAX_ENTRIES = 1000;

type Entry = { type: number; count: number; at: number };
type Ifd = Map<number, Entry>;

class TiffReader {
  constructor(
    readonly buf: Buffer,
    readonly le: boolean,
  ) {}

  u16 = (at: number) => (this.le ? this.buf.readUInt16LE(at) : this.buf.readUInt16BE(at));
  u32 = (at: number) => (this.le ? this.buf.readUInt32LE(at) : this.buf.readUInt32BE(at));
  i32 = (at: number) => (this.le ? this.buf.readInt32LE(at) : this.buf.readInt32BE(at));

  readIfd(offset: number): Ifd | null {
    const at = offset;
    if (at < 8 || at + 2 > this.buf.length) return null;
    const count = this.u16(at);
    if (count === 0 || count > MAX_ENTRIES || at + 2 + count * 12 > this.buf.length) return null;
    const ifd: Ifd = new Map();
    for (let i = 0; i < count; i++) {
      const e = at + 2 + i * 12;
      const type = this.u16(e + 2);
      const n = this.u32(e + 4);
      const unit = TYPE_SIZES[type] ?? 0;
      if (unit === 0) continue;
      const bytes = unit * n;
      const valueAt = bytes <= 4 ? e + 8 : this.u32(e + 8);
      if (valueAt + bytes > this.buf.length) continue; // points outside the block: drop just this tag
      ifd.set(this.u16(e), { type, count: n, at: valueAt });
    }
    return ifd;
  }

  string(ifd: Ifd, tag: number): string | null {
    const e = ifd.get(tag);
    if (!e || (e.type !== 2 && e.type !== 7 && e.type !== 1)) return null;
    const raw = this.buf.subarray(e.at, e.at + e.count);
    const nul = raw.indexOf(0);
    const text = raw.toString('utf8', 0, nul === -1 ? raw.length : nul).trim();
    return text === '' ? null : text;
  }

  numbers(ifd: Ifd, tag: number): number[] | null {
    const e = ifd.get(tag);
    if (!e) return null;
    const out: number[] = [];
    const count = Math.min(e.count, 4096);
    for (let i = 0; i < count; i++) {
      const at = e.at + i * TYPE_SIZES[e.type]!;
      switch (e.type) {
        case 1: case 7: out.push(this.buf[at]!); break;
        case 6: out.push(this.buf.readInt8(at)); break;
        case 3: out.push(this.u16(at)); break;
        case 8: out.push(this.le ? this.buf.readInt16LE(at) : this.buf.readInt16BE(at)); break;
        case 4: case 13: out.push(this.u32(at)); break;
        case 9: out.push(this.i32(at)); break;
        case 5: out.push(ratio(this.u32(at), this.u32(at + 4))); break;
        case 10: out.push(ratio(this.i32(at), this.i32(at + 4))); break;
        case 11: out.push(this.le ? this.buf.readFloatLE(at) : this.buf.readFloatBE(at)); break;
        case 12: out.push(this.le ? this.buf.readDoubleLE(at) : this.buf.readDoubleBE(at)); break;
        default: return null;
      }
    }
    return out;
  }

  number(ifd: Ifd, tag: number): number | null {
    const v = this.numbers(ifd, tag)?.[0];
    return v === undefined || !Number.isFinite(v) ? null : v;
  }

  bytes(ifd: Ifd, tag: number): Buffer | null {
    const e = ifd.get(tag);
    return e ? this.buf.subarray(e.at, e.at + e.count * TYPE_SIZES[e.type]!) : null;
  }
}

/** x/0 is how cameras write "unknown"; it must not become Infinity or 0. */
const ratio = (n: number, d: number) => (d === 0 ? Number.NaN : n / d);

const TAG = {
  newSubfileType: 0x00fe, imageWidth: 0x0100, imageLength: 0x0101, processingSoftware: 0x000b,
  make: 0x010f, model: 0x0110, orientation: 0x0112, software: 0x0131, xmp: 0x02bc, subIfds: 0x014a,
  exifIfd: 0x8769, gpsIfd: 0x8825,
  dateTimeOriginal: 0x9003, createDate: 0x9004, offsetTimeOriginal: 0x9011, offsetTimeDigitized: 0x9012,
  makerNote: 0x927c,
  gpsLatitudeRef: 0x0001, gpsLatitude: 0x0002, gpsLongitudeRef: 0x0003, gpsLongitude: 0x0004,
  gpsAltitudeRef: 0x0005, gpsAltitude: 0x0006, gpsTimeStamp: 0x0007, gpsDateStamp: 0x001d,
  appleMediaGroupUuid: 0x0011,
} as const;

export class ExifUnreadableError extends Error {}

/**
 * Parses a TIFF structure (optionally preceded by the JPEG/WebP "Exif\0\0" marker).
 * Throws ExifUnreadableError when the header or IFD0 is damaged; damaged sub-IFDs are skipped.
 */
export function readExif(block: Buffer): ExifData {
  const start = tiffStart(block);
  if (start < 0) throw new ExifUnreadableError('no TIFF header in the EXIF block');
  const buf = block.subarray(start);
  const r = new TiffReader(buf, buf[0] === 0x49);
  const ifd0 = r.readIfd(r.u32(4));
  if (!ifd0) throw new ExifUnreadableError('EXIF IFD0 is damaged');

  const exifIfdAt = r.number(ifd0, TAG.exifIfd);
  const exif = exifIfdAt ? r.readIfd(exifIfdAt) : null;
  const gpsIfdAt = r.number(ifd0, TAG.gpsIfd);
  const gps = gpsIfdAt ? r.readIfd(gpsIfdAt) : null;

  const orientation = r.number(ifd0, TAG.orientation);
  const data: ExifData = {
    make: r.string(ifd0, TAG.make),
    model: r.string(ifd0, TAG.model),
    software: r.string(ifd0, TAG.software),
    processingSoftware: r.string(ifd0, TAG.processingSoftware),
    orientation: orientation !== null && orientation >= 1 && orientation <= 8 ? orientation : null,
    dateTimeOriginal: exif ? r.string(exif, TAG.dateTimeOriginal) : null,
    createDate: exif ? r.string(exif, TAG.createDate) : null,
    offsetTimeOriginal: exif ? r.string(exif, TAG.offsetTimeOriginal) : null,
    offsetTimeDigitized: exif ? r.string(exif, TAG.offsetTimeDigitized) : null,
    gpsLatitude: null,
    gpsLongitude: null,
    gpsAltitude: null,
    gpsDateStamp: gps ? r.string(gps, TAG.gpsDateStamp) : null,
    gpsTimeOfDay: gps ? timeOfDay(r.numbers(gps, TAG.gpsTimeStamp)) : null,
    gpsIfdPresent: gps !== null,
    appleMediaGroupUuid: exif ? appleMediaGroupUuid(r.bytes(exif, TAG.makerNote)) : null,
    mainImageSize: mainImageSize(r, ifd0),
    xmp: r.bytes(ifd0, TAG.xmp)?.toString('utf8') ?? null,
  };
  if (gps) {
    // Like exiftool's composite tags: a coordinate needs its N/S or E/W reference to have a sign.
    data.gpsLatitude = signedDegrees(r.numbers(gps, TAG.gpsLatitude), r.string(gps, TAG.gpsLatitudeRef), 'N', 'S');
    data.gpsLongitude = signedDegrees(r.numbers(gps, TAG.gpsLongitude), r.string(gps, TAG.gpsLongitudeRef), 'E', 'W');
    const alt = r.number(gps, TAG.gpsAltitude);
    if (alt !== null) data.gpsAltitude = r.number(gps, TAG.gpsAltitudeRef) === 1 ? -alt : alt;
  }
  return data;
}

function tiffStart(block: Buffer): number {
  const limit = Math.min(block.length - 8, 16);
  for (let i = 0; i <= limit; i++) {
    const le = block[i] === 0x49 && block[i + 1] === 0x49 && block[i + 2] === 0x2a && block[i + 3] === 0x00;
    const be = block[i] === 0x4d && block[i + 1] === 0x4d && block[i + 2] === 0x00 && block[i + 3] === 0x2a;
    if (le || be) return i;
  }
  return -1;
}

function signedDegrees(dms: number[] | null, ref: string | null, positive: string, negative: string): number | null {
  if (!dms || dms.length === 0 || !dms.every(Number.isFinite)) return null;
  const hemisphere = ref?.trim().toUpperCase().charAt(0);
  if (hemisphere !== positive && hemisphere !== negative) return null;
  const degrees = (dms[0] ?? 0) + (dms[1] ?? 0) / 60 + (dms[2] ?? 0) / 3600;
  return hemisphere === negative ? -degrees : degrees;
}

function timeOfDay(hms: number[] | null): number | null {
  if (!hms || hms.length < 3 || !hms.every((v) => Number.isFinite(v) && v >= 0)) return null;
  const seconds = hms[0]! * 3600 + hms[1]! * 60 + hms[2]!;
  return seconds < 86400 ? seconds : null;
}

/** Apple MakerNote: "Apple iOS\0", version, byte order, then an IFD; tag 0x11 is the Live Photo id. */
function appleMediaGroupUuid(makerNote: Buffer | null): string | null {
  if (!makerNote || makerNote.length < 16 || makerNote.toString('latin1', 0, 9) !== 'Apple iOS') return null;
  const le = makerNote.toString('latin1', 12, 14) === 'II';
  // Offsets inside are relative to the MakerNote start, i.e. position 0 of this buffer.
  const r = new TiffReader(makerNote, le);
  const ifd = r.readIfd(14);
  return ifd ? r.string(ifd, TAG.appleMediaGroupUuid) : null;
}

function mainImageSize(r: TiffReader, ifd0: Ifd): { width: number; height: number } | null {
  const candidates = [ifd0];
  for (const at of (r.numbers(ifd0, TAG.subIfds) ?? []).slice(0, 16)) {
    const sub = r.readIfd(at);
    if (sub) candidates.push(sub);
  }
  for (const ifd of candidates) {
    const isFullResolution = (r.number(ifd, TAG.newSubfileType) ?? 0) === 0;
    const width = r.number(ifd, TAG.imageWidth);
    const height = r.number(ifd, TAG.imageLength);
    if (isFullResolution && width && height) return { width, height };
  }
  return null;
}
