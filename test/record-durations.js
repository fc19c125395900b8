#!/usr/bin/env node
/**
 * Records each test file's duration from Jest's JSON report into test/durations.json, which
 * test/sequencer.js reads to start the longest files first:
 *
 *   npx jest --maxWorkers=2 --json --outputFile=/tmp/jest.json [files…]
 *   node test/record-durations.js /tmp/jest.json [durations file, test/durations.json by default]
 *
 * Merges: files in the report get their new figure, the others keep theirs; entries of files that no
 * longer exist are dropped. Only the order matters to the sequencer, but a figure taken on a loaded
 * machine (or from a file run alone) is not comparable to one from a whole run: record from a whole
 * run on a quiet machine where you can, and the load average at the time is written down beside them.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { keyOf } = require('./sequencer');

const DURATIONS = path.join(__dirname, 'durations.json');
const ROOT = path.resolve(__dirname, '..');

function main(argv) {
  const [reportPath, durationsPath = DURATIONS] = argv;
  if (!reportPath) {
    console.error('usage: node test/record-durations.js <jest --json report> [durations file]');
    return 2;
  }
  const report = JSON.parse(fs.readFileSync(reportPath, 'utf8'));
  const previous = fs.existsSync(durationsPath) ? JSON.parse(fs.readFileSync(durationsPath, 'utf8')) : {};
  const files = { ...(previous.files ?? {}) };

  let recorded = 0;
  for (const result of report.testResults ?? []) {
    // --json's report (formatTestResults) gives each file's startTime and endTime in ms.
    const ms = result.endTime - result.startTime;
    // A file that did not run (a failure to load it: no test in it ran) says nothing about its length.
    if (!(ms > 0) || (result.status === 'failed' && !(result.assertionResults ?? []).length)) continue;
    files[keyOf(result.name)] = Math.round(ms);
    recorded += 1;
  }
  for (const key of Object.keys(files)) if (!fs.existsSync(path.join(ROOT, key))) delete files[key];

  const sorted = Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
  const out = {
    about: 'Milliseconds per test file, read by test/sequencer.js (longest first); written by test/record-durations.js.',
    recorded: new Date().toISOString(),
    load_average_1m_at_record: Number(os.loadavg()[0].toFixed(2)),
    cpus: os.cpus().length,
    files: sorted,
  };
  fs.writeFileSync(durationsPath, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`recorded ${recorded} file(s); ${Object.keys(sorted).length} in ${durationsPath}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
