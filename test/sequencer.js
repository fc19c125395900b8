/**
 * Longest file first, from the durations a whole run recorded (test/durations.json, written by
 * test/record-durations.js). Jest's own sequencer already does this, but from its cache, which a
 * fresh clone (CI) does not have: it then orders by file size, and a long browser or fault file that
 * is small on disk starts last and runs alone while the other worker idles.
 *
 * Order: files that failed in this checkout's last run first (Jest's cache, as its own sequencer);
 * then by duration, longest first: the recorded one, else Jest's cached one on this machine, else an
 * estimate: the median recorded for the file's layer (test/<layer>/), or, with none recorded there,
 * a rough prior per layer (LAYER_PRIOR_MS). Equal figures: the bigger file first.
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

/** Milliseconds assumed for a file of a layer where nothing is recorded: the order of the layers' costs, not a measurement. */
const LAYER_PRIOR_MS = { faults: 60_000, browser: 40_000, integration: 15_000, db: 5_000, service: 1_000, unit: 1_000 };
const DEFAULT_PRIOR_MS = 15_000;

const layerOf = (key) => key.split('/')[1] ?? '';

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** For a file with no figure: the median of its layer's recorded files, else the layer's prior. */
function estimator(recorded) {
  const byLayer = {};
  for (const [key, ms] of Object.entries(recorded)) (byLayer[layerOf(key)] ??= []).push(ms);
  return (key) => {
    const layer = layerOf(key);
    return byLayer[layer] ? median(byLayer[layer]) : (LAYER_PRIOR_MS[layer] ?? DEFAULT_PRIOR_MS);
  };
}

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
    this.estimate = estimator(this.recorded);
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
      return { test, path: test.path, failed: this.hasFailed(test), duration: test.duration, estimate: this.estimate(keyOf(test.path)), size };
    });
    return longestFirst(items).map((item) => item.test);
  }
}

module.exports = LongestFirstSequencer;
module.exports.keyOf = keyOf;
module.exports.longestFirst = longestFirst;
module.exports.estimator = estimator;
