/**
 * Issue 13, item 5: the worker runs at a lower CPU priority, and so do the long-running ffmpeg HEVC
 * decoders it keeps (its children, started after it lowered itself): they inherit the worker's nice
 * value, so decoding HEICs never takes a core from the API. In a process of its own (a priority
 * cannot be raised again), as worker/main.ts starts.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
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
  test('lowered at start: every thread, every decoder ffmpeg and every earlier child with all their threads, at the worker’s nice', () => {
    // Above this test's own priority (jest may run niced already), as WORKER_NICE is above the API's.
    const nice = Math.min(19, os.getPriority() + 5);
    expect(nice).toBeGreaterThan(os.getPriority());
    const heic = loadExpected().find((e) => e.mime === 'image/heic')!;
    const report = runAt(nice, fixturePath(heic.file));
    expect(new Set(report.self)).toEqual(new Set([nice]));
    // One decoder for the preview's shrink, one for the thumb's.
    expect(report.decoders.length).toBe(2);
    for (const d of report.decoders) {
      expect(d).toMatchObject({ command: 'ffmpeg', ni: nice });
      expect(new Set(d.threads)).toEqual(new Set([nice]));
    }
    // A child that ran before the priority was lowered (as tsx's esbuild service may in the worker) is lowered with it.
    expect(report.others.map((o) => o.command)).toContain('sleep');
    for (const o of report.others) expect({ command: o.command, nices: [...new Set(o.threads)] }).toEqual({ command: o.command, nices: [nice] });
  }, 90_000);
});
