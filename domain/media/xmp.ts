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
 * exifr turns every XMP value that reads as a number into a number, whatever its options
 * (reviveValues covers EXIF only): a serial number would lose its leading zeros, and past 15
 * digits its last ones. The identifiers are therefore marked before parsing, so that they do not
 * read as numbers, and text() takes the mark off again. The mark is a private-use character, which
 * no real value holds.
 */
const IDENTIFIERS = ['aux:SerialNumber', 'aux:LensSerialNumber'];
const TEXT_MARK = '\u{E000}';
/** The start of an identifier's value, as an attribute (aux:SerialNumber="…") or an element (<aux:SerialNumber>…). */
const IDENTIFIER_VALUE = new RegExp(`(\\b(?:${IDENTIFIERS.join('|')})\\s*=\\s*["']|<(?:${IDENTIFIERS.join('|')})>)`, 'g');

const markIdentifiers = (packet: Buffer | string): Buffer => Buffer.from(packet.toString().replace(IDENTIFIER_VALUE, `$1${TEXT_MARK}`));

/**
 * Reads an XMP packet with exifr, which handles both serialisations (attributes and elements) and
 * lists. A packet exifr cannot read adds a warning and yields no properties.
 */
export async function readXmp(packet: Buffer | string, warnings: string[]): Promise<XmpData> {
  let parsed: Record<string, Namespace | undefined> = {};
  try {
    parsed = ((await sidecar(markIdentifiers(packet), OPTIONS, 'xmp')) ?? {}) as typeof parsed;
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
 * A property as text, without the identifiers' mark. exifr leaves XML entities as written; any
 * other number-like value comes as a number and is written back as text.
 */
function text(value: unknown): string | null {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return null;
  const decoded = value
    .replace(TEXT_MARK, '')
    .replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!).trim();
  return decoded || null;
}
