#!/usr/bin/env node
/**
 * Records each test file's duration from Jest's JSON report into test/durations.json, which
 * test/sequencer.js reads to start the longest files first:
 *
 *   npx jest --maxWorkers=2 --json --outputFile=/tmp/jest.json [files…]
 *   node test/record-durations.js /tmp/jest.json [durations file, test/durations.json by default]
 *   node test/record-durations.js --summary /tmp/jest.json   (prints the slowest files, writes nothing; .ci/run)
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

/** Each file's milliseconds in a jest --json report, by repository path; files that did not run are left out. */
function durationsIn(report) {
  const files = {};
  for (const result of report.testResults ?? []) {
    // --json's report (formatTestResults) gives each file's startTime and endTime in ms.
    const ms = result.endTime - result.startTime;
    // A file that did not run (a failure to load it: no test in it ran) says nothing about its length.
    if (!(ms > 0) || (result.status === 'failed' && !(result.assertionResults ?? []).length)) continue;
    files[keyOf(result.name)] = Math.round(ms);
  }
  return files;
}

/**
 * The slowest files and how well the workers were kept busy: the files' summed time over the run's
 * wall time (first start to last end) is the average number of files running at once.
 */
function summary(report, files, top = 20) {
  const entries = Object.entries(files).sort(([, a], [, b]) => b - a);
  const summed = entries.reduce((sum, [, ms]) => sum + ms, 0);
  const ends = (report.testResults ?? []).map((r) => r.endTime).filter(Number.isFinite);
  const wall = ends.length && report.startTime ? Math.max(...ends) - report.startTime : 0;
  const s = (ms) => (ms / 1000).toFixed(1);
  const lines = entries.slice(0, top).map(([key, ms]) => `${s(ms).padStart(7)} s  ${key}`);
  const figures = {
    files: entries.length,
    summed_s: Number(s(summed)),
    wall_s: Number(s(wall)),
    files_at_once: wall ? Number((summed / wall).toFixed(2)) : null,
    load_average_1m: Number(os.loadavg()[0].toFixed(2)),
  };
  return [`the ${Math.min(top, entries.length)} slowest of ${entries.length} test files:`, ...lines, JSON.stringify(figures)].join('\n');
}

function main(argv) {
  const summaryOnly = argv.includes('--summary');
  const [reportPath, durationsPath = DURATIONS] = argv.filter((a) => a !== '--summary');
  if (!reportPath) {
    console.error('usage: node test/record-durations.js [--summary] <jest --json report> [durations file]');
    return 2;
  }
  const report = JSON.parse(fs.readFileSync(reportPath, 'utf8'));
  const measured = durationsIn(report);
  if (summaryOnly) {
    console.log(summary(report, measured));
    return 0;
  }
  const previous = fs.existsSync(durationsPath) ? JSON.parse(fs.readFileSync(durationsPath, 'utf8')) : {};
  const files = { ...(previous.files ?? {}), ...measured };
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
  console.log(`recorded ${Object.keys(measured).length} file(s); ${Object.keys(sorted).length} in ${durationsPath}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
