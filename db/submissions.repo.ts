import type { ClusterLink } from '../domain/moderation/clusters';
import type { Checklist, DecisionAction, DecisionRecord, RejectReason } from '../domain/moderation/model';
import type { Corroboration, MergedEntry, PublicChoices, QueueFilter, QueueItem, Submission, SubmissionStatus } from '../domain/submissions/model';
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

/** clientKeySha256: the hash of the sender's key for this submission (unique: a second insert fails). */
export async function insertSubmission(db: Queryable, s: NewSubmission, clientKeySha256: Buffer | null = null): Promise<{ id: string; received_at: Date }> {
  const { rows } = await db.query<{ id: string; received_at: Date }>(
    `INSERT INTO submissions (election_id, region, station_number, category_code, description, happened_at, reporter_role, complaint_status, polling_station_id, client_key_sha256)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
             (SELECT id FROM polling_stations WHERE election_id = $1 AND uik_number = ${STATION_NUMBER_KEY('$3')}), $9)
     RETURNING id, received_at`,
    [s.electionId, s.region, s.stationNumber, s.categoryCode, s.description, s.happenedAt, s.reporterRole, s.complaintStatus, clientKeySha256],
  );
  return rows[0];
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

/**
 * Which submissions of a queue page belong together: a file with the same bytes, a picture within
 * `maxDistance` perceptual-hash bits, the photo and video of one Live Photo, or the same station
 * within `stationMinutes`. Only among `ids` (a page, at most a few dozen): a small self-join.
 */
export async function listQueueLinks(db: Queryable, ids: string[], maxDistance: number, stationMinutes: number): Promise<ClusterLink[]> {
  if (ids.length < 2) return [];
  const { rows } = await db.query<ClusterLink>(
    `WITH f AS (
       SELECT m.submission_id, m.sha256, m.phash, m.content_identifier, b.kind
         FROM media_files m JOIN blobs b ON b.sha256 = m.sha256 WHERE m.submission_id = ANY($1::uuid[]))
     (SELECT DISTINCT ON (x.submission_id, y.submission_id) x.submission_id AS a, y.submission_id AS b,
            CASE WHEN x.sha256 = y.sha256 THEN 'exact_duplicate'
                 WHEN x.content_identifier = y.content_identifier AND x.kind <> y.kind THEN 'live_photo_pair'
                 ELSE 'near_duplicate' END AS reason
       FROM f x JOIN f y ON x.submission_id < y.submission_id
      WHERE x.sha256 = y.sha256
         OR (x.content_identifier = y.content_identifier AND x.kind <> y.kind)
         OR bit_count((x.phash # y.phash)::bit(64)) <= $2
      ORDER BY x.submission_id, y.submission_id, (x.sha256 = y.sha256) DESC)
     UNION ALL
     (SELECT x.id, y.id, 'same_station'
       FROM submissions x JOIN submissions y
         ON x.id < y.id AND y.id = ANY($1::uuid[]) AND x.election_id = y.election_id AND x.region = y.region
        AND x.station_number = y.station_number AND abs(extract(epoch FROM x.received_at - y.received_at)) <= $3::int * 60
      WHERE x.id = ANY($1::uuid[]))`,
    [ids, maxDistance, stationMinutes],
  );
  return rows;
}

/** The queue filter's conditions on `submissions s` (each value a parameter), and the order it lists in. */
function queueConditions(filter: QueueFilter, params: Params): { where: string[]; cmp: '<' | '>'; dir: 'ASC' | 'DESC' } {
  const where = [`s.status = ${params.add(filter.status)}::text`];
  if (filter.electionId !== null) where.push(`s.election_id = ${params.add(filter.electionId)}::int`);
  if (filter.region !== null) where.push(`s.region = ${params.add(filter.region)}::text`);
  if (filter.categoryCode !== null) where.push(`s.category_code = ${params.add(filter.categoryCode)}::text`);
  if (filter.flag !== null) where.push(`s.file_flags @> ARRAY[${params.add(filter.flag)}::text]`);
  if (filter.hasVideo) where.push('s.has_video');
  if (filter.receivedFrom !== null) where.push(`s.received_at >= ${params.add(filter.receivedFrom)}::timestamptz`);
  if (filter.receivedBefore !== null) where.push(`s.received_at < ${params.add(filter.receivedBefore)}::timestamptz`);
  return filter.sort === 'newest' ? { where, cmp: '<', dir: 'DESC' } : { where, cmp: '>', dir: 'ASC' };
}

/**
 * One page of the queue: filtered, in receipt order either way, keyset-paginated on (received_at, id)
 * so deep pages cost the same as the first. Only the filters in use become conditions (each a
 * parameter), so the planner can turn a flag or video filter into a semi-join it costs properly.
 */
export async function listQueue(
  db: Queryable,
  filter: QueueFilter,
  after: { receivedAt: Date; id: string } | null,
  limit: number,
): Promise<QueueItem[]> {
  const params = new Params();
  const { where, cmp, dir } = queueConditions(filter, params);
  if (after) where.push(`(s.received_at, s.id) ${cmp} (${params.add(after.receivedAt)}::timestamptz, ${params.add(after.id)}::uuid)`);
  // The page's ids first (filters and order on submissions alone), then the details of just those rows.
  const { rows } = await db.query<QueueItem>(
    `SELECT s.id, s.status, s.region, s.station_number, s.category_code, c.label_ru AS category_label_ru, c.label_en AS category_label_en,
            s.received_at, e.name_ru AS election_name_ru, e.name_en AS election_name_en, left(s.description, 200) AS description,
            f.file_count, f.files_unfinished, f.first_file_id, s.has_video, s.file_flags AS flags, ca.email AS claimed_by, s.answered_at
       FROM (SELECT s.id FROM submissions s
              WHERE ${where.join(' AND ')}
              ORDER BY s.received_at ${dir}, s.id ${dir}
              LIMIT ${params.add(limit)}::int) page
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
      ORDER BY s.received_at ${dir}, s.id ${dir}`,
    params.values,
  );
  return rows;
}

/** The entries before and after this one in the queue the moderator came from (its filter and order). */
export async function findQueueNeighbours(
  db: Queryable,
  s: Pick<Submission, 'id' | 'received_at'>,
  filter: QueueFilter,
): Promise<{ previous: string | null; next: string | null }> {
  const params = new Params();
  const { where, cmp, dir } = queueConditions(filter, params);
  const at = `(${params.add(s.received_at)}::timestamptz, ${params.add(s.id)}::uuid)`;
  const [back, backDir] = cmp === '>' ? ['<', 'DESC'] : ['>', 'ASC'];
  const { rows } = await db.query<{ previous: string | null; next: string | null }>(
    `SELECT (SELECT s.id FROM submissions s WHERE ${where.join(' AND ')} AND (s.received_at, s.id) ${back} ${at}
              ORDER BY s.received_at ${backDir}, s.id ${backDir} LIMIT 1) AS previous,
            (SELECT s.id FROM submissions s WHERE ${where.join(' AND ')} AND (s.received_at, s.id) ${cmp} ${at}
              ORDER BY s.received_at ${dir}, s.id ${dir} LIMIT 1) AS next`,
    params.values,
  );
  return rows[0]!;
}

/**
 * The entry to open after a decision: the first of the queue after `from` (the one just decided)
 * that nobody else holds a live claim on, else the first such from the queue's start; null when
 * the queue has nothing left for this moderator.
 */
export async function findNextInQueue(
  db: Queryable,
  filter: QueueFilter,
  from: Pick<Submission, 'id' | 'received_at'>,
  accountId: string,
): Promise<string | null> {
  for (const wrapped of [false, true]) {
    const params = new Params();
    const { where, cmp, dir } = queueConditions(filter, params);
    where.push(`s.id <> ${params.add(from.id)}::uuid`);
    if (!wrapped) where.push(`(s.received_at, s.id) ${cmp} (${params.add(from.received_at)}::timestamptz, ${params.add(from.id)}::uuid)`);
    const me = params.add(accountId);
    const { rows } = await db.query<{ id: string }>(
      `SELECT s.id FROM submissions s
        WHERE ${where.join(' AND ')}
          AND NOT EXISTS (SELECT 1 FROM claims cl WHERE cl.submission_id = s.id AND cl.expires_at > now() AND cl.account_id <> ${me}::uuid)
        ORDER BY s.received_at ${dir}, s.id ${dir} LIMIT 1`,
      params.values,
    );
    if (rows[0]) return rows[0].id;
  }
  return null;
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

export async function changeStatus(db: Queryable, id: string, change: StatusChange): Promise<void> {
  switch (change.status) {
    case 'verified':
      await db.query(`UPDATE submissions SET status = 'verified', decided_at = now(), verify_decision_id = $2 WHERE id = $1`, [id, change.verifyDecisionId]);
      return;
    case 'published': {
      const c = change.choices;
      await db.query(
        `UPDATE submissions SET status = 'published', decided_at = now(), published_at = now(), publish_decision_id = $2,
                verify_decision_id = coalesce($3, verify_decision_id),
                public_title = $4, public_description = $5, public_location = $6, public_device = $7, original_downloadable = $8
          WHERE id = $1`,
        [id, change.publishDecisionId, change.verifyDecisionId, c.title, c.description, c.location, c.device, c.originalDownloadable],
      );
      return;
    }
    case 'withdrawn':
      await db.query(
        `UPDATE submissions SET status = 'withdrawn', decided_at = now(), withdrawn_at = now(), withdrawal_reason = $2 WHERE id = $1`,
        [id, change.reason],
      );
      return;
    case 'merged':
      await db.query(`UPDATE submissions SET status = 'merged', decided_at = now(), merged_into_id = $2 WHERE id = $1`, [id, change.into]);
      return;
    default:
      await db.query('UPDATE submissions SET status = $2, decided_at = now() WHERE id = $1', [id, change.status]);
  }
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
