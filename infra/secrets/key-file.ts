import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

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
