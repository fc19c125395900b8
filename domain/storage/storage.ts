import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream, type WriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * The only module that touches files. Layout under STORAGE_DIR:
 *   tmp/                      uploads being received (same filesystem, so link() is atomic)
 *   originals/ab/cd/<sha256>  write-once, read-only, content-addressed originals
 *   derived/ab/<sha256>/      derivatives (thumb, preview, …); regenerable, never evidence
 */
export type Storage = ReturnType<typeof createStorage>;

export type DerivativeName = 'thumb' | 'preview' | 'poster' | 'contact';

const HEX64 = /^[0-9a-f]{64}$/;

function assertSha(sha256: string): void {
  // Paths are built from hashes only; anything else would be a path-injection bug upstream.
  if (!HEX64.test(sha256)) throw new Error(`not a sha256 hex digest: ${sha256}`);
}

export function createStorage(root: string) {
  const tmpDir = path.join(root, 'tmp');
  const originalsDir = path.join(root, 'originals');
  const derivedDir = path.join(root, 'derived');

  const originalPath = (sha256: string) => {
    assertSha(sha256);
    return path.join(originalsDir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  };
  const derivativePath = (sha256: string, name: DerivativeName) => {
    assertSha(sha256);
    return path.join(derivedDir, sha256.slice(0, 2), sha256, `${name}.jpg`);
  };

  return {
    root,

    async init(): Promise<void> {
      await Promise.all([tmpDir, originalsDir, derivedDir].map((d) => fs.mkdir(d, { recursive: true })));
    },

    /** Bytes an unprivileged process may still write on the storage filesystem. */
    async freeBytes(): Promise<number> {
      const stats = await fs.statfs(root);
      return stats.bavail * stats.bsize;
    },

    /** A new temp file for an incoming upload. */
    createTempFile(): { path: string; stream: WriteStream } {
      const file = path.join(tmpDir, `${Date.now()}-${randomBytes(12).toString('hex')}.part`);
      return { path: file, stream: createWriteStream(file, { flags: 'wx', mode: 0o600, highWaterMark: 1024 * 1024 }) };
    },

    async removeTemp(tempPath: string): Promise<void> {
      if (path.dirname(tempPath) !== tmpDir) throw new Error('refusing to remove a file outside tmp/');
      await fs.rm(tempPath, { force: true });
    },

    /**
     * Moves a fully received upload into the write-once store. link() fails if the original
     * exists, so stored bytes are never replaced; identical bytes are stored once.
     * Returns whether this call created the original (the caller may need to undo exactly that).
     */
    async storeOriginal(tempPath: string, sha256: string): Promise<{ created: boolean }> {
      const final = originalPath(sha256);
      await fs.mkdir(path.dirname(final), { recursive: true });
      let created = true;
      try {
        await fs.link(tempPath, final);
        await fs.chmod(final, 0o444);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        created = false;
      }
      await fs.rm(tempPath, { force: true });
      return { created };
    },

    /** Undo of storeOriginal for a transaction that did not commit; only for originals it created. */
    async removeUncommittedOriginal(sha256: string): Promise<void> {
      await fs.rm(originalPath(sha256), { force: true });
    },

    originalPath,

    async originalExists(sha256: string): Promise<boolean> {
      return fs.access(originalPath(sha256)).then(
        () => true,
        () => false,
      );
    },

    /** The first bytes of an original, for sniffing its type from content. */
    async readOriginalHead(sha256: string, length: number): Promise<Buffer> {
      const handle = await fs.open(originalPath(sha256), 'r');
      try {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, 0);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },

    /** A whole original in memory: the worker reads a photo once, then hashes, sniffs and decodes those bytes. */
    async readOriginal(sha256: string): Promise<Buffer> {
      return fs.readFile(originalPath(sha256));
    },

    openOriginal(sha256: string): ReadStream {
      return createReadStream(originalPath(sha256));
    },

    /** Re-reads the stored bytes: the worker checks them against the hash taken at upload. */
    async hashOriginal(sha256: string): Promise<{ sha256: string; bytes: number }> {
      const hash = createHash('sha256');
      let bytes = 0;
      await pipeline(createReadStream(originalPath(sha256)), async function* (source) {
        for await (const chunk of source as AsyncIterable<Buffer>) {
          hash.update(chunk);
          bytes += chunk.length;
        }
      });
      return { sha256: hash.digest('hex'), bytes };
    },

    /** Derivatives are rewritten atomically (temp + rename) so a reader never sees half a file. */
    async writeDerivative(sha256: string, name: DerivativeName, data: Buffer): Promise<void> {
      const final = derivativePath(sha256, name);
      await fs.mkdir(path.dirname(final), { recursive: true });
      const temp = `${final}.${randomBytes(6).toString('hex')}.tmp`;
      await fs.writeFile(temp, data, { mode: 0o644 });
      await fs.rename(temp, final);
    },

    derivativePath,

    openDerivative(sha256: string, name: DerivativeName): ReadStream {
      return createReadStream(derivativePath(sha256, name));
    },
  };
}

/**
 * A secret key file kept outside the database (the log's signing key, LOG_KEY_PATH; the TOTP
 * encryption key, TOTP_KEY_PATH). Read: its text, or null when there is none yet.
 */
export async function readKeyFile(keyPath: string): Promise<string | null> {
  try {
    return await fs.readFile(keyPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Creates the key file with mode 0600 (folder 0700) unless one exists: written to a temp file,
 * then link()ed into place, which fails if another process created it first.
 * Returns the text that is now on disk, ours or the other process's.
 */
export async function createKeyFile(keyPath: string, pem: string): Promise<{ pem: string; created: boolean }> {
  await fs.mkdir(path.dirname(keyPath), { recursive: true, mode: 0o700 });
  const temp = `${keyPath}.${randomBytes(6).toString('hex')}.tmp`;
  await fs.writeFile(temp, pem, { mode: 0o600, flag: 'wx' });
  try {
    await fs.link(temp, keyPath);
    return { pem, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { pem: await fs.readFile(keyPath, 'utf8'), created: false };
  } finally {
    await fs.rm(temp, { force: true });
  }
}
