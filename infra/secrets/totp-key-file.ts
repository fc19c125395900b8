/**
 * The TOTP key as it is kept today: 32 random bytes in base64 in a file at TOTP_KEY_PATH, created
 * on first use with mode 0600, read once per process and path.
 */
import { randomBytes } from 'node:crypto';
import { DependencyError } from '../../domain/dependency-error';
import type { TotpKeyStore } from '../../domain/ports/totp-key';
import { processCache } from '../../domain/process-cache';
import { createKeyFile, readKeyFile } from './key-file';

const KEY_BYTES = 32;

const keys = processCache<Buffer>();

async function readOrCreateKey(keyPath: string): Promise<Buffer> {
  const text = (await readKeyFile(keyPath)) ?? (await createKeyFile(keyPath, `${randomBytes(KEY_BYTES).toString('base64')}\n`)).pem;
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new DependencyError(`The TOTP key file (TOTP_KEY_PATH ${keyPath}) does not hold a ${KEY_BYTES}-byte key in base64.`);
  return key;
}

export function totpKeyFile(keyPath: string): TotpKeyStore {
  return { location: `TOTP_KEY_PATH (${keyPath})`, key: () => keys(keyPath, () => readOrCreateKey(keyPath)) };
}
