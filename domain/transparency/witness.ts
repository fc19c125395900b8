/**
 * A C2SP tlog-witness (https://c2sp.org/tlog-witness), the part every witness process shares: the
 * add-checkpoint request body, and the witness's decision on one. The HTTP server, its key and its
 * state file are scripts/witness.ts (`npm run witness`), run by partner organisations.
 *
 * add-checkpoint body:
 *
 *   old <size>\n
 *   <base64 hash>\n            (the consistency proof from <size>, at most 63 lines; none when old is 0)
 *   \n
 *   <checkpoint note, with its signatures>
 *
 * Answers, as the specification requires: 200 with cosignature lines; 400 malformed or old > size;
 * 403 no signature by a known key of the origin; 404 unknown origin; 409 (text/x.tlog.size: the
 * size it last cosigned) when old is not that size, or a different root at the same size; 422
 * when the consistency proof does not verify. The check against the latest cosigned head and its
 * replacement happen under one lock, so two requests cannot roll the witness's view back.
 */
import type { KeyObject } from 'node:crypto';
import { CheckpointError, parseVkey, splitNote, strictBase64, verifyCheckpoint, type Checkpoint, type ParsedVkey } from './checkpoint';
import { cosign } from './cosignature';
import { HASH_SIZE, verifyConsistency } from './merkle';

export const MAX_PROOF_LINES = 63;
export const SIZE_CONTENT_TYPE = 'text/x.tlog.size';

export function formatAddCheckpoint(oldSize: number, proof: readonly Buffer[], note: string): string {
  return `old ${oldSize}\n${proof.map((h) => `${h.toString('base64')}\n`).join('')}\n${note}`;
}

export interface AddCheckpointRequest {
  oldSize: number;
  proof: Buffer[];
  note: string;
}

export function parseAddCheckpoint(body: string): AddCheckpointRequest {
  const blank = body.indexOf('\n\n');
  if (blank < 0) throw new CheckpointError('no empty line after the consistency proof');
  const [first, ...proofLines] = body.slice(0, blank).split('\n');
  const m = /^old (0|[1-9][0-9]{0,15})$/.exec(first ?? '');
  if (!m || !Number.isSafeInteger(Number(m[1]))) throw new CheckpointError('the first line must be "old <size>"');
  if (proofLines.length > MAX_PROOF_LINES) throw new CheckpointError(`more than ${MAX_PROOF_LINES} consistency proof lines`);
  const proof = proofLines.map((l) => {
    const h = strictBase64(l);
    if (!h || h.length !== HASH_SIZE) throw new CheckpointError('a consistency proof line is not a base64 SHA-256 hash');
    return h;
  });
  return { oldSize: Number(m[1]), proof, note: body.slice(blank + 2) };
}

/** What a witness remembers per log: the latest checkpoint it cosigned. */
export interface WitnessedHead {
  size: number;
  rootHash: string; // base64, as in the checkpoint
  note: string;
}

/** The witness's memory, one head per origin; `update` must run check-and-store under one lock. */
export interface WitnessStore {
  update<T>(origin: string, fn: (latest: WitnessedHead | null) => Promise<{ store?: WitnessedHead; result: T }>): Promise<T>;
  /** A request that was signed by the log but inconsistent with what the witness cosigned: proof of misbehaviour, kept. */
  recordConflict(origin: string, latest: WitnessedHead, refused: string, reason: string): Promise<void>;
}

export interface WitnessIdentity {
  name: string;
  privateKey: KeyObject;
  /** Log keys by origin (a trust file's `log` lines). */
  logs: ReadonlyMap<string, readonly ParsedVkey[]>;
  store: WitnessStore;
  now(): Date;
}

export interface WitnessAnswer {
  status: number;
  contentType: string;
  body: string;
}

const answer = (status: number, body: string, contentType = 'text/plain; charset=utf-8'): WitnessAnswer => ({ status, contentType, body });

export function logKeysByOrigin(vkeys: readonly string[]): Map<string, ParsedVkey[]> {
  const byOrigin = new Map<string, ParsedVkey[]>();
  for (const v of vkeys) {
    const k = parseVkey(v);
    byOrigin.set(k.name, [...(byOrigin.get(k.name) ?? []), k]);
  }
  return byOrigin;
}

export async function addCheckpoint(w: WitnessIdentity, body: string): Promise<WitnessAnswer> {
  let req: AddCheckpointRequest;
  let origin: string;
  try {
    req = parseAddCheckpoint(body);
    splitNote(req.note);
    origin = req.note.slice(0, req.note.indexOf('\n'));
  } catch (err) {
    return answer(400, `${(err as Error).message}\n`);
  }
  const keys = w.logs.get(origin);
  if (!keys) return answer(404, `unknown log ${origin}\n`);
  let cp: Checkpoint | null = null;
  for (const key of keys) {
    try {
      cp = verifyCheckpoint(req.note, key);
      break;
    } catch {
      // another key of the same log may have signed it (a rotation)
    }
  }
  if (!cp) return answer(403, `no valid signature by a known key of ${origin}\n`);
  if (req.oldSize > cp.treeSize) return answer(400, `old size ${req.oldSize} is larger than the checkpoint's ${cp.treeSize}\n`);
  const checkpoint = cp;
  const root = checkpoint.rootHash.toString('base64');

  return w.store.update(origin, async (latest) => {
    const latestSize = latest?.size ?? 0;
    if (req.oldSize !== latestSize) return { result: answer(409, `${latestSize}\n`, SIZE_CONTENT_TYPE) };
    if (latest && checkpoint.treeSize === latest.size) {
      if (root !== latest.rootHash) {
        await w.store.recordConflict(origin, latest, req.note, 'same size, different root');
        return { result: answer(409, `${latestSize}\n`, SIZE_CONTENT_TYPE) };
      }
      if (req.proof.length !== 0) return { result: answer(422, 'the consistency proof between equal sizes is empty\n') };
    } else if (!latest) {
      if (req.proof.length !== 0) return { result: answer(422, 'the consistency proof from size 0 is empty\n') };
    } else if (!verifyConsistency(latest.size, checkpoint.treeSize, Buffer.from(latest.rootHash, 'base64'), checkpoint.rootHash, req.proof)) {
      await w.store.recordConflict(origin, latest, req.note, `not consistent with size ${latest.size}`);
      return { result: answer(422, `the checkpoint of size ${checkpoint.treeSize} is not consistent with the one of size ${latest.size} this witness cosigned\n`) };
    }
    const line = cosign(splitNote(req.note).text, Math.floor(w.now().getTime() / 1000), w.privateKey, w.name);
    return { store: { size: checkpoint.treeSize, rootHash: root, note: req.note }, result: answer(200, `${line}\n`) };
  });
}
