/**
 * npm run inspect -- <file>...
 * Prints one JSON object per line per file: what the worker would read from it. A broken file is
 * reported in its `error` field and does not change the exit code; no arguments exits 2.
 */
import path from 'node:path';
import { inspectFile } from '../domain/media/inspect';
import { createMediaToolkit } from '../infra/compose';

async function main(files: string[]): Promise<number> {
  if (files.length === 0) {
    process.stderr.write('usage: npm run inspect -- <file>...\n');
    return 2;
  }
  const media = createMediaToolkit();
  for (const file of files) {
    const record = await inspectFile(media, path.resolve(file));
    process.stdout.write(`${JSON.stringify({ ...record, file })}\n`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  },
);
