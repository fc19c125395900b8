import { badRequest } from './errors';

/**
 * Keyset cursors are opaque to clients: base64url of "<ISO time>|<uuid>". The time may carry
 * microseconds (…:05.123456Z), as PostgreSQL holds it: a cursor cut to a JS Date's milliseconds
 * would repeat or skip rows received within the same millisecond as a page's last one. `at` is
 * the time exactly as carried, for the database to compare.
 */
export type Cursor = { at: string; id: string };

export function encodeCursor(at: Date | string, id: string): string {
  return Buffer.from(`${typeof at === 'string' ? at : at.toISOString()}|${id}`).toString('base64url');
}

/** A cursor's time: as isCursorTime, or with microseconds (six digits) as the database wrote it. */
export function isExactCursorTime(value: string): boolean {
  const micro = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})\d{3}Z$/.exec(value);
  return isCursorTime(micro ? `${micro[1]}Z` : value);
}

/**
 * A time exactly as a cursor carries it (toISOString, four-digit year): what JavaScript's Date
 * also accepts ("1", "+275760-09-13") may be refused by PostgreSQL, and a forged cursor is the
 * client's error, never the server's.
 */
export function isCursorTime(value: string): boolean {
  const at = new Date(value);
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value) && !Number.isNaN(at.getTime()) && at.toISOString() === value;
}

export function decodeCursor(raw: string | undefined): Cursor | null {
  if (!raw) return null;
  const [iso, id] = Buffer.from(raw, 'base64url').toString('utf8').split('|');
  if (!isExactCursorTime(iso ?? '') || !/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/.test(id ?? '')) {
    throw badRequest('bad_cursor');
  }
  return { at: iso!, id: id! };
}
