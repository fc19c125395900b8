import type { AppContext } from '../context';
import { diskSpace, type DiskSpace } from '../submissions/disk-space';

/** A check's verdict in fixed words: the endpoint is public, so no host, address or error text. */
export type CheckResult = 'ok' | 'down' | 'timeout';

export type Readiness = {
  /** PostgreSQL and the storage answer: the archive can receive and keep files. */
  ready: boolean;
  checks: { postgres: CheckResult; redis: CheckResult; storage: CheckResult; disk: DiskSpace['state'] | 'unknown' };
};

/** A load balancer asks often and must not wait on a dependency that hangs. */
const CHECK_TIMEOUT_MS = 2000;

async function check(probe: () => Promise<unknown>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), CHECK_TIMEOUT_MS);
  });
  const answered = probe().then((): CheckResult => 'ok', (): CheckResult => 'down');
  const result = await Promise.race([answered, timeout]);
  clearTimeout(timer);
  return result;
}

/**
 * Whether this API process can do its work now. Redis and a full disk are reported but do not make
 * it unready: uploads are accepted without Redis (the queue is rebuilt from PostgreSQL), and a full
 * disk refuses uploads with 507 while moderators and the public archive keep working; taking the
 * only instance out of a load balancer for either would turn a degraded archive into a dead one.
 */
export async function readiness(ctx: AppContext): Promise<Readiness> {
  let disk: DiskSpace | null = null;
  const [postgres, redis, storage] = await Promise.all([
    check(() => ctx.repos.health.ping()),
    check(() => ctx.queue.ping()),
    check(async () => {
      disk = await diskSpace(ctx);
    }),
  ]);
  const state = (disk as DiskSpace | null)?.state ?? 'unknown';
  return { ready: postgres === 'ok' && storage === 'ok', checks: { postgres, redis, storage, disk: state } };
}
