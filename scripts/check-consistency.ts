/**
 * `npm run check:consistency`: compares the blob store, the database and the transparency log and
 * prints every mismatch: an original no row records, a row whose original is gone, a file with no
 * leaf, a submission with no file, a log whose size is not its leaf count, a stale temp file.
 * Exit code 0 when there is none, 1 when there is any, 2 when it could not check. Originals no row
 * records in a store under Object Lock are listed too, but are no mismatch: nothing can remove them.
 */
import { createContext, orExit } from '../infra/compose';
import { loadConfigOrExit } from '../domain/config';
import { checkConsistency, mismatchCount, type ConsistencyReport } from '../domain/integrity/consistency.service';

const FINDINGS: { key: Exclude<keyof ConsistencyReport, 'logSizeMismatch'>; says: string }[] = [
  { key: 'originalsWithoutRow', says: 'original with no row' },
  { key: 'rowsWithoutOriginal', says: 'row with no original' },
  { key: 'filesWithoutLeaf', says: 'file with no log leaf' },
  { key: 'submissionsWithoutFiles', says: 'submission with no file' },
  { key: 'staleTempFiles', says: 'stale temp file' },
  { key: 'unreferencedLocked', says: 'unreferenced, locked (kept by Object Lock; not a mismatch)' },
];

async function main() {
  const config = loadConfigOrExit();
  const ctx = await orExit(createContext(config, 'check-consistency'));
  try {
    const report = await checkConsistency(ctx);
    for (const { key, says } of FINDINGS) for (const item of report[key]) process.stdout.write(`${says}: ${item}\n`);
    const log = report.logSizeMismatch;
    if (log) process.stdout.write(`log size ${log.size} but ${log.leaves} leaves (numbered up to ${log.nextIndex - 1})\n`);
    const mismatches = mismatchCount(report);
    process.stdout.write(mismatches === 0 ? 'consistent: store, database and log agree\n' : `${mismatches} mismatches\n`);
    process.exitCode = mismatches === 0 ? 0 : 1;
  } catch (err) {
    process.stderr.write(`could not check: ${(err as Error).message}\n`);
    process.exitCode = 2;
  } finally {
    await ctx.close();
  }
}

void main();
