/**
 * `npm run audit:verify`: recomputes the audit log's hash chain from the first row to the head.
 * Prints the number of rows and the head hash; on the first row that does not fit, names it and
 * exits 1 (2 when the database cannot be reached).
 */
import { ensureDatabase, orExit } from '../domain/bootstrap';
import { loadConfigOrExit } from '../domain/config';
import { verifyAuditChain } from '../domain/audit/audit.service';
import { createPool } from '../db/pool';

async function main() {
  const config = loadConfigOrExit();
  await orExit(ensureDatabase(config.databaseUrl));
  const pool = createPool(config.databaseUrl, 1);
  try {
    const report = await verifyAuditChain(pool);
    if (report.ok) {
      process.stdout.write(`ok: ${report.rows} audit rows, chain intact; head ${report.headHash}\n`);
    } else {
      process.stdout.write(`FAILED at audit row ${report.seq}: ${report.problem} (${report.rows} rows before it are intact)\n`);
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
