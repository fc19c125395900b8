/**
 * A small EXIF block (a little-endian TIFF structure, as an image header carries it) built from
 * the tags a test names, so a service test can hand the metadata reader exactly the camera,
 * time and place it is about, without an image file.
 */
export type ExifTag = { tag: number; ascii: string } | { tag: number; rationals: [number, number][] };

/** Degrees as EXIF writes them: degrees, minutes and hundredths of seconds. */
export const dms = (degrees: number): [number, number][] => {
  const d = Math.floor(Math.abs(degrees));
  const m = Math.floor((Math.abs(degrees) - d) * 60);
  const s = Math.round(((Math.abs(degrees) - d) * 60 - m) * 60 * 100);
  return [[d, 1], [m, 1], [s, 100]];
};

export const TAGS = { make: 0x010f, model: 0x0110, software: 0x0131, dateTimeOriginal: 0x9003, offsetTimeOriginal: 0x9011, latRef: 0x0001, lat: 0x0002, lonRef: 0x0003, lon: 0x0004 } as const;
const EXIF_IFD_POINTER = 0x8769;
const GPS_IFD_POINTER = 0x8825;
const ASCII = 2;
const LONG = 4;
const RATIONAL = 5;

type Entry = { tag: number; type: number; count: number; data: Buffer };

const entryOf = (t: ExifTag): Entry => {
  if ('ascii' in t) return { tag: t.tag, type: ASCII, count: t.ascii.length + 1, data: Buffer.from(`${t.ascii}\0`, 'latin1') };
  const data = Buffer.alloc(8 * t.rationals.length);
  t.rationals.forEach(([n, d], i) => {
    data.writeUInt32LE(n, 8 * i);
    data.writeUInt32LE(d, 8 * i + 4);
  });
  return { tag: t.tag, type: RATIONAL, count: t.rationals.length, data };
};

const ifdSize = (entries: number) => 2 + 12 * entries + 4;

/** IFD0 with the Exif and GPS IFDs it points to (when given tags), then every value too long to sit in its entry. */
export function exifBlock(tags: { ifd0?: ExifTag[]; exif?: ExifTag[]; gps?: ExifTag[] }): Buffer {
  const exif = (tags.exif ?? []).map(entryOf);
  const gps = (tags.gps ?? []).map(entryOf);
  const ifd0 = (tags.ifd0 ?? []).map(entryOf);
  const pointer = (tag: number): Entry => ({ tag, type: LONG, count: 1, data: Buffer.alloc(4) });
  if (exif.length) ifd0.push(pointer(EXIF_IFD_POINTER));
  if (gps.length) ifd0.push(pointer(GPS_IFD_POINTER));
  const ifds = [ifd0, exif, gps].filter((ifd) => ifd.length > 0);
  const starts: number[] = [];
  let at = 8;
  for (const ifd of ifds) {
    starts.push(at);
    at += ifdSize(ifd.length);
  }
  if (exif.length) ifd0.find((e) => e.tag === EXIF_IFD_POINTER)!.data.writeUInt32LE(starts[ifds.indexOf(exif)]!);
  if (gps.length) ifd0.find((e) => e.tag === GPS_IFD_POINTER)!.data.writeUInt32LE(starts[ifds.indexOf(gps)]!);

  const out = Buffer.alloc(at + ifds.flat().reduce((n, e) => n + (e.data.length > 4 ? e.data.length + (e.data.length % 2) : 0), 0));
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(8, 4);
  let dataAt = at;
  ifds.forEach((ifd, n) => {
    let p = starts[n]!;
    out.writeUInt16LE(ifd.length, p);
    p += 2;
    for (const e of [...ifd].sort((a, b) => a.tag - b.tag)) {
      out.writeUInt16LE(e.tag, p);
      out.writeUInt16LE(e.type, p + 2);
      out.writeUInt32LE(e.count, p + 4);
      if (e.data.length <= 4) e.data.copy(out, p + 8);
      else {
        out.writeUInt32LE(dataAt, p + 8);
        e.data.copy(out, dataAt);
        dataAt += e.data.length + (e.data.length % 2);
      }
      p += 12;
    }
    out.writeUInt32LE(0, p); // no next IFD
  });
  return out;
}
