import { createHash } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import type { PublicStation } from '../../db/counts.repo';
import type { Repositories, TxRepositories } from '../../db/repositories';
import { actorOf } from '../accounts/accounts.service';
import type { SessionUser } from '../accounts/model';
import { appendAudit } from '../audit/audit.service';
import type { AppContext } from '../context';
import { badRequest, notFound } from '../errors';
import {
  arithmeticFlags,
  attendanceDiscrepancy,
  COUNT_CATEGORY,
  COUNT_METHODS,
  LINE_ROLES,
  MAX_OFFICIAL_ROWS,
  OFFICIAL_KEY_COLUMNS,
  officialSharesOf,
  PROTOCOL_CATEGORY,
  protocolDiscrepancies,
  turnoutColumnInstant,
  type AttendanceCount,
  type Discrepancy,
  type Figures,
  type LineRole,
  type NewOfficialResult,
  type OfficialImportReport,
  type ProtocolLine,
  type VotingDays,
} from './model';

// An import of a whole federal election (100 000 stations) and the recomputation it starts may take
// longer than a request's statements may; an admin starts it knowingly (as a station register).
const IMPORT_STATEMENT_TIMEOUT_MS = 10 * 60_000;

// ---- The election's protocol lines (admins)

/**
 * An election's lines as an admin writes them, one a row: `line_no; code; role; label ru; label en`.
 * Each bad row is named with its number; nothing is saved unless all are good.
 */
export function parseLines(text: string): ProtocolLine[] {
  const rows = text.split(/\r?\n/).map((r) => r.trim()).filter((r) => r && !r.startsWith('#'));
  const problems: number[] = [];
  const lines: ProtocolLine[] = [];
  rows.forEach((row, i) => {
    const [no, code, role, ru, en] = row.split(';').map((c) => c.trim());
    const lineNo = Number(no);
    const valid =
      Number.isInteger(lineNo) && lineNo >= 1 && lineNo <= 99 &&
      !!code && /^[a-z][a-z0-9_]{0,39}$/.test(code) && code !== 'uik' && code !== 'region' &&
      LINE_ROLES.includes(role as LineRole) &&
      !!ru && !!en && ru.length <= 300 && en.length <= 300 &&
      !lines.some((l) => l.code === code || l.line_no === lineNo);
    if (valid) lines.push({ line_no: lineNo, code: code!, role: role as LineRole, label_ru: ru!, label_en: en! });
    else problems.push(i + 1);
  });
  if (problems.length) throw badRequest('bad_protocol_lines', { rows: problems.map(String), roles: LINE_ROLES });
  if (lines.length === 0) throw badRequest('no_protocol_lines_given');
  return lines;
}

export async function configureLines(ctx: AppContext, admin: SessionUser, electionId: number, text: string): Promise<void> {
  if (!(await ctx.repos.catalog.findElection(electionId))) throw badRequest('unknown_election');
  const lines = parseLines(text);
  await ctx.transaction(async (tx) => {
    const before = await tx.counts.listLines(electionId);
    await tx.counts.replaceLines(electionId, lines);
    await appendAudit(tx, actorOf(admin), { action: 'counts.lines', entityType: 'election', entityId: String(electionId), before, after: lines });
  });
}

export const protocolLines = (ctx: AppContext, electionId: number) => ctx.repos.counts.listLines(electionId);

/** The lines as the admin form shows them again. */
export const linesAsText = (lines: readonly ProtocolLine[]) => lines.map((l) => `${l.line_no}; ${l.code}; ${l.role}; ${l.label_ru}; ${l.label_en}`).join('\n');

// ---- Official results (admins)

const figureCell = (v: string | undefined): number | null | 'bad' => {
  if (v !== undefined && /^[0-9]{1,8}$/.test(v)) return Number(v); // the common case, without copying the text
  const s = (v ?? '').trim().replace(/[\s\u00a0]/g, '');
  if (s === '') return null;
  return /^[0-9]{1,8}$/.test(s) ? Number(s) : 'bad';
};

/**
 * The records of a CSV file, comma or semicolon separated (the header decides). A file without quotes
 * (what commissions publish) is split directly, some ten times faster than a general parser over
 * 100 000 rows; one with quotes goes through csv-parse.
 */
function csvRecords(csv: Buffer): string[][] {
  const text = csv.toString('utf8').replace(/^\uFEFF/, '');
  const header = text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'));
  const delimiter = header.includes(';') ? ';' : ',';
  if (!text.includes('"')) return text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)).filter((l) => l !== '').map((l) => l.split(delimiter));
  try {
    return parseCsv(text, { skip_empty_lines: true, relax_column_count: true, delimiter });
  } catch (err) {
    throw badRequest('bad_csv', {}, { parser: (err as Error).message });
  }
}

/**
 * Imports an election's official per-station results from CSV (`uik`, `region`, a column per protocol
 * line code, cumulative turnout per reported instant `turnout_YYYY-MM-DD_HH:MM` or the last day's
 * `turnout_HH:MM`): a column twice or a turnout day outside the voting days refuses the file; good rows replace the station's current figures
 * (what they replace is kept), each bad row (a figure not a number, turnout going down) is reported with its line and what is wrong. The import is
 * kept with its report and audited; the discrepancies of every station with evidence are recomputed.
 */
export async function importOfficialResults(ctx: AppContext, admin: SessionUser, electionId: number, csv: Buffer): Promise<OfficialImportReport> {
  const election = await ctx.repos.catalog.findElection(electionId);
  if (!election) throw badRequest('unknown_election');
  const lines = await ctx.repos.counts.listLines(electionId);
  if (lines.length === 0) throw badRequest('no_protocol_lines');
  const records = csvRecords(csv);
  const names = (records[0] ?? []).map((h) => h.trim().toLowerCase());
  const days = { first: election.voting_starts_on, last: election.voting_ends_on };
  const codes = new Set(lines.map((l) => l.code));
  const instantOf = names.map((n) => turnoutColumnInstant(n, days));
  const unknown = names.filter((n, i) => !OFFICIAL_KEY_COLUMNS.includes(n as 'uik') && !codes.has(n) && instantOf[i] === null);
  const missing = [...OFFICIAL_KEY_COLUMNS, ...codes].filter((c) => !names.includes(c));
  if (records.length < 2) throw badRequest('empty_csv', { columns: [...OFFICIAL_KEY_COLUMNS, ...codes, `turnout_${days.last}_10:00 …`] });
  if (missing.length || unknown.length) {
    throw badRequest('csv_columns', { missing: missing.length ? missing : '—', unknown: unknown.length ? unknown : '—' });
  }
  // a column twice, or two turnout columns of the same instant (turnout_20:00 is the last day's)
  const sameAs = (i: number) => names.findIndex((n, j) => j !== i && (n === names[i] || (instantOf[i] && instantOf[i] !== 'outside' && instantOf[j] === instantOf[i])));
  const twice = names.filter((_, i) => sameAs(i) !== -1);
  if (twice.length) throw badRequest('csv_column_twice', { columns: [...new Set(twice)] });
  const outside = names.filter((_, i) => instantOf[i] === 'outside');
  if (outside.length) throw badRequest('turnout_outside_voting_days', { columns: outside, first: days.first, last: days.last });
  if (records.length - 1 > MAX_OFFICIAL_ROWS) throw badRequest('too_many_rows', { limit: MAX_OFFICIAL_ROWS });

  const column = (n: string) => names.indexOf(n);
  const uikAt = column('uik');
  const regionAt = column('region');
  const lineAt = lines.map((l) => [l, column(l.code)] as const);
  // in time order, so cumulative figures are checked to never go down along the row
  const turnoutAt = names
    .flatMap((n, i) => { const at = instantOf[i]; return at && at !== 'outside' ? [{ name: n, at, i }] : []; })
    .sort((a, b) => (a.at < b.at ? -1 : 1));
  const sharesOf = officialSharesOf(lines);
  const errors: OfficialImportReport['errors'] = [];
  const byNumber = new Map<string, number>();
  const rows: NewOfficialResult[] = [];
  for (let r = 1; r < records.length; r++) {
    const cells = records[r]!;
    const lineNo = r + 1;
    const uik = (cells[uikAt] ?? '').trim();
    const region = (cells[regionAt] ?? '').trim();
    if (!/^[0-9]{1,6}$/.test(uik)) { errors.push({ line: lineNo, code: 'row_station_number', params: {} }); continue; }
    if (!region || region.length > 200) { errors.push({ line: lineNo, code: 'row_text', params: { column: 'region', max: 200 } }); continue; }
    const uikNumber = uik.replace(/^0+(?=\d)/, '');
    const bad: string[] = [];
    const figures: Figures = {};
    for (const [l, i] of lineAt) {
      const v = figureCell(cells[i]);
      if (v === 'bad') bad.push(l.code);
      else if (v !== null) figures[l.code] = v;
    }
    const turnout: Record<string, number> = {};
    let before: { name: string; value: number } | null = null;
    let down: { from: string; to: string } | null = null;
    for (const { name, at, i } of turnoutAt) {
      const v = figureCell(cells[i]);
      if (v === 'bad') bad.push(name);
      else if (v !== null) {
        turnout[at] = v;
        if (before && v < before.value && !down) down = { from: before.name, to: name };
        before = { name, value: v };
      }
    }
    if (down && !bad.length) {
      errors.push({ line: lineNo, code: 'turnout_goes_down', params: down });
      continue;
    }
    if (bad.length) { errors.push({ line: lineNo, code: 'row_figures', params: { columns: bad } }); continue; }
    const earlier = byNumber.get(uikNumber);
    if (earlier) { errors.push({ line: lineNo, code: 'row_station_twice', params: { uik: uikNumber, line: earlier } }); continue; }
    byNumber.set(uikNumber, lineNo);
    const shares = sharesOf(figures);
    rows.push({ uikNumber, region, figures, turnout, turnoutPct: shares.turnoutPct, leaderPct: shares.leaderPct });
  }
  const fileSha256 = createHash('sha256').update(csv).digest();
  return ctx.transaction(async (tx) => {
    await tx.counts.allowLongStatements(IMPORT_STATEMENT_TIMEOUT_MS);
    await tx.counts.lockOfficialImports(electionId);
    // the first import has nothing to replace: its rows go straight in; a later one is staged and compared
    const first = !(await tx.counts.hasOfficialResults(electionId));
    if (!first) await tx.counts.stageOfficialResults(rows);
    const changed = first ? 0 : await tx.counts.countChangedOfficial(electionId);
    const imported = rows.length;
    const importId = await tx.counts.insertImport({ electionId, accountId: admin.accountId, fileSha256, imported, changed, errors });
    if (first) await tx.counts.copyFirstOfficialResults(electionId, importId, rows);
    else await tx.counts.applyStagedOfficial(electionId, importId);
    await appendAudit(tx, actorOf(admin), {
      action: 'counts.official_import',
      entityType: 'election',
      entityId: String(electionId),
      after: { import_id: importId, file_sha256: fileSha256.toString('hex'), imported, changed, bad_rows: errors.length },
    });
    await recomputeDiscrepancies(tx, electionId, null);
    return { importId, imported, changed, errors };
  });
}

export const recentImports = (ctx: AppContext) => ctx.repos.counts.listImports();

// ---- Discrepancies

/**
 * Compares every verified figure of these stations (all of the election's with evidence when null)
 * with the official ones and stores the differences, replacing what was stored for them.
 */
export async function recomputeDiscrepancies(tx: TxRepositories, electionId: number, uiks: string[] | null): Promise<number> {
  const [election, lines] = await Promise.all([tx.catalog.findElection(electionId), tx.counts.listLines(electionId)]);
  if (!election) return 0;
  const stations = uiks ?? (await tx.counts.stationsWithEvidence(electionId));
  if (stations.length === 0 && uiks) return 0;
  const [evidence, official] = await Promise.all([tx.counts.verifiedEvidence(electionId, uiks), tx.counts.officialFor(electionId, stations)]);
  const officialBy = new Map(official.map((o) => [o.uik_number, o]));
  const rows: (Discrepancy & { submissionId: string; uikNumber: string })[] = [];
  for (const e of evidence) {
    const o = officialBy.get(e.uik_number);
    if (!o) continue;
    const found = [
      ...(e.figures ? protocolDiscrepancies(lines, o, e.figures) : []),
      ...(e.count ? [attendanceDiscrepancy(lines, o, e.count, { first: election.voting_starts_on, last: election.voting_ends_on })].filter((d): d is Discrepancy => d !== null) : []),
    ];
    rows.push(...found.map((d) => ({ ...d, submissionId: e.submission_id, uikNumber: e.uik_number })));
  }
  await tx.counts.replaceDiscrepancies(electionId, uiks, rows);
  return rows.length;
}

async function recomputeForSubmission(tx: TxRepositories, submissionId: string): Promise<void> {
  const station = await tx.counts.stationOfSubmission(submissionId);
  if (station) await recomputeDiscrepancies(tx, station.election_id, [station.uik_number]);
}

// ---- Observers' figures (sent with a submission, in its transaction)

/** A station number as the register and the official results key it: digits without leading zeros. */
const uikNumber = (stationNumber: string) => stationNumber.replace(/^0+(?=\d)/, '');

/** What an observer may send with a submission besides its files. */
export type ObserverFigures = { count: AttendanceCount | null; protocol: Figures | null };

/**
 * Stores a count or a protocol copy's figures with the submission they belong to (same transaction).
 * A count goes only with the count category and figures only with the protocol-copy category; a
 * protocol copy always gets its transcription row, so a moderator can transcribe the photo.
 */
export async function recordObserverFigures(
  tx: Pick<TxRepositories, 'counts'>,
  submission: { id: string; electionId: number; stationNumber: string; categoryCode: string },
  figures: ObserverFigures,
): Promise<void> {
  if (figures.count && submission.categoryCode !== COUNT_CATEGORY) throw badRequest('count_needs_category');
  if (figures.protocol && submission.categoryCode !== PROTOCOL_CATEGORY) throw badRequest('figures_need_category');
  if (submission.categoryCode === COUNT_CATEGORY && !figures.count) throw badRequest('count_missing');
  const station = { electionId: submission.electionId, uikNumber: uikNumber(submission.stationNumber) };
  if (figures.count) await tx.counts.insertAttendanceCount(submission.id, station, figures.count);
  if (submission.categoryCode === PROTOCOL_CATEGORY) {
    await tx.counts.insertProtocolCopy(submission.id, station);
    if (figures.protocol && Object.keys(figures.protocol).length) {
      const lines = await tx.counts.listLines(submission.electionId);
      const known = Object.fromEntries(Object.entries(figures.protocol).filter(([code]) => lines.some((l) => l.code === code)));
      await tx.counts.saveProtocolFigures(submission.id, known, null, arithmeticFlags(lines, known));
    }
  }
}

// ---- Moderators

type CountForReview = NonNullable<Awaited<ReturnType<Repositories['counts']['countOf']>>>;

export type FiguresForReview = {
  lines: ProtocolLine[];
  count: CountForReview | null;
  /** Other observers' counts of the same thing at the same station over the same hours, each set against this one. */
  sameWindow: { count: CountForReview; agrees: boolean; tolerance: number }[];
  protocol: Awaited<ReturnType<Repositories['counts']['protocolOf']>>;
};

export async function figuresForReview(ctx: AppContext, submissionId: string): Promise<FiguresForReview | null> {
  const [count, protocol, station] = await Promise.all([
    ctx.repos.counts.countOf(submissionId),
    ctx.repos.counts.protocolOf(submissionId),
    ctx.repos.counts.stationOfSubmission(submissionId),
  ]);
  if (!count && !protocol) return null;
  const [lines, others] = await Promise.all([
    station ? ctx.repos.counts.listLines(station.election_id) : [],
    count ? ctx.repos.counts.countsOfSameWindow(submissionId) : [],
  ]);
  const sameWindow = others.map((other) => ({ count: other, agrees: countsAgree(count!, other), tolerance: countTolerance(count!, other) }));
  return { lines, count, sameWindow, protocol };
}

/** A moderator enters or corrects a protocol copy's figures; each changed figure records who entered it, and the copy must be checked again. */
export async function transcribeProtocol(ctx: AppContext, moderator: SessionUser, submissionId: string, figures: Figures): Promise<void> {
  await ctx.transaction(async (tx) => {
    const protocol = await tx.counts.protocolOf(submissionId);
    if (!protocol) throw notFound('protocol_copy');
    const lines = await tx.counts.listLines(protocol.election_id);
    const unknown = Object.keys(figures).filter((code) => !lines.some((l) => l.code === code));
    if (unknown.length) throw badRequest('unknown_protocol_line', { lines: unknown });
    const flags = arithmeticFlags(lines, figures);
    const changed = await tx.counts.saveProtocolFigures(submissionId, figures, moderator.accountId, flags);
    await appendAudit(tx, actorOf(moderator), { action: 'counts.protocol_transcribe', entityType: 'submission', entityId: submissionId, after: { figures, changed, flags } });
    await recomputeForSubmission(tx, submissionId);
  });
}

/** A moderator confirms (or takes back) that a protocol copy's figures are what its photo shows; only then are they compared and can be public. */
export async function checkProtocol(ctx: AppContext, moderator: SessionUser, submissionId: string, checked: boolean): Promise<void> {
  await ctx.transaction(async (tx) => {
    const protocol = await tx.counts.protocolOf(submissionId);
    if (!protocol) throw notFound('protocol_copy');
    if (checked && protocol.figures.length === 0) throw badRequest('nothing_to_check');
    await tx.counts.setProtocolChecked(submissionId, checked ? moderator.accountId : null);
    await appendAudit(tx, actorOf(moderator), { action: 'counts.protocol_check', entityType: 'submission', entityId: submissionId, after: { checked, flags: protocol.arithmetic_flags } });
    await recomputeForSubmission(tx, submissionId);
  });
}

/** A moderator verifies (or takes back) an attendance count: the method is plausible and the files support it. */
export async function verifyCount(ctx: AppContext, moderator: SessionUser, submissionId: string, verified: boolean): Promise<void> {
  await ctx.transaction(async (tx) => {
    if (!(await tx.counts.setCountVerified(submissionId, verified ? moderator.accountId : null))) throw notFound('count');
    await appendAudit(tx, actorOf(moderator), { action: 'counts.count_verify', entityType: 'submission', entityId: submissionId, after: { verified } });
    await recomputeForSubmission(tx, submissionId);
  });
}

type Counted = Pick<AttendanceCount, 'people' | 'method'>;

/** How far apart two counts of the same hours may be: the larger uncertainty of their methods, in people. */
export const countTolerance = (a: Counted, b: Counted): number =>
  Math.max(Math.ceil(a.people * COUNT_METHODS[a.method]), Math.ceil(b.people * COUNT_METHODS[b.method]));

/** Whether two counts of the same hours agree: they differ by no more than the larger uncertainty of their methods. */
export function countsAgree(a: Counted, b: Counted): boolean {
  return Math.abs(a.people - b.people) <= countTolerance(a, b);
}

// ---- The public

export type StationFigures = Omit<PublicStation, 'official' | 'voting_days'> & {
  official: { figures: Figures; turnout: Record<string, number>; importedAt: Date } | null;
  /** The election's voting days: what the turnout instants and counts' hours are read against (null: no such election). */
  votingDays: VotingDays | null;
};

/** One station's official figures, and the verified figures of its published evidence with their differences. */
export async function stationFigures(ctx: AppContext, electionId: number, stationNumber: string): Promise<StationFigures> {
  const { official, voting_days, ...rest } = await ctx.repos.counts.publicStationFigures(electionId, uikNumber(stationNumber));
  return {
    ...rest,
    official: official && { figures: official.figures, turnout: official.turnout, importedAt: new Date(official.imported_at) },
    votingDays: voting_days,
  };
}

export type RankQuery = { election?: number; region?: string; station?: string; limit?: number; offset?: number };

const RANK_PAGE = 50;

export const rankedStations = (ctx: AppContext, q: RankQuery) =>
  ctx.repos.counts.rankedStations({ election: q.election, region: q.region, station: q.station }, q.limit ?? RANK_PAGE, q.offset ?? 0);

/** One page of the ranked list for people, with the offsets of the pages before and after it (null: none). */
export async function rankedPage(ctx: AppContext, q: RankQuery) {
  const size = q.limit ?? RANK_PAGE;
  const offset = q.offset ?? 0;
  const rows = await rankedStations(ctx, { ...q, limit: size + 1 }); // one more says whether a next page exists
  return {
    items: rows.slice(0, size),
    previousOffset: offset > 0 ? Math.max(0, offset - size) : null,
    nextOffset: rows.length > size ? offset + size : null,
  };
}

/** The exports: every ranked station matching the filters (at most this many) with its discrepancies. */
export const MAX_EXPORT_STATIONS = 100_000;
export const rankedForExport = (ctx: AppContext, q: RankQuery) =>
  ctx.exportRepos.counts.rankedWithFigures({ election: q.election, region: q.region, station: q.station }, MAX_EXPORT_STATIONS);

/**
 * An election's distributions change with an import or a publication; over 100 000 stations they cost
 * more than a page may, so each is kept for a minute per process.
 */
const DISTRIBUTION_SECONDS = 60;
const distributions = new Map<number, { at: number; value: ReturnType<Repositories['counts']['officialDistribution']> }>();
export function electionDistribution(ctx: AppContext, electionId: number) {
  const now = ctx.clock.now().getTime();
  const kept = distributions.get(electionId);
  if (kept && now - kept.at < DISTRIBUTION_SECONDS * 1000) return kept.value;
  const value = ctx.repos.counts.officialDistribution(electionId);
  value.catch(() => distributions.delete(electionId));
  distributions.set(electionId, { at: now, value });
  return value;
}

export type { RankedStation, ImportRecord } from '../../db/counts.repo';
