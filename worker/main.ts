import { createContext, lowerProcessPriority, oneImageThreadPerJob, orExit } from '../infra/compose';
import { loadConfigOrExit } from '../domain/config';
import { startWorker } from './worker';

async function main() {
  const config = loadConfigOrExit();
  // Uploads and pages come first on a shared machine: the worker, and every tool it starts, runs
  // at a lower CPU priority (issue 13, item 5). Before anything else, so every thread has it.
  let niced: string | { threads: number; sessionGroup: boolean };
  try {
    niced = lowerProcessPriority(config.workerNice);
  } catch (err) {
    niced = `not lowered: ${(err as Error).message}`;
  }
  oneImageThreadPerJob();
  // As svidetel_signer: the worker alone writes signed tree heads and the log's public key.
  const ctx = await orExit(createContext({ ...config, databaseUrl: config.signerDatabaseUrl }, 'worker'));
  const worker = await orExit(startWorker(ctx));
  ctx.log.info({ concurrency: config.workerConcurrency, heavyConcurrency: config.workerHeavyConcurrency, nice: config.workerNice, lowered: niced }, 'worker started');
  // Graceful: finish the jobs in hand, take no new ones; anything unfinished is re-enqueued on the next start.
  const shutdown = async () => {
    ctx.log.info('worker shutting down after the current jobs');
    await worker.close();
    await ctx.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

void main();
