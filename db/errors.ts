import { AppError, badRequest, conflict } from '../domain/errors';

/** PostgreSQL error codes mapped to what a person can act on; the one place this happens. */
export function mapDatabaseError(err: unknown): AppError | null {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return null;
  switch (code) {
    case 'SV001': // raised by the guards of migration 047
      return conflict('original_unchangeable', 'What the observer sent cannot be changed.');
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
      return new AppError(503, 'retry', 'The server was busy; please try again.');
    default:
      return null;
  }
}
