import type { RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * Where rate-limit counters live (rate-limiter-flexible): in this process's memory, or in Redis so
 * that every API process behind a load balancer counts a client once. Client keys are HMACs of
 * the address under a salt: processes sharing counters must share the salt too.
 */
export type RateLimits = {
  /** Whether the counters are shared by every API process. */
  readonly shared: boolean;
  /** A limiter of its own name (one budget): `points` per `duration` seconds per key. */
  limiter(name: string, options: { points: number; duration: number }): RateLimiterAbstract;
  /** The salt client keys are made with: drawn at start, or, when shared, the one all processes use. */
  clientKeySalt(): Promise<Buffer>;
};
