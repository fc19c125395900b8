import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DERIVATIVE_FORMAT, type DerivativeName } from '../../domain/media/derivatives';
import { DerivativeBytesMismatch, OriginalBytesMismatch, StoredOriginalDiffers, type BlobStore, type StoredBlob } from '../../domain/ports/blob-store';
import { assertLogFileName } from '../../domain/transparency/tiles';
import { assertLogCopyName, assertSha, copyHashing, derivativeOfFileName, hashFile, HEX64, openLocalTemp } from './local-temp';

/**
 * The blob store on a local filesystem. Layout under STORAGE_DIR:
 *   tmp/                      uploads being received (same filesystem, so link() is atomic)
 *   originals/ab/cd/<sha256>  write-once, read-only, content-addressed originals
 *   derived/ab/<sha256>/      derivatives (thumb, preview, …); regenerable, never evidence
 *   log/                      the transparency log as C2SP tlog-tiles (checkpoint, tile/…): serve it as it is
 *   log-copies/<folder>/<name>  on a replica: copies of the log's public data (checkpoints, leaf hashes)
 */
export async function createFsBlobStore(root: string): Promise<BlobStore> {
  const uploads = await openLocalTemp(root);
  const originalsDir = path.join(root, 'originals');
  const derivedDir = path.join(root, 'derived');
  const logDir = path.join(root, 'log');
  const logCopiesDir = path.join(root, 'log-copies');
  await Promise.all([originalsDir, derivedDir, logDir].map((d) => fs.mkdir(d, { recursive: true })));

  const originalPath = (sha256: string) => {
    assertSha(sha256);
    return path.join(originalsDir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  };
  const derivativePath = (sha256: string, name: DerivativeName) => {
    assertSha(sha256);
    return path.join(derivedDir, sha256.slice(0, 2), sha256, `${name}.${DERIVATIVE_FORMAT[name].extension}`);
  };

  const logFilePath = (name: string) => {
    assertLogFileName(name);
    return path.join(logDir, ...name.split('/'));
  };

  // link() fails if the original exists, so stored bytes are never replaced; identical bytes are stored once.
  // The bytes were synced as they were received; the new name is synced here (its directory, and
  // the parent of each directory made for it), so an original a receipt names survives a power cut.
  async function putOriginal(tempPath: string, sha256: string): Promise<{ created: boolean }> {
    const final = originalPath(sha256);
    const dir = path.dirname(final);
    const firstMade = await fs.mkdir(dir, { recursive: true });
    let created = true;
    try {
      await fs.link(tempPath, final);
      await fs.chmod(final, 0o444);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      created = false;
    }
    if (created) await syncDirectories(dir, firstMade);
    await fs.rm(tempPath, { force: true });
    return { created };
  }

  /** What the stored original's bytes hash to; null when there is none. */
  const hashOriginal = (sha256: string): Promise<string | null> =>
    hashFile(originalPath(sha256)).then(
      (file) => file.sha256,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      },
    );

  return {
    protection: {
      locked: false,
      summary: `originals are read-only files under ${originalsDir}: write-once for Svidetel, but not locked against this machine's administrator`,
    },
    // tmp/ is on the same filesystem as the originals
    freeBytes: () => uploads.freeBytes(),
    createTempFile: () => uploads.createTempFile(),
    createEmptyTempFile: () => uploads.createEmptyFile(),
    removeTemp: (tempPath) => uploads.removeTemp(tempPath),
    listTempFiles: () => uploads.list(),

    putOriginal,

    // Into a temp file, hashed on the way, then linked as an upload is: a file never half there.
    async storeCopyOfOriginal(sha256, open) {
      const here = await hashOriginal(sha256);
      if (here !== null) {
        if (here !== sha256) throw new StoredOriginalDiffers(`the stored original ${sha256} hashes to ${here}: kept, nothing stored over it`, here);
        return true;
      }
      const source = await open();
      if (!source) return false;
      const temp = uploads.createTempFile();
      try {
        const got = await copyHashing(source.stream(), temp.stream);
        if (got !== sha256) throw new OriginalBytesMismatch(`the copy of original ${sha256} hashes to ${got}: not stored`, got);
        await putOriginal(temp.path, sha256);
        return true;
      } finally {
        await uploads.removeTemp(temp.path);
      }
    },

    // No lock on a file of ours: other bytes can always be removed.
    async removeOtherBytes(sha256) {
      const here = await hashOriginal(sha256);
      if (here === null) return 'absent';
      if (here === sha256) return 'right';
      await fs.rm(originalPath(sha256), { force: true });
      return 'removed';
    },
    openOriginalForCopy: (sha256) => openFile(originalPath(sha256)),

    async removeUncommittedOriginal(sha256) {
      await fs.rm(originalPath(sha256), { force: true });
    },

    readOriginal: (sha256) => fs.readFile(originalPath(sha256)),
    openOriginal: (sha256) => openFile(originalPath(sha256)),
    // The stored file itself: it is read-only (0444), so a tool cannot change the evidence.
    withOriginalFile: (sha256, use) => use(originalPath(sha256)),

    // One shard directory at a time (originals/ab/cd/): a listing of millions is never held whole.
    async *listOriginals() {
      for (const ab of await subdirectories(originalsDir)) {
        for (const cd of await subdirectories(path.join(originalsDir, ab))) {
          for (const entry of await fs.readdir(path.join(originalsDir, ab, cd), { withFileTypes: true })) {
            if (entry.isFile() && HEX64.test(entry.name)) yield entry.name;
          }
        }
      }
    },

    // link() keeps the received file's time: when its last byte arrived, just before it was stored.
    async originalStoredAt(sha256) {
      const stats = await fs.stat(originalPath(sha256)).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      });
      return stats?.mtime ?? null;
    },

    writeDerivative: (sha256, name, data) => replaceFile(derivativePath(sha256, name), (temp) => fs.writeFile(temp, data, { mode: 0o644 })),
    // Hashed as it is copied: what is recorded is what this file holds, whatever the caller's file does next.
    async writeDerivativeFile(sha256, name, filePath) {
      let copied = { sha256: '', bytes: 0 };
      await replaceFile(derivativePath(sha256, name), async (temp) => {
        const sha = await copyHashing(createReadStream(filePath, { highWaterMark: 1024 * 1024 }), createWriteStream(temp, { flags: 'wx', mode: 0o644 }));
        copied = { sha256: sha, bytes: (await fs.stat(temp)).size };
      });
      return copied;
    },
    // Into a temp file beside it, hashed on the way, renamed over the old one only when it hashes right.
    writeDerivativeFrom: (sha256, name, source, dataSha256) =>
      replaceFile(derivativePath(sha256, name), async (temp) => {
        const got = await copyHashing(source.stream(), createWriteStream(temp, { flags: 'wx', mode: 0o644 }));
        if (got !== dataSha256) throw new DerivativeBytesMismatch(`the copy of derivative ${name} of ${sha256} hashes to ${got}, not ${dataSha256}: not stored`);
      }),
    openDerivative: (sha256, name) => openFile(derivativePath(sha256, name)),

    // One original's folder at a time (derived/ab/<sha256>/), like listOriginals.
    async *listDerivatives() {
      for (const ab of await subdirectories(derivedDir)) {
        for (const key of await subdirectories(path.join(derivedDir, ab))) {
          if (!HEX64.test(key)) continue;
          for (const entry of await fs.readdir(path.join(derivedDir, ab, key), { withFileTypes: true })) {
            const name = entry.isFile() ? derivativeOfFileName(entry.name) : null;
            if (name) yield { key, name, bytes: (await fs.stat(path.join(derivedDir, ab, key, entry.name))).size };
          }
        }
      }
    },

    writeLogFile: (name, data) => replaceFile(logFilePath(name), (temp) => fs.writeFile(temp, data, { mode: 0o644 })),
    openLogFile: (name) => openFile(logFilePath(name)),

    async writeLogCopy(name, data) {
      assertLogCopyName(name);
      await replaceFile(path.join(logCopiesDir, name), (temp) => fs.writeFile(temp, data, { mode: 0o644 }));
    },

    async readLogCopy(name) {
      assertLogCopyName(name);
      return fs.readFile(path.join(logCopiesDir, name)).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      });
    },

    async *listLogCopies(prefix) {
      const folder = prefix.replace(/\/$/, '');
      const names = await fs.readdir(path.join(logCopiesDir, folder)).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return [];
        throw err;
      });
      for (const name of names) if (!name.endsWith('.tmp')) yield `${folder}/${name}`;
    },
  };
}

/** fsync of `dir` and, when mkdir made directories from `firstMade` down to it, of each one's parent. */
async function syncDirectories(dir: string, firstMade: string | undefined): Promise<void> {
  const dirs = [dir];
  if (firstMade) {
    for (let d = dir; d !== firstMade && path.dirname(d) !== d; ) dirs.push((d = path.dirname(d)));
    dirs.push(path.dirname(firstMade));
  }
  await Promise.all(dirs.map(syncDirectory));
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function subdirectories(dir: string): Promise<string[]> {
  return (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
}

/** Filled under a temp name and renamed over the old file, so a reader never sees half a file. */
async function replaceFile(final: string, fill: (temp: string) => Promise<void>): Promise<void> {
  await fs.mkdir(path.dirname(final), { recursive: true });
  const temp = `${final}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await fill(temp);
    await fs.rename(temp, final);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}

/** Opened before anything is sent, so a missing file is known (null) and the size is that of what will be read. */
async function openFile(filePath: string): Promise<StoredBlob | null> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(filePath, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const { size } = await handle.stat().catch(async (err: unknown) => {
    await handle.close();
    throw err;
  });
  return {
    size,
    stream: (range) => createReadStream(filePath, { fd: handle, start: range?.start, end: range?.end }),
    discard: () => void handle.close().catch(() => undefined),
  };
}
