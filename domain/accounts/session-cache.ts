import type { SessionUser } from './model';

/**
 * Sessions this process read lately, so a moderator's page views (the queue, an entry, the next
 * entry after a decision, the live poll) do not each cost a round trip to PostgreSQL for the same
 * session. What keeps revocation prompt:
 * - an entry lives `ttlMs` at most (SESSION_CACHE_SECONDS, 2 s by default; 0 turns the cache off),
 *   and never past the session's own expiry;
 * - only requests that cannot change anything (GET, HEAD, OPTIONS) use it: every request that
 *   changes something reads its session from the database, so a revoked session can change nothing
 *   from the moment it is revoked, on any host;
 * - what this process revokes (logout, a session revoked, a password set, an account disabled or its
 *   role or two-factor changed, the two-factor requirement) is forgotten here once it committed, and
 *   announced in its transaction to every other process (PostgreSQL NOTIFY at commit), which forget
 *   it as the notice arrives (milliseconds); while notices may be missed (the listening connection not
 *   up yet, or lost) nothing is reused at all. Only a change made around the services (SQL by hand)
 *   is not announced: such a session can still read for at most `ttlMs`.
 * A read that started before a revocation is not kept (the generation moved on while it ran).
 */
export class SessionCache {
  private readonly entries = new Map<string, { user: SessionUser; accountId: string; until: number }>();
  private generation = 0;
  /** Whether changes made by other processes reach this one (SessionChanges): only then is anything reused. */
  private live = false;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0 && this.live;
  }

  /** Notices from other processes arrive (true) or may be missed (false): either way, what was kept is dropped. */
  setLive(live: boolean): void {
    this.forget();
    this.live = live;
  }

  /** The generation a read starts in: hand it back to set(), which keeps nothing read before a revocation. */
  begin(): number {
    return this.generation;
  }

  get(key: string): SessionUser | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.until <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.user;
  }

  set(key: string, user: SessionUser, sessionExpiresAt: Date, startedIn: number): void {
    if (!this.enabled || startedIn !== this.generation) return;
    const until = Math.min(this.now() + this.ttlMs, sessionExpiresAt.getTime());
    this.entries.delete(key); // re-inserted last: the oldest go first when the cache is full
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { user, accountId: user.accountId, until });
  }

  /** Forgets one account's sessions (or every session, without an account): after a revocation committed. */
  forget(accountId?: string): void {
    this.generation += 1;
    if (accountId === undefined) {
      this.entries.clear();
      return;
    }
    for (const [key, entry] of this.entries) if (entry.accountId === accountId) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
