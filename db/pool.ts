import { Pool, type PoolClient } from 'pg';
import { commitFailureOf } from './errors';

export type Db = Pool;
export type Tx = PoolClient;
/** Anything that can run a query: the pool or a client inside a transaction. */
export type Queryable = Pick<Pool, 'query'>;

/**
 * How long a pool's clients may wait and hold: every server process sets all three, so no request
 * can hang on the database (absent: no limit, for operator scripts and migrations).
 */
export type PoolLimits = {
  /** A statement running longer is cancelled by PostgreSQL (57014). */
  statementTimeoutMs?: number;
  /** A transaction left idle longer is ended by PostgreSQL, its locks and connection freed (25P03). */
  idleInTransactionTimeoutMs?: number;
  /** Waiting longer for a free connection (or a new one) fails instead of queueing forever. */
  acquireTimeoutMs?: number;
  /** Shown in pg_stat_activity, so an operator sees which process a session belongs to ('svidetel-api'). */
  applicationName?: string;
};

export function createPool(databaseUrl: string, max = 10, limits: PoolLimits = {}): Pool {
  const pool = new Pool({
    connectionString: databaseUrl,
    max,
    application_name: limits.applicationName ?? 'svidetel',
    statement_timeout: limits.statementTimeoutMs,
    idle_in_transaction_session_timeout: limits.idleInTransactionTimeoutMs,
    connectionTimeoutMillis: limits.acquireTimeoutMs,
  });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // Nor may that of a client checked out (in a transaction, or streaming an export): pg-pool listens
  // only while a client is idle, and an 'error' event nobody listens to ends the process. The query
  // in flight, or the next one, fails with the error and the pool discards the client on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** True when a connect() now would wait: every connection the pool may open is in use. */
export function poolIsFull(pool: Pool): boolean {
  return pool.idleCount === 0 && pool.totalCount >= pool.options.max;
}

/**
 * A statement timeout for this transaction only, for work an operator starts knowingly (a whole
 * register imported at once) that may run longer than a request's statements may.
 */
export async function allowLongStatements(tx: Tx, timeoutMs: number): Promise<void> {
  await tx.query(`SELECT set_config('statement_timeout', $1, true)`, [String(timeoutMs)]);
}

export async function withTransaction<T>(pool: Pool, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    try {
      await client.query('COMMIT');
    } catch (err) {
      throw commitFailureOf(err); // the connection broke at COMMIT: kept or not, nobody here knows
    }
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
