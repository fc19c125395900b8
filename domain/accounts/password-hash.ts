import { serviceBusy } from '../errors';

// Loaded by the first login, not at start (a native library the API, idle, need not hold).
const argon2 = () => require('@node-rs/argon2') as typeof import('@node-rs/argon2');
// OWASP's argon2id baseline (m=19 MiB, t=2, p=1): costly for an attacker, ~30 ms for us. 2 is
// Algorithm.Argon2id, a const enum: tsx and swc compile file by file and cannot inline it (the
// package's runtime object is empty, so Algorithm.Argon2id was undefined: the default, argon2id, by luck).
const ARGON2 = { algorithm: 2 satisfies import('@node-rs/argon2').Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };

/**
 * Hashes run one at a time, so a flood of logins takes at most one core and never the search's or
 * the uploads' share (argon2 would otherwise run on every thread of the pool at once). Past this
 * many waiting, a login is told to come back instead of queueing without end.
 */
const MOST_WAITING = 64;
let waiting = 0;
let last: Promise<unknown> = Promise.resolve();

function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  if (waiting >= MOST_WAITING) return Promise.reject(serviceBusy('busy', 5));
  waiting += 1;
  const run = last.then(work, work).finally(() => {
    waiting -= 1;
  });
  last = run.catch(() => undefined);
  return run;
}

export const passwordHash = (password: string): Promise<string> => oneAtATime(() => argon2().hash(password, ARGON2));

export const passwordMatches = (hash: string, password: string): Promise<boolean> => oneAtATime(() => argon2().verify(hash, password));
