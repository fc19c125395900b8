import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createContext, orExit, prepareDatabase } from '../infra/compose';
import { loadConfigOrExit } from '../domain/config';

/** After a crash a child is started again after 1 s, doubling up to a minute while it keeps crashing. */
const FIRST_RESTART_MS = 1000;
const MAX_RESTART_MS = 60_000;
/** A child that ran this long before it died is taken as healthy: its next restart waits 1 s again. */
const HEALTHY_AFTER_MS = 60_000;
/** This file compiled to dist/ by scripts/build.ts, or run as TypeScript through tsx. */
const COMPILED = __filename.endsWith('.js');
/** The API's Node options, as the Dockerfile's CMD gives them. */
const API_NODE_OPTIONS = ['--max-semi-space-size=2'];

/**
 * `npm start`: checks PostgreSQL and Redis, applies migrations, then runs the API (with the web UI)
 * and the worker as two processes, so image work never stalls HTTP. A child that dies (a crash, the
 * OOM killer, SIGKILL) is started again with a growing wait, and the other keeps running: nothing
 * stays down until a person notices. Ctrl-C or SIGTERM stops both gracefully.
 */
async function main() {
  const config = loadConfigOrExit();
  await orExit(prepareDatabase(config)); // as the owner; the children run as the application's role
  const ctx = await orExit(createContext(config, 'start'));
  await ctx.close(); // it only checked; each child opens its own connections

  const root = path.join(__dirname, '..');
  const running = new Set<ChildProcess>();
  let stopping = false;

  const supervise = (entry: string, execArgv: string[]) => {
    let delay = FIRST_RESTART_MS;
    const launch = () => {
      const started = Date.now();
      const child = fork(path.join(root, entry), [], { execArgv, stdio: 'inherit' });
      running.add(child);
      child.once('exit', (code, signal) => {
        running.delete(child);
        if (stopping) return;
        if (Date.now() - started >= HEALTHY_AFTER_MS) delay = FIRST_RESTART_MS;
        process.stderr.write(`${entry} exited (${signal ?? `code ${code}`}); starting it again in ${delay / 1000} s\n`);
        setTimeout(launch, delay);
        delay = Math.min(MAX_RESTART_MS, delay * 2);
      });
    };
    launch();
  };
  // Compiled (`npm start` runs dist/scripts/start.js, see scripts/build.ts): the children are the
  // compiled entries, on plain node, with the Node options of the Dockerfile's CMD (why: there).
  // Run as TypeScript (tsx scripts/start.ts: tests, development): the sources, through tsx.
  if (COMPILED) {
    supervise('api/main.js', API_NODE_OPTIONS);
    supervise('worker/main.js', []);
  } else {
    supervise('api/main.ts', ['--require', 'tsx/cjs', ...API_NODE_OPTIONS]);
    supervise('worker/main.ts', ['--import', 'tsx']);
  }

  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const child of running) child.kill('SIGTERM');
    setTimeout(() => process.exit(0), 15_000).unref();
    Promise.all([...running].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r))))).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
