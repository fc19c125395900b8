import type { ReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { notFound } from '../domain/errors';

/** Streams a stored file; a missing file is a 404, never a crash or a half-sent 200. */
export async function sendStoredFile(
  res: Response,
  stream: ReadStream,
  options: { type: string; sha256?: string; downloadName?: string; cacheSeconds?: number },
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? notFound('The file') : err));
  });
  res.type(options.type);
  res.set('X-Content-Type-Options', 'nosniff');
  if (options.sha256) res.set('Digest', `sha-256=${Buffer.from(options.sha256, 'hex').toString('base64')}`);
  if (options.downloadName) res.attachment(options.downloadName);
  if (options.cacheSeconds) res.set('Cache-Control', `public, max-age=${options.cacheSeconds}`);
  await pipeline(stream, res);
}
