/**
 * The log's side of C2SP tlog-witness: right after the worker signs a head, it sends it to every
 * configured witness (LOG_WITNESSES) with a consistency proof from the size that witness last
 * cosigned, keeps the cosignatures that verify with the witness's key, and serves them with the
 * head (log.service.ts presentSths). A witness that refuses a head we signed (it saw another
 * history: 409 at the same size, 422) raises the log_witness_refused alarm; an unreachable one is
 * only logged, and gets the next head.
 */
import type { StoredSth } from '../../db/transparency.repo';
import type { AppContext } from '../context';
import { raiseAlarm, resolveAlarm } from '../integrity/alarms.service';
import { parseWitnessVkey, verifyCosignatures, type VerifiedCosignature } from './cosignature';
import { withStoredSubtrees } from './log.service';
import { consistencyProof } from './merkle';
import { SIZE_CONTENT_TYPE, formatAddCheckpoint } from './witness';

const WITNESS_TIMEOUT_MS = 5000;

export type WitnessOutcome = { witness: string; ok: true; cosignature: VerifiedCosignature } | { witness: string; ok: false; status: number | null; reason: string };

async function askOne(ctx: AppContext, sth: StoredSth, witness: { url: string; vkey: string }): Promise<WitnessOutcome> {
  const key = parseWitnessVkey(witness.vkey);
  const name = `${key.name}+${key.keyId.toString('hex')}`;
  let oldSize = await ctx.repos.transparency.lastCosignedSize(key.name, key.keyId);
  // At most twice: the second time with the size the witness says it has (a 409 answer).
  for (let attempt = 0; attempt < 2; attempt++) {
    // A witness that cosigned a larger head than the latest we signed saw a log we rolled back.
    if (oldSize > sth.treeSize) return { witness: name, ok: false, status: 409, reason: `the witness cosigned size ${oldSize}, larger than ${sth.treeSize} (a rollback)` };
    const proof = oldSize === 0 ? [] : await withStoredSubtrees(ctx.repos, (src) => consistencyProof(src, oldSize, sth.treeSize));
    const answer = await ctx.notaries.addCheckpoint(witness.url, formatAddCheckpoint(oldSize, proof, sth.note), WITNESS_TIMEOUT_MS);
    const text = answer.body.toString('utf8');
    if (answer.status === 409 && answer.contentType.startsWith(SIZE_CONTENT_TYPE) && attempt === 0) {
      const theirs = Number(text.trim());
      if (Number.isSafeInteger(theirs) && theirs !== oldSize) {
        oldSize = theirs;
        continue;
      }
    }
    if (answer.status !== 200) return { witness: name, ok: false, status: answer.status, reason: text.trim().slice(0, 300) };
    const found = verifyCosignatures(sth.note + text, [key]);
    if (found.length === 0) return { witness: name, ok: false, status: 200, reason: 'the answer holds no cosignature by this witness key' };
    return { witness: name, ok: true, cosignature: found[0]! };
  }
  return { witness: name, ok: false, status: 409, reason: 'the witness disagrees about the size it last cosigned' };
}

/** Asks every witness in parallel; stores what verified; never throws (the head is signed already). */
export async function collectCosignatures(ctx: AppContext, sth: StoredSth): Promise<WitnessOutcome[]> {
  const outcomes = await Promise.all(
    ctx.config.logWitnesses.map((w) =>
      askOne(ctx, sth, w).catch((err: Error): WitnessOutcome => ({ witness: w.vkey.split('+').slice(0, 2).join('+'), ok: false, status: null, reason: err.message })),
    ),
  );
  const good = outcomes.flatMap((o) => (o.ok ? [o.cosignature] : []));
  await ctx.repos.transparency.insertCosignatures(
    good.map((c) => ({ treeSize: sth.treeSize, witness: c.witness, keyId: c.keyId, cosignedAt: new Date(c.time * 1000), line: c.line })),
  );
  for (const o of outcomes) {
    if (o.ok) {
      await resolveAlarm(ctx, 'log_witness_refused', o.witness);
    } else if (o.status === 409 || o.status === 422) {
      await raiseAlarm(ctx, 'log_witness_refused', o.witness, `witness refused the head of size ${sth.treeSize} (HTTP ${o.status}): ${o.reason}: it saw another history of this log`);
    } else {
      ctx.log.warn({ witness: o.witness, status: o.status, reason: o.reason, treeSize: sth.treeSize }, 'a witness did not cosign this tree head; it gets the next one');
    }
  }
  return outcomes;
}
