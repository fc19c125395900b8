import { parse as exifrParse } from 'exifr';

/**
 * Image EXIF/GPS, read with exifr from a TIFF structure: the EXIF block sharp hands us (JPEG, PNG
 * eXIf, WebP, HEIC) or a whole DNG. exifr decodes the IFDs; this file only picks the tags Svidetel
 * uses and turns them into plain values. Dates stay the strings the camera wrote: exifr's revived
 * Dates are built in the server's time zone, and capture-time.ts validates the fields itself.
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
  appleMediaGroupUuid: string | null;
  /** BodySerialNumber, LensSerialNumber (Exif IFD) and CameraSerialNumber (DNG IFD0), as written. */
  bodySerialNumber: string | null;
  lensSerialNumber: string | null;
  cameraSerialNumber: string | null;
  /** Size of the full-resolution image (NewSubfileType 0) among IFD0 and SubIFDs; what DNG needs. */
  mainImageSize: { width: number; height: number } | null;
  /** XMP packet embedded as TIFF tag 700 (DNG/TIFF keep XMP there). */
  xmp: string | null;
};

export class ExifUnreadableError extends Error {}

const TAG = {
  processingSoftware: 0x000b, newSubfileType: 0x00fe, imageWidth: 0x0100, imageLength: 0x0101,
  make: 0x010f, model: 0x0110, orientation: 0x0112, software: 0x0131, subIfds: 0x014a, xmp: 0x02bc,
  dateTimeOriginal: 0x9003, createDate: 0x9004, offsetTimeOriginal: 0x9011, offsetTimeDigitized: 0x9012,
  gpsLatitudeRef: 0x0001, gpsLatitude: 0x0002, gpsLongitudeRef: 0x0003, gpsLongitude: 0x0004,
  gpsAltitudeRef: 0x0005, gpsAltitude: 0x0006, gpsTimeStamp: 0x0007, gpsDateStamp: 0x001d,
  appleMediaGroupUuid: 0x0011,
  bodySerialNumber: 0xa431, lensSerialNumber: 0xa435, cameraSerialNumber: 0xc62f,
} as const;

const RAW_VALUES = { translateKeys: false, translateValues: false, reviveValues: false, sanitize: false, mergeOutput: false } as const;
const NO_OTHER_SEGMENTS = { ifd1: false, interop: false, xmp: false, icc: false, iptc: false, jfif: false, ihdr: false } as const;

/**
 * Only the tags we use are decoded ('pick'): faster, and a tag exifr cannot decode elsewhere in an
 * IFD (unknown type, offset past the end) then cannot cost us the ones we need. The objects are
 * module constants because exifr caches its parsed options by identity.
 */
const OPTIONS = {
  ...RAW_VALUES,
  ...NO_OTHER_SEGMENTS,
  ifd0: { pick: [TAG.make, TAG.model, TAG.software, TAG.processingSoftware, TAG.orientation, TAG.xmp, TAG.newSubfileType, TAG.imageWidth, TAG.imageLength, TAG.subIfds, TAG.cameraSerialNumber] },
  exif: { pick: [TAG.dateTimeOriginal, TAG.createDate, TAG.offsetTimeOriginal, TAG.offsetTimeDigitized, TAG.bodySerialNumber, TAG.lensSerialNumber] },
  gps: { pick: [TAG.gpsLatitudeRef, TAG.gpsLatitude, TAG.gpsLongitudeRef, TAG.gpsLongitude, TAG.gpsAltitudeRef, TAG.gpsAltitude, TAG.gpsTimeStamp, TAG.gpsDateStamp] },
  makerNote: true,
  // A damaged Exif or GPS IFD is then dropped (silently: exifr keeps those errors internal) and the
  // other IFDs are still returned, as the hand-written reader before it did. IFD0 damage still fails.
  silentErrors: true,
};
const SUB_IFD_OPTIONS = { ...RAW_VALUES, ...NO_OTHER_SEGMENTS, exif: false, gps: false, ifd0: { pick: [TAG.newSubfileType, TAG.imageWidth, TAG.imageLength] }, silentErrors: false };
const APPLE_OPTIONS = { ...RAW_VALUES, ...NO_OTHER_SEGMENTS, exif: false, gps: false, ifd0: { pick: [TAG.appleMediaGroupUuid] }, silentErrors: false };

type Block = Record<string, unknown>;
type ExifrOutput = { ifd0?: Block; exif?: Block; gps?: Block; makerNote?: Uint8Array; errors?: unknown[] } | undefined;

/**
 * Reads a TIFF structure, optionally preceded by the JPEG/WebP "Exif\0\0" marker. Throws
 * ExifUnreadableError when there is no TIFF header or IFD0 is unreadable; an unreadable maker note
 * or DNG SubIFD is appended to `warnings` and the rest is still returned.
 */
export async function readExifTags(block: Buffer, warnings: string[]): Promise<ExifData> {
  const tiff = tiffBytes(block);
  const out = (await exifr(tiff, OPTIONS)) as ExifrOutput;
  const ifd0 = out?.ifd0;
  if (!ifd0) {
    const problems = (out?.errors ?? []).map((e) => (e instanceof Error ? e.message : String(e)));
    throw new ExifUnreadableError(problems.join('; ') || 'EXIF IFD0 is empty');
  }
  const exif = out.exif ?? {};
  const gps = out.gps ?? {};
  const le = tiff[0] === 0x49;

  const orientation = number(ifd0[TAG.orientation]);
  const data: ExifData = {
    make: text(ifd0[TAG.make]),
    model: text(ifd0[TAG.model]),
    software: text(ifd0[TAG.software]),
    processingSoftware: text(ifd0[TAG.processingSoftware]),
    orientation: orientation !== null && orientation >= 1 && orientation <= 8 ? orientation : null,
    dateTimeOriginal: text(exif[TAG.dateTimeOriginal]),
    createDate: text(exif[TAG.createDate]),
    offsetTimeOriginal: text(exif[TAG.offsetTimeOriginal]),
    offsetTimeDigitized: text(exif[TAG.offsetTimeDigitized]),
    // Like exiftool's composite tags (and unlike exifr's own latitude/longitude): no N/S or E/W
    // reference, no sign, no coordinate.
    gpsLatitude: signedDegrees(numbers(gps[TAG.gpsLatitude]), text(gps[TAG.gpsLatitudeRef]), 'N', 'S'),
    gpsLongitude: signedDegrees(numbers(gps[TAG.gpsLongitude]), text(gps[TAG.gpsLongitudeRef]), 'E', 'W'),
    gpsAltitude: null,
    gpsDateStamp: text(gps[TAG.gpsDateStamp]),
    gpsTimeOfDay: timeOfDay(numbers(gps[TAG.gpsTimeStamp])),
    appleMediaGroupUuid: await appleMediaGroupUuid(out.makerNote, warnings),
    bodySerialNumber: text(exif[TAG.bodySerialNumber]),
    lensSerialNumber: text(exif[TAG.lensSerialNumber]),
    cameraSerialNumber: text(ifd0[TAG.cameraSerialNumber]),
    mainImageSize: await mainImageSize(tiff, le, ifd0, warnings),
    xmp: text(ifd0[TAG.xmp]),
  };
  const alt = number(gps[TAG.gpsAltitude]);
  if (alt !== null) data.gpsAltitude = number(gps[TAG.gpsAltitudeRef]) === 1 ? -alt : alt;
  return data;
}

/** The one place exifr is called: whatever it throws on broken input becomes ExifUnreadableError. */
async function exifr(tiff: Uint8Array, options: object): Promise<unknown> {
  try {
    return await exifrParse(tiff, options);
  } catch (e) {
    throw new ExifUnreadableError(e instanceof Error ? e.message : String(e));
  }
}

/** The TIFF part of the block, in memory that ends where the block ends (see below). */
function tiffBytes(block: Buffer): Uint8Array {
  const limit = Math.min(block.length - 8, 16);
  let start = -1;
  for (let i = 0; i <= limit && start < 0; i++) {
    const le = block[i] === 0x49 && block[i + 1] === 0x49 && block[i + 2] === 0x2a && block[i + 3] === 0x00;
    const be = block[i] === 0x4d && block[i + 1] === 0x4d && block[i + 2] === 0x00 && block[i + 3] === 0x2a;
    if (le || be) start = i;
  }
  if (start < 0) throw new ExifUnreadableError('no TIFF header in the EXIF block');
  const tiff = block.subarray(start);
  // exifr bounds its DataView by the view, but builds byte/string values from the underlying
  // ArrayBuffer: a value pointing past the block must fail, not read a neighbour in Node's pool.
  return tiff.byteOffset + tiff.byteLength === tiff.buffer.byteLength ? tiff : new Uint8Array(tiff);
}

/**
 * exifr reads only the IFD0 → Exif/GPS/Interop → IFD1 chain. For an IFD it does not follow we hand
 * it a small TIFF whose IFD0 is that IFD: `bytes` gets a TIFF header in its first 8 bytes, with
 * IFD0 at `ifdAt`. Value offsets are relative to the start of `bytes`.
 */
async function parseIfdAlone(bytes: Uint8Array, le: boolean, ifdAt: number, options: object): Promise<Block | undefined> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint16(0, le ? 0x4949 : 0x4d4d);
  view.setUint16(2, 42, le);
  view.setUint32(4, ifdAt, le);
  return ((await exifr(bytes, options)) as ExifrOutput)?.ifd0;
}

/**
 * DNG keeps the raw image in a SubIFD (tag 0x14A), which exifr 7 does not follow: on the Canon
 * EOS 6D fixture its IFD0 is the 256×171 preview (NewSubfileType 1) and the 1224×816 image is in
 * SubIFD 0. The SubIFD is copied behind a TIFF header for exifr; the three tags we pick always hold
 * their value inside the entry, so moving the IFD does not move their values.
 */
async function mainImageSize(tiff: Uint8Array, le: boolean, ifd0: Block, warnings: string[]): Promise<{ width: number; height: number } | null> {
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const candidates: (() => Promise<Block | undefined>)[] = [async () => ifd0];
  for (const at of (numbers(ifd0[TAG.subIfds]) ?? []).slice(0, 16)) {
    if (at + 2 > tiff.byteLength) continue;
    const ifdBytes = 2 + view.getUint16(at, le) * 12;
    if (at + ifdBytes > tiff.byteLength) continue;
    candidates.push(async () => {
      const alone = new Uint8Array(8 + ifdBytes + 4); // the zero "next IFD" ends the chain
      alone.set(tiff.subarray(at, at + ifdBytes), 8);
      return parseIfdAlone(alone, le, 8, SUB_IFD_OPTIONS);
    });
  }
  for (const read of candidates) {
    let ifd: Block | undefined;
    try {
      ifd = await read();
    } catch (e) {
      warnings.push(`EXIF SubIFD unreadable: ${(e as Error).message}`);
      continue;
    }
    const isFullResolution = (number(ifd?.[TAG.newSubfileType]) ?? 0) === 0;
    const width = number(ifd?.[TAG.imageWidth]);
    const height = number(ifd?.[TAG.imageLength]);
    if (isFullResolution && width && height) return { width, height };
  }
  return null;
}

/**
 * Live Photo pairing id (MediaGroupUUID, tag 0x11) from the Apple MakerNote, which exifr returns
 * only as raw bytes. The maker note is "Apple iOS\0", a version, the byte order at 12, then an IFD
 * at 14 whose offsets count from the maker note's start, so its first 8 bytes can become the TIFF
 * header exifr needs.
 */
async function appleMediaGroupUuid(makerNote: Uint8Array | undefined, warnings: string[]): Promise<string | null> {
  if (!makerNote || makerNote.length < 16) return null;
  const note = Buffer.from(makerNote); // a copy: the header is written into it
  if (note.toString('latin1', 0, 9) !== 'Apple iOS') return null;
  try {
    const ifd = await parseIfdAlone(note, note.toString('latin1', 12, 14) === 'II', 14, APPLE_OPTIONS);
    return text(ifd?.[TAG.appleMediaGroupUuid]);
  } catch (e) {
    warnings.push(`Apple MakerNote unreadable: ${(e as Error).message}`);
    return null;
  }
}

/** ASCII as exifr gives it, or BYTE/UNDEFINED bytes; cut at the first NUL like exiftool. */
function text(value: unknown): string | null {
  let s = typeof value === 'string' ? value : value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8') : null;
  if (s === null) return null;
  const nul = s.indexOf('\0');
  if (nul !== -1) s = s.slice(0, nul);
  s = s.trim();
  return s === '' ? null : s;
}

/** exifr gives one value as a number and several as an array or typed array; x/0 comes back NaN or ±Infinity. */
function numbers(value: unknown): number[] | null {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    const list = Array.from(value as ArrayLike<unknown>);
    return list.every((v) => typeof v === 'number') ? (list as number[]) : null;
  }
  return null;
}

function number(value: unknown): number | null {
  const v = numbers(value)?.[0];
  return v === undefined || !Number.isFinite(v) ? null : v;
}

function signedDegrees(dms: number[] | null, ref: string | null, positive: string, negative: string): number | null {
  if (!dms || dms.length === 0 || !dms.every(Number.isFinite)) return null;
  const hemisphere = ref?.toUpperCase().charAt(0);
  if (hemisphere !== positive && hemisphere !== negative) return null;
  const degrees = (dms[0] ?? 0) + (dms[1] ?? 0) / 60 + (dms[2] ?? 0) / 3600;
  return hemisphere === negative ? -degrees : degrees;
}

function timeOfDay(hms: number[] | null): number | null {
  if (!hms || hms.length < 3 || !hms.every((v) => Number.isFinite(v) && v >= 0)) return null;
  const seconds = hms[0]! * 3600 + hms[1]! * 60 + hms[2]!;
  return seconds < 86400 ? seconds : null;
}
