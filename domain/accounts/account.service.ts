import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify, Algorithm } from '@node-rs/argon2';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import * as accountsRepo from '../../db/accounts.repo';
import { withTransaction } from '../../db/pool';
import { appendAudit, type Actor } from '../audit/audit.service';
import type { AppContext } from '../context';
import { AppError, badRequest, conflict, tooManyRequests } from '../errors';

export type Role = accountsRepo.Role;
export type SessionUser = { accountId: string; email: string; role: Role; csrfToken: string };

const TOKEN_BYTES = 32;
const FIRST_ADMIN_TTL_MS = 7 * 86_400_000;
const SET_PASSWORD_TTL_MS = 3 * 86_400_000;
export const MIN_PASSWORD_LENGTH = 12;

// OWASP's argon2id baseline (m=19 MiB, t=2, p=1): costly for an attacker, ~30 ms for us.
const ARGON2 = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export const newToken = () => randomBytes(TOKEN_BYTES).toString('base64url');
export const hashToken = (token: string) => createHash('sha256').update(token).digest();

export function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Login attempts are limited per account and overall, in memory only: nothing about the client is kept. */
const perAccountLimiter = new RateLimiterMemory({ points: 5, duration: 15 * 60 });
const globalLimiter = new RateLimiterMemory({ points: 200, duration: 60 });

export async function passwordHash(password: string): Promise<string> {
  return argon2Hash(password, ARGON2);
}

/** On a start with no accounts: a one-time link that is the only way to create the first admin. */
export async function issueFirstAdminLinkIfNeeded(ctx: AppContext): Promise<string | null> {
  return withTransaction(ctx.db, async (tx) => {
    await accountsRepo.lockAccountsTable(tx);
    if ((await accountsRepo.countAccounts(tx)) > 0) return null;
    await accountsRepo.expireUnusedTokens(tx, 'first_admin');
    const token = newToken();
    await accountsRepo.insertAccountToken(tx, {
      hash: hashToken(token),
      purpose: 'first_admin',
      accountId: null,
      expiresAt: new Date(Date.now() + FIRST_ADMIN_TTL_MS),
    });
    return token;
  });
}

export async function isValidAccountToken(ctx: AppContext, token: string, purpose: accountsRepo.TokenPurpose): Promise<boolean> {
  return accountsRepo.findValidToken(ctx.db, hashToken(token), purpose);
}

const invalidLink = () =>
  new AppError(410, 'link_invalid', 'This link is no longer valid: it was used already or it expired. Ask an admin for a new one.');

export async function createFirstAdmin(ctx: AppContext, token: string, email: string, password: string): Promise<void> {
  const hash = await passwordHash(password);
  await withTransaction(ctx.db, async (tx) => {
    await accountsRepo.lockAccountsTable(tx);
    if (!(await accountsRepo.consumeAccountToken(tx, hashToken(token), 'first_admin'))) throw invalidLink();
    if ((await accountsRepo.countAccounts(tx)) > 0) throw conflict('already_set_up', 'An admin account already exists.');
    const account = await accountsRepo.insertAccount(tx, { email, role: 'admin', passwordHash: hash });
    await appendAudit(tx, { system: 'setup-link' }, { action: 'account.create', entityType: 'account', entityId: account.id, after: { email, role: 'admin' } });
  });
}

/** For admins and `npm run user:create`: an account without a password, and the one-time link that sets it. */
export async function createAccountWithLink(ctx: AppContext, email: string, role: Role, actor: Actor = { system: 'cli' }): Promise<string> {
  return withTransaction(ctx.db, async (tx) => {
    if (await accountsRepo.findAccountByEmail(tx, email)) throw conflict('email_taken', `An account for ${email} exists already.`);
    const account = await accountsRepo.insertAccount(tx, { email, role, passwordHash: null });
    await appendAudit(tx, actor, { action: 'account.create', entityType: 'account', entityId: account.id, after: { email, role } });
    const token = newToken();
    await accountsRepo.insertAccountToken(tx, {
      hash: hashToken(token),
      purpose: 'set_password',
      accountId: account.id,
      expiresAt: new Date(Date.now() + SET_PASSWORD_TTL_MS),
    });
    return token;
  });
}

export async function setPasswordWithToken(ctx: AppContext, token: string, password: string): Promise<void> {
  const hash = await passwordHash(password);
  await withTransaction(ctx.db, async (tx) => {
    const used = await accountsRepo.consumeAccountToken(tx, hashToken(token), 'set_password');
    if (!used?.account_id) throw invalidLink();
    await accountsRepo.setPasswordHash(tx, used.account_id, hash);
    const account = await accountsRepo.findAccountById(tx, used.account_id);
    await appendAudit(tx, { accountId: used.account_id, email: account!.email }, { action: 'account.set_password', entityType: 'account', entityId: used.account_id });
  });
}

const wrongCredentials = () => badRequest('wrong_credentials', 'Wrong email or password.');

/** Returns a new session token (for the cookie); only its hash is stored. */
export async function logIn(ctx: AppContext, email: string, password: string): Promise<{ token: string; expiresAt: Date }> {
  try {
    await Promise.all([globalLimiter.consume('all'), perAccountLimiter.consume(email)]);
  } catch {
    throw tooManyRequests('Too many login attempts. Wait 15 minutes and try again.');
  }
  const account = await accountsRepo.findAccountByEmail(ctx.db, email);
  if (!account?.password_hash || account.disabled_at) {
    await argon2Hash(password, ARGON2); // same cost either way: no account enumeration by timing
    throw wrongCredentials();
  }
  if (!(await argon2Verify(account.password_hash, password))) throw wrongCredentials();
  await perAccountLimiter.delete(email);
  const token = newToken();
  const expiresAt = new Date(Date.now() + ctx.config.sessionMs);
  await withTransaction(ctx.db, async (tx) => {
    await accountsRepo.insertSession(tx, { tokenHash: hashToken(token), accountId: account.id, csrfToken: newToken(), expiresAt });
    await appendAudit(tx, { accountId: account.id, email: account.email }, { action: 'account.login', entityType: 'account', entityId: account.id });
  });
  return { token, expiresAt };
}

export async function findSessionUser(ctx: AppContext, token: string): Promise<SessionUser | null> {
  const session = await accountsRepo.findLiveSession(ctx.db, hashToken(token));
  if (!session) return null;
  return { accountId: session.account_id, email: session.email, role: session.role, csrfToken: session.csrf_token };
}

export async function logOut(ctx: AppContext, token: string, user: SessionUser): Promise<void> {
  await withTransaction(ctx.db, async (tx) => {
    await accountsRepo.deleteSession(tx, hashToken(token));
    await appendAudit(tx, actorOf(user), { action: 'account.logout', entityType: 'account', entityId: user.accountId });
  });
}

export const actorOf = (user: SessionUser): Actor => ({ accountId: user.accountId, email: user.email });
