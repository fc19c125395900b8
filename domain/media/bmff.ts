import type { FileHandle } from 'node:fs/promises';

/**
 * Reads the metadata ffprobe does not expose faithfully from an ISO-BMFF / QuickTime file
 * (MP4, MOV, 3GP): the Apple `Keys` entries, the `udta` boxes (3GPP `date` and `loci` with full
 * precision, ©xyz, ©mak/©mod/©swr) and the `mvhd` creation time. Only box headers and `moov` are
 * read, never the media data.
 */
export type BmffMetadata = {
  /** mvhd creation time, UTC milliseconds; null when absent or zero. */
  movieCreatedMs: number | null;
  /** `moov/meta` keys (mdta) → value, e.g. 'com.apple.quicktime.creationdate'. */
  keys: Map<string, string>;
  /** `moov/udta` text entries by box type ('date', '©xyz', '©mak', …). */
  userData: Map<string, string>;
  /** `moov/meta/ilst` or `moov/udta/meta/ilst` entries by atom type ('©xyz', '©day', …). */
  itemList: Map<string, string>;
  loci: { lat: number; lon: number; alt: number } | null;
};

const MAX_MOOV_BYTES = 64 * 1024 * 1024;
const SECONDS_1904_TO_1970 = 2_082_844_800;

export async function readBmffMetadata(file: FileHandle, fileSize: number): Promise<BmffMetadata | null> {
  const moov = await findTopLevelBox(file, fileSize, 'moov');
  if (!moov) return null;
  const meta: BmffMetadata = { movieCreatedMs: null, keys: new Map(), userData: new Map(), itemList: new Map(), loci: null };
  for (const box of children(moov, 0, moov.length)) {
    if (box.type === 'mvhd') meta.movieCreatedMs = mvhdCreated(moov.subarray(box.body, box.end));
    else if (box.type === 'meta') readMeta(moov.subarray(box.body, box.end), meta);
    else if (box.type === 'udta') readUserData(moov.subarray(box.body, box.end), meta);
  }
  return meta;
}

/** An ISO BMFF box: its four-character type, where its body starts and where it ends. */
export type Box = { type: string; body: number; end: number };

async function findTopLevelBox(file: FileHandle, fileSize: number, wanted: string): Promise<Buffer | null> {
  const header = Buffer.alloc(16);
  let pos = 0;
  for (let guard = 0; pos + 8 <= fileSize && guard < 10_000; guard++) {
    const { bytesRead } = await file.read(header, 0, 16, pos);
    if (bytesRead < 8) return null;
    let size = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    let headerSize = 8;
    if (size === 1) {
      if (bytesRead < 16) return null;
      size = Number(header.readBigUInt64BE(8));
      headerSize = 16;
    } else if (size === 0) size = fileSize - pos;
    if (size < headerSize) return null;
    if (type === wanted) {
      const length = Math.min(size, fileSize - pos) - headerSize;
      if (length > MAX_MOOV_BYTES) return null;
      const body = Buffer.alloc(length);
      await file.read(body, 0, length, pos + headerSize);
      return body;
    }
    pos += size;
  }
  return null;
}

/** The boxes between start and end, in order; stops at the first malformed size. */
export function* children(buf: Buffer, start: number, end: number): Generator<Box> {
  let pos = start;
  while (pos + 8 <= end) {
    let size = buf.readUInt32BE(pos);
    let headerSize = 8;
    if (size === 1 && pos + 16 <= end) {
      size = Number(buf.readBigUInt64BE(pos + 8));
      headerSize = 16;
    } else if (size === 0) size = end - pos;
    if (size < headerSize || pos + size > end) return;
    yield { type: buf.toString('latin1', pos + 4, pos + 8), body: pos + headerSize, end: pos + size };
    pos += size;
  }
}

function mvhdCreated(body: Buffer): number | null {
  if (body.length < 12) return null;
  const seconds = body[0] === 1 ? Number(body.readBigUInt64BE(4)) : body.readUInt32BE(4);
  return seconds === 0 ? null : (seconds - SECONDS_1904_TO_1970) * 1000;
}

/** ISO `meta` is a FullBox (4 bytes version/flags); Apple's QuickTime `meta` is not. */
function readMeta(body: Buffer, meta: BmffMetadata): void {
  const start = body.length >= 8 && body.toString('latin1', 4, 8) === 'hdlr' ? 0 : 4;
  let keyNames: string[] = [];
  for (const box of children(body, start, body.length)) {
    if (box.type === 'keys') keyNames = readKeyNames(body.subarray(box.body, box.end));
  }
  for (const box of children(body, start, body.length)) {
    if (box.type !== 'ilst') continue;
    for (const item of children(body, box.body, box.end)) {
      const value = dataAtomValue(body.subarray(item.body, item.end));
      if (value === null) continue;
      const index = body.readUInt32BE(item.body - 4); // with `keys`, the item type is a 1-based key index
      const keyName = keyNames.length > 0 ? keyNames[index - 1] : undefined;
      if (keyName) meta.keys.set(keyName, value);
      else meta.itemList.set(item.type, value);
    }
  }
}

function readKeyNames(body: Buffer): string[] {
  const names: string[] = [];
  if (body.length < 8) return names;
  const count = body.readUInt32BE(4);
  let pos = 8;
  for (let i = 0; i < count && pos + 8 <= body.length; i++) {
    const size = body.readUInt32BE(pos);
    if (size < 8 || pos + size > body.length) break;
    names.push(body.toString('utf8', pos + 8, pos + size));
    pos += size;
  }
  return names;
}

/** The `data` atom inside an ilst item: type indicator, locale, value. Text and numbers only. */
function dataAtomValue(item: Buffer): string | null {
  for (const box of children(item, 0, item.length)) {
    if (box.type !== 'data' || box.end - box.body < 8) continue;
    const type = item.readUInt32BE(box.body) & 0xffffff;
    const value = item.subarray(box.body + 8, box.end);
    switch (type) {
      case 1: return value.toString('utf8').replace(/\0+$/, '');
      case 23: return value.length >= 4 ? String(value.readFloatBE(0)) : null;
      case 24: return value.length >= 8 ? String(value.readDoubleBE(0)) : null;
      case 21: case 22: return value.length >= 1 && value.length <= 4 ? String(value.readUIntBE(0, value.length)) : null;
      default: return null;
    }
  }
  return null;
}

function readUserData(body: Buffer, meta: BmffMetadata): void {
  for (const box of children(body, 0, body.length)) {
    const content = body.subarray(box.body, box.end);
    if (box.type === 'meta') readMeta(content, meta);
    else if (box.type === 'loci') meta.loci = readLoci(content);
    else if (box.type === 'date') meta.userData.set('date', printable(content));
    else if (box.type.charCodeAt(0) === 0xa9) {
      const text = quickTimeText(content);
      if (text !== null) meta.userData.set(box.type, text);
    }
  }
}

/** QuickTime international text: 16-bit length, 16-bit language, then the string. */
function quickTimeText(content: Buffer): string | null {
  if (content.length < 4) return null;
  const length = content.readUInt16BE(0);
  if (4 + length > content.length) return printable(content);
  return content.toString('utf8', 4, 4 + length).replace(/\0+$/, '').trim();
}

const printable = (content: Buffer) => content.toString('latin1').replace(/[^\x20-\x7e]/g, '').trim();

/**
 * 3GPP TS 26.244 `loci`: FullBox, language (2 bytes), name (NUL-terminated), role (1 byte),
 * longitude, latitude, altitude as signed 16.16 fixed point — in that order.
 */
function readLoci(content: Buffer): { lat: number; lon: number; alt: number } | null {
  let pos = 6;
  const nameEnd = content.indexOf(0, pos);
  if (nameEnd === -1) return null;
  pos = nameEnd + 2; // skip the terminator and the role byte
  if (pos + 12 > content.length) return null;
  return {
    lon: content.readInt32BE(pos) / 65536,
    lat: content.readInt32BE(pos + 4) / 65536,
    alt: content.readInt32BE(pos + 8) / 65536,
  };
}
