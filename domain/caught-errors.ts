/** What a catch block may ask of what it caught (which need not be an Error). */

/** An operating-system I/O error (disk, permissions, file table): worth retrying, unlike bad bytes. */
export const isIoError = (e: unknown): boolean =>
  typeof (e as NodeJS.ErrnoException)?.code === 'string' && /^E[A-Z]+$/.test((e as NodeJS.ErrnoException).code!);

/** Its message, for a warning or a failure reason. */
export const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
