export type MediaKind = 'image' | 'video';
export type DetectedType = {
  mime: string;
  kind: MediaKind;
  /** 'jpeg' | 'png' | 'webp' | 'gif' | 'heic' | 'dng' | 'mp4' | 'mov' | '3gp' | 'webm' | 'mkv' | 'mts' | 'avi' | 'mpg' | 'asf' | 'flv' | 'mxf' | 'dv' | 'ogv' | 'rm' */
  format: string;
};

/** Enough for every signature below: ftyp brand lists, a TIFF IFD0 near the start, ~20 TS packets. */
export const SNIFF_BYTES = 4096;

const JPEG: DetectedType = { mime: 'image/jpeg', kind: 'image', format: 'jpeg' };
const PNG: DetectedType = { mime: 'image/png', kind: 'image', format: 'png' };
const GIF: DetectedType = { mime: 'image/gif', kind: 'image', format: 'gif' };
const WEBP: DetectedType = { mime: 'image/webp', kind: 'image', format: 'webp' };
const DNG: DetectedType = { mime: 'image/x-adobe-dng', kind: 'image', format: 'dng' };
const MP4: DetectedType = { mime: 'video/mp4', kind: 'video', format: 'mp4' };
const MOV: DetectedType = { mime: 'video/quicktime', kind: 'video', format: 'mov' };
const GPP: DetectedType = { mime: 'video/3gpp', kind: 'video', format: '3gp' };
const WEBM: DetectedType = { mime: 'video/webm', kind: 'video', format: 'webm' };
const MTS: DetectedType = { mime: 'video/m2ts', kind: 'video', format: 'mts' };
// Containers older cameras and PCs still record (issue 17, item 2): ffprobe and ffmpeg read them.
const MKV: DetectedType = { mime: 'video/x-matroska', kind: 'video', format: 'mkv' };
const AVI: DetectedType = { mime: 'video/x-msvideo', kind: 'video', format: 'avi' };
const MPEG_PS: DetectedType = { mime: 'video/mpeg', kind: 'video', format: 'mpg' };
const ASF: DetectedType = { mime: 'video/x-ms-asf', kind: 'video', format: 'asf' };
const FLV: DetectedType = { mime: 'video/x-flv', kind: 'video', format: 'flv' };
// Professional cameras (XDCAM, P2, Canon XF), DV camcorders, Ogg video and RealVideo: ffmpeg reads them too.
const MXF: DetectedType = { mime: 'application/mxf', kind: 'video', format: 'mxf' };
const DV: DetectedType = { mime: 'video/x-dv', kind: 'video', format: 'dv' };
const OGV: DetectedType = { mime: 'video/ogg', kind: 'video', format: 'ogv' };
const RM: DetectedType = { mime: 'application/vnd.rn-realmedia', kind: 'video', format: 'rm' };

/** The ASF header object's GUID (75B22630-668E-11CF-A6D9-00AA0062CE6C), as stored. */
const ASF_HEADER_GUID = [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11, 0xa6, 0xd9, 0x00, 0xaa, 0x00, 0x62, 0xce, 0x6c];
/** An MPEG program stream (DVD, camcorders' .mpg/.vob/.mod) opens with a pack header. */
const MPEG_PACK_START = [0x00, 0x00, 0x01, 0xba];
/** An MXF file opens with its header partition pack (SMPTE 377M), key 06.0E.2B.34.02.05.01.01.0D.01.02.01.01.02. */
const MXF_HEADER_PARTITION = [0x06, 0x0e, 0x2b, 0x34, 0x02, 0x05, 0x01, 0x01, 0x0d, 0x01, 0x02, 0x01, 0x01, 0x02];
/** The first packet of an Ogg video stream (Theora, VP8, Dirac); an Ogg of Vorbis or Opus alone is not a video. */
const OGG_VIDEO_HEADERS = ['\x80theora', 'OVP80', 'BBCD\x00'];

const startsWith = (head: Buffer, bytes: number[], at = 0) =>
  head.length >= at + bytes.length && bytes.every((b, i) => head[at + i] === b);
const ascii = (head: Buffer, at: number, len: number) =>
  head.length >= at + len ? head.toString('latin1', at, at + len) : '';

/** Sniffs magic bytes; the file name and the client's MIME type are never trusted. */
export function detectFileType(head: Buffer): DetectedType | null {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return JPEG;
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return PNG;
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return GIF;
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WEBP') return WEBP;
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'AVI ') return AVI;
  if (ascii(head, 4, 4) === 'ftyp') return fromFtyp(head);
  if (isClassicQuickTime(head)) return MOV;
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return fromEbmlDocType(head);
  if (startsWith(head, ASF_HEADER_GUID)) return ASF;
  if (startsWith(head, MPEG_PACK_START)) return MPEG_PS;
  // FLV header flags: 0x01 video present; an audio-only FLV is not a video.
  if (ascii(head, 0, 3) === 'FLV' && head[3] === 0x01 && head.length > 4 && (head[4]! & 0x01) === 0x01) return FLV;
  if (startsWith(head, MXF_HEADER_PARTITION)) return MXF;
  if (isRawDv(head)) return DV;
  if (ascii(head, 0, 4) === 'OggS') return OGG_VIDEO_HEADERS.some((h) => head.includes(h, 0, 'latin1')) ? OGV : null;
  // RealMedia: a video stream's header (MDPR) names its type; RealAudio alone is not a video.
  if (ascii(head, 0, 4) === '.RMF') return head.includes('video/x-pn-realvideo', 0, 'latin1') ? RM : null;
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) {
    return tiffHasDngVersion(head) ? DNG : null;
  }
  if (isTransportStream(head, 188, 0) || isTransportStream(head, 192, 4)) return MTS;
  return null;
}

const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx']);
const HEIF_GENERIC_BRANDS = new Set(['mif1', 'msf1']);
const AVIF_BRANDS = new Set(['avif', 'avis']);
/** Audio-only MP4 variants; they list 'isom' as compatible but carry no picture. */
const AUDIO_BRANDS = new Set(['M4A ', 'M4B ', 'M4P ', 'F4A ', 'F4B ']);
const MP4_BRANDS = new Set([
  'isom', 'iso2', 'iso3', 'iso4', 'iso5', 'iso6', 'iso7', 'iso8', 'iso9', 'mp41', 'mp42', 'mp71', 'avc1',
  'M4V ', 'M4VH', 'M4VP', 'mmp4', 'MSNV', 'NDAS', 'NDSC', 'NDSH', 'NDSM', 'NDSP', 'NDSS', 'NDXC', 'NDXH',
  'NDXM', 'NDXP', 'NDXS', 'dash', 'F4V ', 'XAVC', 'CAEP', 'hvc1',
]);

function fromFtyp(head: Buffer): DetectedType | null {
  const boxSize = head.readUInt32BE(0);
  const major = ascii(head, 8, 4);
  const brands = [major];
  for (let at = 16; at + 4 <= Math.min(boxSize, head.length); at += 4) brands.push(ascii(head, at, 4));

  if (HEIC_BRANDS.has(major)) return heif(brands);
  if (HEIF_GENERIC_BRANDS.has(major)) {
    // 'mif1' is shared by HEIC and AVIF; AVIF is not an accepted upload format.
    if (brands.some((b) => HEIC_BRANDS.has(b))) return heif(brands);
    return brands.some((b) => AVIF_BRANDS.has(b)) ? null : heif(brands);
  }
  if (AUDIO_BRANDS.has(major)) return null;
  if (major === 'qt  ') return MOV;
  if (major.startsWith('3gp') || major.startsWith('3g2')) return GPP;
  if (MP4_BRANDS.has(major)) return MP4;
  // Unknown major brand (many vendors invent one): trust a known compatible brand.
  if (brands.some((b) => HEIC_BRANDS.has(b))) return heif(brands);
  if (brands.includes('qt  ')) return MOV;
  if (brands.some((b) => MP4_BRANDS.has(b))) return MP4;
  return null;
}

const heif = (brands: string[]): DetectedType => ({
  mime: brands.includes('heic') || brands.includes('heix') ? 'image/heic' : 'image/heif',
  kind: 'image',
  format: 'heic',
});

/** Old QuickTime files start with a top-level atom, not 'ftyp'. */
function isClassicQuickTime(head: Buffer): boolean {
  if (head.length < 8) return false;
  const size = head.readUInt32BE(0);
  return ['moov', 'mdat', 'wide', 'pnot'].includes(ascii(head, 4, 4)) && (size === 0 || size === 1 || size >= 8);
}

/** Reads the EBML header's DocType (element id 0x4282): WebM or Matroska; any other EBML document is not a video. */
function fromEbmlDocType(head: Buffer): DetectedType | null {
  const end = Math.min(head.length, 64);
  for (let i = 4; i + 3 < end; i++) {
    if (head[i] === 0x42 && head[i + 1] === 0x82) {
      const len = head[i + 2]! & 0x7f; // one-byte EBML size (0x80 | n) is what every muxer writes here
      const docType = ascii(head, i + 3, len);
      return docType === 'webm' ? WEBM : docType === 'matroska' ? MKV : null;
    }
  }
  return null;
}

/** A DNG is a TIFF whose IFD0 carries DNGVersion (0xC612); a plain TIFF is not accepted. */
function tiffHasDngVersion(head: Buffer): boolean {
  const le = head[0] === 0x49;
  const u16 = (at: number) => (le ? head.readUInt16LE(at) : head.readUInt16BE(at));
  const u32 = (at: number) => (le ? head.readUInt32LE(at) : head.readUInt32BE(at));
  if (head.length < 8) return false;
  const ifd0 = u32(4);
  if (ifd0 < 8 || ifd0 + 2 > head.length) return false;
  const entries = u16(ifd0);
  for (let i = 0; i < entries; i++) {
    const at = ifd0 + 2 + i * 12;
    if (at + 2 > head.length) return false;
    if (u16(at) === 0xc612) return true;
  }
  return false;
}

/** MPEG-TS: sync byte 0x47 every 188 bytes (or at 4 in 192-byte M2TS packets) over several packets. */
function isTransportStream(head: Buffer, stride: number, syncAt: number): boolean {
  const packets = Math.min(8, Math.floor((head.length - syncAt) / stride));
  if (packets < 3) return false;
  for (let p = 0; p < packets; p++) if (head[syncAt + p * stride] !== 0x47) return false;
  return true;
}

/** Raw DV (IEC 61834, SMPTE 314M): DIF blocks of 80 bytes, a header block (1F 07 00) then a subcode block (3F 07 00). */
function isRawDv(head: Buffer): boolean {
  return startsWith(head, [0x1f, 0x07, 0x00]) && ((head[3] ?? 0) & 0x7f) === 0x3f && startsWith(head, [0x3f, 0x07, 0x00], 80);
}

/** The extension a download of each accepted type is named with (the uploader's own name is never used). */
const EXTENSION_BY_MIME = new Map([
  [JPEG.mime, 'jpg'],
  [PNG.mime, 'png'],
  [GIF.mime, 'gif'],
  [WEBP.mime, 'webp'],
  [DNG.mime, 'dng'],
  ['image/heic', 'heic'],
  ['image/heif', 'heif'],
  [MP4.mime, 'mp4'],
  [MOV.mime, 'mov'],
  [GPP.mime, '3gp'],
  [WEBM.mime, 'webm'],
  [MTS.mime, 'mts'],
  [MKV.mime, 'mkv'],
  [AVI.mime, 'avi'],
  [MPEG_PS.mime, 'mpg'],
  [ASF.mime, 'asf'],
  [FLV.mime, 'flv'],
  [MXF.mime, 'mxf'],
  [DV.mime, 'dv'],
  [OGV.mime, 'ogv'],
  [RM.mime, 'rm'],
]);

/**
 * How a stored file is served: its sniffed type and the matching extension. A type outside the
 * list (none is stored today) is plain bytes, so no browser renders or runs it.
 */
export function downloadFormat(mime: string): { type: string; extension: string } {
  const extension = EXTENSION_BY_MIME.get(mime);
  return extension ? { type: mime, extension } : { type: 'application/octet-stream', extension: 'bin' };
}
