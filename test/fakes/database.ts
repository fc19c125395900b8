/**
 * In-memory stand-ins for the repositories (db/repositories.ts), for service tests that run without
 * PostgreSQL. A test fakes only the functions the service under test calls, typed against the real
 * ones; calling anything else fails the test with the function's name. A transaction runs on the
 * same fakes and puts the tables back as they were when its function throws, as a rollback would.
 */
import type { Repositories, TxRepositories } from '../../db/repositories';
import type { AppContext } from '../../domain/context';

type Module = keyof TxRepositories;
/** Some of each repository's functions; those only a transaction has (locks) included. */
export type FakeRepos = { [M in Module]?: Partial<TxRepositories[M] & Repositories[M]> };

export type FakeDatabase<Tables> = Pick<AppContext, 'repos' | 'transaction'> & {
  /** The rows as they are now; a test sets them up and reads them afterwards. */
  tables: Tables;
  /** How many transactions were rolled back, and committed. */
  rollbacks: number;
  commits: number;
  /** True while a transaction's function runs (a fake can tell whether it was called inside one). */
  inTransaction: boolean;
};

/** Copies what tables hold (rows of plain values, Dates, Buffers, arrays, Maps), so a rollback can restore it. */
function copy<T>(value: T): T {
  if (Buffer.isBuffer(value)) return Buffer.from(value) as T;
  if (value instanceof Date) return new Date(value) as T;
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, copy(v)])) as T;
  if (Array.isArray(value)) return value.map(copy) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)])) as T;
  return value;
}

function refuseUnfaked(repos: FakeRepos): Repositories & TxRepositories {
  return new Proxy(repos, {
    get: (target, module: string) =>
      new Proxy(target[module as Module] ?? {}, {
        get: (fns: Record<string, unknown>, fn: string) => {
          if (fn in fns) return fns[fn];
          throw new Error(`repos.${module}.${fn} is not faked in this test`);
        },
      }),
  }) as unknown as Repositories & TxRepositories;
}

/**
 * `build` makes the fake repositories over the tables; they must read `tables` at each call (not
 * keep a row list), since a rollback replaces what the tables hold.
 */
export function fakeDatabase<Tables extends object>(tables: Tables, build: (tables: Tables) => FakeRepos): FakeDatabase<Tables> {
  const repos = refuseUnfaked(build(tables));
  const db: FakeDatabase<Tables> = {
    tables,
    rollbacks: 0,
    commits: 0,
    inTransaction: false,
    repos,
    async transaction(fn) {
      const before = copy(tables);
      db.inTransaction = true;
      try {
        const result = await fn(repos);
        db.commits++;
        return result;
      } catch (err) {
        Object.assign(tables, before);
        db.rollbacks++;
        throw err;
      } finally {
        db.inTransaction = false;
      }
    },
  };
  return db;
}
