import { AppError, badRequest, conflict, serviceBusy } from '../domain/errors';

/** Overloaded: no connection came free in time, or a statement or an idle transaction ran out its time. */
const busy = () => serviceBusy('busy', 'The server is busy right now; please try again in a few seconds.', 5);

/** What pg and pg-pool throw, with no code, when no connection could be had within the acquire timeout. */
const ACQUIRE_TIMEOUT_MESSAGES = new Set(['timeout exceeded when trying to connect', 'Connection terminated due to connection timeout']);

/** PostgreSQL error codes mapped to what a person can act on; the one place this happens. */
export function mapDatabaseError(err: unknown): AppError | null {
  if (err instanceof Error && ACQUIRE_TIMEOUT_MESSAGES.has(err.message)) return busy();
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return null;
  switch (code) {
    case 'SV001': // raised by the guards on what the observer sent (db/migrations/001_baseline.sql)
      return conflict('original_unchangeable', 'What the observer sent cannot be changed.');
    case 'SV002': // raised when a submission's status or public choices change without a decision (db/migrations/002_…)
      return conflict('decision_required', 'What the public sees changes only by a recorded decision.');
    case 'SV003': // the publication hold's guard (db/migrations/004_…); the service refuses first, saying until when
      return conflict('publication_held', 'Publication for this election is held until the polls close. Nothing was changed.');
    case '23505':
      return conflict('already_exists', 'This already exists.');
    case '23503':
      return badRequest('unknown_reference', 'The form refers to something that does not exist.');
    case '23514':
    case '23502':
      return badRequest('invalid_value', 'A value is not allowed here.');
    case '22P02':
    case '22007':
    case '22008':
    case '22003':
      return badRequest('invalid_value', 'A value has the wrong format.');
    case '40001':
    case '40P01':
      return serviceBusy('retry', 'The server was busy; please try again.', 1);
    case '57014': // statement_timeout
    case '25P03': // idle_in_transaction_session_timeout
    case '53300': // too_many_connections
      return busy();
    default:
      return null;
  }
}
