import type { Clock } from '../../domain/ports/clock';

/** A clock that always reads `at`. */
export const fixedClock = (at: Date): Clock => ({ now: () => new Date(at) });
