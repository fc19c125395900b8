import type { AuditAppend } from '../domain/audit/model';
import type { Checklist, Claim, DecisionAction, DecisionRecord, RejectReason } from '../domain/moderation/model';
import type { Corroboration, MergedEntry, PublicChoices, QueueFilter, QueueItem, Submission, SubmissionStatus } from '../domain/submissions/model';
import type { ProcessingBacklog } from './health.repo';
import type { Queryable } from './pool';
import { Params } from './sql';

/** Until the archive's repository names the domain's type itself. */
export type { EntryLabels } from '../domain/submissions/model';

export type NewSubmission = {
  electionId: number;
  region: string;
  stationNumber: string;
  categoryCode: string;
  description: string;
  happenedAt: string | null;
  reporterRole: string | null;
  complaintStatus: string | null;
};

const SUBMISSION_SELECT = `
  SELECT s.id, s.election_id, e.name_ru AS election_name_ru, e.name_en AS election_name_en,
         s.region, s.station_number, s.category_code, c.label_ru AS category_label_ru, c.label_en AS category_label_en,
         s.description, to_char(s.happened_at, 'YYYY-MM-DD"T"HH24:MI') AS happened_at,
         s.reporter_role, s.complaint_status, s.status, s.version, s.received_at, s.decided_at, s.published_at,
         s.public_title, s.public_description, s.public_location, s.public_device, s.original_downloadable,
         s.withdrawn_at, s.withdrawal_reason, s.merged_into_id,
         s.polling_station_id, p.address AS station_address, p.latitude AS station_lat, p.longitude AS station_lon
    FROM submissions s
    JOIN elections e ON e.id = s.election_id
    JOIN categories c ON c.code = s.category_code
    LEFT JOIN polling_stations p ON p.id = s.polling_station_id`;

/** The register's form of a station number: digits without leading zeros (what polling_stations.uik_number holds). */
export const STATION_NUMBER_KEY = (expr: string) => `coalesce(nullif(ltrim(${expr}, '0'), ''), '0')`;

/**
 * Stores a submission to an active election and category, or returns null (nothing stored) when
 * either is unknown or closed: checked by the insert itself, so the observer's upload costs no
 * lookups first (the caller reads the catalog only to say which). clientKeySha256: the hash of the
 * sender's key for this submission (unique: a second insert fails).
 */
export async function insertSubmission(db: Queryable, s: NewSubmission, clientKeySha256: Buffer | null = null): Promise<{ id: string; received_at: Date } | null> {
  const { rows } = await db.query<{ id: string; received_at: Date }>({
    // prepared by name: every upload runs it, and its planning cost as much as the insert
    name: 'submissions.insert',
    text: `INSERT INTO submissions (election_id, region, station_number, category_code, description, happened_at, reporter_role, complaint_status, polling_station_id, client_key_sha256)
     SELECT $1::int, $2::text, $3::text, $4::text, $5::text, $6::timestamp, $7::text, $8::text,
            (SELECT id FROM polling_stations WHERE election_id = $1::int AND uik_number = ${STATION_NUMBER_KEY('$3::text')}), $9::bytea
      WHERE EXISTS (SELECT 1 FROM elections WHERE id = $1::int AND active) AND EXISTS (SELECT 1 FROM categories WHERE code = $4::text AND active)
     RETURNING id, received_at`,
    values: [s.electionId, s.region, s.stationNumber, s.categoryCode, s.description, s.happenedAt, s.reporterRole, s.complaintStatus, clientKeySha256],
  });
  return rows[0] ?? null;
}

export async function findByClientKey(db: Queryable, clientKeySha256: Buffer): Promise<{ id: string; received_at: Date } | null> {
  const { rows } = await db.query<{ id: string; received_at: Date }>('SELECT id, received_at FROM submissions WHERE client_key_sha256 = $1', [clientKeySha256]);
  return rows[0] ?? null;
}

/** What the observer's receipt lists of each file, in the order sent: the name, the bytes and the log leaf. */
export async function receiptFiles(
  db: Queryable,
  submissionId: string,
): Promise<{ name: string; bytes: number; sha256: string; mime: string; record: Buffer; leafHash: Buffer }[]> {
  const { rows } = await db.query<{ name: string; bytes: string; sha256: string; mime: string; record: Buffer; leaf_hash: Buffer }>(
    `SELECT m.original_name AS name, b.bytes, encode(m.sha256, 'hex') AS sha256, b.mime, l.record, l.leaf_hash
       FROM media_files m
       JOIN blobs b ON b.sha256 = m.sha256
       JOIN tlog_media_leaves ml ON ml.media_file_id = m.id
       JOIN tlog_leaves l ON l.leaf_index = ml.leaf_index
      WHERE m.submission_id = $1
      ORDER BY m.position`,
    [submissionId],
  );
  return rows.map((r) => ({ name: r.name, bytes: Number(r.bytes), sha256: r.sha256, mime: r.mime, record: r.record, leafHash: r.leaf_hash }));
}

export async function findSubmission(db: Queryable, id: string): Promise<Submission | null> {
  const { rows } = await db.query<Submission>(`${SUBMISSION_SELECT} WHERE s.id = $1`, [id]);
  return rows[0] ?? null;
}

/** The queue filter's conditions on `submissions <alias>` (each value a parameter), and the order it lists in. */
function queueConditions(filter: QueueFilter, params: Params, alias = 's'): { where: string[]; cmp: '<' | '>'; dir: 'ASC' | 'DESC' } {
  const s = alias;
  const where = [`${s}.status = ${params.add(filter.status)}::text`];
  if (filter.electionId !== null) where.push(`${s}.election_id = ${params.add(filter.electionId)}::int`);
  if (filter.region !== null) where.push(`${s}.region = ${params.add(filter.region)}::text`);
  if (filter.categoryCode !== null) where.push(`${s}.category_code = ${params.add(filter.categoryCode)}::text`);
  if (filter.flag !== null) where.push(`${s}.file_flags @> ARRAY[${params.add(filter.flag)}::text]`);
  if (filter.hasVideo) where.push(`${s}.has_video`);
  if (filter.receivedFrom !== null) where.push(`${s}.received_at >= ${params.add(filter.receivedFrom)}::timestamptz`);
  if (filter.receivedBefore !== null) where.push(`${s}.received_at < ${params.add(filter.receivedBefore)}::timestamptz`);
  return filter.sort === 'newest' ? { where, cmp: '<', dir: 'DESC' } : { where, cmp: '>', dir: 'ASC' };
}

/** A time as PostgreSQL holds it, to the microsecond (a JS Date keeps milliseconds only): what a keyset cursor carries. */
const EXACT_TIME = (expr: string) => `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Members of one cluster a queue page lists at most (the rest are counted: cluster_size). */
export const CLUSTER_MEMBERS_SHOWN = 50;

/** A queue page: its entries, cluster by cluster in queue order (each with the reasons of its own links), and where the next page starts. */
export type QueuePage = { items: QueueItem[]; next: { receivedAt: string; id: string } | null };

/**
 * One page of the queue, `clusters` clusters long: filtered, in receipt order either way, a
 * cluster where its first entry in that order is, with its other entries of the same queue right
 * after it. Keyset-paginated on that first entry's (received_at, id), exact to the microsecond,
 * so deep pages cost the same as the first. The page's clusters are its entries that no earlier
 * entry of the same queue shares a cluster with (one index probe each); only the filters in use
 * become conditions (each a parameter).
 */
export async function listQueue(
  db: Queryable,
  filter: QueueFilter,
  after: { receivedAt: Date | string; id: string } | null,
  clusters: number,
): Promise<QueuePage> {
  const params = new Params();
  const { where, cmp, dir } = queueConditions(filter, params);
  const member = queueConditions(filter, params, 't').where;
  if (after) where.push(`(s.received_at, s.id) ${cmp} (${params.add(after.receivedAt)}::timestamptz, ${params.add(after.id)}::uuid)`);
  const back = cmp === '>' ? '<' : '>';
  const limit = params.add(clusters);
  const shown = params.add(CLUSTER_MEMBERS_SHOWN);
  const { rows } = await db.query<QueueItem & { more: boolean; head_key: string; head_id: string }>(
    `WITH heads AS (
       SELECT s.id, s.cluster_id, s.received_at, row_number() OVER (ORDER BY s.received_at ${dir}, s.id ${dir}) AS n
         FROM (SELECT s.id, s.cluster_id, s.received_at FROM submissions s
                WHERE ${where.join(' AND ')}
                  AND (s.cluster_id IS NULL OR NOT EXISTS (
                        SELECT 1 FROM submissions t
                         WHERE t.cluster_id = s.cluster_id AND ${member.join(' AND ')}
                           AND (t.received_at, t.id) ${back} (s.received_at, s.id)))
                ORDER BY s.received_at ${dir}, s.id ${dir}
                LIMIT ${limit}::int + 1) s),
     page AS (
       SELECT h.n, h.id AS head_id, h.received_at AS head_at, m.id, m.k, m.cluster_size
         FROM heads h
         CROSS JOIN LATERAL (
           SELECT h.id, 0 AS k, 1 AS cluster_size WHERE h.cluster_id IS NULL
           UNION ALL
           SELECT c.id, c.k, c.cluster_size FROM (
             SELECT t.id, row_number() OVER (ORDER BY t.received_at ${dir}, t.id ${dir}) AS k, count(*) OVER ()::int AS cluster_size
               FROM submissions t
              WHERE h.cluster_id IS NOT NULL AND t.cluster_id = h.cluster_id AND ${member.join(' AND ')}) c
            WHERE c.k <= ${shown}::int) m
        WHERE h.n <= ${limit}::int)
     SELECT s.id, s.status, s.region, s.station_number, s.category_code, c.label_ru AS category_label_ru, c.label_en AS category_label_en,
            s.received_at, e.name_ru AS election_name_ru, e.name_en AS election_name_en, left(s.description, 200) AS description,
            f.file_count, f.files_unfinished, f.first_file_id, s.has_video, s.file_flags AS flags, ca.email AS claimed_by, s.answered_at,
            s.cluster_id, page.cluster_size, page.head_id, ${EXACT_TIME('page.head_at')} AS head_key,
            CASE WHEN s.cluster_id IS NULL THEN '{}'::text[]
                 ELSE ARRAY(SELECT l.reason FROM submission_links l WHERE l.a = s.id UNION SELECT l.reason FROM submission_links l WHERE l.b = s.id) END AS cluster_reasons,
            (SELECT count(*) FROM heads) > ${limit}::int AS more
       FROM page
       JOIN submissions s ON s.id = page.id
       JOIN elections e ON e.id = s.election_id
       JOIN categories c ON c.code = s.category_code
       LEFT JOIN claims cl ON cl.submission_id = s.id AND cl.expires_at > now()
       LEFT JOIN accounts ca ON ca.id = cl.account_id
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS file_count,
                count(*) FILTER (WHERE m.status IN ('received', 'processing', 'waiting_retry'))::int AS files_unfinished,
                (array_agg(m.id ORDER BY m.position))[1] AS first_file_id
           FROM media_files m
          WHERE m.submission_id = s.id
       ) f
      ORDER BY page.n, page.k`,
    params.values,
  );
  const last = rows.at(-1);
  const items = rows.map(({ more: _more, head_key: _key, head_id: _head, ...item }) => item);
  return { items, next: last?.more ? { receivedAt: last.head_key, id: last.head_id } : null };
}

/**
 * The entries before and after this one in the queue the moderator came from (its filter and
 * order), compared with the entry's own row: its received_at to the microsecond, not as a JS
 * Date carries it (milliseconds), which would repeat or skip entries of the same millisecond.
 */
export async function findQueueNeighbours(
  db: Queryable,
  s: Pick<Submission, 'id'>,
  filter: QueueFilter,
): Promise<{ previous: string | null; next: string | null }> {
  const params = new Params();
  const { where, cmp, dir } = queueConditions(filter, params);
  const at = '(d.received_at, d.id)';
  const [back, backDir] = cmp === '>' ? ['<', 'DESC'] : ['>', 'ASC'];
  const { rows } = await db.query<{ previous: string | null; next: string | null }>(
    `SELECT (SELECT s.id FROM submissions s WHERE ${where.join(' AND ')} AND (s.received_at, s.id) ${back} ${at}
              ORDER BY s.received_at ${backDir}, s.id ${backDir} LIMIT 1) AS previous,
            (SELECT s.id FROM submissions s WHERE ${where.join(' AND ')} AND (s.received_at, s.id) ${cmp} ${at}
              ORDER BY s.received_at ${dir}, s.id ${dir} LIMIT 1) AS next
       FROM submissions d WHERE d.id = ${params.add(s.id)}::uuid`,
    params.values,
  );
  return rows[0] ?? { previous: null, next: null };
}

/**
 * The entry to open after a decision, in one statement: the first of the queue after `fromId`
 * (the one just decided, compared to the microsecond as its row holds it) that nobody else holds a
 * live claim on, else the first such from the queue's start. `found` is false when `fromId` is no
 * submission; `next` is null when the queue has nothing left for this moderator.
 */
export async function findNextInQueue(
  db: Queryable,
  filter: QueueFilter,
  fromId: string,
  accountId: string,
): Promise<{ found: boolean; next: string | null }> {
  const params = new Params();
  const { where, cmp, dir } = queueConditions(filter, params);
  const me = params.add(accountId);
  const free = `s.id <> d.id AND NOT EXISTS (SELECT 1 FROM claims cl WHERE cl.submission_id = s.id AND cl.expires_at > now() AND cl.account_id <> ${me}::uuid)`;
  const { rows } = await db.query<{ next: string | null }>(
    `SELECT (SELECT n.id FROM (
               (SELECT s.id, 0 AS wrapped FROM submissions s
                 WHERE ${where.join(' AND ')} AND ${free} AND (s.received_at, s.id) ${cmp} (d.received_at, d.id)
                 ORDER BY s.received_at ${dir}, s.id ${dir} LIMIT 1)
               UNION ALL
               (SELECT s.id, 1 FROM submissions s
                 WHERE ${where.join(' AND ')} AND ${free}
                 ORDER BY s.received_at ${dir}, s.id ${dir} LIMIT 1)) n
             ORDER BY n.wrapped LIMIT 1) AS next
       FROM submissions d WHERE d.id = ${params.add(fromId)}::uuid`,
    params.values,
  );
  return rows[0] ? { found: true, next: rows[0].next } : { found: false, next: null };
}

/**
 * The live queue's state in one statement (it is asked every few seconds per moderator, and with
 * every queue page): the counts by status, the counts by flag of `status` (both kept by triggers),
 * the live claims, and the files still being processed.
 */
export async function liveQueueSnapshot(
  db: Queryable,
  status: SubmissionStatus,
): Promise<{ counts: Record<SubmissionStatus, number>; flags: Record<string, number>; claims: { n: number; latest: Date | null }; backlog: ProcessingBacklog }> {
  const { rows } = await db.query<{
    counts: Record<SubmissionStatus, number>; flags: Record<string, number>; claims_n: number; claims_latest: Date | null; unfinished: number; waiting_retry: number; oldest: Date | null;
  }>(
    `SELECT (SELECT jsonb_object_agg(status, n) FROM submission_status_counts) AS counts,
            (SELECT coalesce(jsonb_object_agg(flag, n), '{}'::jsonb) FROM submission_flag_counts WHERE status = $1 AND n > 0) AS flags,
            c.n AS claims_n, c.latest AS claims_latest, b.unfinished, b.waiting_retry, b.oldest
       FROM (SELECT count(*)::int AS n, max(claimed_at) AS latest FROM claims WHERE expires_at > now()) c,
            (SELECT count(*)::int AS unfinished, count(*) FILTER (WHERE m.status = 'waiting_retry')::int AS waiting_retry, min(s.received_at) AS oldest
               FROM media_files m JOIN submissions s ON s.id = m.submission_id
              WHERE m.status IN ('received', 'processing', 'waiting_retry')) b`,
    [status],
  );
  const r = rows[0]!;
  return {
    counts: r.counts,
    flags: r.flags,
    claims: { n: r.claims_n, latest: r.claims_latest },
    backlog: { unfinished: r.unfinished, waitingRetry: r.waiting_retry, oldestUnfinishedAt: r.oldest },
  };
}

/** How many entries of one status carry each flag (kept exact by triggers, db/migrations/019_live_queue.sql). */
export async function countFlagsOfStatus(db: Queryable, status: SubmissionStatus): Promise<Record<string, number>> {
  const { rows } = await db.query<{ flag: string; n: number }>('SELECT flag, n::int AS n FROM submission_flag_counts WHERE status = $1 AND n > 0', [status]);
  return Object.fromEntries(rows.map((r) => [r.flag, r.n]));
}

export async function countByStatus(db: Queryable): Promise<Record<SubmissionStatus, number>> {
  // kept exact by triggers (db/migrations/001_baseline.sql), which hold a row for every status from
  // the start: a count over every submission would dominate the page
  const { rows } = await db.query<{ status: SubmissionStatus; n: number }>('SELECT status, n::int AS n FROM submission_status_counts');
  return Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<SubmissionStatus, number>;
}

export type LockedSubmission = { status: SubmissionStatus; version: number; election_id: number; merged_into_id: string | null };

/** Locks the row for a decision; the caller checks status and version inside the same transaction. */
export async function lockSubmission(db: Queryable, id: string): Promise<LockedSubmission | null> {
  const { rows } = await db.query<LockedSubmission>(
    'SELECT status, version, election_id, merged_into_id FROM submissions WHERE id = $1 FOR UPDATE',
    [id],
  );
  return rows[0] ?? null;
}

export type NewDecision = {
  submissionId: string;
  accountId: string;
  action: DecisionAction;
  reason: string | null;
  reasonCode: RejectReason | null;
  checklist: Checklist | null;
  publicChoices: PublicChoices | null;
  mergedInto: string | null;
};

export async function insertDecision(db: Queryable, d: NewDecision): Promise<{ id: string; created_at: Date }> {
  const { rows } = await db.query<{ id: string; created_at: Date }>(
    `INSERT INTO decisions (submission_id, account_id, action, reason, reason_code, checklist, public_choices, merged_into)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, created_at`,
    [d.submissionId, d.accountId, d.action, d.reason, d.reasonCode, d.checklist, d.publicChoices, d.mergedInto],
  );
  return rows[0]!;
}

/** The state a decision leaves the submission in; the columns each status needs come with it. */
export type StatusChange =
  | { status: 'verified'; verifyDecisionId: string }
  | { status: 'published'; publishDecisionId: string; verifyDecisionId: string | null; choices: PublicChoices }
  | { status: 'rejected' | 'needs_info' }
  | { status: 'withdrawn'; reason: string }
  | { status: 'merged'; into: string };

/** The SET list of a status change, its values numbered from `$first` on. */
function statusAssignments(change: StatusChange, first: number): { sql: string; values: unknown[] } {
  const p = (i: number) => `$${first + i}`;
  switch (change.status) {
    case 'verified':
      return { sql: `status = 'verified', decided_at = now(), verify_decision_id = ${p(0)}`, values: [change.verifyDecisionId] };
    case 'published': {
      const c = change.choices;
      return {
        sql: `status = 'published', decided_at = now(), published_at = now(), publish_decision_id = ${p(0)},
              verify_decision_id = coalesce(${p(1)}::uuid, verify_decision_id),
              public_title = ${p(2)}, public_description = ${p(3)}, public_location = ${p(4)}, public_device = ${p(5)}, original_downloadable = ${p(6)}`,
        values: [change.publishDecisionId, change.verifyDecisionId, c.title, c.description, c.location, c.device, c.originalDownloadable],
      };
    }
    case 'withdrawn':
      return { sql: `status = 'withdrawn', decided_at = now(), withdrawn_at = now(), withdrawal_reason = ${p(0)}`, values: [change.reason] };
    case 'merged':
      return { sql: `status = 'merged', decided_at = now(), merged_into_id = ${p(0)}`, values: [change.into] };
    default:
      return { sql: `status = ${p(0)}, decided_at = now()`, values: [change.status] };
  }
}

export async function changeStatus(db: Queryable, id: string, change: StatusChange): Promise<void> {
  const set = statusAssignments(change, 2);
  await db.query(`UPDATE submissions SET ${set.sql} WHERE id = $1`, [id, ...set.values]);
}

/** The row a decision locks, with what its checks read beside it: the live claim, and the audit head when asked for. */
export type DecisionLock = LockedSubmission & { claim: Claim | null; auditHead: { seq: number; hash: Buffer } | null };

/**
 * One statement for what a decision reads before it is taken: locks the submission (and, with
 * `auditHead`, the audit head after it: the order every audited change locks them in) and reads its
 * live claim. A merge locks its target between the two, so it asks for the head later (lockHead).
 */
export async function lockForDecision(db: Queryable, id: string, auditHead: boolean): Promise<DecisionLock | null> {
  const { rows } = await db.query<LockedSubmission & {
    claim_account_id: string | null; claim_account_email: string; claimed_at: Date; claim_expires_at: Date; head_seq: number | null; head_hash: Buffer | null;
  }>(
    `SELECT s.status, s.version, s.election_id, s.merged_into_id,
            c.account_id AS claim_account_id, a.email AS claim_account_email, c.claimed_at, c.expires_at AS claim_expires_at,
            ${auditHead ? 'h.seq::float8 AS head_seq, h.hash AS head_hash' : 'NULL::float8 AS head_seq, NULL::bytea AS head_hash'}
       FROM submissions s
       ${auditHead ? 'CROSS JOIN audit_head h' : ''}
       LEFT JOIN claims c ON c.submission_id = s.id AND c.expires_at > now()
       LEFT JOIN accounts a ON a.id = c.account_id
      WHERE s.id = $1 ${auditHead ? 'AND h.id' : ''}
      FOR UPDATE OF s${auditHead ? ', h' : ''}`,
    [id],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    status: r.status,
    version: r.version,
    election_id: r.election_id,
    merged_into_id: r.merged_into_id,
    claim: r.claim_account_id === null ? null : { submission_id: id, account_id: r.claim_account_id, account_email: r.claim_account_email, claimed_at: r.claimed_at, expires_at: r.claim_expires_at },
    auditHead: r.head_seq === null ? null : { seq: r.head_seq, hash: r.head_hash! },
  };
}

/**
 * A decision taken, in one statement: the decision row (its id chosen by the caller, who hashed it
 * into the audit row), the status it leads to, the claim released, the audit row appended and the
 * head moved onto it. The caller holds the submission and the audit head locked (lockForDecision)
 * and checked everything first; each step reads the one before, so they run in this order.
 */
export async function recordDecision(db: Queryable, d: NewDecision & { id: string }, change: StatusChange, audit: AuditAppend): Promise<{ id: string; created_at: Date }> {
  const set = statusAssignments(change, 21);
  const { rows } = await db.query<{ id: string; created_at: Date; head_moved: number }>(
    `WITH decision AS (
       INSERT INTO decisions (id, submission_id, account_id, action, reason, reason_code, checklist, public_choices, merged_into)
       VALUES ($2, $1, $3, $4, $5, $6, $7, $8, $9) RETURNING id, created_at
     ), changed AS (
       UPDATE submissions s SET ${set.sql} FROM decision WHERE s.id = $1 RETURNING s.id
     ), released AS (
       DELETE FROM claims c USING changed WHERE c.submission_id = changed.id
     ), audited AS (
       INSERT INTO audit_log (seq, at, actor_id, actor_label, action, entity_type, entity_id, before, after, prev_hash, hash)
       SELECT $10, $11, $12, $13, $14, $15, $16, $17::jsonb, $18::jsonb, $19, $20 FROM changed RETURNING seq, hash
     ), head AS (
       UPDATE audit_head h SET seq = audited.seq, hash = audited.hash FROM audited WHERE h.id RETURNING h.seq
     )
     SELECT decision.id, decision.created_at, (SELECT count(*)::int FROM head) AS head_moved FROM decision`,
    [
      d.submissionId, d.id, d.accountId, d.action, d.reason, d.reasonCode, d.checklist, d.publicChoices, d.mergedInto,
      audit.seq, audit.at, audit.actor_id, audit.actor_label, audit.action, audit.entity_type, audit.entity_id, audit.before, audit.after, audit.prev_hash, audit.hash,
      ...set.values,
    ],
  );
  const row = rows[0];
  if (!row || row.head_moved !== 1) throw new Error(`the decision on ${d.submissionId} was not recorded whole`);
  return { id: row.id, created_at: row.created_at };
}

/** Public text of a published entry, edited after publication. */
export async function updatePublicText(db: Queryable, id: string, text: { title: string | null; description: string | null }): Promise<void> {
  await db.query('UPDATE submissions SET public_title = $2, public_description = $3 WHERE id = $1', [id, text.title, text.description]);
}

/** Other reports from the same station of the same election received within `hours` of this one, any status. */
export async function listCorroborating(
  db: Queryable,
  s: Pick<Submission, 'id' | 'election_id' | 'station_number' | 'received_at'>,
  hours: number,
): Promise<Corroboration[]> {
  const { rows } = await db.query<Corroboration>(
    `SELECT s.id, s.status, s.received_at, c.label_ru AS category_label_ru, c.label_en AS category_label_en, left(s.description, 200) AS description
       FROM submissions s JOIN categories c ON c.code = s.category_code
      WHERE s.election_id = $2 AND s.station_number = $3 AND s.id <> $1
        AND s.received_at BETWEEN $4::timestamptz - $5 * interval '1 hour' AND $4::timestamptz + $5 * interval '1 hour'
      ORDER BY s.received_at, s.id
      LIMIT 50`,
    [s.id, s.election_id, s.station_number, s.received_at, hours],
  );
  return rows;
}

/** Entries merged into this one: the duplicates it now stands for. */
export async function listMergedInto(db: Queryable, id: string): Promise<MergedEntry[]> {
  const { rows } = await db.query<MergedEntry>(
    'SELECT id, received_at, left(description, 200) AS description FROM submissions WHERE merged_into_id = $1 ORDER BY received_at, id',
    [id],
  );
  return rows;
}

export async function listDecisions(db: Queryable, submissionId: string): Promise<DecisionRecord[]> {
  const { rows } = await db.query<DecisionRecord>(
    `SELECT d.id, d.action, d.reason, d.reason_code, d.checklist, d.public_choices, d.merged_into, d.created_at, a.email AS account_email
       FROM decisions d JOIN accounts a ON a.id = d.account_id
      WHERE d.submission_id = $1 ORDER BY d.created_at, d.id`,
    [submissionId],
  );
  return rows;
}

/** What the receipt page tells its holder of one submission: its status and how far its files are. */
export async function receiptProgress(
  db: Queryable,
  submissionId: string,
): Promise<{ status: SubmissionStatus; files_waiting: number; files_processing: number }> {
  const { rows } = await db.query<{ status: SubmissionStatus; files_waiting: number; files_processing: number }>(
    `SELECT s.status,
            count(m.id) FILTER (WHERE m.status = 'received')::int AS files_waiting,
            count(m.id) FILTER (WHERE m.status IN ('processing', 'waiting_retry'))::int AS files_processing
       FROM submissions s
       LEFT JOIN media_files m ON m.submission_id = s.id
      WHERE s.id = $1
      GROUP BY s.status`,
    [submissionId],
  );
  return rows[0]!;
}
