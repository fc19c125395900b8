import type { Pool, PoolClient } from 'pg';
import * as accounts from './accounts.repo';
import * as answers from './answers.repo';
import * as archive from './archive.repo';
import * as audit from './audit.repo';
import * as catalog from './catalog.repo';
import * as claims from './claims.repo';
import * as clusters from './clusters.repo';
import * as consistency from './consistency.repo';
import * as counts from './counts.repo';
import * as health from './health.repo';
import * as integrity from './integrity.repo';
import * as media from './media.repo';
import * as notes from './notes.repo';
import * as regions from './regions.repo';
import * as redactions from './redactions.repo';
import * as replication from './replication.repo';
import * as settings from './settings.repo';
import * as stations from './stations.repo';
import * as submissions from './submissions.repo';
import * as transparency from './transparency.repo';
import * as uploads from './uploads.repo';
import * as videoCopies from './video-copies.repo';
import { asStoreFailure } from './errors';
import { withTransaction, type Queryable } from './pool';

/**
 * The repositories as the domain sees them: every `(q: Queryable, …args)` function of a repo
 * module becomes `(…args)`, bound to the pool or to one transaction's client. The domain never
 * holds a connection, so a service can be run against in-memory fakes of these.
 */
type Bound<Module, Handle> = {
  [K in keyof Module as Module[K] extends (q: never, ...args: never[]) => unknown
    ? Handle extends Parameters<Module[K]>[0]
      ? K
      : never
    : never]: Module[K] extends (q: never, ...args: infer A) => infer R ? (...args: A) => R : never;
};

const MODULES = { accounts, answers, archive, audit, catalog, claims, clusters, consistency, counts, health, integrity, media, notes, redactions, regions, replication, settings, stations, submissions, transparency, uploads, videoCopies };
type Modules = typeof MODULES;

/** Bound to the pool: each call is its own statement (or opens its own transaction inside the repo). */
export type Repositories = { [M in keyof Modules]: Bound<Modules[M], Pool> };
/** Bound to one transaction: everything commits together or not at all. */
export type TxRepositories = { [M in keyof Modules]: Bound<Modules[M], PoolClient> };

function bindAll(handle: Queryable): Record<string, Record<string, unknown>> {
  const bound: Record<string, Record<string, unknown>> = {};
  for (const [name, module] of Object.entries(MODULES)) {
    const fns: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(module)) {
      if (typeof value !== 'function') continue;
      fns[key] = (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown)(handle, ...args);
        return result instanceof Promise ? result.catch(rethrowAsStoreFailure) : result;
      };
    }
    bound[name] = fns;
  }
  return bound;
}

/** pg's errors leave the repositories as StoreFailures (db/errors.ts); everything else as it was. */
const rethrowAsStoreFailure = (err: unknown): never => {
  throw asStoreFailure(err);
};

export type Database = {
  repos: Repositories;
  transaction<T>(fn: (tx: TxRepositories) => Promise<T>): Promise<T>;
};

/**
 * The repositories bound to one pooled client, made once per client: pg reuses a pool's clients, so
 * a transaction does not rebuild some hundred bound functions each time. Also for tests that opened
 * a transaction on a client themselves (services use transaction()).
 */
const boundToClient = new WeakMap<PoolClient, TxRepositories>();
export function repositoriesOn(client: PoolClient): TxRepositories {
  let repos = boundToClient.get(client);
  if (!repos) boundToClient.set(client, (repos = bindAll(client) as unknown as TxRepositories));
  return repos;
}

export function createDatabase(pool: Pool): Database {
  return {
    repos: bindAll(pool) as unknown as Repositories,
    // Wrapped as a whole too: taking a connection, and COMMIT, fail here, not in a repository.
    transaction: (fn) => withTransaction(pool, (client) => fn(repositoriesOn(client))).catch(rethrowAsStoreFailure),
  };
}
