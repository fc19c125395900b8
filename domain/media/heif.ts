/**
 * The image items of a HEIF/HEIC file (ISO/IEC 23008-12), read from its `meta` box: the primary
 * image (one HEVC item, or a grid of HEVC tiles, as phones write them) and its embedded thumbnail.
 * Nothing is decoded here: what comes out is the HEVC bitstream of an item in Annex B form (start
 * codes), which a decoder takes as it is, and how to place, crop, rotate and mirror what it decodes.
 * Phones store a thumbnail of about 320 px beside every photo: a moderator's first look needs only
 * that, and decoding it costs a small fraction of the 12 MP picture.
 */
import { children, type Box } from './bmff';

export type HeifTransform =
  /** clap: the clean aperture's size and its centre's offset from the picture's centre. */
  | { kind: 'crop'; width: number; height: number; dx: number; dy: number }
  /** Anticlockwise, in quarter turns (irot). */
  | { kind: 'rotate'; quarterTurnsAnticlockwise: number }
  /** imir: 'vertical' mirrors left and right (about the vertical axis), 'horizontal' top and bottom. */
  | { kind: 'mirror'; axis: 'vertical' | 'horizontal' };

export type HeifImage = {
  /** Decoded size of each tile (one tile for an image that is not a grid). */
  tileWidth: number;
  tileHeight: number;
  columns: number;
  rows: number;
  /** The picture's size before transforms (a grid's tiles are cropped to it). */
  width: number;
  height: number;
  /** One HEVC access unit per tile, row by row, each with its parameter sets, in Annex B form. */
  bitstream: Buffer;
  /** In the order the file lists them. */
  transforms: HeifTransform[];
  /** An image that is one HEVC item (not a grid): its data and properties as stored, to be rewrapped alone (asHeifFile). */
  single: { data: Buffer; properties: Property[] } | null;
};

export type HeifItems = { primary: HeifImage; thumbnail: HeifImage | null };

type Item = { id: number; type: string };
type Location = { method: number; extents: { offset: number; length: number }[] };
export type Property = { type: string; body: Buffer };

const START_CODE = Buffer.from([0, 0, 0, 1]);
const MAX_TILES = 1024;

/** Reads the items, or throws (Error) when the file is not a HEIF this reader understands. */
export function readHeifItems(file: Buffer): HeifItems {
  const meta = topLevel(file, 'meta');
  if (!meta) throw new Error('no meta box');
  const boxes = new Map<string, Box>();
  for (const box of children(file, meta.body + 4, meta.end)) if (!boxes.has(box.type)) boxes.set(box.type, box);
  const need = (type: string) => {
    const box = boxes.get(type);
    if (!box) throw new Error(`no ${type} box`);
    return box;
  };
  const primaryId = readPitm(file, need('pitm'));
  const items = readIinf(file, need('iinf'));
  const locations = readIloc(file, need('iloc'));
  const refs = boxes.has('iref') ? readIref(file, boxes.get('iref')!) : [];
  const properties = readIprp(file, need('iprp'));
  const idat = boxes.get('idat');
  const dataOf = (id: number): Buffer => {
    const location = locations.get(id);
    if (!location) throw new Error(`item ${id} has no location`);
    const base = location.method === 1 ? (idat ? idat.body : -1) : 0;
    if (base < 0 || location.method > 1) throw new Error(`item ${id} is stored in a way this reader does not follow`);
    const parts = location.extents.map(({ offset, length }) => {
      const start = base + offset;
      const end = location.method === 1 ? idat!.end : file.length;
      if (start + length > end) throw new Error(`item ${id} lies outside the file`);
      return file.subarray(start, start + length);
    });
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  };
  const image = (id: number): HeifImage => readImage(id, items, refs, properties, dataOf);
  const thumbnailId = refs.find((r) => r.type === 'thmb' && r.to.includes(primaryId) && items.get(r.from)?.type === 'hvc1')?.from;
  return { primary: image(primaryId), thumbnail: thumbnailId === undefined ? null : image(thumbnailId) };
}

function readImage(
  id: number,
  items: Map<number, Item>,
  refs: { type: string; from: number; to: number[] }[],
  properties: Map<number, Property[]>,
  dataOf: (id: number) => Buffer,
): HeifImage {
  const item = items.get(id);
  if (!item) throw new Error(`item ${id} is not listed`);
  const props = properties.get(id) ?? [];
  const transforms = props.flatMap((p) => transformOf(p) ?? []);
  if (item.type === 'hvc1') {
    const { width, height } = spatialExtent(props, id);
    const data = dataOf(id);
    return { tileWidth: width, tileHeight: height, columns: 1, rows: 1, width, height, bitstream: annexB(hvcConfig(props, id), data), transforms, single: { data, properties: props } };
  }
  if (item.type !== 'grid') throw new Error(`the image is a ${item.type} item, not HEVC`);
  const grid = dataOf(id);
  if (grid.length < 8) throw new Error('grid descriptor too short');
  const wide = (grid[1]! & 1) === 1;
  const rows = grid[2]! + 1;
  const columns = grid[3]! + 1;
  const width = wide ? grid.readUInt32BE(4) : grid.readUInt16BE(4);
  const height = wide ? grid.readUInt32BE(8) : grid.readUInt16BE(6);
  const tiles = refs.find((r) => r.type === 'dimg' && r.from === id)?.to ?? [];
  if (tiles.length !== rows * columns || tiles.length > MAX_TILES) throw new Error(`the grid names ${tiles.length} tiles for ${rows}×${columns}`);
  let tileWidth = 0;
  let tileHeight = 0;
  const units: Buffer[] = [];
  for (const tile of tiles) {
    if (items.get(tile)?.type !== 'hvc1') throw new Error(`tile ${tile} is not HEVC`);
    const tileProps = properties.get(tile) ?? [];
    const size = spatialExtent(tileProps, tile);
    if (tileWidth && (size.width !== tileWidth || size.height !== tileHeight)) throw new Error('tiles of different sizes');
    tileWidth = size.width;
    tileHeight = size.height;
    units.push(annexB(hvcConfig(tileProps, tile), dataOf(tile)));
  }
  if (tileWidth * columns < width || tileHeight * rows < height) throw new Error('the tiles do not cover the grid');
  return { tileWidth, tileHeight, columns, rows, width, height, bitstream: Buffer.concat(units), transforms, single: null };
}

function transformOf(p: Property): HeifTransform | null {
  if (p.type === 'irot' && p.body.length >= 1) return { kind: 'rotate', quarterTurnsAnticlockwise: p.body[0]! & 3 };
  if (p.type === 'imir' && p.body.length >= 1) return { kind: 'mirror', axis: (p.body[0]! & 1) === 0 ? 'vertical' : 'horizontal' };
  if (p.type === 'clap' && p.body.length >= 32) {
    const v = (i: number) => p.body.readInt32BE(i * 4);
    const fraction = (n: number, d: number) => (d === 0 ? 0 : n / d);
    return { kind: 'crop', width: Math.round(fraction(v(0), v(1))), height: Math.round(fraction(v(2), v(3))), dx: fraction(v(4), v(5)), dy: fraction(v(6), v(7)) };
  }
  return null;
}

/** A clap crop as a rectangle of the picture it applies to (kept inside it). */
export function resolveCrop(t: Extract<HeifTransform, { kind: 'crop' }>, width: number, height: number) {
  const w = Math.min(width, Math.max(1, t.width));
  const h = Math.min(height, Math.max(1, t.height));
  const left = Math.min(width - w, Math.max(0, Math.round((width - 1) / 2 + t.dx - (w - 1) / 2)));
  const top = Math.min(height - h, Math.max(0, Math.round((height - 1) / 2 + t.dy - (h - 1) / 2)));
  return { left, top, width: w, height: h };
}

function spatialExtent(props: Property[], id: number): { width: number; height: number } {
  const ispe = props.find((p) => p.type === 'ispe');
  if (!ispe || ispe.body.length < 12) throw new Error(`item ${id} has no size`);
  return { width: ispe.body.readUInt32BE(4), height: ispe.body.readUInt32BE(8) };
}

function hvcConfig(props: Property[], id: number): { lengthSize: number; parameterSets: Buffer[] } {
  const hvcC = props.find((p) => p.type === 'hvcC')?.body;
  if (!hvcC || hvcC.length < 23) throw new Error(`item ${id} has no HEVC configuration`);
  const lengthSize = (hvcC[21]! & 3) + 1;
  const parameterSets: Buffer[] = [];
  let pos = 23;
  for (let a = 0, arrays = hvcC[22]!; a < arrays; a++) {
    if (pos + 3 > hvcC.length) throw new Error('HEVC configuration truncated');
    const count = hvcC.readUInt16BE(pos + 1);
    pos += 3;
    for (let n = 0; n < count; n++) {
      if (pos + 2 > hvcC.length) throw new Error('HEVC configuration truncated');
      const length = hvcC.readUInt16BE(pos);
      if (pos + 2 + length > hvcC.length) throw new Error('HEVC configuration truncated');
      parameterSets.push(hvcC.subarray(pos + 2, pos + 2 + length));
      pos += 2 + length;
    }
  }
  return { lengthSize, parameterSets };
}

/** Parameter sets and the item's NAL units (length-prefixed in the file), each after a start code. */
function annexB(config: { lengthSize: number; parameterSets: Buffer[] }, data: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const ps of config.parameterSets) parts.push(START_CODE, ps);
  let pos = 0;
  while (pos + config.lengthSize <= data.length) {
    const length = data.readUIntBE(pos, config.lengthSize);
    pos += config.lengthSize;
    if (length === 0 || pos + length > data.length) throw new Error('HEVC data truncated');
    parts.push(START_CODE, data.subarray(pos, pos + length));
    pos += length;
  }
  return Buffer.concat(parts);
}

function topLevel(file: Buffer, wanted: string): Box | null {
  for (const box of children(file, 0, file.length)) if (box.type === wanted) return box;
  return null;
}


/** A cursor over a box's body, for the fields whose widths the box's version decides. */
class Reader {
  constructor(
    private readonly buf: Buffer,
    public pos: number,
    private readonly end: number,
  ) {}
  uint(bytes: number): number {
    if (bytes === 0) return 0;
    if (this.pos + bytes > this.end) throw new Error('box truncated');
    const value = bytes === 8 ? Number(this.buf.readBigUInt64BE(this.pos)) : this.buf.readUIntBE(this.pos, bytes);
    this.pos += bytes;
    return value;
  }
}

function readPitm(file: Buffer, box: Box): number {
  const r = new Reader(file, box.body, box.end);
  const version = r.uint(1);
  r.uint(3);
  return r.uint(version === 0 ? 2 : 4);
}

function readIinf(file: Buffer, box: Box): Map<number, Item> {
  const version = file[box.body]!;
  const items = new Map<number, Item>();
  for (const infe of children(file, box.body + 4 + (version === 0 ? 2 : 4), box.end)) {
    if (infe.type !== 'infe') continue;
    const r = new Reader(file, infe.body, infe.end);
    const v = r.uint(1);
    r.uint(3);
    if (v < 2) continue; // versions 0 and 1 describe files, not images
    const id = r.uint(v === 2 ? 2 : 4);
    r.uint(2); // protection index
    items.set(id, { id, type: file.toString('latin1', r.pos, r.pos + 4) });
  }
  return items;
}

function readIloc(file: Buffer, box: Box): Map<number, Location> {
  const r = new Reader(file, box.body, box.end);
  const version = r.uint(1);
  r.uint(3);
  const sizes = r.uint(1);
  const more = r.uint(1);
  const offsetSize = sizes >> 4;
  const lengthSize = sizes & 15;
  const baseOffsetSize = more >> 4;
  const indexSize = version === 1 || version === 2 ? more & 15 : 0;
  const count = r.uint(version < 2 ? 2 : 4);
  const locations = new Map<number, Location>();
  for (let i = 0; i < count; i++) {
    const id = r.uint(version < 2 ? 2 : 4);
    const method = version === 1 || version === 2 ? r.uint(2) & 15 : 0;
    r.uint(2); // data reference index
    const base = r.uint(baseOffsetSize);
    const extents: Location['extents'] = [];
    for (let e = 0, n = r.uint(2); e < n; e++) {
      r.uint(indexSize);
      const offset = base + r.uint(offsetSize);
      extents.push({ offset, length: r.uint(lengthSize) });
    }
    locations.set(id, { method, extents });
  }
  return locations;
}

function readIref(file: Buffer, box: Box): { type: string; from: number; to: number[] }[] {
  const version = file[box.body]!;
  const idSize = version === 0 ? 2 : 4;
  const refs: { type: string; from: number; to: number[] }[] = [];
  for (const ref of children(file, box.body + 4, box.end)) {
    const r = new Reader(file, ref.body, ref.end);
    const from = r.uint(idSize);
    const to: number[] = [];
    for (let i = 0, n = r.uint(2); i < n; i++) to.push(r.uint(idSize));
    refs.push({ type: ref.type, from, to });
  }
  return refs;
}

/** Each item's properties (ipma associations into ipco, 1-based), in the order associated. */
function readIprp(file: Buffer, box: Box): Map<number, Property[]> {
  let ipco: Property[] = [];
  const byItem = new Map<number, Property[]>();
  for (const child of children(file, box.body, box.end)) {
    if (child.type === 'ipco') ipco = [...children(file, child.body, child.end)].map((p) => ({ type: p.type, body: file.subarray(p.body, p.end) }));
  }
  for (const child of children(file, box.body, box.end)) {
    if (child.type !== 'ipma') continue;
    const r = new Reader(file, child.body, child.end);
    const version = r.uint(1);
    const flags = r.uint(3);
    for (let i = 0, n = r.uint(4); i < n; i++) {
      const id = r.uint(version < 1 ? 2 : 4);
      const props = byItem.get(id) ?? [];
      for (let a = 0, m = r.uint(1); a < m; a++) {
        const index = (flags & 1) === 1 ? r.uint(2) & 0x7fff : r.uint(1) & 0x7f;
        const property = index > 0 ? ipco[index - 1] : undefined;
        if (property) props.push(property);
      }
      byItem.set(id, props);
    }
  }
  return byItem;
}

/**
 * A HEIF file holding only this one HEVC item as its primary image, with its properties (HEVC
 * configuration, size, rotation, mirror, crop): how an embedded thumbnail is handed to a decoder
 * that reads files (libheif), which then costs what the thumbnail costs, not the photo.
 */
export function asHeifFile(image: HeifImage): Buffer {
  if (!image.single) throw new Error('only a single HEVC item can be written alone');
  const { data, properties } = image.single;
  const box = (type: string, ...parts: Buffer[]) => {
    const header = Buffer.alloc(8);
    header.writeUInt32BE(8 + parts.reduce((n, p) => n + p.length, 0), 0);
    header.write(type, 4, 'latin1');
    return Buffer.concat([header, ...parts]);
  };
  const fullBox = (type: string, version: number, ...parts: Buffer[]) => box(type, Buffer.from([version, 0, 0, 0]), ...parts);
  const u16 = (n: number) => Buffer.from([n >> 8, n & 255]);
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n, 0);
    return b;
  };
  const ftyp = box('ftyp', Buffer.from('heic', 'latin1'), u32(0), Buffer.from('mif1heic', 'latin1'));
  const hdlr = fullBox('hdlr', 0, u32(0), Buffer.from('pict', 'latin1'), Buffer.alloc(12), Buffer.from([0]));
  const pitm = fullBox('pitm', 0, u16(1));
  const iinf = fullBox('iinf', 0, u16(1), fullBox('infe', 2, u16(1), u16(0), Buffer.from('hvc1', 'latin1'), Buffer.from([0])));
  // Every property is essential (a reader that cannot apply one must not show the picture).
  const ipco = box('ipco', ...properties.map((p) => box(p.type, p.body)));
  const ipma = fullBox('ipma', 0, u32(1), u16(1), Buffer.from([properties.length, ...properties.map((_, i) => 0x80 | (i + 1))]));
  const iprp = box('iprp', ipco, ipma);
  // iloc v0: 4-byte offsets and lengths, no base offset; the one extent is the mdat's payload.
  const iloc = (offset: number) => fullBox('iloc', 0, Buffer.from([0x44, 0x00]), u16(1), u16(1), u16(0), u16(1), u32(offset), u32(data.length));
  const metaSize = fullBox('meta', 0, hdlr, pitm, iinf, iprp, iloc(0)).length;
  const meta = fullBox('meta', 0, hdlr, pitm, iinf, iprp, iloc(ftyp.length + metaSize + 8));
  return Buffer.concat([ftyp, meta, box('mdat', data)]);
}
