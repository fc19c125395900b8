/**
 * Issue 12, finding 5: db/schema.sql is the schema the migrations make, as pg_dump prints it, so
 * it can be read in one file; it is regenerated here from a database migrated afresh and compared
 * with the committed one.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { dumpFreshSchema, SCHEMA_FILE } from '../../scripts/db-schema';
import { TEST_PG_BASE } from '../helpers/databases';

test('db/schema.sql is what the migrations make today (else: npm run db:schema, and commit it)', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-schema-'));
  try {
    const fresh = path.join(dir, 'schema.sql');
    await fs.writeFile(fresh, await dumpFreshSchema(`${TEST_PG_BASE}/postgres`));
    const diff = await promisify(execFile)('diff', ['-u', SCHEMA_FILE, fresh]).then(
      () => '',
      (err: { code?: number; stdout?: string }) => {
        if (err.code !== 1) throw err;
        return err.stdout ?? '';
      },
    );
    if (diff) {
      throw new Error(`db/schema.sql differs from the schema the migrations make: run npm run db:schema and commit db/schema.sql.\n${diff.slice(0, 4000)}`);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
