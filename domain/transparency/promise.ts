/**
 * The inclusion promise a receipt carries from the moment of upload (like Certificate
 * Transparency's SCT or Rekor's signed entry timestamp): "leaf #i with this hash will be in a
 * signed tree head of <origin> by <deadline>". The API signs it with a promise key it holds only
 * in memory (it never holds the log key); the log key vouches for that key with a delegation note.
 * Both are C2SP signed notes; neither can be mistaken for a checkpoint (their second line is not
 * a number, and their first names what they are):
 *
 *   delegation, signed by the log key (name <origin>):
 *     svidetel promise key v1\n<origin>\n<promise vkey>\nmax-delay <seconds>\n
 *
 *   promise, signed by the promise key (name <origin>/promise):
 *     svidetel inclusion promise v1\n<origin>\n<leaf index>\n<base64 leaf hash>\nby <deadline, ms since the epoch>\n
 *
 * A verifier holding only the pinned log key checks the delegation, then the promise against the
 * receipt's leaf; once a signed head covers the leaf, the inclusion proof replaces the promise.
 */
import type { KeyObject } from 'node:crypto';
import { CheckpointError, openNote, parseVkey, signNote, vkeyFor, type ParsedVkey } from './checkpoint';

const DELEGATION_HEADER = 'svidetel promise key v1';
const PROMISE_HEADER = 'svidetel inclusion promise v1';

export const promiseKeyName = (origin: string) => `${origin}/promise`;
export const promiseVkeyFor = (origin: string, publicKey: KeyObject) => vkeyFor(promiseKeyName(origin), publicKey);

/**
 * The longest a leaf waits for a signed head: the signer signs once the latest head is one interval
 * old and checks a quarter interval apart, so one interval and a quarter; twice the interval leaves
 * room for a slow signing and is what is promised (and alarmed on when missed).
 */
export const maxMergeDelayMs = (sthIntervalMs: number) => 2 * sthIntervalMs;

/** The delegation's text; the log key signs it as a note (LogSigner.signNote). */
export function delegationText(origin: string, promiseVkey: string, maxDelayMs: number): string {
  return `${DELEGATION_HEADER}\n${origin}\n${promiseVkey}\nmax-delay ${Math.ceil(maxDelayMs / 1000)}\n`;
}

export function signDelegation(origin: string, promiseVkey: string, maxDelayMs: number, logKey: KeyObject): string {
  return signNote(delegationText(origin, promiseVkey, maxDelayMs), logKey, origin);
}

export function signPromise(origin: string, index: number, leafHash: Buffer, deadlineMs: number, sign: (text: string) => string): string {
  return sign(`${PROMISE_HEADER}\n${origin}\n${index}\n${leafHash.toString('base64')}\nby ${deadlineMs}\n`);
}

export interface CheckedPromise {
  origin: string;
  index: number;
  leafHash: Buffer;
  deadline: Date;
  maxDelaySeconds: number;
  promiseKey: string;
}

/** Checks the delegation with one of the log keys, then the promise with the delegated key. */
export function verifyPromise(delegation: string, promise: string, logKeys: readonly ParsedVkey[]): CheckedPromise {
  let text: string | null = null;
  let error: Error | null = null;
  for (const k of logKeys) {
    try {
      text = openNote(delegation, k);
      break;
    } catch (err) {
      error = err as Error;
    }
  }
  if (text === null) throw new CheckpointError(`the promise key is not vouched for by the log key: ${error?.message ?? 'no key'}`);
  const d = /^svidetel promise key v1\n([^\n]+)\n([^\n]+)\nmax-delay (0|[1-9][0-9]{0,9})\n$/.exec(text);
  if (!d) throw new CheckpointError('malformed promise key delegation');
  const key = parseVkey(d[2]!);
  if (key.name !== promiseKeyName(d[1]!)) throw new CheckpointError('the delegated promise key is named for another log');
  const p = /^svidetel inclusion promise v1\n([^\n]+)\n(0|[1-9][0-9]{0,15})\n([A-Za-z0-9+/]{43}=)\nby ([1-9][0-9]{0,15})\n$/.exec(openNote(promise, key));
  if (!p) throw new CheckpointError('malformed inclusion promise');
  if (p[1] !== d[1]) throw new CheckpointError('the promise is for another log than its key');
  return { origin: p[1]!, index: Number(p[2]), leafHash: Buffer.from(p[3]!, 'base64'), deadline: new Date(Number(p[4])), maxDelaySeconds: Number(d[3]), promiseKey: d[2]! };
}
