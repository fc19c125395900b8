import type { ExifData } from './exif';
import type { XmpData } from './xmp';

/**
 * Capture-time rules. All arithmetic is done on wall-clock fields in UTC milliseconds
 * (Date.UTC), so the server's own time zone can never leak into a result.
 */

export type CaptureTime = {
  taken_at_local: string | null; // 'YYYY-MM-DDTHH:MM:SS'
  offset: string | null; // '+HH:MM', only when the file records it
  offset_source: string | null;
  taken_at_utc: string | null; // 'YYYY-MM-DDTHH:MM:SSZ'
  /** The tag or rule that made taken_at_utc possible. */
  taken_at_utc_source: string | null;
  taken_at_source: string | null;
};

/** A date as written in the file: wall-clock milliseconds (as if UTC) plus the offset, if any. */
export type FileDate = { wallMs: number; offsetMinutes: number | null };

export const NO_CAPTURE_TIME: CaptureTime = {
  taken_at_local: null, offset: null, offset_source: null, taken_at_utc: null, taken_at_utc_source: null,
  taken_at_source: null,
};

const EXIF_DATE = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d+)?\s*(Z|[+-]\d{2}:\d{2})?$/;
const ISO_DATE = /^(\d{4})[-:](\d{2})[-:](\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?$/;
const OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

/** EXIF 'YYYY:MM:DD HH:MM:SS' (the only form EXIF allows); null for blanks, zeros and impossible dates. */
export const parseExifDate = (text: string | null | undefined) => parseWith(EXIF_DATE, text);
/** ISO 8601 as written by XMP, QuickTime keys and 3GPP ('2019-07-24T11:25:40+0300'). */
export const parseIsoDate = (text: string | null | undefined) => parseWith(ISO_DATE, text);

function parseWith(pattern: RegExp, text: string | null | undefined): FileDate | null {
  const m = text ? pattern.exec(text.trim()) : null;
  if (!m) return null;
  const wallMs = wallClockMs(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (wallMs === null) return null;
  const offsetMinutes = m[8] === undefined ? null : m[8] === 'Z' ? 0 : parseOffset(m[8]);
  if (m[8] !== undefined && offsetMinutes === null) return null;
  return { wallMs, offsetMinutes };
}

/** Validates every field (no 2014-09-259, no 25:00) and returns wall-clock ms, or null. */
export function wallClockMs(y: number, mo: number, d: number, h: number, mi: number, s: number): number | null {
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return null;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? date.getTime() : null;
}

export function parseOffset(text: string | null | undefined): number | null {
  const m = text ? OFFSET.exec(text.trim()) : null;
  if (!m) return null;
  const hours = +m[2]!;
  const minutes = +m[3]!;
  if (hours > 14 || minutes > 59) return null;
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

export function formatOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const pad = (n: number) => String(n).padStart(2, '0');
const isoSeconds = (ms: number) => {
  const d = new Date(ms);
  const year = String(d.getUTCFullYear()).padStart(4, '0');
  return `${year}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};

function withOffset(source: string, date: FileDate, offsetMinutes: number | null, offsetSource: string | null): CaptureTime {
  return {
    taken_at_local: isoSeconds(date.wallMs),
    offset: offsetMinutes === null ? null : formatOffset(offsetMinutes),
    offset_source: offsetMinutes === null ? null : offsetSource,
    taken_at_utc: offsetMinutes === null ? null : `${isoSeconds(date.wallMs - offsetMinutes * 60_000)}Z`,
    taken_at_utc_source: offsetMinutes === null ? null : offsetSource,
    taken_at_source: source,
  };
}

/** Largest believable gap between the camera clock and the GPS fix once the zone offset is removed. */
const GPS_TOLERANCE_MIN = 2;
const MAX_ZONE_OFFSET_MIN = 14 * 60;
const XMP_DATES_WITH_OFFSET = [
  ['XMP-exif:DateTimeOriginal', 'dateTimeOriginal'],
  ['XMP-photoshop:DateCreated', 'dateCreated'],
  ['XMP-xmp:CreateDate', 'createDate'],
] as const;

/**
 * Images: ExifIFD:DateTimeOriginal, else ExifIFD:CreateDate (DateTimeDigitized), each with its own
 * offset tag. OffsetTime alone is ignored: it belongs to ModifyDate. Without a recorded offset,
 * UTC comes from an XMP date for the same wall-clock time that carries one, or from the GPS fix
 * when the difference is a whole 15-minute zone offset (±2 min, ≤14 h). A stale, malformed or
 * date-less GPS fix is reported as a warning and changes nothing.
 */
export function imageCaptureTime(exif: ExifData | null, xmp: XmpData | null, warnings: string[]): CaptureTime {
  if (!exif) return NO_CAPTURE_TIME;
  const candidates = [
    { source: 'ExifIFD:DateTimeOriginal', text: exif.dateTimeOriginal, offsetTag: 'ExifIFD:OffsetTimeOriginal', offsetText: exif.offsetTimeOriginal },
    { source: 'ExifIFD:CreateDate', text: exif.createDate, offsetTag: 'ExifIFD:OffsetTimeDigitized', offsetText: exif.offsetTimeDigitized },
  ];
  for (const c of candidates) {
    const date = parseExifDate(c.text);
    if (!date) {
      if (c.text) warnings.push(`${c.source} is not a valid date: ${JSON.stringify(c.text)}`);
      continue;
    }
    const recorded = parseOffset(c.offsetText);
    if (recorded !== null) return withOffset(c.source, date, recorded, c.offsetTag);

    for (const [tag, key] of XMP_DATES_WITH_OFFSET) {
      const x = parseIsoDate(xmp?.[key]);
      if (x && x.offsetMinutes !== null && x.wallMs === date.wallMs) return withOffset(c.source, date, x.offsetMinutes, tag);
    }
    const local = withOffset(c.source, date, null, null);
    const zoneMin = zoneOffsetFromGpsFix(date, exif, warnings);
    if (zoneMin === null) return local;
    return {
      ...local,
      taken_at_utc: `${isoSeconds(date.wallMs - zoneMin * 60_000)}Z`,
      taken_at_utc_source: `GPS fix time (offset ${formatOffset(zoneMin)})`,
    };
  }
  return NO_CAPTURE_TIME;
}

/** The zone offset implied by the GPS fix (UTC) and the camera's wall clock, when believable. */
function zoneOffsetFromGpsFix(date: FileDate, exif: ExifData, warnings: string[]): number | null {
  const fixMs = gpsFixMs(exif);
  if (fixMs === null) {
    if (exif.gpsDateStamp || exif.gpsTimeOfDay !== null) {
      warnings.push('GPS date/time is incomplete or malformed; not used for the capture time');
    }
    return null;
  }
  const diffMin = (date.wallMs - fixMs) / 60_000;
  const zoneMin = Math.round(diffMin / 15) * 15;
  if (Math.abs(diffMin - zoneMin) > GPS_TOLERANCE_MIN || Math.abs(zoneMin) > MAX_ZONE_OFFSET_MIN) {
    warnings.push(`GPS fix time differs from the capture time by ${diffMin.toFixed(1)} min (stale fix); not used`);
    return null;
  }
  return zoneMin;
}

/** GPSDateStamp 'YYYY:MM:DD' + GPSTimeStamp, whole seconds, as UTC ms; null unless both are valid. */
export function gpsFixMs(exif: Pick<ExifData, 'gpsDateStamp' | 'gpsTimeOfDay'>): number | null {
  const m = exif.gpsDateStamp ? /^(\d{4}):(\d{2}):(\d{2})$/.exec(exif.gpsDateStamp.trim()) : null;
  if (!m || exif.gpsTimeOfDay === null) return null;
  const midnight = wallClockMs(+m[1]!, +m[2]!, +m[3]!, 0, 0, 0);
  return midnight === null ? null : midnight + Math.floor(exif.gpsTimeOfDay) * 1000;
}

export type VideoDateCandidate = { source: string; date: FileDate | null; isUtc?: boolean };

/**
 * Videos: the first present of the ordered candidates. A date with its own offset gives UTC;
 * the QuickTime/MP4 header time (mvhd) is UTC by specification, so local = UTC and no offset.
 */
export function videoCaptureTime(candidates: VideoDateCandidate[]): CaptureTime {
  for (const c of candidates) {
    if (!c.date) continue;
    if (c.date.offsetMinutes !== null) return withOffset(c.source, c.date, c.date.offsetMinutes, c.source);
    const local = withOffset(c.source, c.date, null, null);
    if (!c.isUtc) return local;
    return { ...local, taken_at_utc: `${isoSeconds(c.date.wallMs)}Z`, taken_at_utc_source: `${c.source} (UTC by specification)` };
  }
  return NO_CAPTURE_TIME;
}
