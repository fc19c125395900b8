import { orExit, prepareDatabase } from '../infra/compose';
import { loadConfigOrExit } from '../domain/config';

/** `npm run migrate`: as the owner (DATABASE_OWNER_URL), creates the database if needed, migrates, grants the app role. */
async function main() {
  const config = loadConfigOrExit();
  const applied = await orExit(prepareDatabase(config));
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
}

void main();
