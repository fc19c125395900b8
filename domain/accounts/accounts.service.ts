import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { AccountRow } from '../../db/accounts.repo';
import type { TxRepositories } from '../../db/repositories';
import { appendAudit } from '../audit/audit.service';
import type { Actor } from '../audit/model';
import { passwordHash, passwordMatches } from './password-hash';
import { openTotpSecret, sealTotpSecret } from './totp-vault.service';
import type { AppContext } from '../context';
import { AppError, badRequest, conflict, notFound } from '../errors';
import { loginThrottle } from './login-throttle';
import type { AccountSummary, Role, SessionSummary, SessionUser, TokenPurpose } from './model';
import { SessionCache } from './session-cache';
import type { AppSettings } from '../settings/model';

const TOKEN_BYTES = 32;
const FIRST_ADMIN_TTL_MS = 7 * 86_400_000;
const SET_PASSWORD_TTL_MS = 3 * 86_400_000;
export const MIN_PASSWORD_LENGTH = 12;

export const newToken = () => randomBytes(TOKEN_BYTES).toString('base64url');
export const hashToken = (token: string) => createHash('sha256').update(token).digest();

export function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether anyone can log in yet: a new installation has no accounts until its first admin is set up. */
export async function hasAccounts(ctx: AppContext): Promise<boolean> {
  return (await ctx.repos.accounts.countAccounts()) > 0;
}

/**
 * While there are no accounts: a one-time link that is the only way to create the first admin
 * (each new one replaces the last). Issued by `npm run setup-link` and shown to whoever runs it,
 * never logged: a log is read by more people and kept longer than a terminal.
 */
export async function issueFirstAdminLinkIfNeeded(ctx: AppContext): Promise<string | null> {
  return ctx.transaction(async (tx) => {
    await tx.accounts.lockAccountsTable();
    if ((await tx.accounts.countAccounts()) > 0) return null;
    await tx.accounts.expireUnusedTokens('first_admin');
    const token = newToken();
    await tx.accounts.insertAccountToken({
      hash: hashToken(token),
      purpose: 'first_admin',
      accountId: null,
      expiresAt: new Date(Date.now() + FIRST_ADMIN_TTL_MS),
    });
    return token;
  });
}

export async function isValidAccountToken(ctx: AppContext, token: string, purpose: TokenPurpose): Promise<boolean> {
  return ctx.repos.accounts.findValidToken(hashToken(token), purpose);
}

const invalidLink = () =>
  new AppError(410, 'link_invalid');

export async function createFirstAdmin(ctx: AppContext, token: string, email: string, password: string): Promise<void> {
  const hash = await passwordHash(password);
  await ctx.transaction(async (tx) => {
    await tx.accounts.lockAccountsTable();
    if (!(await tx.accounts.consumeAccountToken(hashToken(token), 'first_admin'))) throw invalidLink();
    if ((await tx.accounts.countAccounts()) > 0) throw conflict('already_set_up');
    const account = await tx.accounts.insertAccount({ email, role: 'admin', passwordHash: hash });
    await appendAudit(tx, { system: 'setup-link' }, { action: 'account.create', entityType: 'account', entityId: account.id, after: { email, role: 'admin' } });
  });
}

/** A new one-time link that sets an account's password; any earlier unused one stops working. */
async function issueSetPasswordLink(tx: TxRepositories, accountId: string): Promise<string> {
  await tx.accounts.expireUnusedTokensOf(accountId, 'set_password');
  const token = newToken();
  await tx.accounts.insertAccountToken({
    hash: hashToken(token),
    purpose: 'set_password',
    accountId,
    expiresAt: new Date(Date.now() + SET_PASSWORD_TTL_MS),
  });
  return token;
}

/** For admins and `npm run user:create`: an account without a password, and the one-time link that sets it. */
export async function createAccountWithLink(ctx: AppContext, email: string, role: Role, actor: Actor = { system: 'cli' }): Promise<string> {
  return ctx.transaction(async (tx) => {
    if (await tx.accounts.findAccountByEmail(email)) {
      throw conflict('email_taken', { email }, { email });
    }
    const account = await tx.accounts.insertAccount({ email, role, passwordHash: null });
    await appendAudit(tx, actor, { action: 'account.create', entityType: 'account', entityId: account.id, after: { email, role } });
    return issueSetPasswordLink(tx, account.id);
  });
}

/**
 * For admins and `npm run user:password-link`: a new one-time link that sets the password of an
 * existing account: a reset for one that has a password (it keeps working until the link is used),
 * the invitation sent again for one that never set it. Earlier unused links stop working. A
 * disabled account gets none (enable it first).
 */
export async function issuePasswordLink(ctx: AppContext, accountId: string, actor: Actor): Promise<{ token: string; email: string; kind: 'reset' | 'invitation' }> {
  return ctx.transaction(async (tx) => {
    const account = await tx.accounts.lockAccount(accountId);
    if (!account) throw notFound('account');
    if (account.disabled_at) throw conflict('account_disabled', { email: account.email });
    const kind = account.password_hash ? 'reset' : 'invitation';
    const token = await issueSetPasswordLink(tx, account.id);
    await appendAudit(tx, actor, { action: kind === 'reset' ? 'account.password_reset_link' : 'account.invitation_resent', entityType: 'account', entityId: account.id, after: { email: account.email } });
    return { token, email: account.email, kind };
  });
}

/** The same for an account named by its email (the command line). */
export async function issuePasswordLinkByEmail(ctx: AppContext, email: string, actor: Actor = { system: 'cli' }) {
  const account = await ctx.repos.accounts.findAccountByEmail(email);
  if (!account) throw notFound('account');
  return issuePasswordLink(ctx, account.id, actor);
}

/** Setting the password by a link ends every session of the account: after a reset, nobody stays logged in with the old one. */
export async function setPasswordWithToken(ctx: AppContext, token: string, password: string): Promise<void> {
  const hash = await passwordHash(password);
  const accountId = await ctx.transaction(async (tx) => {
    const used = await tx.accounts.consumeAccountToken(hashToken(token), 'set_password');
    if (!used?.account_id) throw invalidLink();
    await tx.accounts.setPasswordHash(used.account_id, hash);
    const ended = await tx.accounts.deleteSessionsOf(used.account_id);
    await tx.accounts.announceSessionChange(used.account_id);
    const account = await tx.accounts.findAccountById(used.account_id);
    await appendAudit(tx, { accountId: used.account_id, email: account!.email }, { action: 'account.set_password', entityType: 'account', entityId: used.account_id, after: { sessions_ended: ended } });
    return used.account_id;
  });
  forgetSessions(ctx, accountId);
}

const wrongCredentials = () => badRequest('wrong_credentials');
const codeNeeded = () =>
  badRequest('totp_required');
const wrongCode = () => badRequest('wrong_code');

const TOTP_PERIOD_S = 30;
const totpFor = (email: string, secret: string) =>
  new TOTP({ issuer: 'Svidetel', label: email, algorithm: 'SHA1', digits: 6, period: TOTP_PERIOD_S, secret: Secret.fromBase32(secret) });

/** The time step a code belongs to (±1 step for clock drift), or null when it is not valid now. */
function totpStep(email: string, secret: string, code: string): number | null {
  const delta = totpFor(email, secret).validate({ token: code, window: 1 });
  return delta === null ? null : Math.floor(Date.now() / 1000 / TOTP_PERIOD_S) + delta;
}

/**
 * Returns a new session token (for the cookie); only its hash is stored. `client` is the caller's
 * salted key for where the attempt came from: failures slow down that client, not the account.
 */
export async function logIn(
  ctx: AppContext,
  client: string,
  email: string,
  password: string,
  code: string | undefined,
): Promise<{ token: string; expiresAt: Date; needsTotpSetup: boolean }> {
  const throttle = loginThrottle(ctx);
  await throttle.admit(client, email);
  const account = await ctx.repos.accounts.findAccountByEmail(email);
  if (!account?.password_hash || account.disabled_at) {
    await passwordHash(password); // same cost either way: no account enumeration by timing
    throw wrongCredentials();
  }
  if (!(await passwordMatches(account.password_hash, password))) throw wrongCredentials();
  const token = newToken();
  const expiresAt = new Date(Date.now() + ctx.config.sessionMs);
  await ctx.transaction(async (tx) => {
    if (account.totp_secret) {
      if (!code) throw codeNeeded();
      const step = totpStep(account.email, await openTotpSecret(ctx, account.id, account.totp_secret), code);
      if (step === null || !(await tx.accounts.useTotpStep(account.id, step))) throw wrongCode();
    }
    await tx.accounts.insertSession({ tokenHash: hashToken(token), accountId: account.id, csrfToken: newToken(), expiresAt });
    await appendAudit(tx, { accountId: account.id, email: account.email }, { action: 'account.login', entityType: 'account', entityId: account.id, after: { totp: Boolean(account.totp_secret) } });
  });
  await throttle.succeeded(client, email);
  const needsTotpSetup = !account.totp_secret && (await ctx.repos.settings.readSettings()).require_totp;
  return { token, expiresAt, needsTotpSetup };
}

/** One cache per context (per API process; tests run several contexts in one process). */
const sessionCaches = new WeakMap<AppContext['repos'], SessionCache>();
function sessionCacheOf(ctx: AppContext): SessionCache {
  let cache = sessionCaches.get(ctx.repos);
  if (!cache) sessionCaches.set(ctx.repos, (cache = new SessionCache(ctx.config.sessionCacheMs)));
  return cache;
}

/**
 * The logged-in user of a session token, or null. `fresh` (every request that changes something)
 * reads it from the database; otherwise a session this process read in the last moments may be
 * reused (domain/accounts/session-cache.ts says how soon a revocation stops it).
 */
export async function findSessionUser(ctx: AppContext, token: string, { fresh }: { fresh: boolean } = { fresh: true }): Promise<SessionUser | null> {
  const cache = sessionCacheOf(ctx);
  const key = hashToken(token);
  const keyText = key.toString('base64');
  if (!fresh && cache.enabled) {
    const cached = cache.get(keyText);
    if (cached) return cached;
  }
  const started = cache.begin();
  const session = await ctx.repos.accounts.findLiveSession(key);
  if (!session) return null;
  const user: SessionUser = { accountId: session.account_id, email: session.email, role: session.role, csrfToken: session.csrf_token, needsTotpSetup: session.needs_totp_setup };
  cache.set(keyText, user, session.expires_at, started);
  return user;
}

/**
 * Keeps this process's session cache in step with every other process: each change announced
 * (announceSessionChange) is forgotten as it arrives; nothing is reused while notices may be missed.
 * The API starts it; returns stop.
 */
export function watchSessionChanges(ctx: AppContext): () => Promise<void> {
  const cache = sessionCacheOf(ctx);
  return ctx.sessionChanges.listen({ onChange: (accountId) => cache.forget(accountId ?? undefined), onLive: (live) => cache.setLive(live) });
}

/** After a change to an account's sessions or what they may do committed: this process reads them again (all of them without an id). */
function forgetSessions(ctx: AppContext, accountId?: string): void {
  sessionCacheOf(ctx).forget(accountId);
}

export async function logOut(ctx: AppContext, token: string, user: SessionUser): Promise<void> {
  await ctx.transaction(async (tx) => {
    await tx.accounts.deleteSession(hashToken(token));
    await tx.accounts.announceSessionChange(user.accountId);
    await appendAudit(tx, actorOf(user), { action: 'account.logout', entityType: 'account', entityId: user.accountId });
  });
  forgetSessions(ctx, user.accountId);
}

export const actorOf = (user: SessionUser): Actor => ({ accountId: user.accountId, email: user.email });

// ---- What an account owner manages: sessions and two-factor login

export async function ownSessions(ctx: AppContext, user: SessionUser, currentToken: string): Promise<{ sessions: SessionSummary[]; hasTotp: boolean }> {
  const [sessions, account] = await Promise.all([
    ctx.repos.accounts.listSessionsOf(user.accountId, hashToken(currentToken)),
    ctx.repos.accounts.findAccountById(user.accountId),
  ]);
  return { sessions, hasTotp: Boolean(account?.totp_secret) };
}

export async function revokeOwnSession(ctx: AppContext, user: SessionUser, sessionId: string): Promise<void> {
  await ctx.transaction(async (tx) => {
    if (!(await tx.accounts.deleteSessionById(user.accountId, sessionId))) throw notFound('session');
    await tx.accounts.announceSessionChange(user.accountId);
    await appendAudit(tx, actorOf(user), { action: 'account.session_revoke', entityType: 'account', entityId: user.accountId, after: { session: sessionId.slice(0, 12) } });
  });
  forgetSessions(ctx, user.accountId);
}

/** A fresh secret for the setup form; nothing is stored until a code from it is confirmed. */
export function newTotpSetup(user: SessionUser): { secret: string; uri: string } {
  const secret = new Secret({ size: 20 }).base32;
  return { secret, uri: totpFor(user.email, secret).toString() };
}

export async function enableTotp(ctx: AppContext, user: SessionUser, secret: string, code: string): Promise<void> {
  const step = totpStep(user.email, secret, code);
  if (step === null) throw wrongCode();
  await ctx.transaction(async (tx) => {
    const account = await tx.accounts.lockAccount(user.accountId);
    if (account?.totp_secret) throw conflict('totp_enabled');
    await tx.accounts.setTotpSecret(user.accountId, await sealTotpSecret(ctx, user.accountId, secret), step);
    await tx.accounts.announceSessionChange(user.accountId);
    await appendAudit(tx, actorOf(user), { action: 'account.totp_enable', entityType: 'account', entityId: user.accountId });
  });
  forgetSessions(ctx, user.accountId);
}

export async function disableTotp(ctx: AppContext, user: SessionUser, code: string): Promise<void> {
  await ctx.transaction(async (tx) => {
    const account = await tx.accounts.lockAccount(user.accountId);
    if (!account?.totp_secret) throw conflict('totp_off');
    if ((await tx.settings.readSettings()).require_totp) {
      throw conflict('totp_mandatory');
    }
    const step = totpStep(account.email, await openTotpSecret(ctx, account.id, account.totp_secret), code);
    if (step === null || !(await tx.accounts.useTotpStep(account.id, step))) throw wrongCode();
    await tx.accounts.setTotpSecret(user.accountId, null, null);
    await tx.accounts.announceSessionChange(user.accountId);
    await appendAudit(tx, actorOf(user), { action: 'account.totp_disable', entityType: 'account', entityId: user.accountId });
  });
  forgetSessions(ctx, user.accountId);
}

// ---- What admins manage: accounts and the two-factor requirement

export async function accountsForAdmin(ctx: AppContext): Promise<{ accounts: AccountSummary[]; settings: AppSettings }> {
  const [accounts, settings] = await Promise.all([ctx.repos.accounts.listAccounts(), ctx.repos.settings.readSettings()]);
  return { accounts, settings };
}

/** Role changes and disabling, never on one's own account (an admin cannot lock everyone out). */
async function changeAccount(ctx: AppContext, admin: SessionUser, id: string, change: (tx: TxRepositories, before: AccountRow) => Promise<{ action: 'account.role' | 'account.disable' | 'account.enable'; before: unknown; after: unknown }>) {
  if (id === admin.accountId) throw conflict('own_account');
  await ctx.transaction(async (tx) => {
    const before = await tx.accounts.lockAccount(id);
    if (!before) throw notFound('account');
    const entry = await change(tx, before);
    await tx.accounts.announceSessionChange(id);
    await appendAudit(tx, actorOf(admin), { action: entry.action, entityType: 'account', entityId: id, before: entry.before, after: entry.after });
  });
  forgetSessions(ctx, id);
}

export async function setAccountRole(ctx: AppContext, admin: SessionUser, id: string, role: Role): Promise<void> {
  await changeAccount(ctx, admin, id, async (tx, before) => {
    await tx.accounts.setRole(id, role);
    return { action: 'account.role', before: { role: before.role }, after: { role } };
  });
}

/** Disabling ends the account's sessions at once (and findLiveSession ignores disabled accounts). */
export async function setAccountDisabled(ctx: AppContext, admin: SessionUser, id: string, disabled: boolean): Promise<void> {
  await changeAccount(ctx, admin, id, async (tx, before) => {
    await tx.accounts.setDisabled(id, disabled);
    const ended = disabled ? await tx.accounts.deleteSessionsOf(id) : 0;
    return {
      action: disabled ? 'account.disable' : 'account.enable',
      before: { disabled: before.disabled_at !== null },
      after: { disabled, sessions_ended: ended },
    };
  });
}

export async function setRequireTotp(ctx: AppContext, admin: SessionUser, required: boolean): Promise<void> {
  await ctx.transaction(async (tx) => {
    const before = await tx.settings.readSettings();
    await tx.settings.setRequireTotp(required);
    await tx.accounts.announceSessionChange(null);
    await appendAudit(tx, actorOf(admin), { action: 'settings.change', entityType: 'settings', entityId: 'require_totp', before: { require_totp: before.require_totp }, after: { require_totp: required } });
  });
  forgetSessions(ctx); // whether each account must set up two-factor login first
}
