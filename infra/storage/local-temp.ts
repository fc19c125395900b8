import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TempFile, TempFileEntry } from '../../domain/ports/blob-store';
import { DERIVATIVE_FORMAT, type DerivativeName } from '../../domain/media/derivatives';

export const HEX64 = /^[0-9a-f]{64}$/;

/** Keys and paths are built from hashes only; anything else would be an injection bug upstream. */
export function assertSha(sha256: string): void {
  if (!HEX64.test(sha256)) throw new Error(`not a sha256 hex digest: ${sha256}`);
}

/** Which derivative a stored file is by its name (`thumb.jpg`), as the adapters name them; null for any other file. */
export function derivativeOfFileName(file: string): DerivativeName | null {
  const dot = file.lastIndexOf('.');
  const name = file.slice(0, dot);
  return Object.hasOwn(DERIVATIVE_FORMAT, name) && DERIVATIVE_FORMAT[name as DerivativeName].extension === file.slice(dot + 1) ? (name as DerivativeName) : null;
}

/** A log copy's name: folders and files of the log's own naming (checkpoints/000000000042), nothing a path could escape with. */
export const LOG_COPY_NAME = /^[a-z]+\/[0-9a-z.-]{1,64}$/;

export function assertLogCopyName(name: string): void {
  if (!LOG_COPY_NAME.test(name)) throw new Error(`not a log copy name: ${name}`);
}

/** Pipes `from` into `into`, hashing the bytes on the way; returns their SHA-256. */
export async function copyHashing(from: Readable, into: Writable): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(
    from,
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        hash.update(chunk);
        yield chunk;
      }
    },
    into,
  );
  return hash.digest('hex');
}

/** The SHA-256 and size of a local file's bytes, read once (an original on disk, a copy a tool made). */
export async function hashFile(filePath: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(filePath, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** The local folder every store receives uploads into (STORAGE_DIR/tmp), whichever keeps the originals. */
export type LocalTemp = {
  dir: string;
  /** `durable: false` skips the fsync at the end, for a store that keeps the bytes elsewhere before any receipt names them. */
  createTempFile(options?: { durable: boolean }): TempFile;
  /** The write stream createTempFile gives, for a path of newPath's chosen before (a store that opens it only when it needs it). */
  openTempFile(file: string, options: { durable: boolean }): Writable;
  /** An empty file, made without a stream or an fsync (see BlobStore.createEmptyTempFile). */
  createEmptyFile(): Promise<string>;
  /** A name in the folder for a file this process writes itself (e.g. an original fetched for a tool). */
  newPath(suffix: string): string;
  removeTemp(tempPath: string): Promise<void>;
  list(): AsyncIterable<TempFileEntry>;
  /** What an unprivileged process may still write on the folder's filesystem. */
  freeBytes(): Promise<number>;
};

export async function openLocalTemp(storageDir: string): Promise<LocalTemp> {
  const dir = path.join(storageDir, 'tmp');
  await fs.mkdir(dir, { recursive: true });
  const newPath = (suffix: string) => path.join(dir, `${Date.now()}-${randomBytes(12).toString('hex')}${suffix}`);
  // flush: the bytes are on the disk (fsync) before the stream finishes, so before any receipt
  // names them (unless the store that takes them is what the receipt waits for); large
  // buffers: one write per MiB, not per socket read.
  const openTempFile = (file: string, { durable }: { durable: boolean }): Writable => {
    if (path.dirname(file) !== dir) throw new Error('refusing to write a temp file outside tmp/');
    return createWriteStream(file, { flags: 'wx', mode: 0o600, highWaterMark: 1024 * 1024, flush: durable });
  };
  return {
    dir,
    newPath,
    createTempFile({ durable } = { durable: true }) {
      const file = newPath('.part');
      return { path: file, stream: openTempFile(file, { durable }) };
    },
    openTempFile,
    async createEmptyFile() {
      const file = newPath('.part');
      await fs.writeFile(file, '', { flag: 'wx', mode: 0o600 });
      return file;
    },
    async removeTemp(tempPath) {
      if (path.dirname(tempPath) !== dir) throw new Error('refusing to remove a file outside tmp/');
      await fs.rm(tempPath, { force: true });
    },
    async *list() {
      for (const name of await fs.readdir(dir)) {
        const file = path.join(dir, name);
        // Gone since the listing (received and linked, or removed): not a leftover.
        const stats = await fs.stat(file).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return null;
          throw err;
        });
        if (stats?.isFile()) yield { path: file, modifiedAt: stats.mtime };
      }
    },
    async freeBytes() {
      const stats = await fs.statfs(dir);
      return stats.bavail * stats.bsize;
    },
  };
}
