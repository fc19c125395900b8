import { z } from 'zod';
import { fieldProblem } from '../../web/error-messages';

// Problems are said by the catalogue (web/error-messages.ts): the field is the header's name.

/** Upload-Length, Upload-Offset, Content-Length: a non-negative integer in plain decimal. */
const byteCount = z
  .string()
  .regex(/^(0|[1-9]\d{0,15})$/, fieldProblem('byte_count'))
  .transform(Number)
  .refine(Number.isSafeInteger, fieldProblem('byte_count'));

const METADATA_KEY = /^[\x21-\x7e]+$/; // printable ASCII: no spaces, and commas split pairs
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Upload-Metadata: comma-separated pairs of a key and an optional Base64 value, each key once.
 * Only the file name is kept (as context, never as a path: domain/uploads cleans it).
 */
const fileNameInMetadata = z.string().transform((value, zctx) => {
  const pairs = new Map<string, string>();
  for (const pair of value.split(',')) {
    const [key = '', encoded, ...rest] = pair.trim().split(' ');
    if (!METADATA_KEY.test(key) || pairs.has(key) || rest.length > 0 || (encoded !== undefined && !BASE64.test(encoded))) {
      zctx.addIssue({ code: 'custom', message: fieldProblem('upload_metadata') });
      return z.NEVER;
    }
    pairs.set(key, Buffer.from(encoded ?? '', 'base64').toString('utf8'));
  }
  return pairs.get('filename') ?? '';
});

/** POST: the creation of an upload (its body, if any, is its first bytes: creation-with-upload). */
export const creationHeaders = z.object({
  'upload-length': byteCount.optional(),
  'upload-metadata': fileNameInMetadata.optional(),
  'content-length': byteCount.optional(),
});

/** PATCH: more bytes of an upload, at the offset the client believes the server has. */
export const chunkHeaders = z.object({
  'upload-offset': byteCount,
  'content-length': byteCount.optional(),
});

export const uploadParams = z.object({ id: z.string() });
