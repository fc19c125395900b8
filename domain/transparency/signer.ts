/**
 * The log's signer: the only code that loads the private key (a file at LOG_KEY_PATH, created on
 * first use, outside the database). Run by the worker, never by the web-facing API: the worker
 * records the public key in the database on start (publishLogKey) and the API serves it from there.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import * as repo from '../../db/transparency.repo';
import type { AppContext } from '../context';
import { createKeyFile, readKeyFile } from '../storage/key-file';
import { currentAuditAnchorLine } from '../audit/audit.service';
import { createKeyPair, keyFingerprint, signCheckpoint, verifyCheckpoint, vkeyFor, type SthJson } from './checkpoint';
import { originOf, presentSth } from './log.service';
import { rootAt } from './merkle';
import { processCache } from '../process-cache';

type LogKey = { name: string; privateKey: KeyObject; publicKey: KeyObject; vkey: string };

const keys = processCache<LogKey>();

async function readOrCreateKey(ctx: AppContext): Promise<LogKey> {
  const keyPath = ctx.config.logKeyPath;
  let pem = await readKeyFile(keyPath);
  let created = false;
  if (pem === null) {
    const pair = createKeyPair();
    ({ pem, created } = await createKeyFile(keyPath, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()));
  }
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the transparency log key file (LOG_KEY_PATH) does not hold an Ed25519 private key');
  const publicKey = createPublicKey(privateKey);
  const name = ctx.config.logOrigin;
  const key: LogKey = { name, privateKey, publicKey, vkey: vkeyFor(name, publicKey) };
  if (created) ctx.log.info({ fingerprint: keyFingerprint(publicKey), vkey: key.vkey }, 'created the transparency log key');
  return key;
}

/** The log key, read (or created) once per process, key path and origin. */
const logKey = (ctx: AppContext) => keys(`${ctx.config.logKeyPath}\n${ctx.config.logOrigin}`, () => readOrCreateKey(ctx));

/**
 * Records the log's public key for its origin in the database (what the API serves and puts in
 * receipts). A key already recorded is never replaced: if it is not this one, say so; signing
 * then refuses too, as the heads it signed do not verify with this key. Returns the signer's vkey.
 */
export async function publishLogKey(ctx: AppContext): Promise<string> {
  const key = await logKey(ctx);
  const recorded = await repo.recordPublicKey(ctx.db, { origin: key.name, vkey: key.vkey, publicKeyPem: key.publicKey.export({ format: 'pem', type: 'spki' }).toString() });
  if (recorded.vkey !== key.vkey) {
    ctx.log.error({ recorded: recorded.vkey, vkey: key.vkey }, 'the log key recorded for this LOG_ORIGIN is not the key at LOG_KEY_PATH; restore the original key file');
  }
  return key.vkey;
}

/**
 * Signs a tree head for the current log size when the log grew since the latest one and that one
 * is at least LOG_STH_INTERVAL_SECONDS old (`force` skips the wait: tests, tools). The first call
 * on an empty log signs the empty tree. Returns the new head, or null when none was due.
 * Refuses to sign when the latest head is not signed by this key and origin: a lost key or a
 * changed LOG_ORIGIN would otherwise fork the log silently.
 * Every head carries the audit log's head as an extension line (see audit.service.ts): the audit
 * trail is anchored outside the database at every checkpoint.
 */
export async function signTreeHeadIfGrown(ctx: AppContext, opts: { force?: boolean } = {}): Promise<SthJson | null> {
  const key = await logKey(ctx);
  const [size, latest] = await Promise.all([repo.logSize(ctx.db), repo.getSth(ctx.db)]);
  if (latest) {
    if (latest.treeSize >= size) return null;
    if (!opts.force && Date.now() - latest.signedAt.getTime() < ctx.config.logSthIntervalMs) return null;
    try {
      verifyCheckpoint(latest.note, key.vkey);
    } catch (err) {
      throw new Error(
        `not signing: the latest tree head (size ${latest.treeSize}, log ${originOf(latest.note)}) does not verify with the key at ` +
          `LOG_KEY_PATH for LOG_ORIGIN ${key.name} (${(err as Error).message}); restore the original key file and origin`,
      );
    }
  }
  const rootHash = await repo.withStoredSubtrees(ctx.db, (src) => rootAt(src, size));
  const extensions = [await currentAuditAnchorLine(ctx.db)];
  const note = signCheckpoint({ origin: key.name, treeSize: size, rootHash, extensions }, key.privateKey, key.name);
  const stored = await repo.insertSth(ctx.db, { treeSize: size, rootHash, signedAt: new Date(), note });
  return presentSth(stored);
}

