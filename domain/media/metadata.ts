import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { readAvchdMetadata, type AvchdMetadata } from './avchd';
import { readBmffMetadata, type BmffMetadata } from './bmff';
import { imageCaptureTime, NO_CAPTURE_TIME, parseIsoDate, videoCaptureTime, type CaptureTime, type FileDate, type VideoDateCandidate } from './capture-time';
import { namesAnEditor } from './editing';
import { isIoError, messageOf as errorMessage } from '../caught-errors';
import type { DetectedType, MediaKind } from './file-type';
import { parseIso6709, validGpsPoint, type GpsPoint } from './geo';
import { readExifTags, type ExifData } from './exif';
import { readXmp, type XmpData } from './xmp';
import type { ImageHeader, MediaToolkit } from '../ports/media-toolkit';

export type { GpsPoint } from './geo';

export type MediaMetadata = {
  kind: MediaKind;
  mime: string;
  format: string;
  /** As displayed, after EXIF orientation (JPEG/PNG/WebP/DNG) or irot/track rotation (HEIC/video). */
  width: number | null;
  height: number | null;
  /** EXIF IFD0 Orientation 1–8, or null. */
  orientation: number | null;
  duration_s: number | null;
  taken_at_local: string | null;
  offset: string | null;
  offset_source: string | null;
  taken_at_utc: string | null;
  /** The tag or rule that made taken_at_utc possible (an offset tag, 'GPS fix time (offset …)', …). */
  taken_at_utc_source: string | null;
  taken_at_source: string | null;
  gps: GpsPoint | null;
  gps_source: string | null;
  make: string | null;
  model: string | null;
  software: string | null;
  apple_content_identifier: string | null;
  /**
   * Serial numbers of the camera body and lens (EXIF, DNG, XMP aux), distinct, in that order: they
   * identify one device, so a moderator must know before allowing the original to be downloaded.
   * Placeholders of zeros, which some cameras write, identify nothing and are left out.
   */
  serial_numbers: string[];
  /** 'no_metadata', 'edited', 'gps_invalid'. */
  flags: string[];
  warnings: string[];
};

export const GPS_SOURCE = {
  exif: 'EXIF GPS IFD (GPSLatitude/GPSLongitude)',
  appleKeys: 'QuickTime Keys com.apple.quicktime.location.ISO6709',
  userDataXyz: 'QuickTime UserData \u00a9xyz (ISO 6709)',
  loci: "3GPP 'loci' box (UserData:LocationInformation)",
  itemListXyz: 'QuickTime ItemList \u00a9xyz (ISO 6709)',
  ffprobeLocation: 'ffprobe location tag (ISO 6709)',
} as const;

/** DNG keeps its IFDs anywhere in the file, so it is parsed whole; larger files are not raw photos we accept. */
const MAX_DNG_PARSE_BYTES = 256 * 1024 * 1024;

/**
 * Reads a local file's metadata, the image header and ffprobe's report through the toolkit, the
 * rest from the bytes. Never throws for bad media: broken parts become warnings and nulls. Throws
 * only for I/O errors.
 */
export async function extractMetadata(media: MediaToolkit, filePath: string, type: DetectedType): Promise<MediaMetadata> {
  const { size } = await stat(filePath);
  return type.kind === 'image' ? imageMetadata(media, filePath, size, type) : videoMetadata(media, path.resolve(filePath), size, type);
}

function emptyMetadata(type: DetectedType): MediaMetadata {
  return {
    kind: type.kind, mime: type.mime, format: type.format, width: null, height: null, orientation: null,
    duration_s: null, ...NO_CAPTURE_TIME, gps: null, gps_source: null, make: null, model: null, software: null,
    apple_content_identifier: null, serial_numbers: [], flags: [], warnings: [],
  };
}

/** Distinct serial numbers that identify something (not empty, not only zeros), as written. */
function identifyingSerials(values: (string | null | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => !!v && !/^[0\s]*$/.test(v)))];
}

async function imageMetadata(media: MediaToolkit, filePath: string, size: number, type: DetectedType): Promise<MediaMetadata> {
  const meta = emptyMetadata(type);
  const warnings = meta.warnings;

  let header: ImageHeader | null = null;
  try {
    header = await media.readImageHeader(filePath);
  } catch (e) {
    warnings.push(`image header unreadable: ${errorMessage(e)}`);
  }

  let exif: ExifData | null = null;
  const exifBlock = type.format === 'dng' && size <= MAX_DNG_PARSE_BYTES ? await readFile(filePath) : header?.exif;
  if (exifBlock && exifBlock.length > 0) {
    try {
      exif = await readExifTags(exifBlock, warnings);
    } catch (e) {
      warnings.push(`EXIF unreadable: ${errorMessage(e)}`);
    }
  }
  const xmpPacket = header?.xmp ?? exif?.xmp ?? null;
  const xmp: XmpData | null = xmpPacket?.length ? await readXmp(xmpPacket, warnings) : null;

  meta.orientation = exif?.orientation ?? null;
  const stored = type.format === 'dng' ? (exif?.mainImageSize ?? null) : header?.width && header.height ? { width: header.width, height: header.height } : null;
  if (stored) {
    // libheif has already applied HEIF's irot, and EXIF Orientation there is informative only.
    const swap = type.format !== 'heic' && meta.orientation !== null && meta.orientation >= 5;
    meta.width = swap ? stored.height : stored.width;
    meta.height = swap ? stored.width : stored.height;
  }

  Object.assign(meta, imageCaptureTime(exif, xmp, warnings));
  if (exif) {
    meta.gps = validGpsPoint(exif.gpsLatitude, exif.gpsLongitude, exif.gpsAltitude);
    if (meta.gps) meta.gps_source = GPS_SOURCE.exif;
    else if (exif.gpsLatitude !== null && exif.gpsLongitude !== null) {
      meta.flags.push('gps_invalid');
      warnings.push(`GPS coordinates ${exif.gpsLatitude},${exif.gpsLongitude} are not a real fix (0,0 or out of range)`);
    }
    meta.make = exif.make;
    meta.model = exif.model;
    meta.software = exif.software;
    meta.apple_content_identifier = exif.appleMediaGroupUuid;
  }
  meta.serial_numbers = identifyingSerials([exif?.bodySerialNumber, exif?.cameraSerialNumber, exif?.lensSerialNumber, ...(xmp?.serialNumbers ?? [])]);
  const editors = [exif?.software, exif?.processingSoftware, xmp?.creatorTool, ...(xmp?.historySoftwareAgents ?? [])];
  if (editors.some(namesAnEditor)) meta.flags.push('edited');
  addNoMetadataFlag(meta);
  return meta;
}

async function videoMetadata(media: MediaToolkit, filePath: string, size: number, type: DetectedType): Promise<MediaMetadata> {
  const meta = emptyMetadata(type);
  const warnings = meta.warnings;
  const probing = media.probeVideo(filePath).catch((e: unknown) => {
    warnings.push(errorMessage(e));
    return null;
  });
  const [probe, container] = await Promise.all([probing, readContainer(filePath, size, type, warnings)]);

  const video = probe?.streams?.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (probe && !video) warnings.push('no video stream found');
  if (video?.width && video.height) {
    const rotation = video.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation ?? Number(video.tags?.rotate ?? 0);
    const quarterTurn = Math.abs(Math.round(rotation / 90)) % 2 === 1;
    meta.width = quarterTurn ? video.height : video.width;
    meta.height = quarterTurn ? video.width : video.height;
  }
  const duration = Number(probe?.format?.duration);
  meta.duration_s = Number.isFinite(duration) && duration > 0 ? duration : null;

  const bmff = container && 'keys' in container ? container : null;
  const avchd = container && 'date' in container ? container : null;
  const formatTags = probe?.format?.tags ?? {};
  Object.assign(meta, videoTime(type, bmff, avchd, formatTags));

  const location = videoLocation(bmff, formatTags);
  if (location) Object.assign(meta, location);

  meta.make = bmff?.keys.get('com.apple.quicktime.make') ?? bmff?.userData.get('\u00a9mak') ?? avchd?.make ?? null;
  meta.model = bmff?.keys.get('com.apple.quicktime.model') ?? bmff?.userData.get('\u00a9mod') ?? avchd?.model ?? null;
  meta.software = bmff?.keys.get('com.apple.quicktime.software') ?? bmff?.userData.get('\u00a9swr') ?? null;
  meta.apple_content_identifier = bmff?.keys.get('com.apple.quicktime.content.identifier') ?? null;
  if (namesAnEditor(meta.software)) meta.flags.push('edited');
  addNoMetadataFlag(meta);
  return meta;
}

const BMFF_FORMATS = new Set(['mp4', 'mov', '3gp']);

/** The container metadata ffprobe cannot give us: BMFF boxes, or the AVCHD H.264 SEI. */
async function readContainer(filePath: string, size: number, type: DetectedType, warnings: string[]): Promise<BmffMetadata | AvchdMetadata | null> {
  const file = await open(filePath, 'r');
  try {
    if (type.format === 'mts') return await readAvchdMetadata(file, size);
    if (!BMFF_FORMATS.has(type.format)) return null; // ffprobe's format tags carry what these containers hold
    return await readBmffMetadata(file, size);
  } catch (e) {
    if (isIoError(e)) throw e;
    warnings.push(`container metadata unreadable: ${errorMessage(e)}`);
    return null;
  } finally {
    await file.close();
  }
}

/**
 * Ordered like exiftool's tags: Apple's local creation date with offset (Keys), the 3GPP/Apple
 * `udta/date`, the AVCHD SEI date, then the movie header time, which is UTC by specification.
 */
function videoTime(type: DetectedType, bmff: BmffMetadata | null, avchd: AvchdMetadata | null, formatTags: Record<string, string>): CaptureTime {
  const headerTime = bmff?.movieCreatedMs ?? null;
  const ffprobeTime = parseIsoDate(formatTags.creation_time?.replace(/\.\d+Z$/, 'Z'));
  const candidates: VideoDateCandidate[] = [
    { source: 'Keys:CreationDate', date: parseIsoDate(bmff?.keys.get('com.apple.quicktime.creationdate')) },
    { source: 'UserData:DateTimeOriginal', date: parseIsoDate(bmff?.userData.get('date')) },
    { source: 'H264:DateTimeOriginal', date: avchd?.date ?? null },
    containerTime(type, bmff, headerTime, ffprobeTime, formatTags),
  ];
  // ffprobe writes creation_time with 'Z'; the UTC rule, not a recorded offset, must apply to it.
  for (const c of candidates) if (c.isUtc && c.date) c.date = { wallMs: c.date.wallMs, offsetMinutes: null };
  return videoCaptureTime(candidates);
}

/**
 * The time the container itself records, as ffprobe reports it in creation_time: Matroska's DateUTC
 * is UTC, as ffmpeg's creation_time is in FLV, ASF, MPEG, Ogg, RealMedia and DV, and MXF's
 * timestamps are; AVI's RIFF IDIT is the camera's wall
 * clock with no zone.
 */
function containerTime(type: DetectedType, bmff: BmffMetadata | null, headerTime: number | null, ffprobeTime: FileDate | null, formatTags: Record<string, string>): VideoDateCandidate {
  switch (type.format) {
    case 'webm':
    case 'mkv':
      return { source: 'Matroska:DateTimeOriginal', date: ffprobeTime, isUtc: true };
    case 'flv':
    case 'asf':
    case 'mpg':
    case 'ogv':
    case 'rm':
    case 'dv':
      return { source: `${type.format.toUpperCase()}:CreateDate`, date: ffprobeTime, isUtc: true };
    case 'mxf':
      // MXF's timestamps are UTC (SMPTE 377-1); ffprobe names the Identification set's one modification_date
      return { source: 'MXF:ModifyDate', date: ffprobeTime ?? parseIsoDate(formatTags.modification_date?.replace(/\.\d+Z$/, 'Z')), isUtc: true };
    case 'avi':
      return { source: 'RIFF:DateTimeOriginal', date: ffprobeTime };
    default:
      return { source: 'QuickTime:CreateDate', date: headerTime !== null ? { wallMs: headerTime, offsetMinutes: null } : bmff ? null : ffprobeTime, isUtc: true };
  }
}

function videoLocation(bmff: BmffMetadata | null, formatTags: Record<string, string>): { gps: GpsPoint; gps_source: string } | null {
  const candidates: [string, GpsPoint | null][] = [
    [GPS_SOURCE.appleKeys, parseIso6709(bmff?.keys.get('com.apple.quicktime.location.ISO6709'))],
    [GPS_SOURCE.userDataXyz, parseIso6709(bmff?.userData.get('\u00a9xyz'))],
    [GPS_SOURCE.loci, bmff?.loci ? validGpsPoint(bmff.loci.lat, bmff.loci.lon, bmff.loci.alt) : null],
    [GPS_SOURCE.itemListXyz, parseIso6709(bmff?.itemList.get('\u00a9xyz'))],
    [GPS_SOURCE.ffprobeLocation, parseIso6709(formatTags.location)],
  ];
  const found = candidates.find(([, point]) => point !== null);
  return found ? { gps: found[1]!, gps_source: found[0] } : null;
}

/** Nothing that ties the file to a time, place or device: typical of screenshots and messenger copies. */
function addNoMetadataFlag(meta: MediaMetadata): void {
  if (!meta.taken_at_local && !meta.gps && !meta.make && !meta.model) meta.flags.push('no_metadata');
}
