import { prepareDatabase } from '../../infra/compose';
import { parseConfig } from '../../domain/config';
import { APP_ROLE } from '../../db/roles';
import { TEST_PG_BASE, asAdmin, dropDatabases, templateDatabase, testRun } from './databases';

/**
 * Names the run (inherited by the workers) and migrates its template once, as the owner and as in
 * production (prepareDatabase). Connections to it are then refused, so copying it never fails on a
 * session left open.
 */
export default async function globalSetup(): Promise<void> {
  process.env.TEST_RUN ??= `svidetel_test_${process.pid}`;
  await dropDatabases(testRun());
  const owner = new URL(`${TEST_PG_BASE}/${templateDatabase()}`);
  const app = new URL(owner);
  app.username = APP_ROLE;
  app.password = '';
  await prepareDatabase(parseConfig({ NODE_ENV: 'test', DATABASE_URL: app.toString(), DATABASE_OWNER_URL: owner.toString() }));
  await asAdmin((c) => c.query(`ALTER DATABASE "${templateDatabase()}" WITH ALLOW_CONNECTIONS false`));
}
