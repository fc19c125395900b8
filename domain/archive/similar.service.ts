import type { AppContext } from '../context';
import { AppError, badRequest, payloadTooLarge, serviceBusy } from '../errors';
import { MediaError } from '../media/errors';
import { detectFileType, SNIFF_BYTES } from '../media/file-type';
import { bandProbes } from '../media/perceptual-hash';
import type { NearImageMatch } from './model';

/**
 * "Is a changed copy of this picture in the archive?": when a journalist's file is not published
 * byte for byte, a small copy of it (the check page sends at most 256 px, re-encoded by the
 * browser) is compared by what it shows. The image lives only in this request's memory: decoded,
 * hashed and dropped; never written to disk, logged or stored.
 */

export const SIMILAR_MAX_BYTES = 1024 * 1024;
/** Far more than a 256 px copy needs; a header claiming more is refused before decoding. */
export const SIMILAR_MAX_PIXELS = 4_000_000;
export const SIMILAR_MIME_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
/** Closest first: a picture copied many times still gets a readable answer. */
export const SIMILAR_LIMIT = 20;

/**
 * Images decoded at once in this process. Decoding runs on libuv's small thread pool (4 threads),
 * which uploads' and downloads' file I/O share, and costs a hundred searches' CPU: the per-client
 * limit bounds one address, this bounds all of them together. A look-up beyond it is told to retry.
 */
const MAX_DECODES_IN_FLIGHT = 2;
const BUSY_RETRY_SECONDS = 5;
let decodesInFlight = 0;

/** The pHash of the image, or the 4xx saying what is wrong with it. */
async function hashOrRefuse(ctx: AppContext, image: Buffer): Promise<string> {
  if (image.length === 0) throw badRequest('empty_file');
  if (image.length > SIMILAR_MAX_BYTES) throw payloadTooLarge({ limit_mib: SIMILAR_MAX_BYTES / 2 ** 20 });
  const type = detectFileType(image.subarray(0, SNIFF_BYTES));
  if (!type || !SIMILAR_MIME_TYPES.includes(type.mime)) {
    throw new AppError(415, 'unsupported_image');
  }
  try {
    return await ctx.media.perceptualHashOfImage(image, SIMILAR_MAX_PIXELS);
  } catch (err) {
    if (!(err instanceof MediaError)) throw err;
    if (err.code === 'decompression_bomb') throw payloadTooLarge({ limit_megapixels: SIMILAR_MAX_PIXELS / 1e6 });
    throw badRequest('undecodable_image');
  }
}

/** Files of published entries that show the same picture as the image, closest first. */
export async function similarPublished(ctx: AppContext, image: Buffer): Promise<{ maxDistance: number; matches: NearImageMatch[] }> {
  if (decodesInFlight >= MAX_DECODES_IN_FLIGHT) {
    throw serviceBusy('similar_busy', BUSY_RETRY_SECONDS);
  }
  decodesInFlight += 1;
  let phash: string;
  try {
    phash = await hashOrRefuse(ctx, image);
  } finally {
    decodesInFlight -= 1;
  }
  const maxDistance = ctx.config.nearDuplicateMaxDistance;
  const matches = await ctx.repos.media.findPublishedNearImages({ phash, bandProbes: bandProbes(phash, maxDistance), maxDistance, limit: SIMILAR_LIMIT });
  return { maxDistance, matches };
}
