import fs from 'node:fs/promises';
import { dropTestDatabase, testTotpKeyPath } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  if (process.env.TEST_DATABASE) await dropTestDatabase(process.env.TEST_DATABASE);
  await fs.rm(testTotpKeyPath(), { force: true });
}
