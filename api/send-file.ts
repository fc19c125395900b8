import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { notFound } from '../domain/errors';
import { downloadFormat } from '../domain/media/file-type';
import type { ByteRange, StoredBlob } from '../domain/ports/blob-store';

/**
 * Streams a stored file; a missing file is a 404, never a crash or a half-sent 200.
 * Its Content-Type, and a download's extension, come from the type sniffed on upload (`mime`),
 * never from the uploader's file name: evidence.html is served as the JPEG it is. `downloadAs`
 * (a name without extension) makes it an attachment. The ETag lets a cache revalidate with a 304
 * while the file is still served; the caller's checks run first, so withdrawn is a 404. It is made
 * from what the file is (`identity`) and its size, never its modification time: an original's is
 * the instant it was received, a copy's the moment it was made, and the public sees receive times
 * only coarsened.
 * A single byte range is served as 206 (a video player seeks, a download resumes); several ranges,
 * or a Range under If-Range (the ETag is weak, so it never validates one), get the whole file.
 * A client that stops reading is cut off after `stallMs` (as an export is), its socket and the
 * file released: else every stalled download of a large file would hold both forever.
 */
export async function sendStoredFile(
  res: Response,
  opening: Promise<StoredBlob | null>,
  options: { mime: string; identity: string; stallMs: number; digestSha256?: string | null; downloadAs?: string; cacheSeconds?: number },
): Promise<void> {
  const blob = await opening;
  if (!blob) throw notFound('file');
  const format = downloadFormat(options.mime);
  if (options.downloadAs) res.attachment(`${options.downloadAs}.${format.extension}`);
  res.type(format.type); // after attachment(), which would type the file by its name
  res.set('X-Content-Type-Options', 'nosniff');
  res.set('ETag', `W/"${blob.size.toString(16)}-${createHash('sha256').update(options.identity).digest('base64url').slice(0, 16)}"`);
  if (options.digestSha256) res.set('Digest', `sha-256=${Buffer.from(options.digestSha256, 'hex').toString('base64')}`);
  if (options.cacheSeconds) res.set('Cache-Control', `public, max-age=${options.cacheSeconds}`);
  res.set('Accept-Ranges', 'bytes');
  if (res.req.fresh) {
    blob.discard();
    res.status(304).end();
    return;
  }
  const range = requestedRange(res.req, blob.size);
  if (range === 'unsatisfiable') {
    blob.discard();
    res.set('Content-Range', `bytes */${blob.size}`).status(416).end();
    return;
  }
  if (range) res.status(206).set('Content-Range', `bytes ${range.start}-${range.end}/${blob.size}`);
  res.set('Content-Length', String(range ? range.end - range.start + 1 : blob.size));
  cutOffWhenStalled(res, options.stallMs);
  await pipeline(blob.stream(range ?? undefined), res);
}

/** The one range to send, null for the whole file. */
function requestedRange(req: Request, size: number): ByteRange | 'unsatisfiable' | null {
  if (req.get('If-Range') !== undefined) return null;
  const ranges = req.range(size, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  if (ranges === undefined || ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return null;
  return { start: ranges[0]!.start, end: ranges[0]!.end };
}

/**
 * A client that stops reading a stream (a download, an export) is cut off after `stallMs`, so its
 * socket and whatever feeds the stream (a file, a database connection) are released. Node lets a
 * socket with a write in progress run one more period: half the window ends it within the window.
 */
export function cutOffWhenStalled(res: Response, stallMs: number): void {
  res.setTimeout(stallMs / 2);
}
