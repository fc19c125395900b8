import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/** test/sequencer.js and test/record-durations.js: how the run orders its files and where it learns their lengths. */
type Item = { path: string; failed: boolean; duration: number | undefined; estimate: number; size: number };
const { longestFirst, keyOf, estimate } = require('../../sequencer') as {
  longestFirst(items: Item[]): Item[];
  keyOf(testPath: string): string;
  estimate(key: string): number;
};

const ROOT = path.resolve(__dirname, '../../..');
const RECORD = path.join(ROOT, 'test/record-durations.js');
const run = promisify(execFile);

const item = (name: string, fields: Partial<Item> = {}): Item => ({ path: `/repo/test/${name}`, failed: false, duration: undefined, estimate: 1_000, size: 1000, ...fields });
const names = (items: Item[]) => items.map((i) => path.basename(i.path));

describe('longest first', () => {
  test('a failed file first, then by duration (an estimate where none is known), longest first; equal ones bigger first', () => {
    const order = longestFirst([
      item('short', { duration: 2_000 }),
      item('new-unit', { estimate: 800, size: 90_000 }),
      item('long', { duration: 60_000, size: 10 }),
      item('failed-short', { duration: 500, failed: true }),
      item('new-browser', { estimate: 40_000 }),
      item('middle-small', { duration: 20_000, size: 10 }),
      item('middle-big', { duration: 20_000, size: 90_000, estimate: 99_000 }),
    ]);
    expect(names(order)).toEqual(['failed-short', 'long', 'new-browser', 'middle-big', 'middle-small', 'short', 'new-unit']);
  });

  test('ties keep one order whatever order the files come in', () => {
    const items = [item('b', { duration: 5 }), item('a', { duration: 5 }), item('c', { duration: 5 })];
    expect(names(longestFirst(items))).toEqual(['a', 'b', 'c']);
    expect(names(longestFirst([...items].reverse()))).toEqual(['a', 'b', 'c']);
  });

  test('a file with no figure is estimated by its layer: fault and browser files before the others, unit and service last', () => {
    const layers = ['faults', 'browser', 'integration', 'db', 'service', 'unit'].map((layer) => estimate(`test/${layer}/new.test.ts`));
    expect(layers).toEqual([...layers].sort((a, b) => b - a));
    expect(layers[0]).toBeGreaterThan(layers[2]!);
    expect(layers[2]).toBeGreaterThan(layers[5]!);
  });

  test('files are keyed by their path from the repository root', () => {
    expect(keyOf(path.join(ROOT, 'test', 'faults', 'x.test.ts'))).toBe('test/faults/x.test.ts');
  });
});

describe('recording durations from jest --json', () => {
  let dir: string;
  beforeAll(async () => void (dir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-durations-'))));
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  test('files in the report get their new figure, others keep theirs, vanished files and files that did not run are dropped', async () => {
    const durations = path.join(dir, 'durations.json');
    await fs.writeFile(
      durations,
      JSON.stringify({ files: { 'test/unit/ci/sequencer.test.ts': 1, 'jest.config.js': 777, 'test/gone.test.ts': 5 } }),
    );
    const report = {
      testResults: [
        { name: path.join(ROOT, 'test/unit/ci/sequencer.test.ts'), startTime: 1_000, endTime: 4_250.4, status: 'passed', assertionResults: [{}] },
        // Failed to load: no test ran, so its time says nothing.
        { name: path.join(ROOT, 'test/record-durations.js'), startTime: 1_000, endTime: 1_010, status: 'failed', assertionResults: [] },
      ],
    };
    await fs.writeFile(path.join(dir, 'report.json'), JSON.stringify(report));
    await run(process.execPath, [RECORD, path.join(dir, 'report.json'), durations]);
    const written = JSON.parse(await fs.readFile(durations, 'utf8')) as { files: Record<string, number>; load_average_1m_at_record: number };
    expect(written.files).toEqual({ 'jest.config.js': 777, 'test/unit/ci/sequencer.test.ts': 3_250 });
    expect(Object.keys(written.files)).toEqual(['jest.config.js', 'test/unit/ci/sequencer.test.ts']);
    expect(typeof written.load_average_1m_at_record).toBe('number');
  });

  test('--summary prints the slowest files and how many ran at once, and writes nothing', async () => {
    const durations = path.join(dir, 'untouched.json');
    const report = {
      startTime: 10_000,
      testResults: [
        { name: path.join(ROOT, 'test/a.test.ts'), startTime: 10_000, endTime: 40_000, status: 'passed', assertionResults: [{}] },
        { name: path.join(ROOT, 'test/b.test.ts'), startTime: 10_000, endTime: 20_000, status: 'passed', assertionResults: [{}] },
        { name: path.join(ROOT, 'test/c.test.ts'), startTime: 20_000, endTime: 40_000, status: 'failed', assertionResults: [{}] },
      ],
    };
    await fs.writeFile(path.join(dir, 'summary.json'), JSON.stringify(report));
    const { stdout } = await run(process.execPath, [RECORD, '--summary', path.join(dir, 'summary.json'), durations]);
    const lines = stdout.trim().split('\n');
    expect(lines.slice(1, 4).map((l) => l.trim())).toEqual(['30.0 s  test/a.test.ts', '20.0 s  test/c.test.ts', '10.0 s  test/b.test.ts']);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ files: 3, summed_s: 60, wall_s: 30, files_at_once: 2 });
    await expect(fs.access(durations)).rejects.toThrow();
  });

  test('the committed durations name only test files that exist', async () => {
    const { files } = JSON.parse(await fs.readFile(path.join(ROOT, 'test/durations.json'), 'utf8')) as { files: Record<string, number> };
    for (const [file, ms] of Object.entries(files)) {
      expect(file).toMatch(/^test\/.+\.test\.ts$/);
      await expect(fs.access(path.join(ROOT, file))).resolves.toBeUndefined();
      expect(ms).toBeGreaterThan(0);
    }
  });
});
