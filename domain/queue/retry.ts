/**
 * How long a job waits before its next attempt after a transient failure: exponential from one
 * second, capped, with "equal jitter" (half the wait fixed, half random) so that the thousand jobs
 * that failed together when PostgreSQL went away do not all come back in the same second.
 */
export const FIRST_RETRY_DELAY_MS = 1000;

export function retryDelayMs(attempt: number, maxDelayMs: number, random: () => number = Math.random): number {
  const full = Math.min(maxDelayMs, FIRST_RETRY_DELAY_MS * 2 ** Math.min(Math.max(attempt, 1) - 1, 30));
  return Math.round(full / 2 + (random() * full) / 2);
}
