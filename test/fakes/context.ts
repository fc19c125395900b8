import { RateLimiterMemory } from 'rate-limiter-flexible';
/**
 * The context a service test runs a service on: the in-memory fakes of this folder behind the
 * ports, and the configuration's defaults. Nothing in it opens a connection; a port the test does
 * not hand in fails when used.
 */
import { Writable } from 'node:stream';
import { parseConfig, type Config } from '../../domain/config';
import type { AppContext } from '../../domain/context';
import { createLogger } from '../../domain/logger';
import { fixedClock } from './clock';
import type { FakeDatabase } from './database';
import { FakeBlobStore } from './blob-store';
import { FakeJobQueue } from './job-queue';

const unused = <T extends object>(port: string): T =>
  new Proxy({} as T, {
    get: (_, member) => {
      throw new Error(`ctx.${port}.${String(member)} is not faked in this test`);
    },
  });

export type FakeContext = AppContext & {
  blobs: FakeBlobStore;
  queue: FakeJobQueue;
  /** What the service logged, one object per line. */
  logged: Record<string, unknown>[];
};

export function fakeContext(
  database: FakeDatabase<object>,
  parts: { blobs?: FakeBlobStore; queue?: FakeJobQueue; media?: AppContext['media']; config?: Partial<Config>; now?: Date } = {},
): FakeContext {
  const logged: Record<string, unknown>[] = [];
  const lines = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return {
    config: { ...parseConfig({ NODE_ENV: 'test' }), ...parts.config },
    repos: database.repos,
    transaction: database.transaction,
    exportRepos: database.repos,
    blobs: parts.blobs ?? new FakeBlobStore(),
    media: parts.media ?? unused('media'),
    queue: parts.queue ?? new FakeJobQueue(),
    replicas: [],
    rateLimits: { shared: false, limiter: (_name, options) => new RateLimiterMemory(options), clientKeySalt: async () => Buffer.alloc(32) },
    logSigner: () => Promise.reject(new Error('ctx.logSigner is not faked in this test')),
    notaries: unused('notaries'),
    promiseSigner: unused('promiseSigner'),
    sessionChanges: unused('sessionChanges'),
    totpKey: unused('totpKey'),
    clock: fixedClock(parts.now ?? new Date('2026-03-15T12:00:00Z')),
    log: createLogger('info', 'service-test', lines),
    logged,
  };
}
