import { createHash } from 'node:crypto';
import type { Repositories, TxRepositories } from '../../db/repositories';
import type { AppContext } from '../context';
import { verifyCheckpoint } from '../transparency/checkpoint';
import type { Actor, AuditAppend, AuditEntry, AuditRecord, ChainReport } from './model';

/**
 * The audit log: who did what to which record, with before/after, hash-chained. Appends happen in
 * the transaction of the action itself, so an action and its audit row commit or roll back together.
 */

export const GENESIS_HASH = Buffer.alloc(32);

/** JSON with object keys sorted at every level: one byte sequence per value, whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** What JSON (and so jsonb) can hold of a value: Dates become ISO strings, undefined fields vanish. */
const asJson = (value: unknown): unknown => (value === undefined ? null : JSON.parse(JSON.stringify(value)));

type HashedFields = Pick<AuditRecord, 'seq' | 'at' | 'actor_id' | 'actor_label' | 'action' | 'entity_type' | 'entity_id' | 'before' | 'after'>;

/** SHA-256 over the previous row's hash and this row's canonical encoding (a JSON array of its fields). */
export function rowHash(prevHash: Buffer, r: HashedFields): Buffer {
  const encoded = canonicalJson([r.seq, r.at.toISOString(), r.actor_id, r.actor_label, r.action, r.entity_type, r.entity_id, r.before, r.after]);
  return createHash('sha256').update(prevHash).update(encoded, 'utf8').digest();
}

/**
 * The next row of the chain after `head` (which the caller holds locked): its fields, its hash over
 * the head's. For a repository that appends it within a statement of its own (a decision).
 */
export function auditRowAfter(head: { seq: number; hash: Buffer }, actor: Actor, entry: AuditEntry): AuditAppend {
  const fields: HashedFields = {
    seq: head.seq + 1,
    at: new Date(),
    actor_id: 'accountId' in actor ? actor.accountId : null,
    actor_label: 'accountId' in actor ? actor.email : 'system' in actor ? `system:${actor.system}` : `anonymous:${actor.anonymous}`,
    action: entry.action,
    entity_type: entry.entityType,
    entity_id: entry.entityId,
    before: asJson(entry.before),
    after: asJson(entry.after),
  };
  return {
    ...fields,
    before: fields.before === null ? null : JSON.stringify(fields.before),
    after: fields.after === null ? null : JSON.stringify(fields.after),
    prev_hash: head.hash,
    hash: rowHash(head.hash, fields),
  };
}

/** Appends in the caller's transaction, so the action and its audit row commit or roll back together. */
export async function appendAudit({ audit }: Pick<TxRepositories, 'audit'>, actor: Actor, entry: AuditEntry): Promise<void> {
  await audit.insertRow(auditRowAfter(await audit.lockHead(), actor, entry));
}

const VERIFY_BATCH = 1000;

/**
 * The audit head as anchored outside the database: every signed tree head of the transparency log
 * carries it as a checkpoint extension line "audit <seq> <hex hash>", so rewriting the audit trail
 * (even by the database owner recomputing the chain) means signing a different tree head for a size
 * already published: a fork of the public log, which only the worker's key could sign.
 */
export type AuditAnchor = { seq: number; hash: Buffer; treeSize: number };

const ANCHOR_LINE = /^audit (0|[1-9][0-9]{0,15}) ([0-9a-f]{64})$/;

export const auditAnchorLine = (head: { seq: number; hash: Buffer }) => `audit ${head.seq} ${head.hash.toString('hex')}`;

/** What reads the audit trail and the signed tree heads that anchor it. */
type TrailRepositories = Pick<Repositories, 'audit' | 'transparency'>;

export async function currentAuditAnchorLine(repos: Pick<Repositories, 'audit'>): Promise<string> {
  return auditAnchorLine(await repos.audit.readHead());
}

/**
 * The anchors in every signed tree head, each head checked against the log key first (a head that
 * does not verify is a failure, not a skipped anchor). Heads signed before anchoring began have none.
 */
export async function signedAuditAnchors(repos: Pick<Repositories, 'transparency'>, vkey: string): Promise<AuditAnchor[]> {
  const anchors: AuditAnchor[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await repos.transparency.listSths({ limit: VERIFY_BATCH, ...(before === undefined ? {} : { beforeSize: before }) });
    for (const sth of page) {
      let extensions: string[];
      try {
        extensions = verifyCheckpoint(sth.note, vkey).extensions ?? [];
      } catch (err) {
        throw new Error(`the signed tree head of size ${sth.treeSize} does not verify with the log key (${(err as Error).message})`);
      }
      for (const m of extensions.map((l) => ANCHOR_LINE.exec(l)).filter((x) => x !== null)) {
        anchors.push({ seq: Number(m[1]), hash: Buffer.from(m[2]!, 'hex'), treeSize: sth.treeSize });
      }
      before = sth.treeSize;
    }
    if (page.length < VERIFY_BATCH) return anchors;
  }
}

/**
 * Recomputes every row's hash in order; the first row that does not fit the chain, or whose hash
 * is not the one a signed tree head anchored for it, is named.
 */
export async function verifyAuditChain(repos: Pick<Repositories, 'audit'>, anchors: readonly AuditAnchor[] = []): Promise<ChainReport> {
  const anchored = new Map(anchors.map((a) => [a.seq, a]));
  const genesis = anchored.get(0);
  if (genesis && !genesis.hash.equals(GENESIS_HASH)) return { ok: false, rows: 0, seq: 0, problem: `the empty chain anchored in the tree head of size ${genesis.treeSize} is not empty` };
  let prev: Buffer = GENESIS_HASH;
  let expectedSeq = 1;
  for (;;) {
    const batch = await repos.audit.listFrom(expectedSeq, VERIFY_BATCH);
    for (const row of batch) {
      const fail = (problem: string): ChainReport => ({ ok: false, rows: expectedSeq - 1, seq: row.seq, problem });
      if (row.seq !== expectedSeq) return { ok: false, rows: expectedSeq - 1, seq: expectedSeq, problem: `row ${expectedSeq} is missing` };
      if (!row.prev_hash.equals(prev)) return fail(`its previous hash does not match row ${expectedSeq - 1}`);
      if (!rowHash(prev, row).equals(row.hash)) return fail('its content does not match its hash (the row was altered)');
      const anchor = anchored.get(row.seq);
      if (anchor && !anchor.hash.equals(row.hash)) {
        return fail(`its hash is not the one anchored in the signed tree head of size ${anchor.treeSize} (the audit trail was rewritten)`);
      }
      prev = row.hash;
      expectedSeq += 1;
    }
    if (batch.length < VERIFY_BATCH) break;
  }
  const head = await repos.audit.readHead();
  const rows = expectedSeq - 1;
  if (head.seq !== rows || !head.hash.equals(prev)) {
    return { ok: false, rows, seq: head.seq, problem: `the head says ${head.seq} rows but the chain ends at row ${rows} (rows were removed)` };
  }
  const beyond = anchors.find((a) => a.seq > rows);
  if (beyond) return { ok: false, rows, seq: beyond.seq, problem: `the signed tree head of size ${beyond.treeSize} anchored ${beyond.seq} rows, but the chain ends at row ${rows} (rows were removed)` };
  return { ok: true, rows, headHash: prev.toString('hex'), anchors: anchors.length };
}

/**
 * What `npm run audit:verify` checks: the chain, and each row against the audit heads anchored in
 * the log's signed tree heads. The log key is the one given (a vkey from outside: the published
 * one), else the one the worker recorded in the database (then said so: compare its fingerprint).
 */
export async function verifyAuditTrail(repos: TrailRepositories, opts: { origin: string; vkey?: string }): Promise<{ report: ChainReport; key: string }> {
  const vkey = opts.vkey ?? (await repos.transparency.publicKeyOf(opts.origin))?.vkey;
  if (!vkey) return { report: await verifyAuditChain(repos), key: 'none recorded yet, so no tree head anchors the chain' };
  let anchors: AuditAnchor[];
  try {
    anchors = await signedAuditAnchors(repos, vkey);
  } catch (err) {
    return { report: { ok: false, rows: 0, seq: 0, problem: (err as Error).message }, key: vkey };
  }
  return { report: await verifyAuditChain(repos, anchors), key: opts.vkey ? `${vkey} (given)` : `${vkey} (recorded in the database: compare it with the published key)` };
}

/** The admin page's check: the same as `npm run audit:verify`, against the key recorded in the database. */
export async function verifyAuditLog(ctx: AppContext): Promise<ChainReport> {
  return (await verifyAuditTrail(ctx.repos, { origin: ctx.config.logOrigin })).report;
}

export const AUDIT_PAGE_SIZE = 100;

export async function auditPage(ctx: AppContext, filter: { entityType?: string; entityId?: string; beforeSeq?: number }): Promise<{ rows: AuditRecord[]; next: number | null }> {
  const rows = await ctx.repos.audit.listNewest(filter, AUDIT_PAGE_SIZE + 1);
  const page = rows.slice(0, AUDIT_PAGE_SIZE);
  const next = rows.length > AUDIT_PAGE_SIZE ? page.at(-1)!.seq : null;
  return { rows: page, next };
}
