import type { AppContext } from '../context';
import type { BlobStore } from '../ports/blob-store';
import { verifySthJson, type SthJson } from '../transparency/checkpoint';
import { CHECKPOINT_COPIES } from './replication.service';

/**
 * After a loss, once PostgreSQL is restored from its backups (scripts/pg-backup): the primary store
 * is filled again from the replicas, and the log's signer learns which heads were published.
 *
 * A database restored to a point before the newest published checkpoint must never sign a tree that
 * forks from it: its leaves after the restore point are gone, and the next upload would take their
 * indexes with other records. Svidetel does not rebuild them (a replica holds leaf hashes, not the
 * records behind them); it makes the signer remember the newest published head, so the worker's
 * pre-signing check refuses to sign and says why (an integrity alarm) until the database holds it.
 */

export type RestoreReport = {
  /** Originals the database records: each is in the primary store afterwards, or listed as lost. */
  recorded: number;
  copied: number;
  /** Recorded originals no replica holds with the right bytes: evidence that is gone. */
  lost: string[];
  /** The newest checkpoint a replica holds that verifies with the log's key (null: none found). */
  newestPublished: { treeSize: number; replica: string } | null;
  /** The newest head the restored database holds. */
  databaseTreeSize: number;
  /** False when the database is behind the published log: the worker will refuse to sign. */
  canSign: boolean;
};

/** Copies every recorded original the primary store lacks from the first replica that holds it, checked by its SHA-256. */
export async function restoreFromReplicas(ctx: AppContext): Promise<RestoreReport> {
  const replicas: { name: string; store: BlobStore }[] = [];
  for (const replica of ctx.replicas) {
    try {
      replicas.push({ name: replica.name, store: await replica.open() });
    } catch (err) {
      ctx.log.warn({ replica: replica.name, err: (err as Error).message }, 'restore: replica unreachable; using the others');
    }
  }
  const recorded = await ctx.repos.consistency.recordedOriginals();
  const stored = new Set<string>();
  for await (const sha256 of ctx.blobs.listOriginals()) stored.add(sha256);
  let copied = 0;
  const lost: string[] = [];
  for (const sha256 of recorded.filter((sha) => !stored.has(sha))) {
    let found = false;
    for (const replica of replicas) {
      if (await copyOriginal(ctx, replica.store, sha256).catch((err: Error) => (ctx.log.warn({ replica: replica.name, sha256, err: err.message }, 'restore: copy failed'), false))) {
        found = true;
        break;
      }
    }
    if (found) copied++;
    else lost.push(sha256);
  }

  const newestPublished = await rememberNewestPublishedCheckpoint(ctx, replicas);
  const databaseTreeSize = (await ctx.repos.transparency.getSth())?.treeSize ?? 0;
  return {
    recorded: recorded.length,
    copied,
    lost,
    newestPublished,
    databaseTreeSize,
    canSign: !newestPublished || newestPublished.treeSize <= databaseTreeSize,
  };
}

/** One original from a replica (its first version: what it holds as the original) into the primary store, checked by its SHA-256. */
const copyOriginal = (ctx: AppContext, replica: BlobStore, sha256: string): Promise<boolean> =>
  ctx.blobs.storeCopyOfOriginal(sha256, () => replica.openOriginal(sha256));

/**
 * The newest checkpoint any replica holds that verifies with the log's key (forged ones are
 * ignored), given to the signer as the last head it signed.
 */
async function rememberNewestPublishedCheckpoint(
  ctx: AppContext,
  replicas: { name: string; store: BlobStore }[],
): Promise<{ treeSize: number; replica: string } | null> {
  const signer = await ctx.logSigner();
  let newest: { sth: SthJson; replica: string } | null = null;
  for (const { name, store } of replicas) {
    const names: string[] = [];
    for await (const copy of store.listLogCopies(CHECKPOINT_COPIES)) names.push(copy);
    // Newest first (the names are zero-padded sizes); the first that verifies is this replica's newest.
    for (const copy of names.sort().reverse()) {
      const bytes = await store.readLogCopy(copy);
      try {
        const sth = JSON.parse(bytes?.toString() ?? 'null') as SthJson;
        verifySthJson(sth, signer.vkey);
        if (!newest || sth.tree_size > newest.sth.tree_size) newest = { sth, replica: name };
        break;
      } catch (err) {
        ctx.log.warn({ replica: name, copy, err: (err as Error).message }, 'restore: a checkpoint copy does not verify with the log key; ignored');
      }
    }
  }
  if (!newest) return null;
  await signer.rememberSignedCheckpoint(newest.sth.checkpoint, newest.sth.tree_size);
  return { treeSize: newest.sth.tree_size, replica: newest.replica };
}
