import type { PublicChoices } from '../submissions/model';
import type { MediaFile } from './model';

/**
 * What an original file carries that locates or identifies its maker: the published copies carry
 * none of it, but an original offered for download carries all of it, whatever the publication
 * hides (issue 11, finding 6).
 */
export const ORIGINAL_REVEALS = ['gps', 'device', 'serial_numbers', 'unread_metadata'] as const;
export type OriginalReveal = (typeof ORIGINAL_REVEALS)[number];

type FileFacts = Pick<MediaFile, 'gps_lat' | 'gps_lon' | 'make' | 'model' | 'metadata'>;

/**
 * The body and lens serial numbers the worker read (domain/media/metadata.ts), kept in the file's
 * metadata; null when its metadata was never read (unreadable, or processed before serial numbers
 * were read): that original may carry anything.
 */
function serialNumbersOf(file: Pick<MediaFile, 'metadata'>): string[] | null {
  const serials = file.metadata?.serial_numbers;
  return Array.isArray(serials) ? serials.filter((s): s is string => typeof s === 'string') : null;
}

/** "Canon Canon EOS 6D" reads as "Canon EOS 6D". */
const deviceName = (f: Pick<MediaFile, 'make' | 'model'>) =>
  f.make && f.model?.toLowerCase().startsWith(f.make.toLowerCase()) ? f.model : [f.make, f.model].filter(Boolean).join(' ');

/** What one original carries. */
export function carriedBy(file: FileFacts): OriginalReveal[] {
  const found: Record<OriginalReveal, boolean> = {
    gps: file.gps_lat !== null && file.gps_lon !== null,
    device: deviceName(file) !== '',
    serial_numbers: (serialNumbersOf(file) ?? []).length > 0,
    unread_metadata: serialNumbersOf(file) === null,
  };
  return ORIGINAL_REVEALS.filter((kind) => found[kind]);
}

export type CarriedByOriginals = {
  kinds: OriginalReveal[];
  gps: { file: string; lat: number; lon: number }[];
  devices: string[];
  serialNumbers: string[];
  /** files whose metadata was never read */
  unread: string[];
};

/** What the originals of an entry carry, with the values, for the moderator who decides. */
export function carriedByOriginals(files: (FileFacts & Pick<MediaFile, 'original_name'>)[]): CarriedByOriginals {
  const gps = files.filter((f) => carriedBy(f).includes('gps')).map((f) => ({ file: f.original_name, lat: f.gps_lat!, lon: f.gps_lon! }));
  const devices = [...new Set(files.map(deviceName).filter(Boolean))];
  const serialNumbers = [...new Set(files.flatMap((f) => serialNumbersOf(f) ?? []))];
  const unread = files.filter((f) => serialNumbersOf(f) === null).map((f) => f.original_name);
  const kinds = [...new Set(files.flatMap(carriedBy))].sort((a, b) => ORIGINAL_REVEALS.indexOf(a) - ORIGINAL_REVEALS.indexOf(b));
  return { kinds, gps, devices, serialNumbers, unread };
}

/**
 * What allowing the originals to be downloaded would publish beyond the choices made: GPS unless
 * the precise place is public anyway, the device unless it is public anyway, serial numbers and
 * metadata never read always (no choice publishes them).
 */
export function revealedBeyondChoices(carried: CarriedByOriginals, choices: Pick<PublicChoices, 'location' | 'device' | 'originalDownloadable'>): OriginalReveal[] {
  if (!choices.originalDownloadable) return [];
  return carried.kinds.filter((k) => (k === 'gps' ? choices.location !== 'precise' : k === 'device' ? !choices.device : true));
}
