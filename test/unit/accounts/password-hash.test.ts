import { AppError } from '../../../domain/errors';
import { passwordHash, passwordMatches } from '../../../domain/accounts/password-hash';

describe('password hashing under a flood of logins', () => {
  test('runs one hash at a time: past 64 waiting a login is told to come back, and the rest are hashed right', async () => {
    const settled = await Promise.allSettled(Array.from({ length: 70 }, (_, i) => passwordHash(`password number ${i}`)));
    const refused = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    expect(refused).toHaveLength(6);
    for (const r of refused) {
      expect(r.reason).toBeInstanceOf(AppError);
      expect((r.reason as AppError).status).toBe(503);
      expect((r.reason as AppError).retryAfterSeconds).toBeGreaterThan(0);
    }
    const first = settled[0] as PromiseFulfilledResult<string>;
    expect(first.value).toMatch(/^\$argon2id\$/);
    expect(await passwordMatches(first.value, 'password number 0')).toBe(true);
    expect(await passwordMatches(first.value, 'password number 1')).toBe(false);
  });
});
