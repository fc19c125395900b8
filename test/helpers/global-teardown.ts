import fs from 'node:fs/promises';
import { dropDatabases, testRun, testTotpKeyPath } from './databases';

export default async function globalTeardown(): Promise<void> {
  if (process.env.TEST_RUN) await dropDatabases(testRun());
  await fs.rm(testTotpKeyPath(), { force: true });
}
