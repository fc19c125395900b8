import type { AppContext } from '../context';
import { DerivativeBytesMismatch, OriginalBytesMismatch, hashStoredBlob, type BlobStore } from '../ports/blob-store';
import { verifySthJson, type SthJson } from '../transparency/checkpoint';
import { CHECKPOINT_COPIES, otherBytesFound } from './replication.service';
import type { StoredDerivative } from '../../db/replication.repo';
import { detectFileType } from '../media/file-type';
import type { DerivativeName } from '../media/derivatives';
import { readStoredHead } from '../processing/process-media.service';
import { storeDerivative } from './derivatives.service';

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
  /** Copies of originals the database recorded on a replica that does not hold them: owed to it again (the sweep sends them). */
  replicaCopiesForgotten: number;
  /** The newest checkpoint a replica holds that verifies with the log's key (null: none found). */
  newestPublished: { treeSize: number; replica: string } | null;
  /** The newest head the restored database holds. */
  databaseTreeSize: number;
  /** False when the database is behind the published log: the worker will refuse to sign. */
  canSign: boolean;
  derivatives: DerivativesRestore;
};

/**
 * The derivatives PostgreSQL records (stored_derivatives) brought back after the originals: copied
 * from the first replica that holds the recorded bytes (checked by their SHA-256), else made again
 * from the original (a redacted copy with its redaction's rectangles), a published video copy
 * reopened for the worker to make again (a transcode of minutes is the worker's, not a restore's).
 */
export type DerivativesRestore = {
  recorded: number;
  /**
   * Copies the database recorded on a replica that lists none, one of another size, or one whose
   * bytes hash to other than recorded: owed to it again (the sweep sends them).
   */
  replicaCopiesForgotten: number;
  /** In the primary store already. */
  present: number;
  copied: number;
  /** Made again from the original; `remadeOtherBytes` of them hash to other bytes than recorded (other tool versions). */
  remade: number;
  remadeOtherBytes: number;
  /** Video copies owed again (media file ids): the worker's sweep makes them. */
  reopenedVideos: string[];
  /** Neither on a replica nor possible to make again (`key/name`): a page that shows them lacks them. */
  lost: string[];
};

/**
 * Copies every recorded original the primary store lacks from the first replica that holds it,
 * checked by its SHA-256; then the derivatives (restoreDerivatives).
 */
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
  // What each replica holds, listed once (a few requests per thousand originals, not one per original
  // per replica): the copies are taken from a replica that lists them, and a copy the database
  // records on a replica that does not hold it is forgotten, so the sweep sends it again.
  const held = new Map<string, Set<string>>();
  // Copies found holding other bytes are never asked for.
  const otherBytes = new Set((await ctx.repos.replication.listReplicaOtherBytes(replicas.map((r) => r.name), null)).map((o) => `${o.replica}/${o.sha256}`));
  let forgotten = 0;
  for (const replica of replicas) {
    try {
      // Read before the listing: a copy confirmed while the replica is listed is not taken for lost.
      const recordedThere = await ctx.repos.replication.listReplicaCopies(replica.name);
      const there = new Set<string>();
      for await (const sha256 of replica.store.listOriginals()) there.add(sha256);
      held.set(replica.name, there);
      const lacking = recordedThere.filter((sha256) => !there.has(sha256));
      for (let i = 0; i < lacking.length; i += FORGET_BATCH) {
        forgotten += await ctx.repos.replication.forgetReplicaCopies(replica.name, lacking.slice(i, i + FORGET_BATCH));
      }
      if (lacking.length > 0) ctx.log.warn({ replica: replica.name, lacking: lacking.length }, 'restore: the replica lacks originals it was recorded as holding; they are owed to it again');
    } catch (err) {
      ctx.log.warn({ replica: replica.name, err: (err as Error).message }, 'restore: replica not listed; its originals are asked for one by one');
    }
  }
  let copied = 0;
  const lost: string[] = [];
  for (const sha256 of recorded.filter((sha) => !stored.has(sha))) {
    let found = false;
    for (const replica of replicas) {
      if (held.get(replica.name)?.has(sha256) === false || otherBytes.has(`${replica.name}/${sha256}`)) continue;
      if (await copyOriginal(ctx, replica, sha256)) {
        found = true;
        break;
      }
    }
    if (found) copied++;
    else lost.push(sha256);
  }

  const derivatives = await restoreDerivatives(ctx, replicas);
  const newestPublished = await rememberNewestPublishedCheckpoint(ctx, replicas);
  const databaseTreeSize = (await ctx.repos.transparency.getSth())?.treeSize ?? 0;
  return {
    recorded: recorded.length,
    copied,
    lost,
    replicaCopiesForgotten: forgotten,
    newestPublished,
    databaseTreeSize,
    canSign: !newestPublished || newestPublished.treeSize <= databaseTreeSize,
    derivatives,
  };
}

/** Copy records of originals forgotten per statement. */
const FORGET_BATCH = 1000;

/** Derivatives read from PostgreSQL per page. */
const DERIVATIVES_PAGE = 500;

async function restoreDerivatives(ctx: AppContext, replicas: { name: string; store: BlobStore }[]): Promise<DerivativesRestore> {
  const report: DerivativesRestore = { recorded: 0, replicaCopiesForgotten: 0, present: 0, copied: 0, remade: 0, remadeOtherBytes: 0, reopenedVideos: [], lost: [] };
  // What the primary holds, listed once: a replica's copy of those is read and hashed here; one the
  // primary lacks is hashed as it is copied from the replicas below (not read twice).
  const inPrimary = new Set<string>();
  for await (const d of ctx.blobs.listDerivatives()) inPrimary.add(`${d.key}/${d.name}`);
  for (const replica of replicas) report.replicaCopiesForgotten += await checkReplicaDerivatives(ctx, replica, inPrimary);
  for (let after: StoredDerivative | null = null; ; ) {
    const page: StoredDerivative[] = await ctx.repos.replication.listStoredDerivatives(after, DERIVATIVES_PAGE);
    for (const d of page) {
      report.recorded++;
      const here = await ctx.blobs.openDerivative(d.key, d.name);
      if (here) {
        here.discard();
        report.present++;
      } else {
        const { copied, lacking } = await copyDerivative(ctx, replicas, d);
        // A replica the database says holds it but that does not (it lost it too, or holds other bytes) is owed it again.
        for (const replica of lacking) await ctx.repos.replication.forgetReplicaDerivativeCopies(replica, [d]);
        if (copied) report.copied++;
        else await remakeDerivative(ctx, d, report);
      }
    }
    if (page.length < DERIVATIVES_PAGE) return report;
    after = page.at(-1)!;
  }
}

/**
 * The derivative copies the database records on a replica, checked as its originals are, whether
 * the primary still has them or not: by one listing (a few requests per thousand copies), then, for
 * each copy the primary holds, by reading it back and hashing it (a copy of the right size but other
 * bytes would be served by a restored page once the primary lost its own). A copy it does not list,
 * lists at another size, or holds other bytes for, is forgotten, so the sweep sends it again.
 * Returns how many were. (A copy the primary lacks is hashed by copyDerivative as it is copied or
 * compared.)
 */
async function checkReplicaDerivatives(ctx: AppContext, replica: { name: string; store: BlobStore }, inPrimary: ReadonlySet<string>): Promise<number> {
  let recorded: StoredDerivative[];
  const listed = new Map<string, number>();
  try {
    // Read before the listing: a copy confirmed while the replica is listed is not taken for lacking.
    recorded = await ctx.repos.replication.listReplicaDerivativeCopies(replica.name);
    for await (const d of replica.store.listDerivatives()) listed.set(`${d.key}/${d.name}`, d.bytes);
  } catch (err) {
    ctx.log.warn({ replica: replica.name, err: (err as Error).message }, 'restore: the replica\'s derivatives not listed; they are checked one by one where the primary lacks them');
    return 0;
  }
  const lacking = recorded.filter((d) => {
    const size = listed.get(`${d.key}/${d.name}`);
    return size === undefined || (d.bytes !== null && size !== d.bytes);
  });
  const otherBytes: StoredDerivative[] = [];
  const missing = new Set(lacking);
  const toRead = recorded.filter((d) => !missing.has(d) && inPrimary.has(`${d.key}/${d.name}`));
  await eachConcurrently(toRead, READS_AT_ONCE, async (d) => {
    try {
      const observed = await hashDerivativeIn(replica.store, d);
      if (observed === null) lacking.push(d);
      else if (observed !== d.sha256) otherBytes.push(d);
    } catch (err) {
      // Unreadable now is not other bytes: the copy stays recorded, and is read again next time.
      ctx.log.warn({ replica: replica.name, key: d.key, name: d.name, err: (err as Error).message }, 'restore: a replica\'s derivative copy could not be read back');
    }
  });
  const forget = [...lacking, ...otherBytes];
  for (let i = 0; i < forget.length; i += FORGET_BATCH) await ctx.repos.replication.forgetReplicaDerivativeCopies(replica.name, forget.slice(i, i + FORGET_BATCH));
  if (lacking.length > 0) ctx.log.warn({ replica: replica.name, lacking: lacking.length }, 'restore: the replica lacks derivatives it was recorded as holding; they are owed to it again');
  for (const d of otherBytes) {
    ctx.log.warn({ replica: replica.name, key: d.key, name: d.name }, 'restore: the replica holds other bytes for a derivative than recorded; it is owed again (the sweep replaces it)');
  }
  return forget.length;
}

/** Replica copies read back and hashed at once by the restore's check. */
const READS_AT_ONCE = 4;

async function eachConcurrently<T>(items: readonly T[], limit: number, use: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await use(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** What a derivative's bytes in `store` hash to, read whole; null when it has none. */
async function hashDerivativeIn(store: BlobStore, d: { key: string; name: DerivativeName }): Promise<string | null> {
  const blob = await store.openDerivative(d.key, d.name);
  return blob ? (await hashStoredBlob(blob)).sha256 : null;
}

/**
 * From the first replica that holds the recorded bytes; `lacking`: the replicas that have no copy of
 * it or other bytes than recorded (every replica is asked: the one copied from is checked as its
 * bytes pass, each other one read back and hashed).
 */
async function copyDerivative(ctx: AppContext, replicas: { name: string; store: BlobStore }[], d: StoredDerivative): Promise<{ copied: boolean; lacking: string[] }> {
  const lacking: string[] = [];
  let copied = false;
  for (const replica of replicas) {
    try {
      const source = await replica.store.openDerivative(d.key, d.name);
      if (!source) {
        lacking.push(replica.name);
      } else if (copied) {
        if ((await hashStoredBlob(source)).sha256 !== d.sha256) throw new DerivativeBytesMismatch(`replica ${replica.name} holds other bytes for derivative ${d.name} of ${d.key}`);
      } else {
        await ctx.blobs.writeDerivativeFrom(d.key, d.name, source, d.sha256);
        copied = true;
      }
    } catch (err) {
      if (err instanceof DerivativeBytesMismatch) lacking.push(replica.name);
      ctx.log.warn({ replica: replica.name, key: d.key, name: d.name, err: (err as Error).message }, 'restore: derivative not copied from this replica');
    }
  }
  return { copied, lacking };
}

/** Made again from its original (and its redaction), or a video copy reopened; else listed as lost. */
async function remakeDerivative(ctx: AppContext, d: StoredDerivative, report: DerivativesRestore): Promise<void> {
  const lost = () => void report.lost.push(`${d.key}/${d.name}`);
  if (d.name === 'video') {
    const reopened = await ctx.repos.replication.reopenVideoCopies(d.key);
    if (reopened.length === 0) return lost();
    report.reopenedVideos.push(...reopened);
    await ctx.queue.enqueue('encode-video', reopened).catch((err: Error) => ctx.log.warn({ err: err.message }, 'restore: video copies not enqueued; the sweep will'));
    return;
  }
  const source = await ctx.repos.replication.findDerivativeSource(d.key);
  if (!source || d.name === 'poster' || (await ctx.blobs.openOriginal(source.original).then((b) => (b?.discard(), b === null)))) return lost();
  try {
    const type = detectFileType(await readStoredHead(ctx, source.original));
    if (!type) return lost();
    const hints = { width: source.width, height: source.height, duration_s: source.duration_s };
    const data = await ctx.blobs.withOriginalFile(source.original, async (path): Promise<Buffer | null> => {
      if (source.regions) {
        const copies = await ctx.media.renderRedactedCopies(path, type, hints, source.regions);
        return d.name === 'thumb' ? copies.thumb : d.name === 'preview' ? copies.preview : null;
      }
      if (d.name === 'contact') return ctx.media.renderContactSheet(path, hints);
      const made = await ctx.media.renderDerivatives(path, type, hints);
      if (d.name === 'thumb') return made.thumb;
      return made.preview ?? (await ctx.media.renderFullPreview(path, type, hints)).preview;
    });
    if (!data) return lost();
    const stored = await storeDerivative(ctx, d.key, d.name, data);
    report.remade++;
    if (stored.sha256 !== d.sha256) report.remadeOtherBytes++;
  } catch (err) {
    ctx.log.warn({ key: d.key, name: d.name, err: (err as Error).message }, 'restore: derivative could not be made again');
    lost();
  }
}

/**
 * One original from a replica (its first version: what it holds as the original) into the primary
 * store, checked by its SHA-256. Other bytes there are recorded as such (an alarm; the sweep owes the
 * replica the original again) and never stored; false when not copied.
 */
async function copyOriginal(ctx: AppContext, replica: { name: string; store: BlobStore }, sha256: string): Promise<boolean> {
  try {
    return await ctx.blobs.storeCopyOfOriginal(sha256, () => replica.store.openOriginal(sha256));
  } catch (err) {
    ctx.log.warn({ replica: replica.name, sha256, err: (err as Error).message }, 'restore: copy failed');
    if (err instanceof OriginalBytesMismatch) await otherBytesFound(ctx, replica.name, sha256, err.observed, false);
    return false;
  }
}

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
