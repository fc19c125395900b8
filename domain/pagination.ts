import { badRequest } from './errors';

/** Keyset cursors are opaque to clients: base64url of "<ISO time>|<uuid>". */
export type Cursor = { at: Date; id: string };

export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
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
  if (!isCursorTime(iso ?? '') || !/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/.test(id ?? '')) {
    throw badRequest('bad_cursor');
  }
  return { at: new Date(iso!), id: id! };
}
