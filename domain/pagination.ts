import { badRequest } from './errors';

/** Keyset cursors are opaque to clients: base64url of "<ISO time>|<uuid>". */
export type Cursor = { at: Date; id: string };

export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

export function decodeCursor(raw: string | undefined): Cursor | null {
  if (!raw) return null;
  const [iso, id] = Buffer.from(raw, 'base64url').toString('utf8').split('|');
  const at = new Date(iso ?? '');
  if (Number.isNaN(at.getTime()) || !/^[0-9a-f-]{36}$/.test(id ?? '')) {
    throw badRequest('bad_cursor', 'The page link is malformed; go back to the first page.');
  }
  return { at, id: id! };
}
