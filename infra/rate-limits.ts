import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Logger } from '../domain/logger';
import type { RateLimits } from '../domain/ports/rate-limits';

/** Counters in this process's memory: one API process (the default). */
export function memoryRateLimits(): RateLimits {
  const salt = randomBytes(32);
  return {
    shared: false,
    limiter: (_name, options) => new RateLimiterMemory(options),
    clientKeySalt: async () => salt,
  };
}

/**
 * Counters in Redis, shared by every API process (RATE_LIMIT_STORE=redis). While Redis is away each
 * process counts in its own memory (the insurance limiter), so a Redis outage never opens or closes
 * the limits for everyone. The client-key salt is drawn by the first process and kept in Redis
 * only (never in PostgreSQL or a file we write; with Redis' AOF on it is on Redis' disk).
 */
export function redisRateLimits(config: { redisUrl: string; queuePrefix: string }, log: Logger): RateLimits & { close(): Promise<void> } {
  // No offline queue: a command while Redis is down fails at once and the insurance limiter answers.
  const client = new IORedis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
  client.on('error', () => undefined); // reconnects by itself; the limiter falls back meanwhile
  const saltKey = `${config.queuePrefix}:client-key-salt`;
  let salt: Promise<Buffer> | undefined;
  return {
    shared: true,
    limiter: (name, options) =>
      new RateLimiterRedis({
        storeClient: client,
        keyPrefix: `${config.queuePrefix}:rl:${name}`,
        ...options,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(options),
      }),
    clientKeySalt() {
      salt ??= (async () => {
        const mine = randomBytes(32).toString('hex');
        try {
          if (client.status !== 'ready') await new Promise((resolve, reject) => (client.once('ready', resolve), setTimeout(() => reject(new Error('Redis not ready')), 5000).unref()));
          await client.set(saltKey, mine, 'NX');
          return Buffer.from((await client.get(saltKey)) ?? mine, 'hex');
        } catch (err) {
          log.warn({ err: (err as Error).message }, 'Redis is away: this process makes client keys with a salt of its own until it restarts');
          return Buffer.from(mine, 'hex');
        }
      })();
      return salt;
    },
    async close() {
      client.disconnect();
    },
  };
}
