import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { typescriptScript } from '../helpers/scripts';

/**
 * The filesystem store makes an original's name durable, not only its bytes: after link() it
 * fsyncs the shard directory, and the parent of each directory it made, before putOriginal returns
 * (a receipt names the original only after). Seen from outside, in the system calls (strace -y
 * prints the path of each descriptor); a power cut cannot be staged in a test.
 */
const hasStrace = spawnSync('strace', ['-V']).status === 0;

(hasStrace ? test : test.skip)('putOriginal fsyncs the new name: its directory and those it made; nothing for bytes already stored', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-durable-'));
  try {
    const traceFile = path.join(dir, 'trace');
    const store = path.join(dir, 'store');
    const run = spawnSync('strace', ['-f', '-qq', '-y', '-o', traceFile, '-e', 'trace=fsync,fdatasync,access,faccessat,faccessat2', process.execPath, ...typescriptScript('test/helpers/fs-put-originals.ts'), store], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(0);
    const { shard, results } = JSON.parse(run.stdout.trim().split('\n').pop()!) as { shard: string; results: { created: boolean }[] };
    expect(results).toEqual([{ created: true }, { created: true }, { created: false }]);

    const trace = await fs.readFile(traceFile, 'utf8');
    const step = (name: string, next: string) => trace.slice(trace.indexOf(`/svidetel-trace-${name}`), trace.indexOf(`/svidetel-trace-${next}`));
    // Directories synced in a step: the descriptor paths of fsync calls that are not files under tmp/.
    const syncedDirs = (text: string) =>
      [...text.matchAll(/\bf(?:data)?sync\(\d+<([^>]+)>/g)].map((m) => path.relative(store, m[1]!)).filter((p) => !p.startsWith('tmp')).sort();
    const tempSyncs = (text: string) => [...text.matchAll(/\bf(?:data)?sync\(\d+<([^>]+)>/g)].filter((m) => path.relative(store, m[1]!).startsWith('tmp')).length;
    const [ab, cd] = [shard.slice(0, 2), shard.slice(2, 4)];

    const first = step('step-1', 'step-2');
    expect(tempSyncs(first)).toBeGreaterThanOrEqual(1); // the bytes, as received
    expect(syncedDirs(first)).toEqual(['originals', `originals/${ab}`, `originals/${ab}/${cd}`]);
    expect(syncedDirs(step('step-2', 'step-3'))).toEqual([`originals/${ab}/${cd}`]);
    expect(syncedDirs(step('step-3', 'end'))).toEqual([]);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}, 90_000);
