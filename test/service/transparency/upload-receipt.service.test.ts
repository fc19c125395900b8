/**
 * uploadReceipt after the files are committed: the receipt is given even when the log key and the
 * promise delegation cannot be read (PostgreSQL busy or away just after the commit), without them,
 * as before they are published; once read, they are kept and not read again.
 */
import { randomBytes } from 'node:crypto';
import { StoreFailure } from '../../../db/errors';
import { uploadReceipt } from '../../../domain/transparency/log.service';
import { memoryPromiseSigner } from '../../../infra/log-signer/memory-promise-key';
import { fakeContext } from '../../fakes/context';
import { fakeDatabase } from '../../fakes/database';

const record = (index: number) => ({
  name: `f${index}.jpg`,
  leaf: { version: 1 as const, sha256: randomBytes(32).toString('hex'), size: 10, received_at: Date.parse('2026-03-15T12:00:00Z'), nonce: randomBytes(16).toString('hex'), index },
});

test('the log key and delegation unreadable: the receipt is given without them, and a warning says why', async () => {
  let reads = 0;
  const db = fakeDatabase({}, () => ({
    transparency: {
      publicKeyOf: async () => {
        reads++;
        throw new StoreFailure('unavailable', undefined, new Error('timeout exceeded when trying to connect'));
      },
      promiseDelegation: async () => {
        reads++;
        throw new StoreFailure('unavailable', undefined, new Error('timeout exceeded when trying to connect'));
      },
    },
  }));
  const ctx = { ...fakeContext(db), promiseSigner: memoryPromiseSigner('svidetel.test/log') };
  const { receipt, text } = await uploadReceipt(ctx, [record(7)], 'https://svidetel.test');
  expect(receipt.files).toHaveLength(1);
  expect(receipt.files[0]!.proof_url).toContain('https://svidetel.test/');
  expect(receipt.key).toBeUndefined();
  expect(receipt.promise_key).toBeUndefined();
  expect(text).toContain('not published yet');
  expect(reads).toBe(2);
  expect(ctx.logged).toContainEqual(expect.objectContaining({ level: 40, msg: 'could not read the log key or promise delegation; the receipt goes without' }));
});
