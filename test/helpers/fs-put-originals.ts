/**
 * Run as a child under strace by test/integration/fs-store-durability.test.ts: puts originals into a
 * filesystem store at argv[2], each step after an access() of a marker path the trace is split by.
 *   step-1: new bytes into a new shard (its directories made);
 *   step-2: other new bytes into the same shard (no directory made);
 *   step-3: the first bytes again (nothing created).
 * Prints the first original's path under the store.
 */
import { createHash, randomBytes } from 'node:crypto';
import { accessSync } from 'node:fs';
import { createFsBlobStore } from '../../infra/storage/fs-blob-store';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const mark = (step: string) => {
  try {
    accessSync(`/svidetel-trace-${step}`);
  } catch {
    // the marker never exists: only the syscall is wanted
  }
};

async function main(): Promise<void> {
  const store = await createFsBlobStore(process.argv[2]!);
  const put = async (data: Buffer) => {
    const temp = store.createTempFile();
    await new Promise<void>((resolve, reject) => temp.stream.end(data, () => resolve()).on('error', reject));
    return store.putOriginal(temp.path, sha256(data));
  };
  const first = randomBytes(1000);
  const shard = sha256(first).slice(0, 4);
  let second = randomBytes(1000);
  while (sha256(second).slice(0, 4) !== shard) second = randomBytes(1000);
  mark('step-1');
  const results = [await put(first)];
  mark('step-2');
  results.push(await put(second));
  mark('step-3');
  results.push(await put(first));
  mark('end');
  process.stdout.write(`${JSON.stringify({ shard, results })}\n`);
}

void main();
