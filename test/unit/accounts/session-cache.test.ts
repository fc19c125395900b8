/**
 * The in-process session cache (domain/accounts/session-cache.ts): an entry lasts its time and never
 * past the session's expiry, only while notices from other processes arrive; a revocation forgets the account's sessions (or all), a read that
 * started before a revocation is not kept, 0 turns it off, and it holds a bounded number.
 */
import type { SessionUser } from '../../../domain/accounts/model';
import { SessionCache } from '../../../domain/accounts/session-cache';

const user = (accountId: string): SessionUser => ({ accountId, email: `${accountId}@example.org`, role: 'moderator', csrfToken: 'x', needsTotpSetup: false });
const FAR = new Date('2100-01-01T00:00:00Z');

function clockedCache(ttlMs: number, max?: number) {
  let now = 1_000_000;
  const cache = new SessionCache(ttlMs, max, () => now);
  cache.setLive(true);
  return { cache, advance: (ms: number) => (now += ms), at: () => now };
}

test('an entry is reused for its time, then read again', () => {
  const { cache, advance } = clockedCache(2000);
  cache.set('k', user('a'), FAR, cache.begin());
  expect(cache.get('k')).toEqual(user('a'));
  advance(1999);
  expect(cache.get('k')).toEqual(user('a'));
  advance(1);
  expect(cache.get('k')).toBeNull();
});

test("never past the session's own expiry", () => {
  const { cache, advance, at } = clockedCache(2000);
  cache.set('k', user('a'), new Date(at() + 500), cache.begin());
  advance(499);
  expect(cache.get('k')).not.toBeNull();
  advance(1);
  expect(cache.get('k')).toBeNull();
});

test("a revocation forgets that account's sessions at once, others stay; without an account, all", () => {
  const { cache } = clockedCache(2000);
  cache.set('a1', user('a'), FAR, cache.begin());
  cache.set('a2', user('a'), FAR, cache.begin());
  cache.set('b1', user('b'), FAR, cache.begin());
  cache.forget('a');
  expect([cache.get('a1'), cache.get('a2'), cache.get('b1')]).toEqual([null, null, user('b')]);
  cache.forget();
  expect(cache.get('b1')).toBeNull();
});

test('a read that started before a revocation is not kept (it may have seen the session alive)', () => {
  const { cache } = clockedCache(2000);
  const started = cache.begin();
  cache.forget('a'); // committed while the read was in flight
  cache.set('a1', user('a'), FAR, started);
  expect(cache.get('a1')).toBeNull();
  cache.set('a1', user('a'), FAR, cache.begin());
  expect(cache.get('a1')).toEqual(user('a'));
});

test('nothing is reused while notices from other processes may be missed, and what was kept is dropped when they may be', () => {
  const { cache } = clockedCache(2000);
  cache.set('a1', user('a'), FAR, cache.begin());
  cache.setLive(false);
  expect(cache.enabled).toBe(false);
  expect(cache.get('a1')).toBeNull();
  cache.set('a1', user('a'), FAR, cache.begin());
  cache.setLive(true);
  expect(cache.get('a1')).toBeNull();
});

test('0 keeps nothing; the number of entries is bounded, the oldest go first', () => {
  const off = clockedCache(0).cache;
  expect(off.enabled).toBe(false);
  off.set('k', user('a'), FAR, off.begin());
  expect(off.get('k')).toBeNull();
  const { cache } = clockedCache(2000, 3);
  for (const k of ['1', '2', '3', '4']) cache.set(k, user(k), FAR, cache.begin());
  expect(cache.size).toBe(3);
  expect(cache.get('1')).toBeNull();
  expect(cache.get('4')).toEqual(user('4'));
});
