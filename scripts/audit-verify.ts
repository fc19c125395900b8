/**
 * `npm run audit:verify [-- --key <vkey>]`: recomputes the audit log's hash chain from the first
 * row to the head and checks it against the audit heads anchored in the transparency log's signed
 * tree heads (with --key, the log key published outside this server; else the one recorded in the
 * database). Prints the number of rows and the head hash; on the first row that does not fit, names
 * it and exits 1 (2 when the database cannot be reached).
 */
import { orExit } from '../infra/compose';
import { loadConfigOrExit } from '../domain/config';
import { verifyAuditTrail } from '../domain/audit/audit.service';
import { createPool } from '../db/pool';
import { createDatabase } from '../db/repositories';

async function main() {
  const config = loadConfigOrExit();
  const keyAt = process.argv.indexOf('--key');
  const vkey = keyAt >= 0 ? process.argv[keyAt + 1] : undefined;
  const pool = createPool(config.databaseUrl, 1);
  try {
    const { report, key } = await orExit(verifyAuditTrail(createDatabase(pool).repos, { origin: config.logOrigin, ...(vkey ? { vkey } : {}) }));
    if (report.ok) {
      process.stdout.write(`ok: ${report.rows} audit rows, chain intact; head ${report.headHash}; ${report.anchors} anchors in signed tree heads match (log key ${key})\n`);
    } else {
      process.stdout.write(`FAILED at audit row ${report.seq}: ${report.problem} (${report.rows} rows before it are intact; log key ${key})\n`);
      process.exitCode = 1;
    }
  } catch (err) {
    process.stderr.write(`cannot read the audit log: ${(err as Error).message}\n`);
    process.exitCode = 2;
  } finally {
    await pool.end();
  }
}

void main();
