/**
 * TOTP secrets encrypted at rest: AES-256-GCM under a key kept outside the database (ctx.totpKey,
 * the TotpKeyStore port: today a file at TOTP_KEY_PATH), so a copy of the database alone yields no
 * second factor. The account id is the associated data: a sealed secret moved to another account
 * does not open.
 *
 * Stored form: "v1:" + base64(12-byte IV ‖ ciphertext ‖ 16-byte tag).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DependencyError } from '../dependency-error';
import type { AppContext } from '../context';

const PREFIX = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export const isSealed = (stored: string) => stored.startsWith(PREFIX);

export async function sealTotpSecret(ctx: AppContext, accountId: string, secret: string): Promise<string> {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', await ctx.totpKey.key(), iv);
  cipher.setAAD(Buffer.from(accountId));
  const sealed = Buffer.concat([iv, cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return PREFIX + sealed.toString('base64');
}

/** The base32 secret; throws a clear error when the key is not the one it was sealed with. */
export async function openTotpSecret(ctx: AppContext, accountId: string, stored: string): Promise<string> {
  const bytes = Buffer.from(stored.slice(PREFIX.length), 'base64');
  try {
    if (!isSealed(stored) || bytes.length <= IV_BYTES + TAG_BYTES) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', await ctx.totpKey.key(), bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(accountId));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch (err) {
    if (err instanceof DependencyError) throw err;
    throw new DependencyError(
      `A two-factor secret in the database does not open with the key at ${ctx.totpKey.location}: ` +
        'restore the key file the secrets were encrypted with.',
    );
  }
}

/**
 * At the API's start: checks that the key opens every sealed secret (a wrong key stops the start
 * here, changing nothing, instead of failing every login), then seals any secret still stored in
 * plain text by an older version.
 */
export async function prepareTotpSecrets(ctx: AppContext): Promise<void> {
  const stored = await ctx.repos.accounts.listTotpSecrets();
  for (const row of stored.filter((r) => isSealed(r.totp_secret))) await openTotpSecret(ctx, row.id, row.totp_secret);
  let sealed = 0;
  for (const row of stored.filter((r) => !isSealed(r.totp_secret))) {
    if (await ctx.repos.accounts.replaceTotpSecret(row.id, row.totp_secret, await sealTotpSecret(ctx, row.id, row.totp_secret))) sealed++;
  }
  if (sealed > 0) ctx.log.info({ sealed }, 'encrypted two-factor secrets stored in plain text');
}
