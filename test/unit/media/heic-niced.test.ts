/**
 * Issue 13, item 5: the worker runs at a lower CPU priority, and so do the long-running ffmpeg HEVC
 * decoders it keeps (its children, started after it lowered itself): they inherit the worker's nice
 * value, so decoding HEICs never takes a core from the API. In a process of its own (a priority
 * cannot be raised again), as worker/main.ts starts.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describeWithFixtures, fixturePath, loadExpected } from '../../helpers/fixtures';

const ROOT = path.resolve(__dirname, '..', '..', '..');

type Report = { self: number[]; decoders: { pid: number; command: string; ni: number; threads: number[] }[]; others: { pid: number; command: string; threads: number[] }[] };

function runAt(nice: number, file: string): Report {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/helpers/niced-decoder.ts', String(nice), file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`the helper failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Report;
}

describeWithFixtures('the HEVC decoders run at the worker’s lower priority', () => {
  test('lowered to 10 at start: every thread, every decoder ffmpeg and every earlier child with all their threads, at 10', () => {
    const heic = loadExpected().find((e) => e.mime === 'image/heic')!;
    const report = runAt(10, fixturePath(heic.file));
    expect(new Set(report.self)).toEqual(new Set([10]));
    // One decoder for the preview's shrink, one for the thumb's.
    expect(report.decoders.length).toBe(2);
    for (const d of report.decoders) {
      expect(d).toMatchObject({ command: 'ffmpeg', ni: 10 });
      expect(new Set(d.threads)).toEqual(new Set([10]));
    }
    // A child that ran before the priority was lowered (tsx's esbuild, run here as in the worker) is lowered with it.
    expect(report.others.map((o) => o.command)).toContain('esbuild');
    for (const o of report.others) expect({ command: o.command, nices: [...new Set(o.threads)] }).toEqual({ command: o.command, nices: [10] });
  }, 90_000);
});
