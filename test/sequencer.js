/**
 * Longest file first, from the durations a whole run recorded (test/durations.json, written by
 * test/record-durations.js). Jest's own sequencer already does this, but from its cache, which a
 * fresh clone (CI) does not have: it then orders by file size, and a long browser or fault file that
 * is small on disk starts last and runs alone while the other worker idles.
 *
 * Order: files that failed in this checkout's last run first (Jest's cache, as its own sequencer);
 * then by duration, longest first: the recorded one, else Jest's cached one on this machine, else a
 * rough prior for the file's layer (LAYER_PRIOR_MS). Equal figures: the bigger file first.
 */
const fs = require('node:fs');
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const DURATIONS = path.join(__dirname, 'durations.json');
const ROOT = path.resolve(__dirname, '..');

function readDurations() {
  try {
    return JSON.parse(fs.readFileSync(DURATIONS, 'utf8')).files ?? {};
  } catch {
    return {};
  }
}

/** The key of a test file in durations.json: its path from the repository's root, with forward slashes. */
const keyOf = (testPath) => path.relative(ROOT, testPath).split(path.sep).join('/');

/**
 * Milliseconds assumed for a file with no figure, by its layer (test/<layer>/): the order of the
 * layers' costs, not a measurement. Not a median of the recorded ones: those may be only a layer's
 * heaviest files (recorded from a run of them), and a new file then rather starts early than late.
 */
const LAYER_PRIOR_MS = { faults: 60_000, browser: 40_000, integration: 15_000, db: 5_000, service: 1_000, unit: 1_000 };
const DEFAULT_PRIOR_MS = 15_000;

/** For a file with no figure (its path from the repository root): its layer's prior. */
const estimate = (key) => LAYER_PRIOR_MS[key.split('/')[1]] ?? DEFAULT_PRIOR_MS;

/**
 * The order, on plain figures: `failed` first, then `duration` (else `estimate`) longest first, then
 * the bigger `size`; ties by path, so that one set of figures always gives one order.
 */
function longestFirst(items) {
  const ms = (item) => item.duration ?? item.estimate;
  return [...items].sort(
    (a, b) =>
      Number(b.failed) - Number(a.failed) ||
      ms(b) - ms(a) ||
      b.size - a.size ||
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
}

class LongestFirstSequencer extends Sequencer {
  constructor(options) {
    super(options);
    this.recorded = readDurations();
  }

  /** Milliseconds: the recorded figure, else Jest's cached one, else undefined (unknown). */
  time(test) {
    const recorded = this.recorded[keyOf(test.path)];
    return typeof recorded === 'number' ? recorded : super.time(test);
  }

  sort(tests) {
    const items = tests.map((test) => {
      test.duration = this.time(test);
      const size = test.context.hasteFS.getSize(test.path) ?? 0;
      return { test, path: test.path, failed: this.hasFailed(test), duration: test.duration, estimate: estimate(keyOf(test.path)), size };
    });
    return longestFirst(items).map((item) => item.test);
  }
}

module.exports = LongestFirstSequencer;
module.exports.keyOf = keyOf;
module.exports.longestFirst = longestFirst;
module.exports.estimate = estimate;
