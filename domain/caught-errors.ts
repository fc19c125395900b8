/** What a catch block may ask of what it caught (which need not be an Error). */

/** An operating-system I/O error (disk, permissions, file table): worth retrying, unlike bad bytes. */
export const isIoError = (e: unknown): boolean =>
  typeof (e as NodeJS.ErrnoException)?.code === 'string' && /^E[A-Z]+$/.test((e as NodeJS.ErrnoException).code!);

/** Its message, for a warning or a failure reason. */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The disk (or the user's quota) is full: transient for processing, retried once space returns,
 * whether it comes as an errno or only as the words of a tool that failed (ffmpeg, heif-convert).
 */
export const isNoSpace = (e: unknown): boolean => {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || /No space left on device|Disk quota exceeded/i.test(messageOf(e));
};
