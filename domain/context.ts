import type { Config } from './config';
import type { Logger } from './logger';
import type { Db } from '../db/pool';
import type { Storage } from './storage/storage';
import type { JobQueue } from './queue/job-queue';

/** What every domain service may reach: nothing else is global. */
export type AppContext = {
  config: Config;
  db: Db;
  /** The exports' own small pool (CSV, JSON, Atom): public readers never wait on or take `db`'s connections. */
  exportDb: Db;
  storage: Storage;
  queue: JobQueue;
  log: Logger;
};
