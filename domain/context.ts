import type { Config } from './config';
import type { Logger } from './logger';
import type { Repositories, TxRepositories } from '../db/repositories';
import type { BlobStore, Replica } from './ports/blob-store';
import type { Clock } from './ports/clock';
import type { JobQueue } from './ports/job-queue';
import type { OpenLogSigner, PromiseSigner } from './ports/log-signer';
import type { LogNotaries } from './ports/log-notaries';
import type { MediaToolkit } from './ports/media-toolkit';
import type { RateLimits } from './ports/rate-limits';
import type { SessionChanges } from './ports/session-changes';
import type { TotpKeyStore } from './ports/totp-key';

/**
 * What every domain service may reach: nothing else is global. Built by the composition root
 * (infra/compose.ts), which picks the adapters behind the ports.
 */
export type AppContext = {
  config: Config;
  /** The repositories bound to the pool; services reach the database only through these. */
  repos: Repositories;
  /** Runs fn with repositories bound to one transaction: all of it commits, or none. */
  transaction<T>(fn: (tx: TxRepositories) => Promise<T>): Promise<T>;
  /** The exports' own small pool's repositories (CSV, JSON, Atom): public readers never wait on or take the main pool's connections. */
  exportRepos: Repositories;
  /** Originals (write-once, by SHA-256) and their derivatives. */
  blobs: BlobStore;
  /** Further stores each receiving a copy of every original (REPLICA_<n>_…); often none. */
  replicas: Replica[];
  /** sharp, ffprobe, ffmpeg, heif-convert. */
  media: MediaToolkit;
  queue: JobQueue;
  /** Login and public rate-limit counters: this process's memory, or Redis shared by every API process. */
  rateLimits: RateLimits;
  /** The transparency log's signer; opening it loads the key, which only the worker does. */
  logSigner: OpenLogSigner;
  /** The log's witnesses and timestamping authority (LOG_WITNESSES, LOG_TSA_URL), reached by the worker after it signs. */
  notaries: LogNotaries;
  /** This process's inclusion-promise key (in memory only; delegated by the log key). */
  promiseSigner: PromiseSigner;
  /** The key that seals two-factor secrets at rest. */
  totpKey: TotpKeyStore;
  /** Notices, from every process, that sessions were ended or changed (the API's session cache forgets them). */
  sessionChanges: SessionChanges;
  clock: Clock;
  log: Logger;
};
