import fs from 'node:fs/promises';
import path from 'node:path';
import { clusterTemplateDir, dropDatabases, testRun, testTotpKeyPath } from './databases';

export default async function globalTeardown(): Promise<void> {
  if (process.env.TEST_RUN) await dropDatabases(testRun());
  await fs.rm(testTotpKeyPath(), { force: true });
  // The fault tests' cluster template, its lock, and any half-made one a worker left behind.
  const template = clusterTemplateDir();
  const named = (name: string) => name === `${path.basename(template)}.lock` || name.startsWith(`${path.basename(template)}-making-`);
  const others = (await fs.readdir(path.dirname(template))).filter(named).map((name) => path.join(path.dirname(template), name));
  await Promise.all([template, ...others].map((dir) => fs.rm(dir, { recursive: true, force: true })));
}
