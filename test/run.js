#!/usr/bin/env node
/**
 * `npm test`: the type check and the dependency rules run beside Jest instead of before it. They
 * took ~25 s of wall time for ~13 s of CPU, which the suite no longer waits for. Their output is
 * printed whole when each ends (not mixed into Jest's); any of the three failing fails the run, and
 * all three always finish, so one run reports every failure. Arguments go to Jest
 * (`npm test -- test/unit`).
 *
 * Two Jest workers on two cores: a third was tried (the longest files mostly wait) but on a quiet
 * machine it made timing-sensitive tests fail (a 503 from a busy pool, a 404 timing comparison).
 */
const { spawn } = require('node:child_process');

const JEST_WORKERS = 2;

/** Runs a command; `capture`: its output is kept and printed in one piece when it ends. */
function run(label, command, args, capture) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    const output = [];
    if (capture) {
      child.stdout.on('data', (chunk) => output.push(chunk));
      child.stderr.on('data', (chunk) => output.push(chunk));
    }
    child.on('error', (err) => {
      process.stderr.write(`${label}: could not start: ${err.message}\n`);
      resolve(1);
    });
    child.on('close', (code, signal) => {
      const text = Buffer.concat(output).toString('utf8').trimEnd();
      if (capture && (code !== 0 || text)) process.stderr.write(`\n--- ${label} (${code === 0 ? 'passed' : `failed: ${signal ?? `exit ${code}`}`})\n${text}\n`);
      resolve(code ?? 1);
    });
  });
}

async function main() {
  const codes = await Promise.all([
    run('jest', process.execPath, [require.resolve('jest/bin/jest'), `--maxWorkers=${JEST_WORKERS}`, ...process.argv.slice(2)], false),
    run('npm run typecheck', 'npm', ['run', '-s', 'typecheck'], true),
    run('npm run lint:deps', 'npm', ['run', '-s', 'lint:deps'], true),
  ]);
  process.exitCode = codes.find((code) => code !== 0) ?? 0;
}

void main();
