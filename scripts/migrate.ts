import { ensureDatabase, orExit } from '../domain/bootstrap';
import { loadConfigOrExit } from '../domain/config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';

async function main() {
  const config = loadConfigOrExit();
  await orExit(ensureDatabase(config.databaseUrl));
  const pool = createPool(config.databaseUrl, 1);
  const applied = await migrate(pool);
  await pool.end();
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
}

void main();
