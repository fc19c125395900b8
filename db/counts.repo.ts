import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { AttendanceCount, Discrepancy, Figures, NewOfficialResult, ProtocolLine } from '../domain/counts/model';
import type { RowProblem } from '../domain/imports/row-problem';
import type { Queryable } from './pool';
import { Params } from './sql';
import { STATION_NUMBER_KEY } from './submissions.repo';

export { allowLongStatements } from './pool';

// ---- An election's protocol lines

export async function listLines(db: Queryable, electionId: number): Promise<ProtocolLine[]> {
  const { rows } = await db.query<ProtocolLine>(
    `SELECT code, line_no, role, label_ru, label_en FROM protocol_lines WHERE election_id = $1 ORDER BY line_no`,
    [electionId],
  );
  return rows;
}

/** Makes the election's lines exactly these (a line some figure uses cannot go: its foreign key refuses). */
export async function replaceLines(db: PoolClient, electionId: number, lines: ProtocolLine[]): Promise<void> {
  await db.query(`DELETE FROM protocol_lines WHERE election_id = $1 AND NOT (code = ANY ($2::text[]))`, [electionId, lines.map((l) => l.code)]);
  // line numbers may move between codes: their uniqueness is checked at commit (DEFERRABLE)
  await db.query(
    `INSERT INTO protocol_lines (election_id, code, line_no, role, label_ru, label_en)
     SELECT $1, * FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::text[])
     ON CONFLICT (election_id, code) DO UPDATE SET line_no = EXCLUDED.line_no, role = EXCLUDED.role, label_ru = EXCLUDED.label_ru, label_en = EXCLUDED.label_en`,
    [electionId, lines.map((l) => l.code), lines.map((l) => l.line_no), lines.map((l) => l.role), lines.map((l) => l.label_ru), lines.map((l) => l.label_en)],
  );
}

// ---- Official results

/** COPY's text format: backslash, tab and line ends escaped; \N is NULL. Most texts have none of them, and are given as they are. */
const COPY_SPECIAL = /[\\\t\n\r]/;
const copyField = (v: string | number | null): string =>
  v === null
    ? '\\N'
    : typeof v === 'number'
      ? String(v)
      : !COPY_SPECIAL.test(v)
        ? v
        : v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));

/** One row's line of COPY text. */
const copyLine = (row: readonly (string | number | null)[]): string => `${row.map(copyField).join('\t')}\n`;

const COPY_BATCH_ROWS = 5000;

/**
 * Streams items into a table with COPY (text format), in batches of a few thousand lines, each item
 * written as its line (`line`: copyLine of its fields, or built directly where an array per row
 * costs more than it says).
 */
async function copyRows<T>(db: PoolClient, copySql: string, items: readonly T[], line: (item: T) => string): Promise<void> {
  const batches = function* () {
    for (let i = 0; i < items.length; i += COPY_BATCH_ROWS) {
      let text = '';
      for (let j = i; j < Math.min(items.length, i + COPY_BATCH_ROWS); j++) text += line(items[j]!);
      yield text;
    }
  };
  await pipeline(Readable.from(batches()), db.query(copyFrom(copySql)));
}

/** A station's official row as COPY text: uik_number, region, figures, turnout, turnout_pct, leader_pct. */
const officialLine = (r: NewOfficialResult): string =>
  // built directly: an array of fields per row, mapped and joined, was a quarter of this CPU over 100 000 stations
  `${copyField(r.uikNumber)}\t${copyField(r.region)}\t${copyField(JSON.stringify(r.figures))}\t${copyField(JSON.stringify(r.turnout))}\t${copyField(r.turnoutPct)}\t${copyField(r.leaderPct)}\n`;

/** One import of an election's official results at a time: whether it is the first is then still true when it writes. */
export async function lockOfficialImports(db: PoolClient, electionId: number): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('svidetel:official-import'), $1)`, [electionId]);
}

/** Whether the election has current official figures (an import then replaces some of them). */
export async function hasOfficialResults(db: Queryable, electionId: number): Promise<boolean> {
  const { rows } = await db.query<{ has: boolean }>(`SELECT EXISTS (SELECT 1 FROM official_results WHERE election_id = $1) AS has`, [electionId]);
  return rows[0]!.has;
}

/**
 * An election's first import, straight into official_results with COPY: with no current figures
 * nothing is compared or kept, and staging the rows first cost PostgreSQL a third more over
 * 100 000 stations (a temporary table written, read back and upserted row by row).
 */
export async function copyFirstOfficialResults(db: PoolClient, electionId: number, importId: number, rows: NewOfficialResult[]): Promise<void> {
  const keys = `${electionId}\t${importId}\t`;
  await copyRows(db, `COPY official_results (election_id, import_id, uik_number, region, figures, turnout, turnout_pct, leader_pct) FROM STDIN`, rows, (r) => keys + officialLine(r));
}

/**
 * Stages an import's rows (some 100 000 stations a federal election) in a temporary table with
 * COPY; applyStagedOfficial then makes them current.
 */
export async function stageOfficialResults(db: PoolClient, rows: NewOfficialResult[]): Promise<void> {
  await db.query(
    `CREATE TEMP TABLE official_staging (uik_number text, region text, figures jsonb, turnout jsonb, turnout_pct real, leader_pct real) ON COMMIT DROP`,
  );
  await copyRows(db, `COPY official_staging FROM STDIN`, rows, officialLine);
}

/** How many staged stations already have other current figures (a correction replaces them). */
export async function countChangedOfficial(db: PoolClient, electionId: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM official_results o JOIN official_staging s ON s.uik_number = o.uik_number
      WHERE o.election_id = $1 AND (o.region, o.figures, o.turnout) IS DISTINCT FROM (s.region, s.figures, s.turnout)`,
    [electionId],
  );
  return rows[0]!.n;
}

export async function insertImport(
  db: Queryable,
  i: { electionId: number; accountId: string; fileSha256: Buffer; imported: number; changed: number; errors: readonly RowProblem[] },
): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO official_result_imports (election_id, account_id, file_sha256, rows_imported, rows_changed, rows_bad, report)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [i.electionId, i.accountId, i.fileSha256, i.imported, i.changed, i.errors.length, JSON.stringify(i.errors)],
  );
  return rows[0]!.id;
}

/** Keeps what the staged rows replace (official_result_revisions), then makes them the current figures. */
export async function applyStagedOfficial(db: PoolClient, electionId: number, importId: number): Promise<void> {
  await db.query(
    `INSERT INTO official_result_revisions (import_id, election_id, uik_number, region, figures, turnout, replaced_import_id)
     SELECT $2, o.election_id, o.uik_number, o.region, o.figures, o.turnout, o.import_id
       FROM official_results o JOIN official_staging s ON s.uik_number = o.uik_number
      WHERE o.election_id = $1 AND (o.region, o.figures, o.turnout) IS DISTINCT FROM (s.region, s.figures, s.turnout)`,
    [electionId, importId],
  );
  await db.query(
    `INSERT INTO official_results (election_id, uik_number, region, figures, turnout, turnout_pct, leader_pct, import_id)
     SELECT $1, uik_number, region, figures, turnout, turnout_pct, leader_pct, $2 FROM official_staging
     ON CONFLICT (election_id, uik_number) DO UPDATE
        SET region = EXCLUDED.region, figures = EXCLUDED.figures, turnout = EXCLUDED.turnout,
            turnout_pct = EXCLUDED.turnout_pct, leader_pct = EXCLUDED.leader_pct, import_id = EXCLUDED.import_id
      WHERE (official_results.region, official_results.figures, official_results.turnout) IS DISTINCT FROM (EXCLUDED.region, EXCLUDED.figures, EXCLUDED.turnout)`,
    [electionId, importId],
  );
}

export type OfficialRow = { uik_number: string; region: string; figures: Figures; turnout: Record<string, number>; import_id: number; imported_at: Date };

export async function findOfficial(db: Queryable, electionId: number, uik: string): Promise<OfficialRow | null> {
  const { rows } = await db.query<OfficialRow>(
    `SELECT o.uik_number, o.region, o.figures, o.turnout, o.import_id, i.imported_at
       FROM official_results o JOIN official_result_imports i ON i.id = o.import_id
      WHERE o.election_id = $1 AND o.uik_number = $2`,
    [electionId, uik],
  );
  return rows[0] ?? null;
}

export type ImportRecord = { id: number; election_id: number; imported_at: Date; rows_imported: number; rows_changed: number; rows_bad: number; file_sha256: Buffer };

export async function listImports(db: Queryable, limit = 20): Promise<ImportRecord[]> {
  const { rows } = await db.query<ImportRecord>(
    `SELECT id, election_id, imported_at, rows_imported, rows_changed, rows_bad, file_sha256 FROM official_result_imports ORDER BY id DESC LIMIT $1`,
    [limit],
  );
  return rows;
}

// ---- Observers' figures

/** station: the submission's election and its station number without leading zeros. */
export async function insertAttendanceCount(db: Queryable, submissionId: string, station: { electionId: number; uikNumber: string }, c: AttendanceCount): Promise<void> {
  await db.query(
    `INSERT INTO attendance_counts (submission_id, election_id, uik_number, counted_from, counted_to, people, what, method) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [submissionId, station.electionId, station.uikNumber, c.from, c.to, c.people, c.what, c.method],
  );
}

export async function insertProtocolCopy(db: Queryable, submissionId: string, station: { electionId: number; uikNumber: string }): Promise<void> {
  await db.query(`INSERT INTO protocol_copies (submission_id, election_id, uik_number) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [submissionId, station.electionId, station.uikNumber]);
}

/**
 * Writes the figures that changed (each keeps who entered it and when), drops those not given, and
 * stores the copy's arithmetic flags. Any change takes back an earlier check: it must be checked again.
 */
export async function saveProtocolFigures(db: Queryable, submissionId: string, figures: Figures, enteredBy: string | null, flags: string[]): Promise<number> {
  const codes = Object.keys(figures);
  await db.query(`DELETE FROM protocol_figures WHERE submission_id = $1 AND NOT (line_code = ANY ($2::text[]))`, [submissionId, codes]);
  const { rowCount } = await db.query(
    `INSERT INTO protocol_figures (submission_id, election_id, line_code, value, entered_by)
     SELECT $1, p.election_id, f.code, f.value, $4 FROM protocol_copies p, unnest($2::text[], $3::int[]) AS f (code, value) WHERE p.submission_id = $1
     ON CONFLICT (submission_id, line_code) DO UPDATE SET value = EXCLUDED.value, entered_by = EXCLUDED.entered_by, entered_at = now()
      WHERE protocol_figures.value <> EXCLUDED.value`,
    [submissionId, codes, codes.map((c) => figures[c]), enteredBy],
  );
  await db.query(
    `UPDATE protocol_copies SET arithmetic_flags = $2,
            checked_by = CASE WHEN $3 THEN NULL ELSE checked_by END, checked_at = CASE WHEN $3 THEN NULL ELSE checked_at END
      WHERE submission_id = $1`,
    [submissionId, flags, (rowCount ?? 0) > 0],
  );
  return rowCount ?? 0;
}

export async function setProtocolChecked(db: Queryable, submissionId: string, accountId: string | null): Promise<boolean> {
  const { rowCount } = await db.query(`UPDATE protocol_copies SET checked_by = $2, checked_at = CASE WHEN $2::uuid IS NULL THEN NULL ELSE now() END WHERE submission_id = $1`, [submissionId, accountId]);
  return rowCount === 1;
}

export async function setCountVerified(db: Queryable, submissionId: string, accountId: string | null): Promise<boolean> {
  const { rowCount } = await db.query(`UPDATE attendance_counts SET verified_by = $2, verified_at = CASE WHEN $2::uuid IS NULL THEN NULL ELSE now() END WHERE submission_id = $1`, [submissionId, accountId]);
  return rowCount === 1;
}

export type CountRow = { submission_id: string; from: string; to: string; people: number; what: AttendanceCount['what']; method: AttendanceCount['method']; verified_at: Date | null; verified_by_email: string | null };
export type FigureRow = { line_code: string; value: number; entered_by_email: string | null; entered_at: Date };
export type ProtocolRow = { submission_id: string; election_id: number; arithmetic_flags: string[]; checked_at: Date | null; checked_by_email: string | null };

const COUNT_SELECT = `SELECT c.submission_id, to_char(c.counted_from, 'YYYY-MM-DD"T"HH24:MI') AS "from", to_char(c.counted_to, 'YYYY-MM-DD"T"HH24:MI') AS "to",
       c.people, c.what, c.method, c.verified_at, a.email AS verified_by_email
  FROM attendance_counts c LEFT JOIN accounts a ON a.id = c.verified_by`;

export async function countOf(db: Queryable, submissionId: string): Promise<CountRow | null> {
  const { rows } = await db.query<CountRow>(`${COUNT_SELECT} WHERE c.submission_id = $1`, [submissionId]);
  return rows[0] ?? null;
}

/**
 * The other counts of the same station, of the same thing over the same hours, that still stand
 * (not rejected, not merged away): the ones a moderator compares this count with.
 */
export async function countsOfSameWindow(db: Queryable, submissionId: string): Promise<CountRow[]> {
  const { rows } = await db.query<CountRow>(
    `${COUNT_SELECT}
       JOIN attendance_counts mine ON mine.submission_id = $1
       JOIN submissions s ON s.id = c.submission_id
      WHERE c.election_id = mine.election_id AND c.uik_number = mine.uik_number
        AND c.counted_from = mine.counted_from AND c.counted_to = mine.counted_to AND c.what = mine.what
        AND c.submission_id <> mine.submission_id AND s.status NOT IN ('rejected', 'merged')
      ORDER BY s.received_at, c.submission_id`,
    [submissionId],
  );
  return rows;
}

export async function protocolOf(db: Queryable, submissionId: string): Promise<(ProtocolRow & { figures: FigureRow[] }) | null> {
  const { rows } = await db.query<ProtocolRow>(
    `SELECT p.submission_id, p.election_id, p.arithmetic_flags, p.checked_at, a.email AS checked_by_email
       FROM protocol_copies p LEFT JOIN accounts a ON a.id = p.checked_by WHERE p.submission_id = $1`,
    [submissionId],
  );
  if (!rows[0]) return null;
  const figures = await db.query<FigureRow>(
    `SELECT f.line_code, f.value, a.email AS entered_by_email, f.entered_at
       FROM protocol_figures f LEFT JOIN accounts a ON a.id = f.entered_by WHERE f.submission_id = $1`,
    [submissionId],
  );
  return { ...rows[0], figures: figures.rows };
}

/** Where a submission's figures belong: its election and station number as the register keys it. */
export async function stationOfSubmission(db: Queryable, submissionId: string): Promise<{ election_id: number; uik_number: string; voting_ends_on: string } | null> {
  const { rows } = await db.query<{ election_id: number; uik_number: string; voting_ends_on: string }>(
    `SELECT s.election_id, ${STATION_NUMBER_KEY('s.station_number')} AS uik_number, to_char(e.voting_ends_on, 'YYYY-MM-DD') AS voting_ends_on
       FROM submissions s JOIN elections e ON e.id = s.election_id WHERE s.id = $1`,
    [submissionId],
  );
  return rows[0] ?? null;
}

export type VerifiedEvidence = {
  submission_id: string;
  uik_number: string;
  count: AttendanceCount | null;
  figures: Figures | null;
};

/**
 * The verified counts and checked protocol copies of these stations (all of the election's when
 * uiks is null): only a figure a moderator verified is ever compared. Rejected or merged
 * submissions' figures are left out.
 */
export async function verifiedEvidence(db: Queryable, electionId: number, uiks: string[] | null): Promise<VerifiedEvidence[]> {
  const { rows } = await db.query<VerifiedEvidence>(
    `WITH ev AS (
       SELECT submission_id, uik_number FROM attendance_counts WHERE election_id = $1 AND verified_at IS NOT NULL AND ($2::text[] IS NULL OR uik_number = ANY ($2))
       UNION
       SELECT submission_id, uik_number FROM protocol_copies WHERE election_id = $1 AND checked_at IS NOT NULL AND ($2::text[] IS NULL OR uik_number = ANY ($2)))
     SELECT ev.submission_id, ev.uik_number,
            CASE WHEN c.verified_at IS NOT NULL THEN json_build_object(
              'from', to_char(c.counted_from, 'YYYY-MM-DD"T"HH24:MI'), 'to', to_char(c.counted_to, 'YYYY-MM-DD"T"HH24:MI'),
              'people', c.people, 'what', c.what, 'method', c.method) END AS count,
            CASE WHEN p.checked_at IS NOT NULL THEN f.figures END AS figures
       FROM ev
       JOIN submissions s ON s.id = ev.submission_id AND s.status NOT IN ('rejected', 'merged')
       LEFT JOIN attendance_counts c ON c.submission_id = ev.submission_id
       LEFT JOIN protocol_copies p ON p.submission_id = ev.submission_id
       LEFT JOIN (SELECT f.submission_id, jsonb_object_agg(f.line_code, f.value) AS figures FROM protocol_figures f
                   WHERE f.election_id = $1 AND ($2::text[] IS NULL OR f.submission_id IN (SELECT submission_id FROM ev))
                   GROUP BY f.submission_id) f ON f.submission_id = ev.submission_id`,
    [electionId, uiks],
  );
  return rows;
}

/** Official rows of these stations. */
export async function officialFor(db: Queryable, electionId: number, uiks: string[]): Promise<(OfficialRow & { uik_number: string })[]> {
  const { rows } = await db.query<OfficialRow>(
    `SELECT uik_number, region, figures, turnout, import_id, now() AS imported_at FROM official_results WHERE election_id = $1 AND uik_number = ANY ($2::text[])`,
    [electionId, uiks],
  );
  return rows;
}

/** Stations of the election that have evidence to compare (any verified figure). */
export async function stationsWithEvidence(db: Queryable, electionId: number): Promise<string[]> {
  const { rows } = await db.query<{ uik: string }>(
    `SELECT uik_number AS uik FROM attendance_counts WHERE election_id = $1 AND verified_at IS NOT NULL
     UNION
     SELECT uik_number FROM protocol_copies WHERE election_id = $1 AND checked_at IS NOT NULL`,
    [electionId],
  );
  return rows.map((r) => r.uik);
}

/**
 * Replaces the stored discrepancies of these stations (all of the election's when null) and refreshes
 * their public ranking; the rows go in by COPY (an import recomputes some hundred thousand).
 */
export async function replaceDiscrepancies(
  db: PoolClient,
  electionId: number,
  uiks: string[] | null,
  rows: (Discrepancy & { submissionId: string; uikNumber: string })[],
): Promise<void> {
  await db.query(`DELETE FROM station_discrepancies WHERE election_id = $1 AND ($2::text[] IS NULL OR uik_number = ANY ($2))`, [electionId, uiks]);
  if (rows.length) {
    await copyRows(
      db,
      `COPY station_discrepancies (submission_id, election_id, uik_number, kind, subject, official, observed, uncertainty) FROM STDIN`,
      rows,
      (r) => copyLine([r.submissionId, electionId, r.uikNumber, r.kind, r.subject, r.official, r.observed, r.uncertainty]),
    );
  }
  await db.query(`SELECT discrepancy_ranks_refresh($1, $2::text[])`, [electionId, uiks]);
}

// ---- What the public sees: verified figures of published entries only (archive_entries decides)

export type PublicCount = Omit<CountRow, 'verified_by_email' | 'verified_at'>;
export type PublicProtocol = { submission_id: string; arithmetic_flags: string[]; figures: Figures; first_thumb_file_id: string | null };
export type PublicDiscrepancy = Discrepancy & { submission_id: string; difference: number; excess: number };

export type PublicStation = {
  lines: ProtocolLine[];
  official: { figures: Figures; turnout: Record<string, number>; imported_at: string } | null;
  counts: PublicCount[];
  protocols: PublicProtocol[];
  discrepancies: PublicDiscrepancy[];
  /** The election's voting days (null: no such election). */
  voting_days: { first: string; last: string } | null;
};

/**
 * One station's lines, official figures and public figures, and its election's voting days, in one
 * statement (a public page's read). Prepared by name, once per connection: planning its six
 * subqueries afresh cost PostgreSQL four times what running them does.
 */
export async function publicStationFigures(db: Queryable, electionId: number, uik: string): Promise<PublicStation> {
  const { rows } = await db.query<PublicStation>({
    name: 'counts.public_station_figures',
    text: `SELECT
       (SELECT json_build_object('first', to_char(e.voting_starts_on, 'YYYY-MM-DD'), 'last', to_char(e.voting_ends_on, 'YYYY-MM-DD'))
          FROM elections e WHERE e.id = $1) AS voting_days,
       (SELECT coalesce(json_agg(json_build_object('code', l.code, 'line_no', l.line_no, 'role', l.role, 'label_ru', l.label_ru, 'label_en', l.label_en) ORDER BY l.line_no), '[]')
          FROM protocol_lines l WHERE l.election_id = $1) AS lines,
       (SELECT json_build_object('figures', o.figures, 'turnout', o.turnout, 'imported_at', i.imported_at)
          FROM official_results o JOIN official_result_imports i ON i.id = o.import_id WHERE o.election_id = $1 AND o.uik_number = $2) AS official,
       (SELECT coalesce(json_agg(json_build_object('submission_id', c.submission_id, 'from', to_char(c.counted_from, 'YYYY-MM-DD"T"HH24:MI'),
                 'to', to_char(c.counted_to, 'YYYY-MM-DD"T"HH24:MI'), 'people', c.people, 'what', c.what, 'method', c.method)
                 ORDER BY c.counted_from, c.counted_to, c.submission_id), '[]')
          FROM attendance_counts c JOIN archive_entries a ON a.id = c.submission_id
         WHERE c.election_id = $1 AND c.uik_number = $2 AND c.verified_at IS NOT NULL) AS counts,
       (SELECT coalesce(json_agg(json_build_object('submission_id', p.submission_id, 'arithmetic_flags', p.arithmetic_flags, 'first_thumb_file_id', a.first_thumb_file_id,
                 'figures', (SELECT coalesce(jsonb_object_agg(f.line_code, f.value), '{}') FROM protocol_figures f WHERE f.submission_id = p.submission_id))
                 ORDER BY a.published_at, a.id), '[]')
          FROM protocol_copies p JOIN archive_entries a ON a.id = p.submission_id
         WHERE p.election_id = $1 AND p.uik_number = $2 AND p.checked_at IS NOT NULL) AS protocols,
       (SELECT coalesce(json_agg(json_build_object('submission_id', d.submission_id, 'kind', d.kind, 'subject', d.subject, 'official', d.official, 'observed', d.observed,
                 'uncertainty', d.uncertainty, 'difference', d.difference, 'excess', d.excess) ORDER BY d.excess DESC, d.kind, d.subject), '[]')
          FROM station_discrepancies d JOIN archive_entries a ON a.id = d.submission_id
         WHERE d.election_id = $1 AND d.uik_number = $2) AS discrepancies`,
    values: [electionId, uik],
  });
  return rows[0]!;
}

export type RankFilter = { election?: number; region?: string; station?: string };
export type RankedStation = { election_id: number; uik_number: string; region: string; score: number; differing: number; evidence: number };

function rankWhere(f: RankFilter, p: Params): string {
  const where: string[] = [];
  if (f.election !== undefined) where.push(`r.election_id = ${p.add(f.election)}::int`);
  if (f.region !== undefined) where.push(`r.region = ${p.add(f.region)}::text`);
  if (f.station !== undefined) where.push(`r.uik_number = ${STATION_NUMBER_KEY(`${p.add(f.station)}::text`)}`);
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

/** Stations by their largest difference beyond uncertainty, over published evidence only. */
export async function rankedStations(db: Queryable, f: RankFilter, limit: number, offset: number): Promise<RankedStation[]> {
  const p = new Params();
  const where = rankWhere(f, p);
  const { rows } = await db.query<RankedStation>(
    `SELECT r.election_id, r.uik_number, r.region, r.score, r.differing, r.evidence FROM station_discrepancy_ranks r ${where}
      ORDER BY r.score DESC, r.election_id, r.uik_number LIMIT ${p.add(limit)}::int OFFSET ${p.add(offset)}::int`,
    p.values,
  );
  return rows;
}

export type RankedExportRow = RankedStation & { discrepancies: PublicDiscrepancy[] };

/** The ranked stations with their public discrepancies, for the CSV and JSON exports (at most `limit`). */
export async function rankedWithFigures(db: Queryable, f: RankFilter, limit: number): Promise<RankedExportRow[]> {
  const p = new Params();
  const where = rankWhere(f, p);
  const { rows } = await db.query<RankedExportRow>(
    `SELECT r.election_id, r.uik_number, r.region, r.score, r.differing, r.evidence,
            (SELECT coalesce(json_agg(json_build_object('submission_id', d.submission_id, 'kind', d.kind, 'subject', d.subject, 'official', d.official,
                      'observed', d.observed, 'uncertainty', d.uncertainty, 'difference', d.difference, 'excess', d.excess) ORDER BY d.excess DESC, d.kind, d.subject), '[]')
               FROM station_discrepancies d JOIN archive_entries a ON a.id = d.submission_id
              WHERE d.election_id = r.election_id AND d.uik_number = r.uik_number) AS discrepancies
       FROM station_discrepancy_ranks r ${where}
      ORDER BY r.score DESC, r.election_id, r.uik_number LIMIT ${p.add(limit)}::int`,
    p.values,
  );
  return rows;
}

/** The distribution of official turnout and of the leader's share over an election's stations in 2 % bins (0–49), and how many of each bin have public evidence. */
export async function officialDistribution(db: Queryable, electionId: number): Promise<{ measure: 'turnout' | 'leader'; bin: number; stations: number; with_evidence: number }[]> {
  const { rows } = await db.query(
    `WITH s AS MATERIALIZED (
       SELECT o.turnout_pct, o.leader_pct, r.uik_number IS NOT NULL AS evidence
         FROM official_results o LEFT JOIN station_discrepancy_ranks r ON r.election_id = o.election_id AND r.uik_number = o.uik_number
        WHERE o.election_id = $1)
     SELECT 'turnout' AS measure, least(floor(turnout_pct / 2), 49)::int AS bin, count(*)::int AS stations, count(*) FILTER (WHERE evidence)::int AS with_evidence
       FROM s WHERE turnout_pct IS NOT NULL GROUP BY 2
     UNION ALL
     SELECT 'leader', least(floor(leader_pct / 2), 49)::int, count(*)::int, count(*) FILTER (WHERE evidence)::int
       FROM s WHERE leader_pct IS NOT NULL GROUP BY 2`,
    [electionId],
  );
  return rows;
}
