import type { StoreFailure, StoreFailureKind } from '../db/errors';

/**
 * The one error type of Svidetel: an HTTP status, a stable machine code and a message a person
 * understands. Anything else that reaches the error handler is a bug and answers 500.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    /** When to come back (429, 503), sent as Retry-After. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(400, code, message, details);
export const unauthorized = (message = 'Please log in first.') => new AppError(401, 'unauthorized', message);
export const forbidden = (code: string, message: string) => new AppError(403, code, message);
export const notFound = (what: string) => new AppError(404, 'not_found', `${what} was not found.`);
export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(409, code, message, details);
export const payloadTooLarge = (message: string) => new AppError(413, 'too_large', message);
export const unsupportedMedia = (message: string) => new AppError(415, 'unsupported_type', message);
/** A wait in English words a person reads at a glance: "40 s", "3 min", "5 h". */
export function englishWait(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 2 * 3600) return `${Math.ceil(seconds / 60)} min`;
  return `${Math.ceil(seconds / 3600)} h`;
}

/** 429; with a wait, it is said in the message and sent as Retry-After. */
export const tooManyRequests = (reason: string, retryAfterSeconds?: number, code = 'rate_limited') =>
  retryAfterSeconds === undefined
    ? new AppError(429, code, reason)
    : new AppError(429, code, `${reason} Try again in ${englishWait(retryAfterSeconds)}.`, undefined, retryAfterSeconds);
/** The server is short of something for now (database connections, export slots): come back later. */
export const serviceBusy = (code: string, message: string, retryAfterSeconds: number) =>
  new AppError(503, code, message, undefined, retryAfterSeconds);
export const insufficientStorage = (message: string) => new AppError(507, 'insufficient_storage', message);

/** How long a client is asked to wait while PostgreSQL is away: a restart takes seconds, a failover tens of them. */
export const DATABASE_RETRY_AFTER_SECONDS = 30;

/** PostgreSQL cannot be reached: nothing of this request was done (the wait is added to the message, as for 429). */
const databaseUnavailable = () =>
  serviceBusy(
    'database_unavailable',
    `The archive's database cannot be reached this minute, so nothing was done. Try again in ${englishWait(DATABASE_RETRY_AFTER_SECONDS)}.`,
    DATABASE_RETRY_AFTER_SECONDS,
  );

/**
 * The connection to PostgreSQL broke during COMMIT: what was asked may or may not have been done,
 * and saying "nothing was done" could be false. Asking again is safe where the request is idempotent.
 */
const outcomeUnknown = () =>
  serviceBusy(
    'outcome_unknown',
    `The connection to the archive's database broke just as this was being saved, so it is not known whether it was. Check, or try again in ${englishWait(DATABASE_RETRY_AFTER_SECONDS)}.`,
    DATABASE_RETRY_AFTER_SECONDS,
  );

/** Overloaded: no connection came free in time, or a statement or an idle transaction ran out its time. */
const busy = () => serviceBusy('busy', 'The server is busy right now; please try again in a few seconds.', 5);

/** A failure the repositories threw (db/errors.ts); recognised by name, as the domain imports no values from db/. */
export function isStoreFailure(err: unknown, kind?: StoreFailureKind): err is StoreFailure {
  return err instanceof Error && err.name === 'StoreFailure' && (kind === undefined || (err as StoreFailure).kind === kind);
}

/** What a refused or failed statement means to a person; the one place this is said. Null: not a store failure. */
export function fromStoreFailure(err: unknown): AppError | null {
  if (!isStoreFailure(err)) return null;
  switch (err.kind) {
    case 'original_unchangeable':
      return conflict('original_unchangeable', 'What the observer sent cannot be changed.');
    case 'decision_required':
      return conflict('decision_required', 'What the public sees changes only by a recorded decision.');
    case 'publication_held':
      return conflict('publication_held', 'Publication for this election is held until the polls close. Nothing was changed.');
    case 'unique':
      return conflict('already_exists', 'This already exists.');
    case 'foreign_key':
      return badRequest('unknown_reference', 'The form refers to something that does not exist.');
    case 'invalid_value':
      return badRequest('invalid_value', 'A value is not allowed here.');
    case 'malformed_value':
      return badRequest('invalid_value', 'A value has the wrong format.');
    case 'retry':
      return serviceBusy('retry', 'The server was busy; please try again.', 1);
    case 'unavailable':
      return busy();
    case 'unreachable':
      return databaseUnavailable();
    case 'outcome_unknown':
      return outcomeUnknown();
  }
}
