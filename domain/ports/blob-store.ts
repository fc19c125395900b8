import { createHash } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import type { DerivativeName } from '../media/derivatives';

/** Inclusive byte offsets, as in an HTTP Range. */
export type ByteRange = { start: number; end: number };

/** A stored file found and ready to read: its size first (for headers), then its bytes. */
export type StoredBlob = {
  size: number;
  /** The bytes, or only `range` of them; call once. */
  stream(range?: ByteRange): Readable;
  /** Releases the blob when it will not be streamed after all (e.g. a 304). */
  discard(): void;
};

/** What a stored blob's bytes hash to, read whole (streamed), and how many there were. */
export async function hashStoredBlob(blob: StoredBlob): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of blob.stream() as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * An upload being received: always a local file, whichever store keeps the originals (an S3 store
 * also sends the bytes written to `stream` into its bucket as they arrive). `sha256`, once the
 * stream finished: the SHA-256 of the bytes, when the store hashed them as it kept them (S3: as
 * the very buffers it sent); the receiver takes it instead of hashing them a second time.
 */
export type TempFile = { path: string; stream: Writable; sha256?: () => string };

/** A file in the folder uploads are received into, and when its bytes last changed. */
export type TempFileEntry = { path: string; modifiedAt: Date };

/**
 * What keeps the originals from being deleted or replaced beyond the store's own write-once rule,
 * said at start (a write-once file on our disk does not stop the machine's administrator; an S3
 * Object Lock in COMPLIANCE mode stops even the holder of the store's keys until it expires).
 */
export type OriginalsProtection = { locked: false; summary: string } | { locked: true; retentionDays: number; summary: string };

/**
 * What the caller knows of an original it stores: `recorded: false` when no row recorded these bytes
 * before (the caller has just inserted the blob's row, under the per-hash lock), so the store very
 * probably does not hold them and may skip looking first (S3: no HEAD before the PUT). The store's
 * check after writing (it was first, else its copy is discarded) stays: a crash may have left the
 * bytes behind with no row.
 */
export type PutOriginalHint = { recorded: boolean };

/**
 * Where originals and their derivatives live. Originals are write-once and addressed by their
 * SHA-256: stored bytes are never replaced. Derivatives (thumb, preview, …) can be made again from
 * the original and are never evidence. Nothing outside an adapter knows how either is laid out.
 */
export type BlobStore = {
  readonly protection: OriginalsProtection;
  /**
   * Bytes that may still be received before uploads must be refused: the local disk that holds
   * uploads being received (and, for the filesystem store, the originals too).
   */
  freeBytes(): Promise<number>;

  createTempFile(): TempFile;
  /**
   * An empty temp file for bytes written later by its path (a resumable upload's), in the local
   * folder whichever store keeps the originals. Not synced: the bytes written into it are, once
   * they are all there, before anything names them.
   */
  createEmptyTempFile(): Promise<string>;
  removeTemp(tempPath: string): Promise<void>;
  /**
   * Every upload being received (a crash leaves some behind): the files in the local folder and,
   * for a store that receives uploads into itself as they arrive (S3), its staging uploads, by a
   * name removeTemp takes.
   */
  listTempFiles(): AsyncIterable<TempFileEntry>;

  /**
   * Takes a fully received temp file as the original with this SHA-256 unless one is stored
   * already (then the stored bytes stay); the temp file is gone afterwards. Returns whether this
   * call stored it, so a transaction that does not commit can undo exactly that.
   */
  putOriginal(tempPath: string, sha256: string, hint?: PutOriginalHint): Promise<{ created: boolean }>;
  /** Undo of putOriginal for a transaction that did not commit; only for originals it created. */
  removeUncommittedOriginal(sha256: string): Promise<void>;

  /**
   * Stores a copy of an original read from another store (a replica, or the primary for a replica)
   * unless this store holds it already, which it then reads back and hashes: other bytes there are
   * kept and reported (StoredOriginalDiffers). `open` gives the source's bytes, which must hash to
   * `sha256`: they are checked as they pass and bytes that do not never become the original
   * (OriginalBytesMismatch). Returns false when the source has no such original (nothing stored).
   */
  storeCopyOfOriginal(sha256: string, open: () => Promise<StoredBlob | null>): Promise<boolean>;
  /**
   * For a replica found holding other bytes under an original's key (StoredOriginalDiffers): removes
   * what is stored under it, after hashing it once more, so that the right bytes can be stored.
   * Bytes that hash to the original are never removed ('right'); 'absent': nothing is there;
   * 'write-once': the store refuses to remove them (Object Lock) and they stay.
   */
  removeOtherBytes(sha256: string): Promise<'removed' | 'right' | 'absent' | 'write-once'>;
  /**
   * The original's bytes for storeCopyOfOriginal, which checks them by hash: may skip the checks
   * openOriginal makes before serving (on S3, which of the key's versions is the first). null when
   * there is none; a range cannot be asked for.
   */
  openOriginalForCopy(sha256: string): Promise<StoredBlob | null>;

  /** A whole original in memory (photos: the worker reads one once, then hashes and decodes it). */
  readOriginal(sha256: string): Promise<Buffer>;
  /** null when there is no such original. */
  openOriginal(sha256: string): Promise<StoredBlob | null>;
  /**
   * Runs `use` with a local file holding the original (for tools that only read files: ffprobe,
   * ffmpeg, heif-convert), read-only, valid until `use` settles.
   */
  withOriginalFile<T>(sha256: string, use: (filePath: string) => Promise<T>): Promise<T>;

  /** The SHA-256 of every stored original, in no particular order (for a scrub that re-hashes them). */
  listOriginals(): AsyncIterable<string>;
  /** When the original was stored, or null when there is none (for the grace period of a crash clean-up). */
  originalStoredAt(sha256: string): Promise<Date | null>;

  /**
   * Replaces a derivative whole: a reader sees the old one or the new one, never half a file. The
   * caller hashed `data` already (it records the SHA-256, domain/replication/derivatives.service.ts):
   * a store that checks what it receives (an S3 PUT signed with its payload's SHA-256) uses it
   * instead of hashing again, and refuses bytes that do not hash to it.
   */
  writeDerivative(sha256: string, name: DerivativeName, data: Buffer, dataSha256: string): Promise<void>;
  /**
   * writeDerivative for a copy made in a local file (a video copy: too large for memory); the file
   * stays the caller's. The store hashes the bytes it keeps and returns their SHA-256 and size, for
   * the caller to record (the domain reads no files itself).
   */
  writeDerivativeFile(sha256: string, name: DerivativeName, filePath: string): Promise<{ sha256: string; bytes: number }>;
  /**
   * writeDerivative for a copy read from another store (the primary's for a replica, a replica's
   * after a loss): its bytes are checked against `dataSha256` as they pass, and bytes that do not
   * hash to it are never stored (DerivativeBytesMismatch). `source` is consumed or discarded.
   */
  writeDerivativeFrom(sha256: string, name: DerivativeName, source: StoredBlob, dataSha256: string): Promise<void>;
  /** null when there is no such derivative. */
  openDerivative(sha256: string, name: DerivativeName): Promise<StoredBlob | null>;
  /** Every derivative stored (under which key, which copy, its size), in no particular order: a restore checks a replica's copies by it. */
  listDerivatives(): AsyncIterable<ListedDerivative>;

  /**
   * The transparency log's static copy (C2SP tlog-tiles: `checkpoint`, `tile/<L>/<N>[.p/<W>]`,
   * see domain/transparency/tiles.ts), by its path under the log's prefix, so any static host or
   * mirror can serve the store's log/ folder as it is. Replaced whole; a reader sees one or the other.
   */
  writeLogFile(name: string, data: Buffer): Promise<void>;
  /** null when there is no such file. */
  openLogFile(name: string): Promise<StoredBlob | null>;
  /**
   * Copies of the transparency log's public data (signed checkpoints, leaf hashes), by name
   * (`checkpoints/…`, `leaves/…`; see domain/replication): a replica that holds them tells a restore
   * which heads were published. Replaced whole; null when there is none.
   */
  writeLogCopy(name: string, data: Buffer): Promise<void>;
  readLogCopy(name: string): Promise<Buffer | null>;
  /** Names of the log copies under a prefix (e.g. `checkpoints/`), in no particular order. */
  listLogCopies(prefix: string): AsyncIterable<string>;
};

export type ListedDerivative = { key: string; name: DerivativeName; bytes: number };

/** Bytes met under an original's SHA-256 that hash to `observed` instead. */
abstract class OtherBytesThanOriginal extends Error {
  constructor(
    message: string,
    readonly observed: string,
  ) {
    super(message);
  }
}
/** Bytes given as an original's that do not hash to its SHA-256: nothing of them was stored. */
export class OriginalBytesMismatch extends OtherBytesThanOriginal {}
/** The store holds other bytes under an original's key than those that hash to it: nothing was stored over them. */
export class StoredOriginalDiffers extends OtherBytesThanOriginal {}
/** A derivative's bytes copied from another store that do not hash to the SHA-256 recorded for it: nothing was stored. */
export class DerivativeBytesMismatch extends Error {}

/**
 * A further store that holds a copy of every original (e.g. in another jurisdiction). Opened when
 * first needed and again after a failure, so a replica that is down delays only its own copies.
 */
export type Replica = { name: string; open(): Promise<BlobStore> };
