/**
 * What a failed statement means, in the database layer's own words: the repositories throw these
 * instead of pg's errors, and the domain says what each means to a person (domain/errors.ts
 * fromStoreFailure), so nothing above db/ reads a SQLSTATE.
 */
export type StoreFailureKind =
  /** SV001, the guards on what the observer sent (db/migrations/001_baseline.sql). */
  | 'original_unchangeable'
  /** SV002, a submission's status or public choices changed without a decision (db/migrations/002_…). */
  | 'decision_required'
  /** SV003, the publication hold's guard (db/migrations/004_…); the service refuses first, saying until when. */
  | 'publication_held'
  | 'unique'
  | 'foreign_key'
  /** A check or not-null constraint. */
  | 'invalid_value'
  /** A value PostgreSQL could not read as its type (a date, a number, text for a uuid). */
  | 'malformed_value'
  /** A serialization failure or deadlock: the same statement may well succeed again. */
  | 'retry'
  /** No connection within the acquire timeout, or a statement or idle transaction ran out its time. */
  | 'unavailable'
  /** The server cannot be reached or went away (stopped, restarting, connection lost): nothing of this statement is known to be kept. */
  | 'unreachable'
  /**
   * The connection broke during COMMIT: the transaction may or may not have been kept, and nobody
   * here can tell (the server may have committed it and died before answering).
   */
  | 'outcome_unknown';

export class StoreFailure extends Error {
  constructor(
    readonly kind: StoreFailureKind,
    /** The constraint (or trigger condition) that refused, when PostgreSQL names one. */
    readonly constraint: string | undefined,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'StoreFailure';
  }
}

/** What pg and pg-pool throw, with no code, when no connection could be had within the acquire timeout. */
const ACQUIRE_TIMEOUT_MESSAGES = new Set(['timeout exceeded when trying to connect', 'Connection terminated due to connection timeout']);

const KIND_OF_SQLSTATE: Record<string, StoreFailureKind> = {
  SV001: 'original_unchangeable',
  SV002: 'decision_required',
  SV003: 'publication_held',
  '23505': 'unique',
  '23503': 'foreign_key',
  '23514': 'invalid_value',
  '23502': 'invalid_value',
  '22P02': 'malformed_value',
  '22007': 'malformed_value',
  '22008': 'malformed_value',
  '22003': 'malformed_value',
  '40001': 'retry',
  '40P01': 'retry',
  '57014': 'unavailable', // statement_timeout
  '25P03': 'unavailable', // idle_in_transaction_session_timeout
  '53300': 'unavailable', // too_many_connections
};

/** What pg says, with no code, of a connection that broke or was closed under it. */
const CONNECTION_LOST_MESSAGES = [
  'Connection terminated unexpectedly',
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];
/** The socket's own errors: nothing listens there, or it went away. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** A failure to reach the server at all: SQLSTATE class 08 or 57P01-57P03 (shut down, crashed, not accepting yet), or the network's. */
function isUnreachable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (code.startsWith('08') || /^57P0[123]$/.test(code) || NETWORK_CODES.has(code))) return true;
  if (err instanceof AggregateError) return err.errors.some(isUnreachable); // every address of the host refused
  return err instanceof Error && CONNECTION_LOST_MESSAGES.includes(err.message);
}

/** A COMMIT that failed: if the connection broke, whether it was kept is unknown; anything else is classified as usual. */
export function commitFailureOf(err: unknown): unknown {
  return isUnreachable(err) ? new StoreFailure('outcome_unknown', undefined, err) : err;
}

/** The failure a pg error stands for, or null when it is none of these (a bug: it stays as it is). */
export function storeFailureOf(err: unknown): StoreFailure | null {
  if (err instanceof StoreFailure) return err;
  if (err instanceof Error && ACQUIRE_TIMEOUT_MESSAGES.has(err.message)) return new StoreFailure('unavailable', undefined, err);
  if (isUnreachable(err)) return new StoreFailure('unreachable', undefined, err);
  const { code, constraint } = (err ?? {}) as { code?: unknown; constraint?: unknown };
  const kind = typeof code === 'string' ? KIND_OF_SQLSTATE[code] : undefined;
  return kind ? new StoreFailure(kind, typeof constraint === 'string' ? constraint : undefined, err) : null;
}

/** For the repositories' callers: a classified failure in place of pg's error, anything else unchanged. */
export const asStoreFailure = (err: unknown): unknown => storeFailureOf(err) ?? err;
