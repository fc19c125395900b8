import { sidecar } from 'exifr';

/** The few XMP properties Svidetel uses: dates, editing-software names and serial numbers. */
export type XmpData = {
  dateTimeOriginal: string | null; // exif:DateTimeOriginal
  dateCreated: string | null; // photoshop:DateCreated
  createDate: string | null; // xmp:CreateDate
  creatorTool: string | null; // xmp:CreatorTool
  historySoftwareAgents: string[]; // xmpMM:History stEvt:softwareAgent
  serialNumbers: string[]; // aux:SerialNumber, aux:LensSerialNumber
};

/** Namespaces apart (exif: is XMP's, not merged into the EXIF block); values as written, not revived. */
const OPTIONS = { xmp: true, mergeOutput: false, reviveValues: false, translateKeys: false, translateValues: false } as const;

type Namespace = Record<string, unknown>;

/**
 * Reads an XMP packet with exifr, which handles both serialisations (attributes and elements) and
 * lists. A packet exifr cannot read adds a warning and yields no properties.
 */
export async function readXmp(packet: Buffer | string, warnings: string[]): Promise<XmpData> {
  let parsed: Record<string, Namespace | undefined> = {};
  try {
    parsed = ((await sidecar(Buffer.from(packet), OPTIONS, 'xmp')) ?? {}) as typeof parsed;
  } catch (e) {
    warnings.push(`XMP unreadable: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { exif = {}, photoshop = {}, xmp = {}, xmpMM = {}, aux = {} } = parsed;
  return {
    dateTimeOriginal: text(exif.DateTimeOriginal),
    dateCreated: text(photoshop.DateCreated),
    createDate: text(xmp.CreateDate),
    creatorTool: text(xmp.CreatorTool),
    historySoftwareAgents: list(xmpMM.History).map((event) => text((event as Namespace | null)?.softwareAgent)).filter((s): s is string => s !== null),
    serialNumbers: [text(aux.SerialNumber), text(aux.LensSerialNumber)].filter((s): s is string => s !== null),
  };
}

/** One value of a list: exifr unwraps a list of one item. */
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

/**
 * A property as text. exifr turns numbers-looking values into numbers (a serial number loses its
 * leading zeros) and leaves XML entities as written.
 */
function text(value: unknown): string | null {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return null;
  const decoded = value.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!).trim();
  return decoded || null;
}
