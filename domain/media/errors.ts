/**
 * An unrecoverable problem with the media itself (corrupt, unsupported, too large to decode, too slow).
 * The worker marks the file failed with `code` and does not retry: the same bytes fail the same way.
 */
export class MediaError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MediaError';
  }
}
