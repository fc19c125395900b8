import type { StoreFailure, StoreFailureKind } from '../db/errors';

/**
 * What an error names for the words to say (web/error-messages.ts, the one catalogue): a count, a
 * limit, a file's or a column's name. Never prose: the words are the catalogue's, in the reader's language.
 */
export type ErrorParams = Readonly<Record<string, string | number | readonly string[]>>;

/** What a 404 did not find; each has its own sentence in the catalogue (the languages inflect the noun). */
export type MissingThing =
  | 'page' | 'file' | 'preview' | 'receipt' | 'export_format' | 'election' | 'category' | 'submission' | 'entry'
  | 'protocol_copy' | 'count' | 'station' | 'upload' | 'account' | 'session' | 'video_copy' | 'original';

/**
 * The one error type of Svidetel: an HTTP status, a stable machine code and the parameters its
 * words need; the words themselves are in the catalogue. Anything else that reaches the error
 * handler is a bug and answers 500. The message is only for logs: the code and its parameters.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly params: ErrorParams = {},
    readonly details?: Record<string, unknown>,
    /** When to come back (429, 503), sent as Retry-After and said after the message. */
    readonly retryAfterSeconds?: number,
  ) {
    super(Object.keys(params).length ? `${code} ${JSON.stringify(params)}` : code);
    this.name = 'AppError';
  }
}

export const badRequest = (code: string, params?: ErrorParams, details?: Record<string, unknown>) => new AppError(400, code, params, details);
export const unauthorized = () => new AppError(401, 'unauthorized');
export const forbidden = (code: string) => new AppError(403, code);
export const notFound = (thing: MissingThing) => new AppError(404, 'not_found', { thing });
export const conflict = (code: string, params?: ErrorParams, details?: Record<string, unknown>) => new AppError(409, code, params, details);
/** 413; the limit in MiB (or, with code too_many_pixels' words, megapixels) that was passed. */
export const payloadTooLarge = (params: { limit_mib: number } | { limit_megapixels: number }) =>
  new AppError(413, 'too_large', params);
export const unsupportedMedia = () => new AppError(415, 'unsupported_type');

/** 429; with a wait, it is said after the message and sent as Retry-After. */
export const tooManyRequests = (code: string, retryAfterSeconds?: number) => new AppError(429, code, {}, undefined, retryAfterSeconds);
/** The server is short of something for now (database connections, export slots): come back later. */
export const serviceBusy = (code: string, retryAfterSeconds: number, params?: ErrorParams) =>
  new AppError(503, code, params, undefined, retryAfterSeconds);
export const insufficientStorage = () => new AppError(507, 'insufficient_storage');

/** How long a client is asked to wait while PostgreSQL is away: a restart takes seconds, a failover tens of them. */
export const DATABASE_RETRY_AFTER_SECONDS = 30;

/** PostgreSQL cannot be reached: nothing of this request was done. */
const databaseUnavailable = () => serviceBusy('database_unavailable', DATABASE_RETRY_AFTER_SECONDS);

/**
 * The connection to PostgreSQL broke during COMMIT: what was asked may or may not have been done,
 * and saying "nothing was done" could be false. Asking again is safe where the request is idempotent.
 */
const outcomeUnknown = () => serviceBusy('outcome_unknown', DATABASE_RETRY_AFTER_SECONDS);

/** Overloaded: no connection came free in time, or a statement or an idle transaction ran out its time. */
const busy = () => serviceBusy('busy', 5);

/** A failure the repositories threw (db/errors.ts); recognised by name, as the domain imports no values from db/. */
export function isStoreFailure(err: unknown, kind?: StoreFailureKind): err is StoreFailure {
  return err instanceof Error && err.name === 'StoreFailure' && (kind === undefined || (err as StoreFailure).kind === kind);
}

/** What a refused or failed statement means to a person; the one place this is said. Null: not a store failure. */
export function fromStoreFailure(err: unknown): AppError | null {
  if (!isStoreFailure(err)) return null;
  switch (err.kind) {
    case 'original_unchangeable':
      return conflict('original_unchangeable');
    case 'decision_required':
      return conflict('decision_required');
    case 'publication_held':
      return conflict('publication_held');
    case 'unique':
      return conflict('already_exists');
    case 'foreign_key':
      return badRequest('unknown_reference');
    case 'invalid_value':
      return badRequest('invalid_value');
    case 'malformed_value':
      return badRequest('invalid_value');
    case 'retry':
      return serviceBusy('retry', 1);
    case 'unavailable':
      return busy();
    case 'unreachable':
      return databaseUnavailable();
    case 'outcome_unknown':
      return outcomeUnknown();
  }
}
