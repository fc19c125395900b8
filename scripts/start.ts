import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createContext, orExit, prepareDatabase } from '../infra/compose';
import { loadConfigOrExit } from '../domain/config';

/**
 * `npm start`: checks PostgreSQL and Redis, applies migrations, then runs the API (with the web UI)
 * and the worker as two processes, so image work never stalls HTTP. Ctrl-C stops both gracefully.
 */
async function main() {
  const config = loadConfigOrExit();
  await orExit(prepareDatabase(config)); // as the owner; the children run as the application's role
  const ctx = await orExit(createContext(config, 'start'));
  await ctx.close(); // it only checked; each child opens its own connections

  const root = path.join(__dirname, '..');
  // The API with the Node options of the Dockerfile's CMD (why: there).
  const children: ChildProcess[] = [
    ['api/main.ts', ['--require', 'tsx/cjs', '--max-semi-space-size=2']],
    ['worker/main.ts', ['--import', 'tsx']],
  ].map(([entry, execArgv]) => fork(path.join(root, entry as string), [], { execArgv: execArgv as string[], stdio: 'inherit' }));
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const child of children) child.kill('SIGTERM');
    setTimeout(() => process.exit(code), 15_000).unref();
    Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r))))).then(() => process.exit(code));
  };
  for (const child of children) child.once('exit', (code) => stop(code ?? 1));
  process.once('SIGINT', () => stop(0));
  process.once('SIGTERM', () => stop(0));
}

void main();
