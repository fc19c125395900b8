import type { Config } from './config';
import type { Logger } from './logger';
import type { Db } from '../db/pool';
import type { Repositories, TxRepositories } from '../db/repositories';
import type { Storage } from './storage/storage';
import type { JobQueue } from './queue/job-queue';
import type { OpenLogSigner } from './ports/log-signer';

/** What every domain service may reach: nothing else is global. */
export type AppContext = {
  config: Config;
  /** The repositories bound to the pool; services reach the database only through these. */
  repos: Repositories;
  /** Runs fn with repositories bound to one transaction: all of it commits, or none. */
  transaction<T>(fn: (tx: TxRepositories) => Promise<T>): Promise<T>;
  /** The export pool's repositories (see exportDb). */
  exportRepos: Repositories;
  /** @deprecated being removed (issue 12): services use repos/transaction; only the composition root holds pools. */
  db: Db;
  /** The exports' own small pool (CSV, JSON, Atom): public readers never wait on or take `db`'s connections. */
  exportDb: Db;
  storage: Storage;
  queue: JobQueue;
  /** The transparency log's signer; opening it loads the key, which only the worker does. */
  logSigner: OpenLogSigner;
  log: Logger;
};
