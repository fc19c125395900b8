import fs from 'node:fs/promises';
import path from 'node:path';
import { clusterTemplateDir, dropDatabases, testRun, testTotpKeyPath } from './databases';

export default async function globalTeardown(): Promise<void> {
  if (process.env.TEST_RUN) await dropDatabases(testRun());
  await fs.rm(testTotpKeyPath(), { force: true });
  // The fault tests' initdb template, and any copy of it a worker made but did not rename into place.
  const template = clusterTemplateDir();
  const twins = (await fs.readdir(path.dirname(template))).filter((name) => name.startsWith(`${path.basename(template)}-making-`));
  await Promise.all([template, ...twins.map((name) => path.join(path.dirname(template), name))].map((dir) => fs.rm(dir, { recursive: true, force: true })));
}
