import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { AppContext } from '../context';
import type { RateLimits } from '../ports/rate-limits';
import { tooManyRequests } from '../errors';

const DAY_S = 86_400;
const LONGEST_WAIT_S = 15 * 60;

/**
 * Login protection on rate-limiter-flexible's "login endpoint protection" pattern: failures are
 * counted per client (a day's budget, against slow guessing of many accounts) and per client and
 * account (consecutive failures, against guessing one password). Past a few free failures a
 * (client, account) pair waits before each further attempt, 1 s, 2 s, 4 s … up to 15 min: a guesser
 * is slowed, the account is never locked, and its owner logs in from any client that has not been
 * failing. No counter is shared by all clients, so none can be exhausted for everyone.
 *
 * Clients are the caller's salted keys; the counters live in this process's memory, or in Redis
 * shared by every API process (RATE_LIMIT_STORE, ctx.rateLimits).
 */
class LoginThrottle {
  private readonly clientFailures: RateLimiterAbstract;
  private readonly pairFailures: RateLimiterAbstract;
  private readonly pairWaits: RateLimiterAbstract;

  constructor(
    limits: RateLimits,
    failuresPerClientPerDay: number,
    private readonly failuresBeforeDelay: number,
  ) {
    this.clientFailures = limits.limiter('login-client', { points: failuresPerClientPerDay, duration: DAY_S });
    this.pairFailures = limits.limiter('login-pair', { points: Number.MAX_SAFE_INTEGER, duration: DAY_S });
    this.pairWaits = limits.limiter('login-wait', { points: 1, duration: 1 });
  }

  /**
   * Admits an attempt and records it as failed until succeeded() says otherwise, so attempts sent in
   * parallel get no extra guesses. In memory every step runs without I/O, so an attempt is admitted
   * and recorded before the next request is looked at; in Redis each count is atomic, and the wait
   * is checked before the count (a few parallel attempts may pass one wait together).
   */
  async admit(client: string, email: string): Promise<void> {
    const pair = pairKey(client, email);
    const waiting = await this.pairWaits.get(pair);
    if (waiting && waiting.remainingPoints === 0) throw throttled(waiting.msBeforeNext); // block() spends every point
    try {
      await this.clientFailures.consume(client);
    } catch (err) {
      if (err instanceof RateLimiterRes) throw throttled(err.msBeforeNext);
      throw err;
    }
    const failures = (await this.pairFailures.penalty(pair)).consumedPoints;
    if (failures >= this.failuresBeforeDelay) {
      await this.pairWaits.block(pair, Math.min(2 ** (failures - this.failuresBeforeDelay), LONGEST_WAIT_S));
    }
  }

  /** The right credentials: this attempt was no failure, and the pair starts afresh. */
  async succeeded(client: string, email: string): Promise<void> {
    const pair = pairKey(client, email);
    await Promise.all([this.clientFailures.reward(client), this.pairFailures.delete(pair), this.pairWaits.delete(pair)]);
  }
}

const pairKey = (client: string, email: string) => `${client} ${email}`;

const throttled = (msBeforeNext: number) =>
  tooManyRequests('login_throttled', Math.max(1, Math.ceil(msBeforeNext / 1000)));

/** One throttle per running context (tests run several servers in one process). */
const throttles = new WeakMap<AppContext, LoginThrottle>();

export function loginThrottle(ctx: AppContext): LoginThrottle {
  let throttle = throttles.get(ctx);
  if (!throttle) {
    throttle = new LoginThrottle(ctx.rateLimits, ctx.config.loginFailuresPerClientPerDay, ctx.config.loginFailuresBeforeDelay);
    throttles.set(ctx, throttle);
  }
  return throttle;
}
