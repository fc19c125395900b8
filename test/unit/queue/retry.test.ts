import { FIRST_RETRY_DELAY_MS, retryDelayMs } from '../../../domain/queue/retry';

describe('the wait before a retry', () => {
  const MAX = 300_000;

  test('doubles from one second up to the cap, between half and all of it', () => {
    expect(retryDelayMs(1, MAX, () => 1)).toBe(FIRST_RETRY_DELAY_MS);
    expect(retryDelayMs(1, MAX, () => 0)).toBe(FIRST_RETRY_DELAY_MS / 2);
    expect(retryDelayMs(4, MAX, () => 1)).toBe(8000);
    expect(retryDelayMs(30, MAX, () => 1)).toBe(MAX);
    expect(retryDelayMs(1000, MAX, () => 0)).toBe(MAX / 2);
  });

  test('jobs that failed together come back spread out', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const waits = new Set(Array.from({ length: 100 }, () => retryDelayMs(10, MAX, random)));
    expect(waits.size).toBeGreaterThan(90);
  });
});
