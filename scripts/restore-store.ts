/**
 * `npm run restore:store`, after `scripts/pg-backup restore` brought PostgreSQL back: fills the
 * primary store with every original the database records from the replicas (each checked by its
 * SHA-256), then every derivative (copied checked, else made again from its original; a published
 * video copy is reopened for the worker; a lost derivative is reported, not fatal), and gives the
 * log's signer the newest checkpoint the replicas hold, so the worker refuses to sign a tree that
 * forks from a published one. Run with the worker's environment (it
 * opens the log key). Prints one JSON line; exit code 0 when nothing is lost and the log can go on,
 * 1 when an original is lost or the database is behind the published log, 2 when it could not run.
 */
import { createContext, orExit } from '../infra/compose';
import { loadConfigOrExit } from '../domain/config';
import { restoreFromReplicas } from '../domain/replication/restore.service';

async function main() {
  const config = loadConfigOrExit();
  const ctx = await orExit(createContext({ ...config, databaseUrl: config.signerDatabaseUrl }, 'restore-store'));
  try {
    const report = await restoreFromReplicas(ctx);
    process.stdout.write(`${JSON.stringify(report)}\n`);
    for (const sha256 of report.lost) process.stderr.write(`LOST: original ${sha256} is on no replica\n`);
    for (const copy of report.derivatives.lost) process.stderr.write(`LOST: derivative ${copy} is on no replica and cannot be made again\n`);
    if (report.derivatives.reopenedVideos.length > 0) {
      process.stderr.write(`${report.derivatives.reopenedVideos.length} published video copies are owed again: the worker makes them (they are not served until then).\n`);
    }
    if (!report.canSign) {
      process.stderr.write(
        `The database was restored to log size ${report.databaseTreeSize}, before the published checkpoint of size ` +
          `${report.newestPublished!.treeSize} (replica ${report.newestPublished!.replica}): the worker will not sign until it holds that head.\n`,
      );
    }
    process.exitCode = report.lost.length === 0 && report.canSign ? 0 : 1;
  } catch (err) {
    process.stderr.write(`could not restore: ${(err as Error).message}\n`);
    process.exitCode = 2;
  } finally {
    await ctx.close();
  }
}

void main();
