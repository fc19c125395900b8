/** Storage of the audit log (db/migrations/001_baseline.sql). SQL only: the canonical encoding and hashing live in domain/audit. */
import type { AuditAppend, AuditRecord } from '../domain/audit/model';
import type { Queryable, Tx } from './pool';

const AUDIT_COLUMNS = 'seq::float8 AS seq, at, actor_id, actor_label, action, entity_type, entity_id, before, after, prev_hash, hash';

/** Locks the head for the rest of the caller's transaction: appends are serialised, the chain stays linear. */
export async function lockHead(tx: Tx): Promise<{ seq: number; hash: Buffer }> {
  const { rows } = await tx.query<{ seq: number; hash: Buffer }>('SELECT seq::float8 AS seq, hash FROM audit_head WHERE id FOR UPDATE');
  return rows[0]!;
}

/** The row appended and the head moved onto it, in one statement (the head's trigger checks the row it moves to). */
export async function insertRow(tx: Tx, row: AuditAppend): Promise<void> {
  const { rowCount } = await tx.query(
    `WITH appended AS (
       INSERT INTO audit_log (seq, at, actor_id, actor_label, action, entity_type, entity_id, before, after, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11) RETURNING seq, hash
     )
     UPDATE audit_head h SET seq = appended.seq, hash = appended.hash FROM appended WHERE h.id`,
    [row.seq, row.at, row.actor_id, row.actor_label, row.action, row.entity_type, row.entity_id, row.before, row.after, row.prev_hash, row.hash],
  );
  if (rowCount !== 1) throw new Error(`audit row ${row.seq} appended without moving the head`);
}

export async function readHead(db: Queryable): Promise<{ seq: number; hash: Buffer }> {
  const { rows } = await db.query<{ seq: number; hash: Buffer }>('SELECT seq::float8 AS seq, hash FROM audit_head WHERE id');
  return rows[0]!;
}

/** In chain order from a sequence number on: the verifier reads the whole log in such batches. */
export async function listFrom(db: Queryable, fromSeq: number, limit: number): Promise<AuditRecord[]> {
  const { rows } = await db.query<AuditRecord>(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2`, [fromSeq, limit]);
  return rows;
}

/** Newest first for the admin page, optionally one entity's history; keyset on seq. */
export async function listNewest(
  db: Queryable,
  filter: { entityType?: string; entityId?: string; beforeSeq?: number },
  limit: number,
): Promise<AuditRecord[]> {
  const { rows } = await db.query<AuditRecord>(
    `SELECT ${AUDIT_COLUMNS} FROM audit_log
      WHERE ($1::text IS NULL OR entity_type = $1) AND ($2::text IS NULL OR entity_id = $2) AND ($3::bigint IS NULL OR seq < $3)
      ORDER BY seq DESC LIMIT $4`,
    [filter.entityType ?? null, filter.entityId ?? null, filter.beforeSeq ?? null, limit],
  );
  return rows;
}
