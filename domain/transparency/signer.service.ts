/**
 * Signing the log: run by the worker, never by the web-facing API. The key stays behind the
 * LogSigner port (ctx.logSigner, domain/ports/log-signer.ts); the worker records its public half in
 * the database on start (publishLogKey) and the API serves it from there.
 */
import type { AppContext } from '../context';
import { currentAuditAnchorLine } from '../audit/audit.service';
import type { StoredSth } from '../../db/transparency.repo';
import { raiseAlarm, resolveAlarm } from '../integrity/alarms.service';
import { verifyCheckpoint, type Checkpoint, type SthJson } from './checkpoint';
import { originOf, presentSths } from './log.service';
import { publishTiles } from './tiles.service';
import { collectCosignatures } from './witnessing.service';
import { SigningRefused, checkedNewRoot } from './pre-signing-check';
import { delegationText, maxMergeDelayMs } from './promise';
import { checkpointDigest, timestampRequest, tokenFromResponse, verifyTimestampToken } from './timestamp';

const TSA_TIMEOUT_MS = 10_000;

/**
 * Records the log's public key for its origin in the database (what the API serves and puts in
 * receipts). A key already recorded is never replaced: if it is not this one, say so; signing
 * then refuses too, as the heads it signed do not verify with this key. Returns the signer's vkey.
 */
export async function publishLogKey(ctx: AppContext): Promise<string> {
  const signer = await ctx.logSigner();
  const recorded = await ctx.repos.transparency.recordPublicKey({ origin: signer.name, vkey: signer.vkey, publicKeyPem: signer.publicKeyPem });
  if (recorded.vkey !== signer.vkey) {
    ctx.log.error({ recorded: recorded.vkey, vkey: signer.vkey }, 'the log key recorded for this LOG_ORIGIN is not the key at LOG_KEY_PATH; restore the original key file');
  }
  return signer.vkey;
}

/**
 * Signs a tree head for the current log size when the log grew since the latest one and that one
 * is at least LOG_STH_INTERVAL_SECONDS old (`force` skips the wait: tests, tools). The first call
 * on an empty log signs the empty tree. Returns the new head, or null when none was due.
 * Refuses to sign when the latest head is not signed by this key and origin: a lost key or a
 * changed LOG_ORIGIN would otherwise fork the log silently; and when the new root fails the
 * pre-signing check (pre-signing-check.ts), raising an alarm for admins.
 * Every head carries the audit log's head as an extension line (see audit.service.ts): the audit
 * trail is anchored outside the database at every checkpoint.
 */
export async function signTreeHeadIfGrown(ctx: AppContext, opts: { force?: boolean } = {}): Promise<SthJson | null> {
  const signer = await ctx.logSigner();
  const [size, latest] = await Promise.all([ctx.repos.transparency.logSize(), ctx.repos.transparency.getSth()]);
  let previous: { sth: StoredSth; checkpoint: Checkpoint } | null = null;
  if (latest) {
    if (latest.treeSize >= size) return null;
    if (!opts.force && Date.now() - latest.signedAt.getTime() < ctx.config.logSthIntervalMs) return null;
    try {
      previous = { sth: latest, checkpoint: verifyCheckpoint(latest.note, signer.vkey) };
    } catch (err) {
      throw new Error(
        `not signing: the latest tree head (size ${latest.treeSize}, log ${originOf(latest.note)}) does not verify with the key at ` +
          `LOG_KEY_PATH for LOG_ORIGIN ${signer.name} (${(err as Error).message}); restore the original key file and origin`,
      );
    }
  }
  let rootHash: Buffer;
  try {
    rootHash = await checkedNewRoot(ctx, signer, previous, size);
  } catch (err) {
    if (err instanceof SigningRefused) await raiseAlarm(ctx, 'log_signing_refused', signer.name, err.message);
    throw err;
  }
  const extensions = [await currentAuditAnchorLine(ctx.repos)];
  const note = signer.signCheckpoint({ origin: signer.name, treeSize: size, rootHash, extensions });
  const stored = await ctx.repos.transparency.insertSth({ treeSize: size, rootHash, signedAt: new Date(), note });
  // Another signer may have stored its head of this size first: remember only what is stored.
  await signer.rememberSignedCheckpoint(stored.note, stored.treeSize);
  await resolveAlarm(ctx, 'log_signing_refused', signer.name);
  await vouchAndPublish(ctx, stored);
  return (await presentSths(ctx, [stored]))[0]!;
}

/**
 * After a head is signed: its witnesses' cosignatures, then the static tlog-tiles copy (whose
 * checkpoint carries them). The head stands without either: failures are logged, and the next
 * head is sent and published again.
 */
export async function vouchAndPublish(ctx: AppContext, sth: StoredSth): Promise<void> {
  if (ctx.config.logWitnesses.length > 0) await collectCosignatures(ctx, sth).catch((err: Error) => ctx.log.error({ err: err.message }, 'could not ask the witnesses'));
  if (ctx.config.logTsaUrl) await timestampHead(ctx, sth, ctx.config.logTsaUrl).catch((err: Error) => ctx.log.error({ err: err.message }, 'could not time-stamp the tree head'));
  await publishTiles(ctx, sth).catch((err: Error) => ctx.log.error({ err: err.message }, 'could not write the log tiles to the blob store'));
}

/** On the worker's start: the static copy brought up to the latest head (e.g. a store restored from backup, or a log from before tiles). */
export async function publishLatestHead(ctx: AppContext): Promise<void> {
  const latest = await ctx.repos.transparency.getSth();
  if (latest) await publishTiles(ctx, latest);
}

/**
 * Vouches with the log key for the promise keys API processes recorded (promise.ts), and raises
 * log_promise_late when a leaf has waited longer than the promised delay for a signed head (the
 * signer cannot sign: its alarm says why). Run by the worker every few seconds.
 */
export async function delegatePromiseKeys(ctx: AppContext): Promise<number> {
  const signer = await ctx.logSigner();
  const pending = await ctx.repos.transparency.undelegatedPromiseKeys(signer.name);
  const maxDelay = maxMergeDelayMs(ctx.config.logSthIntervalMs);
  for (const vkey of pending) await ctx.repos.transparency.insertPromiseDelegation(vkey, signer.signNote(delegationText(signer.name, vkey, maxDelay)));
  const latest = await ctx.repos.transparency.getSth();
  const waiting = await ctx.repos.transparency.oldestUnsignedLeafAt(latest?.treeSize ?? 0);
  if (waiting && Date.now() - waiting.getTime() > maxDelay) {
    await raiseAlarm(ctx, 'log_promise_late', signer.name, `leaf #${latest?.treeSize ?? 0} was appended at ${waiting.toISOString()} and is in no signed tree head: the promised delay of ${maxDelay / 1000} s has passed`);
  } else {
    await resolveAlarm(ctx, 'log_promise_late', signer.name);
  }
  return pending.length;
}

/** An RFC 3161 time-stamp of the head's note text from the configured authority, checked before it is kept. */
export async function timestampHead(ctx: AppContext, sth: StoredSth, tsaUrl: string): Promise<void> {
  const digest = checkpointDigest(sth.note);
  const answer = await ctx.notaries.timestamp(tsaUrl, timestampRequest(digest), TSA_TIMEOUT_MS);
  if (answer.status !== 200) throw new Error(`the timestamping authority answered HTTP ${answer.status}`);
  const token = tokenFromResponse(answer.body);
  const { genTime } = verifyTimestampToken(token, digest);
  await ctx.repos.transparency.insertTimestamp({ treeSize: sth.treeSize, tsaUrl, token, genTime });
}
