/** The words of the audit log, as services write and return them and pages show them. */

export type AuditAction =
  | 'account.login'
  | 'account.logout'
  | 'account.create'
  | 'account.set_password'
  | 'account.password_reset_link'
  | 'account.invitation_resent'
  | 'account.disable'
  | 'account.enable'
  | 'account.role'
  | 'account.session_revoke'
  | 'account.moderator_region'
  | 'account.totp_enable'
  | 'account.totp_disable'
  | 'submission.claim'
  | 'submission.verify'
  | 'submission.verify_publish'
  | 'submission.reject'
  | 'submission.needs_info'
  | 'submission.publish'
  | 'submission.unpublish'
  | 'submission.merge'
  | 'submission.edit'
  | 'submission.note'
  | 'submission.answer'
  | 'catalog.election_create'
  | 'catalog.election_active'
  | 'catalog.category_create'
  | 'catalog.category_edit'
  | 'stations.import'
  | 'counts.lines'
  | 'counts.official_import'
  | 'counts.count_verify'
  | 'counts.protocol_transcribe'
  | 'counts.protocol_check'
  | 'settings.change'
  | 'media.flags_backfill';

/**
 * Who acted: a logged-in account, the system itself (command line, start-up) named by what it is, or
 * an anonymous sender (the observer answering through the receipt's key: nothing names them).
 */
export type Actor = { accountId: string; email: string } | { system: string } | { anonymous: 'observer' };

export type AuditEntry = {
  action: AuditAction;
  entityType: string;
  entityId: string;
  before?: unknown;
  after?: unknown;
};

/** One row of the audit log, hash-chained to the row before it (domain/audit/audit.service.ts rowHash). */
export type AuditRecord = {
  seq: number;
  at: Date;
  actor_id: string | null;
  actor_label: string;
  action: string;
  entity_type: string;
  entity_id: string;
  before: unknown;
  after: unknown;
  prev_hash: Buffer;
  hash: Buffer;
};

/** A row about to be appended, hashed, with before/after as the JSON text the database stores. */
export type AuditAppend = Omit<AuditRecord, 'before' | 'after'> & { before: string | null; after: string | null };

/** What verifying the chain found: intact up to its head, or the first row that does not fit and why. */
export type ChainReport =
  | { ok: true; rows: number; headHash: string; anchors: number }
  | { ok: false; rows: number; seq: number; problem: string };
