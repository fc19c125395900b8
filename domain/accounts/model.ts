/** The words of accounts and sessions, as services return them and pages show them. */

export const ROLES = ['moderator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a one-time link is for: creating the first admin, or setting an account's password. */
export type TokenPurpose = 'first_admin' | 'set_password';

/** needsTotpSetup: two-factor login is required by the admins and this account has none yet. */
export type SessionUser = { accountId: string; email: string; role: Role; csrfToken: string; needsTotpSetup: boolean };

/** An account as the admins' list shows it: whether a password and a second factor are set, never what they are. */
export type AccountSummary = {
  id: string;
  email: string;
  role: Role;
  disabled_at: Date | null;
  has_password: boolean;
  has_totp: boolean;
  sessions: number;
  created_at: Date;
};

/** A session as its owner sees it, by an id derived from the token's hash: neither the token nor its hash leaves the server. */
export type SessionSummary = { id: string; created_at: Date; last_seen_at: Date; expires_at: Date; current: boolean };
