/**
 * Issue 11, finding 19: TOTP secrets are encrypted at rest (AES-256-GCM) with a key kept outside
 * the database (TOTP_KEY_PATH). Whoever reads the accounts table learns no second factor; secrets
 * stored in plain text by an older version are encrypted at start; a wrong key stops the start
 * with a clear message instead of locking everyone out at login.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { Client, loggedInClient } from '../helpers/http';
import { freshDatabaseUrl, startSystem, type TestSystem } from '../helpers/system';

const codeFor = (email: string, secret: string, offsetMs = 0) =>
  new TOTP({ issuer: 'Svidetel', label: email, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + offsetMs });

describe('TOTP secrets at rest', () => {
  let system: TestSystem;
  let databaseUrl: string;
  let keyDir: string;
  const env = (keyFile = 'totp.key') => ({ DATABASE_URL: databaseUrl, TOTP_KEY_PATH: path.join(keyDir, keyFile) });

  beforeAll(async () => {
    databaseUrl = await freshDatabaseUrl('totp_at_rest');
    keyDir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-totp-key-'));
    system = await startSystem({ worker: false, env: env() });
  });
  afterAll(async () => {
    await system?.stop();
    await fs.rm(keyDir, { recursive: true, force: true });
  });

  const storedSecret = async (email: string) =>
    (await system.ctx.db.query<{ totp_secret: string | null }>('SELECT totp_secret FROM accounts WHERE email = $1', [email])).rows[0]!.totp_secret;

  async function logIn(email: string, code?: string): Promise<number> {
    const client = new Client(system.url);
    await client.page('/login');
    return (await client.postForm('/login', { email, password: 'correct horse battery staple', ...(code ? { code } : {}) })).status;
  }

  async function enableTotp(client: Client & { email: string }): Promise<string> {
    const setup = await client.page('/account');
    const secret = /id="totp-secret"[^>]*>([A-Z2-7]+)</.exec(setup.body)![1]!;
    expect((await client.postForm('/account/totp', { secret, code: codeFor(client.email, secret) })).status).toBe(303);
    return secret;
  }

  test('a secret enabled on the account page is not in the database; login with a code still works', async () => {
    const moderator = await loggedInClient(system.ctx, system.url);
    const secret = await enableTotp(moderator);
    const stored = await storedSecret(moderator.email);
    expect(stored).not.toBeNull();
    expect(stored).not.toContain(secret);
    expect(stored!.toUpperCase()).not.toContain(secret.slice(0, 16));
    expect((await fs.stat(path.join(keyDir, 'totp.key'))).mode & 0o777).toBe(0o600);

    expect(await logIn(moderator.email)).toBe(400); // a code is needed
    expect(await logIn(moderator.email, codeFor(moderator.email, secret, 30_000))).toBe(303);
  });

  test('a secret an older version stored in plain text is encrypted at the next start', async () => {
    const moderator = await loggedInClient(system.ctx, system.url);
    const secret = new Secret({ size: 20 }).base32;
    await system.ctx.db.query('UPDATE accounts SET totp_secret = $2, totp_last_step = NULL WHERE email = $1', [moderator.email, secret]);
    await system.stop();
    system = await startSystem({ worker: false, env: env() });
    expect(await storedSecret(moderator.email)).not.toContain(secret);
    expect(await logIn(moderator.email, codeFor(moderator.email, secret))).toBe(303);
  });

  test('a start with another key fails clearly and changes nothing', async () => {
    const before = (await system.ctx.db.query('SELECT email, totp_secret FROM accounts ORDER BY email')).rows;
    await expect(startSystem({ worker: false, env: env('another.key') })).rejects.toThrow(/TOTP_KEY_PATH/);
    expect((await system.ctx.db.query('SELECT email, totp_secret FROM accounts ORDER BY email')).rows).toEqual(before);
  });
});
