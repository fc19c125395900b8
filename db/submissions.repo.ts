import type { Queryable } from './pool';

export type SubmissionStatus = 'pending' | 'rejected' | 'published';

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

export type SubmissionRow = {
  id: string;
  election_id: number;
  election_name_ru: string;
  election_name_en: string;
  region: string;
  station_number: string;
  category_code: string;
  category_label_ru: string;
  category_label_en: string;
  description: string;
  happened_at: string | null;
  reporter_role: string | null;
  complaint_status: string | null;
  status: SubmissionStatus;
  received_at: Date;
  decided_at: Date | null;
  published_at: Date | null;
};

export type QueueItemRow = Pick<
  SubmissionRow,
  'id' | 'region' | 'station_number' | 'category_code' | 'category_label_ru' | 'category_label_en' | 'received_at' | 'election_name_ru' | 'election_name_en'
> & { file_count: number; files_unfinished: number; first_file_id: string | null; description: string };

export type DecisionRow = {
  id: string;
  action: 'verify_publish' | 'reject';
  reason: string | null;
  created_at: Date;
  account_email: string;
};

const SUBMISSION_SELECT = `
  SELECT s.id, s.election_id, e.name_ru AS election_name_ru, e.name_en AS election_name_en,
         s.region, s.station_number, s.category_code, c.label_ru AS category_label_ru, c.label_en AS category_label_en,
         s.description, to_char(s.happened_at, 'YYYY-MM-DD"T"HH24:MI') AS happened_at,
         s.reporter_role, s.complaint_status, s.status, s.received_at, s.decided_at, s.published_at
    FROM submissions s
    JOIN elections e ON e.id = s.election_id
    JOIN categories c ON c.code = s.category_code`;

export async function insertSubmission(db: Queryable, s: NewSubmission): Promise<{ id: string; received_at: Date }> {
  const { rows } = await db.query<{ id: string; received_at: Date }>(
    `INSERT INTO submissions (election_id, region, station_number, category_code, description, happened_at, reporter_role, complaint_status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, received_at`,
    [s.electionId, s.region, s.stationNumber, s.categoryCode, s.description, s.happenedAt, s.reporterRole, s.complaintStatus],
  );
  return rows[0];
}

export async function findSubmission(db: Queryable, id: string): Promise<SubmissionRow | null> {
  const { rows } = await db.query<SubmissionRow>(`${SUBMISSION_SELECT} WHERE s.id = $1`, [id]);
  return rows[0] ?? null;
}

export async function findPublishedSubmission(db: Queryable, id: string): Promise<SubmissionRow | null> {
  const { rows } = await db.query<SubmissionRow>(`${SUBMISSION_SELECT} WHERE s.id = $1 AND s.status = 'published'`, [id]);
  return rows[0] ?? null;
}

/** Oldest first, keyset-paginated on (received_at, id) so deep pages cost the same as the first. */
export async function listPending(
  db: Queryable,
  after: { receivedAt: Date; id: string } | null,
  limit: number,
): Promise<QueueItemRow[]> {
  const { rows } = await db.query<QueueItemRow>(
    `SELECT s.id, s.region, s.station_number, s.category_code, c.label_ru AS category_label_ru, c.label_en AS category_label_en,
            s.received_at, e.name_ru AS election_name_ru, e.name_en AS election_name_en, left(s.description, 200) AS description,
            f.file_count, f.files_unfinished, f.first_file_id
       FROM submissions s
       JOIN elections e ON e.id = s.election_id
       JOIN categories c ON c.code = s.category_code
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS file_count,
                count(*) FILTER (WHERE m.status IN ('received', 'processing'))::int AS files_unfinished,
                (array_agg(m.id ORDER BY m.position))[1] AS first_file_id
           FROM media_files m WHERE m.submission_id = s.id
       ) f
      WHERE s.status = 'pending'
        AND ($1::timestamptz IS NULL OR (s.received_at, s.id) > ($1::timestamptz, $2::uuid))
      ORDER BY s.received_at, s.id
      LIMIT $3`,
    [after?.receivedAt ?? null, after?.id ?? null, limit],
  );
  return rows;
}

export async function countByStatus(db: Queryable): Promise<Record<SubmissionStatus, number>> {
  const { rows } = await db.query<{ status: SubmissionStatus; n: number }>(
    'SELECT status, count(*)::int AS n FROM submissions GROUP BY status',
  );
  const counts: Record<SubmissionStatus, number> = { pending: 0, rejected: 0, published: 0 };
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}

/** Locks the row for a decision; the caller checks its status inside the same transaction. */
export async function lockSubmission(db: Queryable, id: string): Promise<{ status: SubmissionStatus } | null> {
  const { rows } = await db.query<{ status: SubmissionStatus }>('SELECT status FROM submissions WHERE id = $1 FOR UPDATE', [id]);
  return rows[0] ?? null;
}

export async function insertDecision(
  db: Queryable,
  d: { submissionId: string; accountId: string; action: DecisionRow['action']; reason: string | null },
): Promise<{ id: string; created_at: Date }> {
  const { rows } = await db.query<{ id: string; created_at: Date }>(
    'INSERT INTO decisions (submission_id, account_id, action, reason) VALUES ($1, $2, $3, $4) RETURNING id, created_at',
    [d.submissionId, d.accountId, d.action, d.reason],
  );
  return rows[0];
}

export async function markPublished(db: Queryable, id: string, decisionId: string): Promise<void> {
  await db.query(
    `UPDATE submissions SET status = 'published', decided_at = now(), published_at = now(), publish_decision_id = $2 WHERE id = $1`,
    [id, decisionId],
  );
}

export async function markRejected(db: Queryable, id: string): Promise<void> {
  await db.query(`UPDATE submissions SET status = 'rejected', decided_at = now() WHERE id = $1`, [id]);
}

export async function listDecisions(db: Queryable, submissionId: string): Promise<DecisionRow[]> {
  const { rows } = await db.query<DecisionRow>(
    `SELECT d.id, d.action, d.reason, d.created_at, a.email AS account_email
       FROM decisions d JOIN accounts a ON a.id = d.account_id
      WHERE d.submission_id = $1 ORDER BY d.created_at, d.id`,
    [submissionId],
  );
  return rows;
}

export type PublishedListRow = Pick<
  SubmissionRow,
  'id' | 'region' | 'station_number' | 'category_code' | 'category_label_ru' | 'category_label_en' | 'election_name_ru' | 'election_name_en' | 'published_at'
> & { description: string; file_count: number; first_file_id: string | null };

/** Newest first, keyset-paginated on (published_at, id). */
export async function listPublished(
  db: Queryable,
  before: { publishedAt: Date; id: string } | null,
  limit: number,
): Promise<PublishedListRow[]> {
  const { rows } = await db.query<PublishedListRow>(
    `SELECT s.id, s.region, s.station_number, s.category_code, c.label_ru AS category_label_ru, c.label_en AS category_label_en,
            e.name_ru AS election_name_ru, e.name_en AS election_name_en, s.published_at, left(s.description, 300) AS description,
            f.file_count, f.first_file_id
       FROM submissions s
       JOIN elections e ON e.id = s.election_id
       JOIN categories c ON c.code = s.category_code
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS file_count,
                (array_agg(m.id ORDER BY m.position) FILTER (WHERE m.has_thumb))[1] AS first_file_id
           FROM media_files m WHERE m.submission_id = s.id
       ) f
      WHERE s.status = 'published'
        AND ($1::timestamptz IS NULL OR (s.published_at, s.id) < ($1::timestamptz, $2::uuid))
      ORDER BY s.published_at DESC, s.id DESC
      LIMIT $3`,
    [before?.publishedAt ?? null, before?.id ?? null, limit],
  );
  return rows;
}
